"""A group's distributions as an iCalendar feed. The calendar is public (the group's page shows it), so the
feed needs no sign-in and no token: a member's calendar application subscribes to its address.

As the events' and the volunteers' feeds: times in Europe/Paris with its VTIMEZONE, a stable UID per
distribution (a subscribed calendar updates rather than duplicates), a cancelled distribution kept with
STATUS:CANCELLED (so the calendars that had it drop it rather than keep a pickup that will not happen)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from . import services
from .models import Group

# A month back: the last distributions stay in a calendar that refreshes, the older ones are history.
SINCE_DAYS = 31


def distributions_ical(group: Group) -> bytes:
    zone = timezone.get_default_timezone()
    calendar = Calendar()
    calendar.add("prodid", "-//Terroir//groups//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", _("%(group)s — distributions") % {"group": group.name})
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    host = settings.TERROIR_SITE_URL.split("//")[-1].split("/")[0]
    since = services.current_day() - dt.timedelta(days=SINCE_DAYS)
    stamp = timezone.now()
    for distribution in group.distributions.filter(date__gte=since).select_related("place").order_by("date"):
        distribution.group = group  # `where` falls back on the group's place: no query per row
        item = CalendarEvent()
        item.add("uid", f"terroir-distribution-{distribution.pk}@{host}")
        item.add("dtstamp", stamp)
        item.add("dtstart", dt.datetime.combine(distribution.date, distribution.starts_at, tzinfo=zone))
        item.add("dtend", dt.datetime.combine(distribution.date, distribution.ends_at, tzinfo=zone))
        item.add("summary", _("Distribution — %(group)s") % {"group": group.name})
        where = distribution.where
        if where is not None:
            item.add("location", ", ".join(part for part in (where.name, where.address) if part))
        if distribution.cancelled:
            item.add("status", "CANCELLED")
            if distribution.cancel_reason:
                item.add("description", distribution.cancel_reason)
        else:
            item.add("status", "CONFIRMED")
        item.add("url", settings.TERROIR_SITE_URL + reverse("groups:group", args=[group.pk]))
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return bytes(calendar.to_ical())
