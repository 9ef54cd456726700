"""A person's carpool data for the right of access, and what becomes of it when they erase their account
(registered with terroir.contributions.personal_data when the apps load).

The chain of responsibility outlives its people: who held the goods when must still read true for the
other parties (and an insurer) after one of them leaves. So what has not happened yet goes with the person
(their coming trips and their parcels not yet picked up are cancelled, the other sides' rides dropped),
and in what did happen the person is replaced by a **pseudonym**: an inactive account without address
or password named "anonyme-…", the same one across all their trips, parcels, handovers, signatures and
incidents, so that the chain still reads as one person's hands."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q

from . import services
from .models import Acceptance, Handover, Incident, Parcel, Pseudonym, Trip


def person_export(user: Any) -> dict[str, Any]:
    """What carpooling keeps about the person: trips driven, parcels sent or received, handovers signed."""
    return {
        "trips": [
            {"id": t.pk, "from": t.origin, "to": t.destination, "day": t.day.isoformat(), "cancelled": t.cancelled}
            for t in Trip.objects.filter(driver=user)
        ],
        "parcels": [
            {
                "id": p.pk,
                "what": p.description,
                "from": p.origin,
                "to": p.destination,
                "day": p.day.isoformat(),
                "sent": p.sender_id == user.pk,
                "status": p.status,
            }
            for p in Parcel.objects.filter(Q(sender=user) | Q(recipient=user))
        ],
        "handovers": [
            {
                "parcel": h.parcel_id,
                "rank": h.rank,
                "kind": h.kind,
                "at": h.at.isoformat(),
                "place": h.place,
                "gave": h.giver_id == user.pk,
            }
            for h in Handover.objects.filter(Q(giver=user) | Q(taker=user))
        ],
        "signatures": [{"handover": a.handover_id, "at": a.at.isoformat()} for a in Acceptance.objects.filter(by=user)],
    }


def _involved(user: Any) -> bool:
    return (
        Trip.objects.filter(driver=user).exists()
        or Parcel.objects.filter(Q(sender=user) | Q(recipient=user) | Q(holder=user)).exists()
        or Handover.objects.filter(Q(giver=user) | Q(taker=user)).exists()
        or Incident.objects.filter(Q(by=user) | Q(holder=user)).exists()
    )


def pseudonym_create() -> Pseudonym:
    account = get_user_model().objects.create_user(
        username=f"anonyme-{secrets.token_hex(5)}", email="", password=None, is_active=False
    )
    return Pseudonym.objects.create(user=account)


def person_erase(user: Any) -> Pseudonym | None:
    """Inside the erasure's transaction, before the account is deleted (whose PROTECT keys would refuse)."""
    if not _involved(user):
        return None
    for trip in Trip.objects.filter(driver=user, cancelled=False):
        services.trip_cancel(trip=trip, by=user)
    for parcel in Parcel.objects.filter(Q(sender=user) | Q(recipient=user), status__in=services.CHANGEABLE):
        services.parcel_cancel(parcel=parcel, by=parcel.sender)
    pseudonym = pseudonym_create()
    stand_in = pseudonym.user
    Trip.objects.filter(driver=user).update(driver=stand_in)
    for field in ("sender", "recipient", "holder"):
        Parcel.objects.filter(**{field: user}).update(**{field: stand_in})
    for model in (Handover, Acceptance, Incident):
        model.objects.pseudonymise(person=user, pseudonym=pseudonym)
    return pseudonym
