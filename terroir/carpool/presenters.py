"""Carpool facts in the reader's language: a ride explained, a reliability, why a parcel found no trip."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import get_language, gettext_lazy, ngettext
from django.utils.translation import gettext as _

from terroir.accounts.people import email_masked, name_of
from terroir.directory.models import Actor
from terroir.lib import hours_prose

from . import matching
from .models import Condition, Parcel, Pseudonym, Ride, RideStatus

if TYPE_CHECKING:
    from .matchmaking import Reliability

UNMATCHED = {
    matching.NO_TRIP_NEAR: gettext_lazy("no trip of that day passes near enough both places"),
    matching.COLD_CHAIN: gettext_lazy("trips pass nearby, but none keeps the cold chain this product needs"),
    matching.NO_ROOM: gettext_lazy("trips pass nearby, but none has the room, the time or the detour left"),
    matching.TAKEN: gettext_lazy("the trips that could take it are full with other parcels"),
}


def clock(value: object) -> str:
    return hours_prose.clock(value, get_language() or settings.LANGUAGE_CODE)  # type: ignore[arg-type]


def ride_explained(ride: Ride) -> str:
    """ "+6 min, réfrigéré, arrive à 10 h 40"."""
    return _("+%(minutes)s min, %(condition)s, arrives at %(time)s") % {
        "minutes": ride.added_minutes,
        "condition": Condition(ride.trip.condition).label,
        "time": clock(ride.arrives_at),
    }


def reliability_said(value: Reliability | None) -> str:
    if value is None or not value.planned:
        return _("no past trip recorded yet")
    return ngettext(
        "ran %(ran)s of %(planned)s planned day (%(share)s %%)",
        "ran %(ran)s of %(planned)s planned days (%(share)s %%)",
        value.planned,
    ) % {"ran": value.ran, "planned": value.planned, "share": round(100 * (value.share or 0))}


def unmatched_said(reason: str) -> str:
    return str(UNMATCHED.get(reason, "")) if reason else ""


def insiders(parcel: Parcel) -> frozenset[int]:
    """Who reads a recipient's address in full: the sender, who gave it, and whoever drives or carries the
    parcel to them (the drivers of its rides not declined, the givers of its handovers)."""
    drivers = Ride.objects.filter(parcel=parcel).exclude(status=RideStatus.DECLINED).values_list("trip__driver_id",
                                                                                                 flat=True)  # fmt: skip
    return frozenset({parcel.sender_id, *drivers, *parcel.handovers.values_list("giver_id", flat=True)})


def person_said(user: Any, *, parcel: Parcel | None, reader_id: int | None, insiders: frozenset[int],
                organisation: Actor | None = None) -> str:  # fmt: skip
    """A person of a trip or a parcel as the reader may know them: the name they gave, else the organisation
    they act for there (`organisation`: the trip's for its driver, the parcel's for its sender), else their
    first one (`accounts.people.name_of`) — never their login, made from their e-mail address. A recipient
    without an account is a guest account whose name (destinataire-…) says nothing: they are their e-mail,
    masked to others than the insiders. An erased person's pseudonym (anonyme-…) is what stands for them."""
    if parcel is not None and parcel.recipient_email and user.pk == parcel.recipient_id:
        return parcel.recipient_email if reader_id in insiders else email_masked(parcel.recipient_email)
    if not user.email and not user.is_active and Pseudonym.objects.filter(user_id=user.pk).exists():
        return str(user.get_username())
    if organisation is None and parcel is not None and user.pk == parcel.sender_id:
        organisation = parcel.organisation  # the sender acts for the parcel's organisation all along its chain
    return name_of(user, organisation=organisation)
