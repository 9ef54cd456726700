"""Who sees what of a producers' shop.

- Its managers: the people of the organisation that owns it, and the territory's coordinators: every
  page, every statement, the catalogue, the sales, the rota's settings.
- Its associates (people of an associate farm, or named on the rota): the shop's totals and the rota,
  and their own farm's statement. A farm that left the shop (its seller's last day is past) is no longer
  an associate: its people read their own statements (of the periods it sold in), nothing else.
- A depositor's people: their own statement only.
Anybody else: nothing (403; anonymous visitors are asked to sign in).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from terroir.accounts.permissions import actor_ids_of, is_coordinator

from .models import RotaMember, Seller, SellerKind, Shop


def is_manager(user: Any, shop: Shop) -> bool:
    return is_coordinator(user) or shop.owner_id in actor_ids_of(user)


def is_associate(user: Any, shop: Shop) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    ids, today = actor_ids_of(user), timezone.localdate()
    # Until their last day they are associates; after it, their people read their own statements only.
    current = Q(ended_on__isnull=True) | Q(ended_on__gte=today)
    if Seller.objects.filter(current, shop=shop, kind=SellerKind.ASSOCIATE, actor_id__in=ids).exists():
        return True
    on_rota = Q(seller__ended_on__isnull=True) | Q(seller__ended_on__gte=today)
    return RotaMember.objects.filter(on_rota, shop=shop, user_id=user.pk).exists()


def can_see_shop(user: Any, shop: Shop) -> bool:
    return is_manager(user, shop) or is_associate(user, shop)


def can_see_statement(user: Any, seller: Seller) -> bool:
    return is_manager(user, seller.shop) or seller.actor_id in actor_ids_of(user)


def shops_of(user: Any) -> tuple[list[Shop], list[Seller]]:
    """The shops a person may open, and the sellers whose statements they may read."""
    shops = Shop.objects.select_related("place", "owner")
    if is_coordinator(user):
        return list(shops), []
    ids = actor_ids_of(user)
    seen = [s for s in shops if s.owner_id in ids or is_associate(user, s)]
    sellers = list(Seller.objects.filter(actor_id__in=ids).select_related("shop__place", "actor"))
    return seen, sellers
