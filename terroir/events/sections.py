"""The coming events on pages of the directory (a producer's, a place's, the search page), which cannot
name this app: registered in `directory/extensions.py` when the app loads (`EventsConfig.ready`)."""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string

from terroir.directory.models import Actor, Place

from .models import Participation
from .services import upcoming


def _rendered(context: dict[str, Any]) -> str:
    return render_to_string("events/_upcoming.html", context)


def producer_section(producer: Actor) -> str:
    """ "Where to find me soon": the coming public events the producer takes part in."""
    rows = upcoming().filter(participations__producer=producer, participations__status=Participation.Status.ACCEPTED)
    return _rendered({"events": list(rows[:10]), "heading_id": "events-soon", "calendar": ("producer", producer.pk),
                      "heading": "producer"})  # fmt: skip


def place_section(place: Place) -> str:
    return _rendered({"events": list(upcoming().filter(place=place)[:10]), "heading_id": "events-here",
                      "calendar": ("place", place.pk), "heading": "place"})  # fmt: skip


def search_section(_: None) -> str:
    """Beside the map: the territory's next public events."""
    return _rendered({"events": list(upcoming()[:5]), "heading_id": "events-coming", "calendar": None,
                      "heading": "all"})  # fmt: skip
