"""Events in words, for pages, the map's layer and e-mails alike."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from terroir.directory.presenters import clock_text, moment_text


def when_said(starts_at: dt.datetime, ends_at: dt.datetime) -> str:
    """Dates in words, in the active language and the site's zone: "samedi 12 décembre 2026, 9 h – 18 h",
    or both days when the event lasts more than one."""
    starts, ends = timezone.localtime(starts_at), timezone.localtime(ends_at)
    end = clock_text(ends) if starts.date() == ends.date() else moment_text(ends)
    return f"{moment_text(starts)} – {end}"
