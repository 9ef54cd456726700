"""Whose logistics data a person sees: the carriers they act for (approved by a coordinator), or, for a
coordinator, everything. Every logistics page and the plans API read through here.

What is not theirs does not exist for them (404, not 403): an id of another carrier's order or run must not
even tell that it exists. A person acting for several carriers plans for one at a time, chosen on the
planner and remembered in their session.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest

from terroir.accounts.permissions import actor_ids_of, carrier_ids_of, is_coordinator
from terroir.directory.models import Actor

from .models import DeliveryOrder, DeliveryPreference, Depot, PlanningRun, RelayCandidate, SitingStudy, Vehicle

M = TypeVar("M", bound=Model)
SESSION_KEY = "logistics_org"
ALL = ""  # a coordinator's choice: the whole territory, every carrier's data and the rows of nobody


@dataclass(frozen=True)
class Desk:
    """The organisation a person plans for now, among those they may choose."""

    coordinator: bool
    carriers: tuple[Actor, ...]
    current: Actor | None  # None: a coordinator looking at the whole territory

    @property
    def choice(self) -> str:
        return str(self.current.pk) if self.current else ALL


def owned(queryset: QuerySet[M], user: Any, *, field: str = "owner") -> QuerySet[M]:
    """The rows the person may open: their carriers', or every row for a coordinator."""
    if is_coordinator(user):
        return queryset
    return queryset.filter(**{f"{field}_id__in": carrier_ids_of(user)})


def orders_of(user: Any) -> QuerySet[DeliveryOrder]:
    return owned(DeliveryOrder.objects.all(), user)


def runs_of(user: Any) -> QuerySet[PlanningRun]:
    return owned(PlanningRun.objects.all(), user)


def vehicles_of(user: Any) -> QuerySet[Vehicle]:
    return owned(Vehicle.objects.all(), user)


def depots_of(user: Any) -> QuerySet[Depot]:
    return owned(Depot.objects.all(), user, field="operator")


def carriers_for(user: Any) -> QuerySet[Actor]:
    """The organisations the person may plan for."""
    carriers = Actor.objects.filter(is_carrier=True).order_by("name")
    return carriers if is_coordinator(user) else carriers.filter(pk__in=carrier_ids_of(user))


def carrier_get(user: Any, organisation: int | str | None) -> Actor | None:
    """The carrier of this id the person may plan for; None is a coordinator's whole territory. Raises
    Http404 for an id that is not a carrier of theirs (or a member's None when they act for several)."""
    if organisation in (None, ALL):
        if is_coordinator(user):
            return None
        only = list(carriers_for(user)[:2])
        if len(only) != 1:
            raise Http404("say which carrier you plan for")
        return only[0]
    try:
        pk = int(organisation)
    except (TypeError, ValueError):
        raise Http404("no such carrier") from None
    found = carriers_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such carrier")
    return found


def desk(request: HttpRequest) -> Desk:
    """The carrier chosen with ?org= (remembered in the session), else the one remembered, else the
    person's first carrier (a coordinator: the whole territory)."""
    user = request.user
    carriers = tuple(carriers_for(user))
    coordinator = is_coordinator(user)
    asked = request.POST.get("org", request.GET.get("org")) or ALL
    remembered = {str(c.pk): c for c in carriers}.get(request.session.get(SESSION_KEY, ALL))
    current: Actor | None
    if asked != ALL:
        current = carrier_get(user, asked)
    elif coordinator:
        current = None if "org" in request.POST or "org" in request.GET else remembered
    else:
        current = remembered or (carriers[0] if carriers else None)
    request.session[SESSION_KEY] = str(current.pk) if current else ALL
    return Desk(coordinator=coordinator, carriers=carriers, current=current)


def on_desk(queryset: QuerySet[M], desk: Desk, *, field: str = "owner") -> QuerySet[M]:
    """The rows of the carrier being planned for (every row when a coordinator looks at the territory)."""
    if desk.current is None:
        return queryset if desk.coordinator else queryset.none()
    return queryset.filter(**{field: desk.current})


def candidates_of(user: Any) -> QuerySet[RelayCandidate]:
    return owned(RelayCandidate.objects.all(), user)


def studies_of(user: Any) -> QuerySet[SitingStudy]:
    return owned(SitingStudy.objects.all(), user)


def preference_producers_of(user: Any) -> QuerySet[Actor]:
    """The producers whose usual delivery choices the person sets: their own, every one for a coordinator."""
    rows = Actor.objects.filter(is_producer=True)
    return rows if is_coordinator(user) else rows.filter(pk__in=actor_ids_of(user))


def preferences_of(user: Any) -> QuerySet[DeliveryPreference]:
    """The usual choices the person reads: their producers' and those concerning their organisations as
    customers (how their goods come to them); every one for a coordinator."""
    rows = DeliveryPreference.objects.all()
    if is_coordinator(user):
        return rows
    mine = actor_ids_of(user)
    return rows.filter(Q(producer_id__in=mine) | Q(customer_id__in=mine))
