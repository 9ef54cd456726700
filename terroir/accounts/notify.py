"""Every e-mail Terroir sends (apart from allauth's own account messages, written in the recipient's chosen
language by terroir.accounts.adapter) goes out through `send` here;
the messages about contributions (claims, suggestions, reminders, roles) are written in
terroir.contributions.notify.

Django's e-mail backend is the boundary: the console by default, SMTP when EMAIL_HOST is set, the
in-memory outbox in tests. Messages are written in each person's language (`by_language`): the one they
chose (accounts.Preference), else the one they used (an event's), else the site's (French).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db.models.functions import Lower
from django.utils import translation
from django.utils.translation import gettext as _

from terroir.directory.french import elided
from terroir.lib.text import one_line

from .models import Preference


def languages_chosen(addresses: Iterable[str]) -> dict[str, str]:
    """The language each address's person chose (lower-cased address -> code); an address nobody with a
    choice uses is absent."""
    wanted = {address.lower() for address in addresses if address}
    if not wanted:
        return {}
    rows = Preference.objects.annotate(address=Lower("user__email")).filter(address__in=wanted)
    return dict(rows.values_list("address", "language"))


def by_language(to: Iterable[str], default: str = "") -> Iterator[list[str]]:
    """The addresses (once each, in their order) grouped by the language to write to them in — each
    person's choice, else `default` (a language they used), else the site's —, that language active while
    the caller writes the message for the group."""
    addresses = list(dict.fromkeys(address for address in to if address))
    chosen = languages_chosen(addresses)
    groups: dict[str, list[str]] = {}
    for address in addresses:
        groups.setdefault(chosen.get(address.lower()) or default or settings.LANGUAGE_CODE, []).append(address)
    for language, group in groups.items():
        with translation.override(language):
            yield group


def send(subject: str, body: str, to: Sequence[str]) -> int:
    recipients = [address for address in dict.fromkeys(to) if address]
    if not recipients:
        return 0
    # Subjects carry names typed by people or imported: a line break there makes Django refuse the header
    # (BadHeaderError), after the write that called for the e-mail. A subject is one line, whatever the data.
    subject = one_line(f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}", no_break=True)
    return send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def need_matched(*, need: Any, to: Sequence[str]) -> int:
    """To the producers that fit a newly published need (each separately: they do not see each other)."""
    sent = 0
    for addresses in by_language(to):
        subject = _("A buyer needs %(product)s near you") % {"product": need.category.name.lower()}
        body = _(
            "Hello,\n\n%(buyer)s published a need that fits what you produce: “%(title)s”.\n"
            "See it and answer (interested, an offer, or no) here:\n\n%(url)s\n"
        ) % {"buyer": need.buyer.name, "title": need.title, "url": settings.TERROIR_SITE_URL + need.get_absolute_url()}
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def needs_digest(*, to: str, producer: str, needs: Sequence[tuple[str, str, str]]) -> int:
    """`needs`: (title, buyer, address of its page) of the new open needs around the producer."""
    sent = 0
    for addresses in by_language([to]):
        subject = elided(_("New needs of buyers around %(producer)s") % {"producer": producer}, producer)
        lines = "\n".join(f"- {title} ({buyer}): {url}" for title, buyer, url in needs)
        body = _("Hello,\n\nThese buyers published needs that may interest %(producer)s:\n\n%(lines)s\n") % {
            "producer": producer,
            "lines": lines,
        }
        body = elided(body, producer)
        sent += send(subject, body, addresses)
    return sent


def event_invitation(*, event: Any, to: str, url: str) -> int:
    sent = 0
    for addresses in by_language([to]):
        subject = _("Invitation: %(title)s") % {"title": event.title}
        body = _(
            "Hello,\n\nYou are invited to “%(title)s” on %(date)s, where producers and buyers of the territory "
            "meet at tables of %(minutes)s minutes.\nSign in (or create your account and add your organisation), "
            "then open this link to take part and say whom you want to meet:\n\n%(url)s\n"
        ) % {"title": event.title, "date": event.date.strftime("%d/%m/%Y"), "minutes": event.slot_minutes, "url": url}
        sent += send(subject, body, addresses)
    return sent
