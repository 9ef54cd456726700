"""Coming events on pages of lower layers (the directory's producer, place and search pages), without
their views importing this app: the templates ask here."""

from __future__ import annotations

from typing import Any

from django import template

from terroir.directory.models import Actor, Place

from ..models import Participation
from ..services import upcoming

register = template.Library()


@register.inclusion_tag("events/_upcoming.html")
def events_of_producer(producer: Actor) -> dict[str, Any]:
    """ "Where to find me soon": the coming public events the producer takes part in."""
    rows = upcoming().filter(participations__producer=producer, participations__status=Participation.Status.ACCEPTED)
    return {"events": list(rows[:10]), "heading_id": "events-soon", "calendar": ("producer", producer.pk),
            "heading": "producer"}  # fmt: skip


@register.inclusion_tag("events/_upcoming.html")
def events_at_place(place: Place) -> dict[str, Any]:
    return {"events": list(upcoming().filter(place=place)[:10]), "heading_id": "events-here",
            "calendar": ("place", place.pk), "heading": "place"}  # fmt: skip


@register.inclusion_tag("events/_upcoming.html")
def events_coming() -> dict[str, Any]:
    """Beside the map: the territory's next public events."""
    return {"events": list(upcoming()[:5]), "heading_id": "events-coming", "calendar": None, "heading": "all"}
