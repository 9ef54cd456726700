"""Who sees what of the solidarity groceries' orders. Every role that opens another's data is granted by
somebody else, never taken: a coordinator names the funder and the groceries of a programme; a person acts
for a grocery, a producer or a funder through a membership of that organisation (confirmed by e-mail, a
member or a coordinator: accounts.Membership).

- The territory's coordinators: everything, and they create the programmes.
- A grocery's people (members of the organisation that runs the place): the grocery's orders and
  statements, its programmes' agreed prices; they place and cancel its orders.
- A producer's people: the orders made to that producer and its statements; they set its agreed prices,
  confirm, decline and deliver.
- A funder's people: the figures and orders of the programmes it funds, nothing else; they change nothing.
Anybody else: nothing (403; anonymous visitors are asked to sign in).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.models import Actor, Place, PlaceKind

from .models import Order, Programme


def is_grocery_member(user: Any, grocery: Place) -> bool:
    return grocery.operator_id is not None and grocery.operator_id in actor_ids_of(user)


def is_producer_member(user: Any, producer: Actor) -> bool:
    return producer.pk in actor_ids_of(user)


def is_funder_member(user: Any, programme: Programme) -> bool:
    return programme.funder_id in actor_ids_of(user)


def can_see_programme(user: Any, programme: Programme) -> bool:
    return is_coordinator(user) or is_funder_member(user, programme)


def can_see_grocery(user: Any, grocery: Place) -> bool:
    return is_coordinator(user) or is_grocery_member(user, grocery)


def can_order_for(user: Any, grocery: Place) -> bool:
    return can_see_grocery(user, grocery)


def can_see_producer(user: Any, producer: Actor) -> bool:
    return is_coordinator(user) or is_producer_member(user, producer)


def can_see_order(user: Any, order: Order) -> bool:
    return (
        is_coordinator(user) or is_grocery_member(user, order.grocery) or is_producer_member(user, order.producer)
        or is_funder_member(user, order.programme)
    )  # fmt: skip


def programmes_of(user: Any) -> QuerySet[Programme]:
    """The programmes whose figures a person reads."""
    found = Programme.objects.select_related("funder")
    return found if is_coordinator(user) else found.filter(funder_id__in=actor_ids_of(user))


def groceries_of(user: Any) -> QuerySet[Place]:
    """The solidarity groceries whose orders a person handles: those of a programme, run by their
    organisation (or all of a programme, for a coordinator)."""
    found = Place.objects.filter(solidarity_programmes__isnull=False).distinct().order_by("name")
    return found if is_coordinator(user) else found.filter(operator_id__in=actor_ids_of(user))


def producers_of(user: Any) -> QuerySet[Actor]:
    """The producers whose orders a person answers: their own, that a programme names or a grocery ordered
    from (a coordinator: all of those)."""
    found = Actor.objects.filter(is_producer=True).filter(
        Q(solidarity_supplied__isnull=False) | Q(solidarity_orders__isnull=False) | Q(solidarity_prices__isnull=False)
    ).distinct().order_by("name")  # fmt: skip
    return found if is_coordinator(user) else Actor.objects.filter(pk__in=actor_ids_of(user), is_producer=True)


def grocery_kinds() -> tuple[str, ...]:
    """The directory's kinds a programme's grocery may be: solidarity and citizen or cooperative groceries."""
    return (PlaceKind.SOLIDARITY_GROCERY.value, PlaceKind.COOPERATIVE_GROCERY.value)
