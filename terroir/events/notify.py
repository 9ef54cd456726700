"""Events' e-mails, through the one sender (terroir.accounts.notify.send): one message per person (nobody
sees the others' addresses), plain text, in the person's language: the one they chose
(terroir.accounts.notify.by_language), else the one they used — the organiser's people the language the
event was created in, a producer's people the one it was signed up in —, else the site's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from terroir.accounts.models import Membership
from terroir.accounts.notify import by_language, send

from .models import Event, Participation
from .presenters import when_said


def _addresses(actor_ids: Iterable[int]) -> list[str]:
    """The e-mail addresses of the active people acting for these organisations."""
    rows = Membership.objects.filter(actor_id__in=list(actor_ids), user__is_active=True).order_by("user_id")
    return [address for address in rows.values_list("user__email", flat=True) if address]


def _url(event: Event) -> str:
    return settings.TERROIR_SITE_URL + event.get_absolute_url()


def organiser_told(*, participation: Participation, what: str) -> int:
    """To the organiser's people: a producer signed up (to accept or refuse, unless the event is open to
    all) or withdrew."""
    event, producer = participation.event, participation.producer.name
    sent = 0
    for addresses in by_language(_addresses([event.organiser_id]), default=event.language):
        values = {"producer": producer, "title": event.title, "when": when_said(event.starts_at, event.ends_at),
                  "url": _url(event)}  # fmt: skip
        if what == "withdraw":
            subject = _("“%(title)s”: %(producer)s withdraws") % values
            body = _("Hello,\n\n%(producer)s no longer takes part in “%(title)s” (%(when)s).\n\n%(url)s\n") % values
        elif participation.status == Participation.Status.ACCEPTED:
            subject = _("“%(title)s”: %(producer)s signs up") % values
            body = (
                _(
                    "Hello,\n\n%(producer)s signed up to “%(title)s” (%(when)s) and takes part: the event is open to "
                    "every producer.\n\n%(url)s\n"
                )
                % values
            )
        else:
            subject = _("“%(title)s”: %(producer)s signs up") % values
            body = (
                _(
                    "Hello,\n\n%(producer)s signed up to “%(title)s” (%(when)s). Accept or refuse it on the event's "
                    "page:\n\n%(url)s\n"
                )
                % values
            )
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def _participants(event: Event) -> dict[str, str]:
    """Each person of a producer signed up (taking part or waiting for the organiser) once: address ->
    the language to write in."""
    languages: dict[str, str] = {}
    kept: dict[str, str] = {}
    signed = event.participations.filter(
        status__in=[Participation.Status.ACCEPTED, Participation.Status.PENDING]
    ).order_by("pk")
    for participation in signed:
        for address in _addresses([participation.producer_id]):
            if address.lower() not in languages:
                languages[address.lower()] = participation.language or settings.LANGUAGE_CODE
                kept[address] = languages[address.lower()]
    return kept


def participants_told(*, event: Event, what: str, before: dict[str, Any]) -> int:
    """To the producers' people signed up: the event moved (its dates or where: before and now) or is
    cancelled (with the organiser's reason)."""
    sent = 0
    for address, language in _participants(event).items():
        for addresses in by_language([address], default=language):
            values = {"title": event.title, "when": when_said(event.starts_at, event.ends_at), "where": event.where,
                      "organiser": event.organiser.name, "url": _url(event), "reason": event.cancel_reason}  # fmt: skip
            if what == "cancelled":
                subject = _("Cancelled: “%(title)s”") % values
                body = (
                    _(
                        "Hello,\n\n%(organiser)s cancelled “%(title)s” (%(when)s, %(where)s).\n"
                        "Reason: %(reason)s\n\n%(url)s\n"
                    )
                    % values
                )
            else:
                was = when_said(
                    dt.datetime.fromisoformat(before["starts_at"]), dt.datetime.fromisoformat(before["ends_at"])
                )
                values.update(was=was, was_where=before["where"])
                subject = _("Changed: “%(title)s”") % values
                body = (
                    _(
                        "Hello,\n\n%(organiser)s changed “%(title)s”, which you signed up to.\n\n"
                        "Before: %(was)s, %(was_where)s\nNow: %(when)s, %(where)s\n\n"
                        "If you can no longer come, withdraw on the event's page:\n\n%(url)s\n"
                    )
                    % values
                )
            sent += send(subject, body, addresses)
    return sent
