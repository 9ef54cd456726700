"""Carpool's e-mails, through the one sender (terroir.accounts.notify.send), in each person's language
(terroir.accounts.notify.by_language)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from terroir.accounts.notify import by_language, send

from .presenters import person_said, reliability_said, ride_explained

if TYPE_CHECKING:
    from .matchmaking import Reliability


def _url(path: str) -> str:
    return settings.TERROIR_SITE_URL + path


def ride_proposed(*, ride: Any, reliability: Reliability | None = None) -> int:
    """To the driver and to the sender, each on their own: a parcel fits a trip (and how often that trip
    really ran), please confirm. Nothing is written (nor its links made) for people without an address."""
    if not (ride.trip.driver.email or ride.parcel.sender.email):
        return 0
    sent = 0
    for addresses in by_language([ride.trip.driver.email, ride.parcel.sender.email]):
        parcel, trip = ride.parcel, ride.trip
        said = ride_explained(ride)
        subject = _("Carpool: “%(parcel)s” could ride on %(trip)s") % {"parcel": parcel.description, "trip": trip}
        body = _(
            "Hello,\n\nThe parcel “%(parcel)s” (%(origin)s → %(destination)s) fits the trip %(trip)s on %(date)s: "
            "%(said)s.\nThe trip's reliability: %(reliability)s.\nConfirm it (or decline) here:\n\n%(url)s\n"
        ) % {
            "parcel": parcel.description, "origin": parcel.origin, "destination": parcel.destination, "trip": trip,
            "date": ride.date.strftime("%d/%m/%Y"), "said": said, "url": _url(parcel.get_absolute_url()),
            "reliability": reliability_said(reliability),
        }  # fmt: skip
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def ride_confirmed(*, ride: Any) -> int:
    if not (ride.trip.driver.email or ride.parcel.sender.email or ride.parcel.recipient.email):
        return 0
    sent = 0
    for addresses in by_language([ride.trip.driver.email, ride.parcel.sender.email, ride.parcel.recipient.email]):
        parcel = ride.parcel
        subject = _("Carpool: “%(parcel)s” confirmed") % {"parcel": parcel.description}
        body = _("Hello,\n\nBoth sides confirmed: “%(parcel)s” rides on %(trip)s on %(date)s.\n\n%(url)s\n") % {
            "parcel": parcel.description, "trip": ride.trip, "date": ride.date.strftime("%d/%m/%Y"),
            "url": _url(parcel.get_absolute_url()),
        }  # fmt: skip
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def _giver(handover: Any) -> str:
    """Who hands the parcel over, as its pages name them (`presenters.person_said`), never by their login."""
    return person_said(handover.giver, parcel=handover.parcel, reader_id=None, insiders=frozenset())


def handover_waiting(*, handover: Any) -> int:
    """To the taker: sign to take the parcel over (until then the giver stays responsible)."""
    if not handover.taker.email:
        return 0  # an account without an address (the demo's people, a pseudonym): nobody to write to
    sent = 0
    for addresses in by_language([handover.taker.email]):
        parcel = handover.parcel
        subject = _("Carpool: sign for “%(parcel)s”") % {"parcel": parcel.description}
        body = _(
            "Hello,\n\n%(giver)s recorded handing you the parcel “%(parcel)s”. Check it and sign here; until you "
            "do, %(giver)s remains responsible for it:\n\n%(url)s\n"
        ) % {"giver": _giver(handover), "parcel": parcel.description,
             "url": _url(parcel.get_absolute_url())}  # fmt: skip
        sent += send(subject, body, addresses)
    return sent


def delivery_code(*, handover: Any, code: str, to: str) -> int:
    """To a recipient without an account: the code they give the person delivering, to sign for the parcel."""
    sent = 0
    for addresses in by_language([to]):
        parcel = handover.parcel
        subject = _("Carpool: your code to receive “%(parcel)s”") % {"parcel": parcel.description}
        body = _(
            "Hello,\n\n%(giver)s is delivering you the parcel “%(parcel)s” (%(origin)s → %(destination)s). When you "
            "have it and have checked it, give them this code: it signs for the parcel in your name, and from then "
            "on you are responsible for it.\n\n    %(code)s\n\nThe code is valid for 48 hours. If you did not "
            "expect this parcel, do not give the code.\n"
        ) % {"giver": _giver(handover), "parcel": parcel.description, "origin": parcel.origin,
             "destination": parcel.destination, "code": code}  # fmt: skip
        sent += send(subject, body, addresses)
    return sent
