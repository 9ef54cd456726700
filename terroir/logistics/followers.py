"""Apps above logistics follow its delivery orders without logistics importing them (terroir.supply makes
the carpool parcel of an order whose producer chose a carpool trip). They register when the apps load, as
apps register their reapers and locators; the planner's services call them on every write of an order.

- `saved(order=, before=, by=)`: after an order is written, inside its transaction (`before` is the row as
  it was, None for a new order). Raising ValidationError refuses the write: the order stays as it was.
- `leaving(ids=)`: before orders are deleted, inside the same transaction — by the planner's services, the
  admin, or the database's cascade when their producer or customer goes: `order_deleting` is a pre_delete
  receiver (connected in `LogisticsConfig.ready`), the one place a deletion reaches the followers, since a
  cascade never passes through a service.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .models import DeliveryOrder


@dataclass(frozen=True)
class Follower:
    saved: Callable[..., None]
    leaving: Callable[..., None]


_followers: list[Follower] = []


def follower_register(follower: Follower) -> None:
    if follower not in _followers:
        _followers.append(follower)


def order_saved(*, order: DeliveryOrder, before: DeliveryOrder | None, by: Any) -> None:
    for follower in _followers:
        follower.saved(order=order, before=before, by=by)


def orders_leaving(*, ids: Iterable[int]) -> None:
    ids = list(ids)
    for follower in _followers:
        follower.leaving(ids=ids)


def order_deleting(sender: type[DeliveryOrder], instance: DeliveryOrder, **kwargs: Any) -> None:
    orders_leaving(ids=[instance.pk])
