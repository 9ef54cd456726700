"""The JSON problem format of `plan_rounds` and of the planner (documented in docs/logistics.md), and the
plan written back. Every error names the order, vehicle or depot at fault.

A problem's size is bounded before the solver allocates anything for it (TERROIR_PLAN_MAX_*): its memory
grows with the vehicles (each of a `count`, every day they work) and with the square of the places; a
352-byte problem of `"count": 200000` took a server from 228 MB to 3.1 GB."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from terroir.lib.messages import Message

from .costs import VehicleType
from .routing import Base, Fleet, Job, Kind, OwnVehicle, Plan, Problem, ProblemError, Site, gettext_noop

DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

# Where a refusal is: the record (by its id, or by its position in its list when it has none), then the field.
# The keys are the format's own (docs/logistics.md), as the problem's author wrote them.
ORDER = gettext_noop("order %(order)s")
VEHICLE = gettext_noop("vehicle %(vehicle)s")
DEPOT = gettext_noop("depot %(depot)s")
FARM = gettext_noop("farm %(farm)s")
NUMBERED = gettext_noop("%(list)s, entry %(number)s")
FIELD = gettext_noop("%(where)s, %(field)s")
_MISSING = object()


def _field(where: Message, name: str) -> Message:
    return Message(FIELD, {"where": where, "field": name})


def _shown(value: Any) -> str:
    """A value of the problem as its author wrote it in JSON (a text as itself), to be quoted; cut when long."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _refused(template: str, where: Message, value: Any = _MISSING, **values: Any) -> ProblemError:
    """ProblemError of `template` (marked for the catalogue), `%(where)s` being `where`, `%(value)r` `value`."""
    if value is not _MISSING:
        values["value"] = _shown(value)
    return ProblemError(template, where=where, **values)


def _place(data: Any, where: Message) -> Site | None:
    if data is None:
        return None
    if not isinstance(data, dict):
        raise _refused(gettext_noop('%(where)s: a place is {"lat": …, "lon": …}, not %(value)r'), where, data)
    lat, lon = data.get("lat"), data.get("lon")
    if lat is None and lon is None:
        return Site(None, None)
    if (
        not isinstance(lat, int | float)
        or isinstance(lat, bool)
        or not isinstance(lon, int | float)
        or isinstance(lon, bool)
        or not (-90 <= lat <= 90 and -180 <= lon <= 180)
    ):
        raise ProblemError(
            gettext_noop("%(where)s: impossible coordinates (latitude %(lat)r, longitude %(lon)r)"),
            where=where, lat=_shown(lat), lon=_shown(lon),
        )  # fmt: skip
    return Site(float(lat), float(lon))


def _hhmm(value: Any, where: Message) -> int:
    """ "07:30" or seconds since midnight."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 7 * 24 * 3600:
        return value
    if isinstance(value, str) and len(value) == 5 and value[2] == ":" and value.replace(":", "").isdigit():
        hours, minutes = int(value[:2]), int(value[3:])
        if hours < 24 and minutes < 60:
            return hours * 3600 + minutes * 60
    raise _refused(gettext_noop("%(where)s: a time is written HH:MM (07:30), not %(value)r"), where, value)


def _window(data: Any, where: Message) -> tuple[int, int]:
    if data is None:
        return (0, 24 * 3600)
    if not isinstance(data, list | tuple) or len(data) != 2:
        raise _refused(gettext_noop('%(where)s: a time window is ["HH:MM", "HH:MM"], not %(value)r'), where, data)
    return (_hhmm(data[0], where), _hhmm(data[1], where))


def _days(data: Any, where: Message) -> tuple[int, ...]:
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
            raise _refused(gettext_noop("%(where)s: a day is 0–6 (0 = Monday) or mon…sun, not %(value)r"), where, value)
    if not days:
        raise ProblemError(gettext_noop("%(where)s: no day given"), where=where)
    return tuple(sorted(set(days)))


def _vehicle_type(value: Any, where: Message) -> str:
    known = [t.value for t in VehicleType]
    if not isinstance(value, str) or value not in known:
        raise _refused(gettext_noop("%(where)s: unknown vehicle type %(value)r (known: %(known)s)"), where, value,
                       known=", ".join(known))  # fmt: skip
    return str(value)


def _number(data: dict[str, Any], key: str, where: Message, default: Any = _MISSING, *, whole: bool = False) -> Any:
    """`data[key]` as a float (an int when `whole`), `default` when it is not given: a refusal names the field
    and quotes the value (Python's "could not convert string to float: 'x'" said nothing of where)."""
    value = data.get(key, default)
    if value is _MISSING:
        raise ProblemError(gettext_noop("%(where)s: %(field)s is missing"), where=where, field=key)
    if value is None and default is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise TypeError
        number = int(value) if whole else float(value)
    except (TypeError, ValueError, OverflowError):
        template = (
            gettext_noop("%(where)s: a whole number, not %(value)r")
            if whole
            else gettext_noop("%(where)s: a number, not %(value)r")
        )
        raise _refused(template, _field(where, key), value) from None
    if not whole and number != number:  # NaN: float("nan") is a float
        raise _refused(gettext_noop("%(where)s: a number, not %(value)r"), _field(where, key), value)
    return number


def _records(data: dict[str, Any], key: str, record: str, name: str) -> list[tuple[dict[str, Any], Message]]:
    """The objects of `data[key]`, each with where it is (`record`, a template naming it by its `name`, the
    id): an entry that is no object or has no id is refused by its position in the list."""
    items = data.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise ProblemError(gettext_noop("%(list)s: a list of objects, not %(value)r"), list=key, value=_shown(items))
    found = []
    for number, item in enumerate(items, 1):
        at = Message(NUMBERED, {"list": key, "number": number})
        if not isinstance(item, dict):
            raise _refused(gettext_noop("%(where)s: an object {…}, not %(value)r"), at, item)
        if item.get("id") is None or isinstance(item["id"], dict | list):
            raise ProblemError(gettext_noop("%(where)s: id is missing"), where=at)
        found.append((item, Message(record, {name: str(item["id"])})))
    return found


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


def _job(o: dict[str, Any], where: Message) -> Job:
    """One order of `orders` (or of `own_deliveries`)."""
    kind = o.get("kind", "shipment")
    if not isinstance(kind, str) or kind not in {k.value for k in Kind}:
        raise _refused(gettext_noop("%(where)s: unknown kind %(value)r (shipment, delivery, collection)"),
                       where, kind)  # fmt: skip
    delivery_service = _number(o, "delivery_service_min", where, None)
    return Job(
        id=str(o["id"]), kind=Kind(kind), kg=_number(o, "kg", where, 0),
        crates=_number(o, "crates", where, 0, whole=True),
        cold=bool(o.get("cold", False)), value=_number(o, "value", where, 0),
        pickup=_place(o.get("pickup"), _field(where, "pickup")),
        delivery=_place(o.get("delivery"), _field(where, "delivery")),
        pickup_window=_window(o.get("pickup_window"), _field(where, "pickup_window")),
        delivery_window=_window(o.get("delivery_window"), _field(where, "delivery_window")),
        service_s=int(_number(o, "service_min", where, 5) * 60), required=bool(o.get("required", True)),
        delivery_service_s=None if delivery_service is None else int(delivery_service * 60),
        prize=_number(o, "prize", where, 0), days=_days(o.get("days"), _field(where, "days")),
        release_s=_hhmm(o.get("release", 0), _field(where, "release")), producer=str(o.get("producer", "")),
        customer=str(o.get("customer", "")), via=str(o.get("via") or ""),
    )  # fmt: skip


def _vehicle(v: dict[str, Any], where: Message) -> Fleet:
    if v.get("depot") is None:
        raise ProblemError(gettext_noop("%(where)s: %(field)s is missing"), where=where, field="depot")
    hours = _window(v.get("hours"), _field(where, "hours"))
    co2 = _number(v, "co2_per_km", where, None)
    return Fleet(
        id=str(v["id"]), depot=str(v["depot"]), capacity_kg=_number(v, "capacity_kg", where),
        capacity_crates=_number(v, "capacity_crates", where, 2**62, whole=True),
        cold_kg=_number(v, "cold_kg", where, 0), count=_number(v, "count", where, 1, whole=True),
        per_km=_number(v, "per_km", where, 0.80), per_hour=_number(v, "per_hour", where, 15.0),
        fixed_per_day=_number(v, "fixed_per_day", where, 0.0), start_s=hours[0], end_s=hours[1],
        max_reloads=_number(v, "max_reloads", where, 0, whole=True),
        end_depot=None if v.get("end_depot") is None else str(v["end_depot"]),
        days=_days(v.get("days"), _field(where, "days")),
        vehicle_type=_vehicle_type(v.get("vehicle_type", "refrigerated_van"), _field(where, "vehicle_type")),
        co2_per_km=co2,
    )  # fmt: skip


def problem_from_json(data: Any) -> Problem:
    """The problem, or ProblemError naming what is wrong (the order, vehicle, depot or farm, and its field),
    or which of TERROIR_PLAN_MAX_* it exceeds."""
    if not isinstance(data, dict):
        raise ProblemError(gettext_noop("the problem is a JSON object with depots, vehicles and orders"))
    _lists_check(data)
    depots = [
        Base(str(d["id"]), _place(d.get("place"), _field(at, "place")) or Site(None, None),
             *_window(d.get("hours"), _field(at, "hours")))
        for d, at in _records(data, "depots", DEPOT, "depot")
    ]  # fmt: skip
    vehicles = [_vehicle(v, at) for v, at in _records(data, "vehicles", VEHICLE, "vehicle")]
    orders = [_job(o, at) for o, at in _records(data, "orders", ORDER, "order")]
    if data.get("own_deliveries") is not None and not isinstance(data["own_deliveries"], list):
        raise ProblemError(gettext_noop("own_deliveries is a list of orders, as orders"))
    own_deliveries = [_job(o, at) for o, at in _records(data, "own_deliveries", ORDER, "order")]
    farms_data = data.get("farms") or {}
    if not isinstance(farms_data, dict):
        raise ProblemError(gettext_noop('farms is {"producer": {"lat": …, "lon": …}}'))
    farms = {str(k): _place(v, Message(FARM, {"farm": str(k)})) or Site(None, None) for k, v in farms_data.items()}
    own_data = data.get("own_vehicle") or {}
    if not isinstance(own_data, dict):
        raise ProblemError(
            gettext_noop("own_vehicle is an object (per_km, per_hour, capacity_kg, vehicle_type, hours)")
        )
    own_at = Message.plain("own_vehicle")
    own_hours = _window(own_data.get("hours", ["06:00", "20:00"]), _field(own_at, "hours"))
    own = OwnVehicle(
        per_km=_number(own_data, "per_km", own_at, 0.60), per_hour=_number(own_data, "per_hour", own_at, 15.0),
        capacity_kg=_number(own_data, "capacity_kg", own_at, 800),
        vehicle_type=_vehicle_type(own_data.get("vehicle_type", "van"), _field(own_at, "vehicle_type")),
        start_s=own_hours[0], end_s=own_hours[1],
    )  # fmt: skip
    if farms:
        for order in [*orders, *own_deliveries]:
            if order.producer and order.producer not in farms:
                raise ProblemError(
                    gettext_noop("order %(order)s: unknown producer %(producer)r (not in farms)"),
                    order=order.id,
                    producer=order.producer,
                )
    transfer = data.get("transfer_min", 15)
    if not isinstance(transfer, int | float) or isinstance(transfer, bool) or not 0 <= transfer <= 24 * 60:
        raise ProblemError(
            gettext_noop("transfer_min: minutes between 0 and 1440, not %(value)r"), value=_shown(transfer)
        )
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
