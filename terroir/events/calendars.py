"""iCalendar feeds of events: the territory's public events, one producer's, one place's.

Times are written in Europe/Paris (the settings' zone) with its VTIMEZONE, so that a calendar shows a
market at 8 o'clock whatever the reader's own zone; the UID is the event's id and the site's host, stable
across downloads, so that a subscribed calendar updates an event instead of duplicating it. The icalendar
library escapes commas, semicolons and new lines in the texts.
"""

from __future__ import annotations

from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from .models import Event


def uid(event: Event) -> str:
    host = settings.TERROIR_SITE_URL.split("//")[-1].split("/")[0]
    return f"terroir-event-{event.pk}@{host}"


def ical(events: Iterable[Event], *, name: str) -> bytes:
    zone = ZoneInfo(settings.TIME_ZONE)
    calendar = Calendar()
    calendar.add("prodid", "-//Terroir//events//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    stamp = timezone.now()
    for event in events:
        item = CalendarEvent()
        item.add("uid", uid(event))
        item.add("dtstamp", stamp)
        item.add("dtstart", event.starts_at.astimezone(zone))
        item.add("dtend", event.ends_at.astimezone(zone))
        item.add("summary", event.title)
        item.add("location", event.where)
        if event.description:
            item.add("description", event.description)
        if event.position is not None:
            item.add("geo", event.position)
        item.add("url", settings.TERROIR_SITE_URL + event.get_absolute_url())
        item.add("status", "CANCELLED" if event.status == Event.Status.CANCELLED else "CONFIRMED")
        calendar.add_component(item)
    calendar.add_missing_timezones()
    return calendar.to_ical()
