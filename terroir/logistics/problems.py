"""The JSON problem format of `plan_rounds` and of the planner (documented in docs/logistics.md), and the
plan written back. Every error names the order, vehicle or depot at fault.

A problem's size is bounded before the solver allocates anything for it (TERROIR_PLAN_MAX_*): its memory
grows with the vehicles (each of a `count`, every day they work) and with the square of the places; a
352-byte problem of `"count": 200000` took a server from 228 MB to 3.1 GB."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .costs import VehicleType
from .routing import Base, Fleet, Job, Kind, OwnVehicle, Plan, Problem, ProblemError, Site

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _place(data: Any, where: str) -> Site | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise ProblemError(f'{where}: a place is {{"lat": …, "lon": …}}')
    lat, lon = data.get("lat"), data.get("lon")
    if lat is None and lon is None:
        return Site(None, None)
    if (
        not isinstance(lat, int | float)
        or not isinstance(lon, int | float)
        or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        raise ProblemError(f"{where}: impossible coordinates {lat!r}, {lon!r}")
    return Site(float(lat), float(lon))


def _hhmm(value: Any, where: str) -> int:
    """ "07:30" or seconds since midnight."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7 * 24 * 3600:
        return value
    if isinstance(value, str) and len(value) == 5 and value[2] == ":" and value.replace(":", "").isdigit():
        hours, minutes = int(value[:2]), int(value[3:])
        if hours < 24 and minutes < 60:
            return hours * 3600 + minutes * 60
    raise ProblemError(f'{where}: a time is "HH:MM", not {value!r}')


def _window(data: Any, where: str) -> tuple[int, int]:
    if data is None:
        return (0, 24 * 3600)
    if not isinstance(data, list | tuple) or len(data) != 2:
        raise ProblemError(f'{where}: a time window is ["HH:MM", "HH:MM"]')
    return (_hhmm(data[0], where), _hhmm(data[1], where))


def _days(data: Any, where: str) -> tuple[int, ...]:
    """[1, 2] or ["tue", "wed"] (0 / "mon" = Monday); a single day is a day."""
    if data is None:
        return (0,)
    values = data if isinstance(data, list) else [data]
    days = []
    for value in values:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
            days.append(value)
        elif isinstance(value, str) and value.lower()[:3] in DAY_NAMES:
            days.append(DAY_NAMES.index(value.lower()[:3]))
        else:
            raise ProblemError(f'{where}: a day is 0–6 (0 = Monday) or "mon"…"sun", not {value!r}')
    if not days:
        raise ProblemError(f"{where}: no day given")
    return tuple(sorted(set(days)))


def _vehicle_type(value: Any, where: str) -> str:
    if value not in {t.value for t in VehicleType}:
        raise ProblemError(f"{where}: unknown vehicle_type {value!r} ({', '.join(t.value for t in VehicleType)})")
    return str(value)


class ProblemTooLarge(ProblemError):
    """More vehicles, orders or places than TERROIR_PLAN_MAX_* allow."""


def _n(value: int) -> str:
    """A count as the reader's language writes it (1 000 000 in French)."""
    return number_format(value, force_grouping=True)


def _too_many(field: str, found: int, limit: int, setting: str) -> ProblemTooLarge:
    return ProblemTooLarge(
        _("%(field)s: %(found)s; at most %(limit)s are planned at once (%(setting)s)")
        % {"field": field, "found": _n(found), "limit": _n(limit), "setting": setting}
    )


def _lists_check(data: dict[str, Any]) -> None:
    """The lengths of the lists, before a record of them is read."""
    for field, setting in (
        ("vehicles", "TERROIR_PLAN_MAX_VEHICLES"), ("orders", "TERROIR_PLAN_MAX_ORDERS"),
        ("own_deliveries", "TERROIR_PLAN_MAX_ORDERS"),
        ("depots", "TERROIR_PLAN_MAX_LOCATIONS"), ("farms", "TERROIR_PLAN_MAX_LOCATIONS"),
    ):  # fmt: skip
        value, limit = data.get(field), getattr(settings, setting)
        if isinstance(value, list | dict) and len(value) > limit:
            raise _too_many(field, len(value), limit, setting)


def _size_check(problem: Problem) -> None:
    """Vehicles once each `count` is expanded, and the distinct places, before the solver sees them."""
    vehicles = sum(max(vehicle.count, 0) for vehicle in problem.vehicles)
    if vehicles > settings.TERROIR_PLAN_MAX_VEHICLES:
        raise _too_many("vehicles", vehicles, settings.TERROIR_PLAN_MAX_VEHICLES, "TERROIR_PLAN_MAX_VEHICLES")
    places = {depot.place for depot in problem.depots} | set(problem.farms.values())
    places.update(place for order in problem.orders for place in (order.pickup, order.delivery) if place is not None)
    if len(places) > settings.TERROIR_PLAN_MAX_LOCATIONS:
        raise _too_many("locations", len(places), settings.TERROIR_PLAN_MAX_LOCATIONS, "TERROIR_PLAN_MAX_LOCATIONS")


def _job(o: dict[str, Any]) -> Job:
    """One order of `orders` (or of `own_deliveries`); KeyError, TypeError and ValueError are the caller's."""
    where = f"order {o['id']}"
    kind = o.get("kind", "shipment")
    if kind not in {k.value for k in Kind}:
        raise ProblemError(f"{where}: unknown kind {kind!r} (shipment, delivery, collection)")
    return Job(
        id=str(o["id"]), kind=Kind(kind), kg=float(o.get("kg", 0)), crates=int(o.get("crates", 0)),
        cold=bool(o.get("cold", False)), value=float(o.get("value", 0)),
        pickup=_place(o.get("pickup"), where), delivery=_place(o.get("delivery"), where),
        pickup_window=_window(o.get("pickup_window"), where),
        delivery_window=_window(o.get("delivery_window"), where),
        service_s=int(o.get("service_min", 5) * 60), required=bool(o.get("required", True)),
        delivery_service_s=None if o.get("delivery_service_min") is None
        else int(o["delivery_service_min"] * 60),
        prize=float(o.get("prize", 0)), days=_days(o.get("days"), where),
        release_s=_hhmm(o.get("release", 0), where), producer=str(o.get("producer", "")),
        customer=str(o.get("customer", "")), via=str(o.get("via") or ""),
    )  # fmt: skip


def problem_from_json(data: Any) -> Problem:
    """The problem, or ProblemError naming what is wrong, or which of TERROIR_PLAN_MAX_* it exceeds."""
    if not isinstance(data, dict):
        raise ProblemError("the problem is a JSON object with depots, vehicles and orders")
    _lists_check(data)
    try:
        depots = [
            Base(str(d["id"]), _place(d.get("place"), f"depot {d['id']}") or Site(None, None),
                  *_window(d.get("hours"), f"depot {d['id']}"))
            for d in data.get("depots", [])
        ]  # fmt: skip
        vehicles = [
            Fleet(
                id=str(v["id"]), depot=str(v["depot"]), capacity_kg=float(v["capacity_kg"]),
                capacity_crates=int(v.get("capacity_crates", 2**62)), cold_kg=float(v.get("cold_kg", 0)),
                count=int(v.get("count", 1)), per_km=float(v.get("per_km", 0.80)),
                per_hour=float(v.get("per_hour", 15.0)), fixed_per_day=float(v.get("fixed_per_day", 0.0)),
                start_s=_window(v.get("hours"), f"vehicle {v['id']}")[0],
                end_s=_window(v.get("hours"), f"vehicle {v['id']}")[1],
                max_reloads=int(v.get("max_reloads", 0)),
                end_depot=None if v.get("end_depot") is None else str(v["end_depot"]),
                days=_days(v.get("days"), f"vehicle {v['id']}"),
                vehicle_type=_vehicle_type(v.get("vehicle_type", "refrigerated_van"), f"vehicle {v['id']}"),
                co2_per_km=None if v.get("co2_per_km") is None else float(v["co2_per_km"]),
            )
            for v in data.get("vehicles", [])
        ]  # fmt: skip
        orders = [_job(o) for o in data.get("orders", [])]
        own_list = data.get("own_deliveries") or []
        if not isinstance(own_list, list):
            raise ProblemError("own_deliveries is a list of orders, as orders")
        own_deliveries = [_job(o) for o in own_list]
        farms_data = data.get("farms") or {}
        if not isinstance(farms_data, dict):
            raise ProblemError('farms is {"producer": {"lat": …, "lon": …}}')
        farms = {str(k): _place(v, f"farm {k}") or Site(None, None) for k, v in farms_data.items()}
        own_data = data.get("own_vehicle") or {}
        if not isinstance(own_data, dict):
            raise ProblemError("own_vehicle is an object (per_km, per_hour, capacity_kg, vehicle_type, hours)")
        own_hours = _window(own_data.get("hours", ["06:00", "20:00"]), "own_vehicle")
        own = OwnVehicle(
            per_km=float(own_data.get("per_km", 0.60)), per_hour=float(own_data.get("per_hour", 15.0)),
            capacity_kg=float(own_data.get("capacity_kg", 800)),
            vehicle_type=_vehicle_type(own_data.get("vehicle_type", "van"), "own_vehicle"),
            start_s=own_hours[0], end_s=own_hours[1],
        )  # fmt: skip
    except KeyError as exc:
        raise ProblemError(f"a depot, vehicle or order lacks {exc.args[0]!r}") from None
    except (TypeError, ValueError) as exc:
        raise ProblemError(f"a value has the wrong type: {exc}") from None
    if farms:
        for order in [*orders, *own_deliveries]:
            if order.producer and order.producer not in farms:
                raise ProblemError(f"order {order.id}: unknown producer {order.producer!r} (not in farms)")
    transfer = data.get("transfer_min", 15)
    if not isinstance(transfer, int | float) or isinstance(transfer, bool) or not 0 <= transfer <= 24 * 60:
        raise ProblemError(f"transfer_min: minutes between 0 and 1440, not {transfer!r}")
    problem = Problem(depots=depots, vehicles=vehicles, orders=orders, farms=farms, own_vehicle=own,
                      transfer_s=int(transfer * 60), own_deliveries=own_deliveries)  # fmt: skip
    _size_check(problem)
    return problem


def plan_to_json(plan: Plan) -> dict[str, Any]:
    return {
        "km": round(plan.km, 3),
        "hours": round(plan.seconds / 3600, 3),
        "vehicles_used": len(plan.rounds),
        "feasible": plan.feasible,
        "rounds": [
            {
                "vehicle": r.vehicle,
                "day": r.day,
                "km": round(r.km, 3),
                "hours": round(r.seconds / 3600, 3),
                "trips": r.trips,
                "stops": [
                    {
                        "order": s.order,
                        "action": s.action,
                        "lat": s.place.lat,
                        "lon": s.place.lon,
                        "arrival_s": s.arrival_s,
                        "departure_s": s.departure_s,
                        "load_kg": s.load_kg,
                        "loaded": list(s.loaded),
                        "unloaded": list(s.unloaded),
                    }
                    | ({"transfer": s.transfer} if s.transfer else {})
                    for s in r.stops
                ],
            }
            for r in plan.rounds
        ],
        "unserved": [{"order": order, "reason": reason} for order, reason in plan.unserved],
        # Late in every plan: at least `late_s`; its goods at the customer at `earliest_s` at the soonest, its
        # window closing at `closes_s` (both seconds since the midnight of the day).
        "late_anyway": [
            {"order": order, "late_s": floor.late_s, "earliest_s": floor.arrives_s, "closes_s": floor.closes_s}
            for order, floor in plan.late_anyway
        ],
        # Late in all, at least `late_s`, once the orders only one vehicle can carry compete for its days
        # (feasibility.competition_floor): per vehicle, how many such orders and their least lateness.
        "late_together": None
        if plan.late_together is None
        else {
            "late_s": plan.late_together.late_s,
            "floors_s": plan.late_together.floors_s,
            "vehicles": [
                {"vehicle": vehicle, "late_s": late_s, "orders": plan.late_together.orders.get(vehicle, 0)}
                for vehicle, late_s in plan.late_together.vehicles.items()
                if late_s
            ],
        },
    }
