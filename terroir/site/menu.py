"""The account menu's entries of the capability apps, by whom they concern (docs/navigation.md).

Every app's entry stays one click away for every signed-in person, but only the people an app concerns see
it in the menu's line; the others find it under "More" (a <details>, which opens without JavaScript and
on a phone). The rules read several apps at once, so they live in `site`, the one layer allowed to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q
from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from terroir.accounts.permissions import actor_ids_of
from terroir.carpool.models import Parcel, Trip
from terroir.shops.models import RotaMember, Seller, Shop
from terroir.solidarity.models import Order as SolidarityOrder
from terroir.solidarity.models import Programme


@dataclass(frozen=True)
class Entry:
    key: str
    label: Any
    url: str


def shops_concern(user: Any) -> Q:
    """Those who run a shop (members of its owner), sell in one (associate or depositor) or staff it."""
    mine = list(actor_ids_of(user)) or [0]
    return (
        Q(Exists(Shop.objects.filter(owner_id__in=mine)))
        | Q(Exists(Seller.objects.filter(actor_id__in=mine)))
        | Q(Exists(RotaMember.objects.filter(user_id=OuterRef("pk"))))
    )


def carpool_concerns(user: Any) -> Q:
    """Those who already carpool: a trip they drive, a parcel they send, receive or hold. Anybody may
    start (under "More"); the others would only see an empty page."""
    person = OuterRef("pk")
    return Q(Exists(Trip.objects.filter(driver_id=person))) | Q(
        Exists(Parcel.objects.filter(Q(sender_id=person) | Q(recipient_id=person) | Q(holder_id=person)))
    )


def solidarity_concerns(user: Any) -> Q:
    """The people of a programme's funder, of a grocery it names, of a producer it names or that a grocery
    ordered from (the coordinators, who open programmes, find it under "More" with the others)."""
    mine = list(actor_ids_of(user)) or [0]
    return (
        Q(Exists(Programme.objects.filter(Q(funder_id__in=mine) | Q(groceries__operator_id__in=mine)
                                          | Q(producers__in=mine))))
        | Q(Exists(SolidarityOrder.objects.filter(producer_id__in=mine)))
    )  # fmt: skip


# (key, label, URL name, whom it concerns: a condition on the person's row), in the menu's order. A new
# capability app adds its line here.
APPS: list[tuple[str, Any, str, Callable[[Any], Q]]] = [
    ("shops", _("Shops"), "shops:list", shops_concern),
    ("solidarity", _("Solidarity groceries"), "solidarity:home", solidarity_concerns),
    ("carpool", _("Carpool"), "carpool:home", carpool_concerns),
]


def entries_of(user: Any) -> dict[str, list[Entry]]:
    """{"mine": the apps' entries that concern the person, "more": the others}, asked in one query."""
    split: dict[str, list[Entry]] = {"mine": [], "more": []}
    if not getattr(user, "is_authenticated", False):
        return split
    # Named apart from the person's own fields and relations.
    asked = {f"concerns_{key}": ExpressionWrapper(concerns(user), output_field=BooleanField())
             for key, _label, _url, concerns in APPS}  # fmt: skip
    answers = get_user_model().objects.filter(pk=user.pk).annotate(**asked).values(*asked).first() or {}
    for key, label, url_name, _concerns in APPS:
        split["mine" if answers.get(f"concerns_{key}") else "more"].append(Entry(key, label, reverse(url_name)))
    return split


def menu(request: HttpRequest) -> dict[str, Any]:
    """`app_menu` for templates/_nav.html, read only by a page that shows the menu."""
    user = getattr(request, "user", None)
    return {"app_menu": SimpleLazyObject(lambda: entries_of(user))}
