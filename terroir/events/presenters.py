"""Events in words, for pages, the map's layer and e-mails alike."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.formats import date_format


def when_said(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """Dates in words, in the active language and the site's zone: "samedi 12 décembre 2026, 09:00 – 18:00",
    or both days when the event lasts more than one."""
    starts, ends = timezone.localtime(starts_at), timezone.localtime(ends_at)
    start = date_format(starts, "l j F Y, H:i")
    end = date_format(ends, "H:i" if starts.date() == ends.date() else "l j F Y, H:i")
    return f"{start} – {end}"
