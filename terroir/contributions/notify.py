"""The e-mails about contributions: claims, suggestions, verification reminders, decisions on roles and
organisations handed over. They go out through terroir.accounts.notify.send (Django's e-mail backend)."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from terroir.accounts.models import RoleRequest
from terroir.accounts.notify import by_language, send
from terroir.directory.french import elided
from terroir.directory.models import Actor, Place

from .models import Claim, Suggestion


def claim_confirmation(claim: Claim, *, url: str) -> int:
    """To the address on file of the claimed entry: a link that makes the claimant its manager."""
    sent = 0
    for addresses in by_language([claim.sent_to]):
        subject = _("Do you manage %(name)s?") % {"name": claim.entry.name}
        body = _(
            "Hello,\n\n%(person)s asks to manage the entry “%(name)s” in the directory of %(territory)s.\n"
            "If this is you or somebody of your organisation, confirm it by opening this link while signed in "
            "as %(person)s (valid 7 days):\n\n%(url)s\n\n"
            "If you do not know this person, ignore this message: nothing will change.\n"
        ) % {
            "person": claim.user.email,
            "name": claim.entry.name,
            "territory": settings.TERROIR_TERRITORY_NAME,
            "url": url,
        }
        body = elided(body, settings.TERROIR_TERRITORY_NAME)
        sent += send(subject, body, addresses)
    return sent


def claim_for_managers(claim: Claim, *, to: Sequence[str], url: str) -> int:
    """To the members of the organisation behind a claimed entry (itself, or the one running the claimed
    place): they decide in their space."""
    place = claim.entry
    operator = claim.actor or getattr(place, "operator", None)
    sent = 0
    for addresses in by_language(to):
        subject = _("%(person)s asks to manage %(name)s") % {"person": claim.user.email, "name": place.name}
        body = _(
            "Hello,\n\n%(person)s asks to manage “%(name)s”, which %(organisation)s runs in the directory of "
            "%(territory)s. Accepting makes this person a member of %(organisation)s: they will edit it and all "
            "its places, as you do.\nAccept or reject the request in your space:\n\n%(url)s\n"
        ) % {
            "person": claim.user.email,
            "name": place.name,
            "organisation": operator.name if operator else "",
            "territory": settings.TERROIR_TERRITORY_NAME,
            "url": url,
        }
        body = elided(body, settings.TERROIR_TERRITORY_NAME, operator.name if operator else "")
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def claim_decided(claim: Claim) -> int:
    sent = 0
    for addresses in by_language([claim.user.email]):
        if claim.status == "confirmed":
            subject = _("You now manage %(name)s") % {"name": claim.entry.name}
            body = _("Your request to manage “%(name)s” was accepted. You can edit it from your space.\n")
        else:
            subject = _("Your request about %(name)s") % {"name": claim.entry.name}
            body = _("Your request to manage “%(name)s” was not accepted. Reply to a coordinator to know more.\n")
        sent += send(subject, body % {"name": claim.entry.name}, addresses)
    return sent


def organisation_handed(*, organisation: Actor, to: str, url: str) -> int:
    """To the person named to take over an organisation when its last member deleted their account."""
    sent = 0
    for addresses in by_language([to]):
        subject = _("You now manage %(name)s") % {"name": organisation.name}
        body = _(
            "Hello,\n\nThe last member of “%(name)s” deleted their account on %(territory)s and named you to take "
            "over: you now manage this organisation and its places. See them in your space:\n\n%(url)s\n"
        ) % {"name": organisation.name, "territory": settings.TERROIR_TERRITORY_NAME, "url": url}
        sent += send(subject, body, addresses)
    return sent


def role_request_decided(request: RoleRequest) -> int:
    """To the person who asked: their organisation has the role now, or not."""
    sent = 0
    for addresses in by_language([request.user.email]):
        values = {"name": request.actor.name, "role": request.get_role_display()}
        if request.status == "approved":
            subject = elided(_("%(name)s is now a %(role)s") % values, values["role"])
            body = _(
                "Hello,\n\nA coordinator approved your request: “%(name)s” is now a %(role)s of the platform. "
                "Its pooled rounds are planned at %(url)s\n"
            ) % (values | {"url": settings.TERROIR_SITE_URL + reverse("logistics:planner")})
            body = elided(body, values["role"])
        else:
            subject = _("Your request about %(name)s") % values
            body = (
                _(
                    "Hello,\n\nYour request that “%(name)s” be a %(role)s of the platform was not accepted. "
                    "Reply to a coordinator to know more.\n"
                )
                % values
            )
            body = elided(body, values["role"])
        sent += send(subject, body, addresses)
    return sent


def suggestion_received(suggestion: Suggestion, *, entry: Actor | Place, owners: Sequence[str], url: str) -> int:
    sent = 0
    for addresses in by_language(owners):
        subject = _("A correction is suggested for %(name)s") % {"name": entry.name}
        body = _("Somebody suggested a correction to “%(name)s”. Accept or reject it here:\n\n%(url)s\n") % {
            "name": entry.name,
            "url": url,
        }
        sent += send(subject, body, addresses)
    return sent


def suggestion_decided(suggestion: Suggestion) -> int:
    address = suggestion.email or (suggestion.by.email if suggestion.by else "")
    sent = 0
    for addresses in by_language([address]):
        if suggestion.status == "accepted":
            subject = _("Your correction was accepted")
            body = _("Thank you: your suggestion was accepted and the directory is up to date.\n")
        else:
            subject = _("Your correction was not accepted")
            body = _("Your suggestion was not accepted.\n")
            if suggestion.decision_note:
                body += "\n" + suggestion.decision_note + "\n"
        sent += send(subject, body, addresses)
    return sent


def verification_reminder(*, to: Sequence[str], entries: Sequence[tuple[str, str]], months: int) -> int:
    """`entries`: (name, address of its edit page) of each entry not confirmed for `months` months."""
    sent = 0
    for addresses in by_language(to):
        subject = _("Is your entry in the directory still true?")
        lines = "\n".join(f"- {name}: {url}" for name, url in entries)
        body = _(
            "Hello,\n\nNobody has confirmed these entries for %(months)s months. Please check them, correct what "
            "changed and press “Still true”:\n\n%(lines)s\n"
        ) % {"months": months, "lines": lines}
        sent += send(subject, body, addresses)
    return sent
