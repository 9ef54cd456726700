"""The solidarity orders' e-mails, through the one sender (terroir.accounts.notify.send), in each
person's language: a new order to the producer's people, the producer's answer and the delivery to the
grocery's people."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from terroir.accounts.models import Membership
from terroir.accounts.notify import by_language, send
from terroir.directory import numbers
from terroir.directory.french import elided

from .models import Order


def _people_of(actor_id: int | None) -> list[str]:
    if actor_id is None:
        return []
    return list(Membership.objects.filter(actor_id=actor_id).values_list("user__email", flat=True))


def order_placed(*, order: Order) -> int:
    """To the producer's people: an order to confirm or decline."""
    sent = 0
    for addresses in by_language(_people_of(order.producer_id)):
        subject = elided(_("Solidarity order from %(grocery)s") % {"grocery": order.grocery.name}, order.grocery.name)
        body = _(
            "Hello,\n\n%(grocery)s ordered from you at the agreed prices (%(amount)s, of which the partner pays "
            "%(partner)s). Confirm or decline it here:\n\n%(url)s\n"
        ) % {"grocery": order.grocery.name, "amount": numbers.money(order.amount),
             "partner": numbers.money(order.partner_share),
             "url": settings.TERROIR_SITE_URL + order.get_absolute_url()}  # fmt: skip
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent


def order_changed(*, order: Order) -> int:
    """To the grocery's people: the producer confirmed, declined or delivered their order."""
    sent = 0
    for addresses in by_language(_people_of(order.grocery.operator_id)):
        subject = _("Your order from %(producer)s: %(status)s") % {
            "producer": order.producer.name, "status": order.get_status_display(),
        }  # fmt: skip
        body = _("Hello,\n\nYour order from %(producer)s is %(status)s (%(amount)s, of which the partner pays "
                 "%(partner)s).\n\n%(url)s\n") % {
            "producer": order.producer.name, "status": order.get_status_display(),
            "amount": numbers.money(order.amount), "partner": numbers.money(order.partner_share),
            "url": settings.TERROIR_SITE_URL + order.get_absolute_url(),
        }  # fmt: skip
        sent += sum(send(subject, body, [address]) for address in addresses)
    return sent
