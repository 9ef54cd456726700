"""Planning the week's pooled rounds from the platform: the problem built from the chosen vehicles and
orders (the JSON format of docs/logistics.md, which the API takes too), the run as a task on the worker
with its progress in the database, and the plan with its costs, status quo and sharing kept on the run."""

from __future__ import annotations

import datetime
import math
import time
import traceback
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from terroir.directory import background
from terroir.directory.models import Actor

from . import evaluate, followers, problems, routing
from .distances import Estimate, OsrmTable
from .models import (
    DAYS_ALL,
    DeliveryMode,
    DeliveryOrder,
    DeliveryPreference,
    Depot,
    OrderKind,
    PlanningRun,
    RunStatus,
    Vehicle,
    WorkerRun,
)

MAX_TIME_LIMIT_S = 120.0
MAX_RUNNING = 2  # plans computed at once per carrier (each takes a core for its time limit)


class PlannerBusy(Exception):
    """Too many plans are being computed: try again when one ends."""


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def days_of(mask: int) -> list[int]:
    return [d for d in range(7) if mask & (1 << d)]


def _hhmm(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def _point(lat: float | None, lon: float | None) -> dict[str, float | None]:
    return {"lat": lat, "lon": lon}


def _postal(entry: Any) -> str:
    """The address a driver looks for, "3 place du Livradois, 63600 Ambert": a street is found in its commune."""
    town = " ".join(part for part in (entry.postcode, entry.commune.name if entry.commune_id else "") if part)
    return ", ".join(part for part in (entry.address, town) if part)


def problem_for_week(
    vehicles: Iterable[Vehicle], orders: Iterable[DeliveryOrder]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The problem (docs/logistics.md) and the labels that turn its ids back into names and contacts.
    Orders follow their producer's choice: a relay order passes through its platform (`via`, planned in two
    echelons), and those the producer delivers themselves or by carpool stay out of the rounds; the labels
    list them (`outside`) so that the run says who carries them, and those the producer delivers are the
    problem's `own_deliveries`, costed as the producer's own rounds beside the pooled cost."""
    problem: dict[str, Any] = {"depots": [], "vehicles": [], "orders": [], "farms": {}, "own_deliveries": []}
    labels: dict[str, Any] = {"depots": {}, "vehicles": {}, "orders": {}, "parties": {}, "outside": []}
    depots_seen: set[int] = set()

    def depot_add(stop: Depot | None) -> None:
        if stop is not None and stop.pk not in depots_seen:
            depots_seen.add(stop.pk)
            problem["depots"].append({"id": f"d{stop.pk}", "place": _point(stop.lat, stop.lon),
                                      "hours": [_hhmm(stop.opens), _hhmm(stop.closes)]})  # fmt: skip
            labels["depots"][f"d{stop.pk}"] = {"name": stop.name, "address": stop.address}

    for vehicle in vehicles:
        depot = vehicle.depot
        depot_add(depot)
        depot_add(vehicle.end_depot)
        problem["vehicles"].append({
            "id": f"v{vehicle.pk}", "depot": f"d{depot.pk}",
            "end_depot": f"d{vehicle.end_depot_id}" if vehicle.end_depot_id else None,
            "vehicle_type": vehicle.vehicle_type,
            "capacity_kg": vehicle.capacity_kg, "capacity_crates": vehicle.capacity_crates or 2**62,
            "cold_kg": vehicle.cold_kg, "per_km": float(vehicle.per_km), "per_hour": float(vehicle.per_hour),
            "fixed_per_day": float(vehicle.fixed_per_day), "hours": [_hhmm(vehicle.starts), _hhmm(vehicle.ends)],
            "days": days_of(vehicle.weekdays) or days_of(DAYS_ALL), "max_reloads": vehicle.max_reloads,
        })  # fmt: skip
        labels["vehicles"][f"v{vehicle.pk}"] = {"name": vehicle.name, "driver": vehicle.driver,
                                                "phone": vehicle.driver_phone}  # fmt: skip
    for order in orders:
        producer, customer = order.producer, order.customer
        if not order.planned:
            labels["outside"].append({"order": f"o{order.pk}", "mode": order.delivery_mode,
                                      "producer": producer.name, "customer": customer.name if customer else "",
                                      "goods": order.description, "kg": float(order.kg),
                                      "value": float(order.value)})  # fmt: skip
            if order.delivery_mode == DeliveryMode.CARPOOL:
                continue  # the trip's price rule says what it costs, in the carpooling app
        labels["parties"][f"p{producer.pk}"] = producer.name
        problem["farms"][f"p{producer.pk}"] = _point(producer.lat, producer.lon)
        entry: dict[str, Any] = {
            "id": f"o{order.pk}", "kind": order.kind, "producer": f"p{producer.pk}", "kg": float(order.kg),
            "crates": order.crates, "cold": order.cold, "value": float(order.value),
            "service_min": order.service_min, "days": days_of(order.weekdays) or days_of(DAYS_ALL),
            "required": order.required,
        }  # fmt: skip
        if not order.required:
            entry["prize"] = float(order.value)
        where = order.delivery_place
        address = _postal(where) if where else (_postal(customer) if customer else "")
        if order.kind in (OrderKind.SHIPMENT, OrderKind.COLLECTION):
            entry["pickup"] = _point(producer.lat, producer.lon)
            entry["pickup_window"] = [_hhmm(order.pickup_opens), _hhmm(order.pickup_closes)]
        if order.kind in (OrderKind.SHIPMENT, OrderKind.DELIVERY):
            lat, lon = (where.lat, where.lon) if where else ((customer.lat, customer.lon) if customer else (None, None))
            entry["delivery"] = _point(lat, lon)
            entry["delivery_window"] = [_hhmm(order.delivery_opens), _hhmm(order.delivery_closes)]
        if order.kind == OrderKind.DELIVERY and order.ready_at:
            entry["release"] = _hhmm(order.ready_at)
        if order.delivery_mode == DeliveryMode.RELAY and order.relay is not None:
            depot_add(order.relay)
            entry["via"] = f"d{order.relay.pk}"
        if customer is not None:
            entry["customer"] = f"c{customer.pk}"
            labels["parties"][f"c{customer.pk}"] = customer.name
        # The producer's own deliveries are costed as their own rounds, beside the pooled ones, not planned.
        problem["orders" if order.planned else "own_deliveries"].append(entry)
        labels["orders"][f"o{order.pk}"] = {
            "goods": order.description, "producer": producer.name, "producer_phone": producer.phone,
            "producer_address": _postal(producer), "customer": customer.name if customer else "",
            "customer_phone": customer.phone if customer else "", "address": address,
            "place": where.name if where else "",
        }  # fmt: skip
    return problem, labels


def run_start(
    problem: dict[str, Any], *, by: Any, week: datetime.date | None = None, labels: dict[str, Any] | None = None,
    time_limit_s: float = 10.0, background: bool = True, owner: Actor | None = None,
) -> PlanningRun:  # fmt: skip
    """Check the problem (ProblemError names what is wrong, or the limit on its size it exceeds), keep it on
    a run of `owner` (the carrier planning; None: the coordinators), and plan it. Each carrier has its own
    MAX_RUNNING slots, so that nobody can keep another's plans waiting."""
    parsed = problems.problem_from_json(problem)
    if not parsed.orders:
        raise routing.ProblemError(gettext_noop("no order to plan"))
    routing.problem_check(parsed)
    runs_reap()
    # Runs waiting longer than this wait for a worker that is not running: they do not hold a slot.
    recent = timezone.now() - datetime.timedelta(seconds=MAX_TIME_LIMIT_S + settings.TERROIR_TASK_LEASE_S)
    mine = PlanningRun.objects.filter(owner=owner)  # slots are counted per carrier (None: the coordinators')
    busy = mine.filter(status=RunStatus.RUNNING) | mine.filter(status=RunStatus.QUEUED, created_at__gte=recent)
    if busy.count() >= MAX_RUNNING:
        raise PlannerBusy()
    time_limit_s = float(time_limit_s)
    time_limit_s = min(max(time_limit_s, 1.0), MAX_TIME_LIMIT_S) if math.isfinite(time_limit_s) else 10.0
    run = PlanningRun.objects.create(
        week=week, owner=owner, created_by=by if getattr(by, "pk", None) else None, problem=problem,
        labels=labels or {},
        time_limit_s=time_limit_s, stage="queued",
    )  # fmt: skip
    if background:
        transaction.on_commit(lambda: _enqueue(run.pk))
    else:
        run_execute(run.pk)
        run.refresh_from_db()
    return run


def _enqueue(run_id: int) -> None:
    from .tasks import plan_compute  # the task module imports this one

    plan_compute.enqueue(run_id)


def dead_runs_fail(model: type[WorkerRun]) -> int:
    """Fail the runs of `model` whose worker died (its process is gone, or it has not said it is alive for
    longer than TERROIR_TASK_LEASE_S): they would otherwise stay "running" and hold a slot forever."""
    stale = timezone.now() - datetime.timedelta(seconds=settings.TERROIR_TASK_LEASE_S)
    running = model._default_manager.filter(status=RunStatus.RUNNING)
    return background.dead_runs_fail(running, alive_at=["heartbeat_at", "created_at"], before=stale,
                                     status=RunStatus.FAILED)  # fmt: skip


def runs_reap() -> int:
    """Fail the planning runs whose worker died."""
    return dead_runs_fail(PlanningRun)


def distances_provider() -> Estimate | OsrmTable:
    """The provider of road distances the settings choose."""
    estimate = Estimate(circuity=settings.TERROIR_ROAD_FACTOR, speed_kmh=settings.TERROIR_AVERAGE_SPEED_KMH)
    if settings.TERROIR_ROUTING_URL:
        return OsrmTable(
            url=settings.TERROIR_ROUTING_URL, timeout_s=settings.TERROIR_ROUTING_TIMEOUT_S, fallback=estimate
        )
    return estimate


def run_execute(run_id: int) -> None:
    """Plan a run: distances, search (most of the time limit), then costs, status quo and sharing."""
    run = PlanningRun.objects.get(pk=run_id)
    runs = PlanningRun.objects.filter(pk=run_id)
    runs.update(status=RunStatus.RUNNING, stage="distances", fraction=0.0, heartbeat_at=timezone.now())
    try:
        problem = problems.problem_from_json(run.problem)
        distances = distances_provider()

        def told(fraction: float) -> None:
            runs.update(stage="search", fraction=round(0.05 + 0.8 * fraction, 3), heartbeat_at=timezone.now())

        started = time.perf_counter()
        result = routing.plan(problem, matrix_for=distances.matrix, seconds=run.time_limit_s, progress=told)
        runs.update(stage="costs", fraction=0.86)
        report = evaluate.evaluate(problem, result, matrix_for=distances.matrix)
        document = problems.plan_to_json(result) | {"seconds": round(time.perf_counter() - started, 2)}
        runs.update(status=RunStatus.DONE, stage="done", fraction=1.0, plan=document,
                    report=evaluate.report_to_json(report), finished_at=timezone.now())  # fmt: skip
    except routing.ProblemError as exc:
        # Kept as its message, said in the reader's language when read (not the worker's: views.run_error_text).
        runs.update(status=RunStatus.FAILED, stage="failed", error=background.error_stored(exc.message),
                    finished_at=timezone.now())  # fmt: skip
    except Exception as exc:  # the page must learn that the run ended, whatever ended it
        traceback.print_exc()
        runs.update(status=RunStatus.FAILED, stage="failed", error=background.unexpected_stored(exc),
                    finished_at=timezone.now())  # fmt: skip


def depot_save(*, depot: Depot, operator: Actor | None) -> Depot:
    """Keep a depot. A new one belongs to `operator` (the carrier on the desk); an existing one keeps its
    carrier whatever is asked."""
    with transaction.atomic():
        if depot.pk is None:
            depot.operator = operator
        depot.full_clean()
        depot.save()
    return depot


def vehicle_save(*, vehicle: Vehicle, owner: Actor | None) -> Vehicle:
    """Keep a vehicle. A new one belongs to `owner`; it starts and ends its day only at depots of its own
    carrier (ValidationError on the field otherwise): another carrier's depot is not a place to park."""
    with transaction.atomic():
        if vehicle.pk is None:
            vehicle.owner = owner
        foreign = _("This depot is not one of your carrier's.")
        for field in ("depot", "end_depot"):
            depot = getattr(vehicle, field)
            if depot is not None and depot.operator_id != vehicle.owner_id:
                raise ValidationError({field: foreign})
        vehicle.full_clean()
        vehicle.save()
    return vehicle


def order_save(*, order: DeliveryOrder, by: Any = None, usual: bool = False) -> DeliveryOrder:
    """Keep a delivery order (checked like the order form's): how the order form and other apps put orders in
    the planner (terroir.supply's agreements make the weeks' orders of an accepted need). A new order `usual`
    takes its producer's standing choice for its customer (preferences_apply). The apps that follow orders
    (`followers`) see the change and may refuse it (ValidationError: nothing is kept)."""
    with transaction.atomic():
        if usual and order.pk is None:
            preferences_apply([order])
        before = DeliveryOrder.objects.filter(pk=order.pk).first() if order.pk else None
        order.week = monday(order.week)
        order.full_clean()
        order.save()
        followers.order_saved(order=order, before=before, by=by)
    return order


def orders_create(*, orders: list[DeliveryOrder], by: Any = None, usual: bool = False) -> list[DeliveryOrder]:
    """Put many new orders in the planner at once, each checked like one saved alone; `usual`: each takes
    its producer's standing choice for its customer (preferences_apply)."""
    with transaction.atomic():
        if usual:
            preferences_apply(orders)
        for order in orders:
            order.week = monday(order.week)
            order.full_clean()
        made = DeliveryOrder.objects.bulk_create(orders)
        for order in made:
            followers.order_saved(order=order, before=None, by=by)
        return made


def orders_delete(*, ids: Iterable[int]) -> int:
    """Take orders out of the planner (plans already made keep their own copy of the problem); the apps that
    follow orders let go of each first (`followers.order_deleting`, on every deletion, a cascade's too)."""
    ids = list(ids)
    with transaction.atomic():
        deleted, _rows = DeliveryOrder.objects.filter(pk__in=ids).delete()
    return deleted


# --- A producer's standing choice per customer -----------------------------------------------------


def preferences_apply(orders: Iterable[DeliveryOrder]) -> None:
    """Give each order its producer's usual way of delivering its customer (DeliveryPreference), in one
    query: the pooled round when there is none; a relay platform only for goods from the farm to the
    customer (the others then go by the pooled round)."""
    orders = list(orders)
    pairs = {(o.producer_id, o.customer_id) for o in orders if o.customer_id is not None}
    found: dict[tuple[int, int], DeliveryPreference] = {}
    if pairs:
        rows = DeliveryPreference.objects.filter(producer_id__in={p for p, _c in pairs},
                                                 customer_id__in={c for _p, c in pairs})  # fmt: skip
        found = {(r.producer_id, r.customer_id): r for r in rows.select_related("relay")}
    for order in orders:
        preference = found.get((order.producer_id, order.customer_id)) if order.customer_id else None
        mode, relay = (preference.delivery_mode, preference.relay) if preference else (DeliveryMode.POOLED, None)
        if mode == DeliveryMode.RELAY and order.kind != OrderKind.SHIPMENT:
            mode, relay = DeliveryMode.POOLED, None
        order.delivery_mode, order.relay = mode, relay


def preference_set(
    *, producer: Actor, customer: Actor, mode: str, relay: Depot | None = None, by: Any = None
) -> DeliveryPreference:
    """Set how `producer` usually delivers `customer` (checked by the order's rule: a relay platform named
    when, and only when, the goods pass through one). Orders already made keep theirs."""
    with transaction.atomic():
        preference = DeliveryPreference.objects.select_for_update().filter(producer=producer, customer=customer).first()
        preference = preference or DeliveryPreference(producer=producer, customer=customer)
        preference.delivery_mode, preference.relay = mode, relay
        preference.updated_by = by if getattr(by, "pk", None) else None
        preference.updated_at = timezone.now()
        preference.full_clean()
        preference.save()
    return preference


def preferences_set(*, producer: Actor, choices: list[tuple[Actor, str, Depot | None]], by: Any = None) -> int:
    """Several customers' usual choices at once, all or none: a ValidationError's keys are `mode_<customer
    id>` and `relay_<customer id>`. How many were set."""
    errors: dict[str, list[str]] = {}
    with transaction.atomic():
        for customer, mode, relay in choices:
            try:
                preference_set(producer=producer, customer=customer, mode=mode, relay=relay, by=by)
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    key = "relay" if field == "relay" else "mode"
                    errors.setdefault(f"{key}_{customer.pk}", []).extend(messages)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    return len(choices)


def preference_delete(*, preference: DeliveryPreference) -> None:
    """Back to the default: the pooled round (orders already made keep theirs)."""
    with transaction.atomic():
        preference.delete()
