"""The demo territory's coming events: a special date at some of its markets and a local-product day at some
of its shops and supermarkets, their producers taking part. Organised by the place's operator, or by one of
its producers; deleted with the demo's actors when the demo is loaded again (the organiser's events and the
producers' participations go with them)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from terroir.directory.models import Place, PlaceKind

from .models import Event, Participation

KINDS = {
    PlaceKind.MARKET: (Event.Kind.MARKET_DAY, "Marché de fête", 8, 5),
    PlaceKind.PRODUCERS_SHOP: (Event.Kind.LOCAL_PRODUCT_DAY, "Journée des producteurs", 9, 8),
    PlaceKind.SUPERMARKET: (Event.Kind.LOCAL_PRODUCT_DAY, "Journée produits locaux", 9, 9),
}
PER_KIND = 3


@transaction.atomic
def events_demo_load(*, places: QuerySet[Place] | None = None, now: dt.datetime | None = None) -> int:
    """Published events at the first places of each kind (by source reference, so the same at each load),
    one a week from next week on; returns how many were made."""
    places = Place.objects.filter(source="demo") if places is None else places
    today = timezone.localtime(now).date()
    made = 0
    for kind, (event_kind, title, hour, hours) in KINDS.items():
        chosen = places.filter(kind=kind).prefetch_related("producers").order_by("source_ref", "pk")
        for n, place in enumerate(p for p in chosen[: PER_KIND * 3] if p.producers.exists()):
            if n == PER_KIND:
                break
            producers = list(place.producers.order_by("pk"))
            start = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(weeks=1 + made), dt.time(hour)))
            event = Event.objects.create(
                title=f"{title} — {place.name}", kind=event_kind, organiser=place.operator or producers[0],
                place=place, commune=place.commune, starts_at=start, ends_at=start + dt.timedelta(hours=hours),
                status=Event.Status.PUBLISHED, published_at=timezone.now(),
                description="Dégustations, rencontres avec les producteurs, vente directe.",
            )  # fmt: skip
            Participation.objects.bulk_create(
                Participation(event=event, producer=p, status=Participation.Status.ACCEPTED) for p in producers[:6]
            )
            made += 1
    return made
