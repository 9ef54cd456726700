"""The demo territory's cooperative week (terroir.logistics.scenario): a cutting workshop run by a
cooperative (a carrier), its refrigerated truck and van, the week's orders from fifteen of the demo's
producers to forty buyers (canteens, shops, supermarkets, solidarity groceries)."""

from __future__ import annotations

import datetime

from django.db import transaction

from terroir.directory.models import Actor, PlaceKind
from terroir.directory.services import actor_create, actors_delete
from terroir.lib.geo import haversine_km

from .models import DeliveryOrder, Depot, RelayCandidate, Vehicle
from .orders_import import time_of_day
from .scenario import FARMS, cooperative_week
from .services import monday

SOURCE = "demo"
# The scenario's kinds of customer: their name and their kind of buyer on the platform.
BUYERS = {
    "canteen": ("Cantine scolaire", PlaceKind.CANTEEN),
    "shop": ("Magasin de producteurs", PlaceKind.SHOP),
    "supermarket": ("Supermarché", PlaceKind.SUPERMARKET),
    "grocery": ("Épicerie solidaire", PlaceKind.SOLIDARITY_GROCERY),
}
SENDS = {kind: goods for kind, _count, goods, *_rest in FARMS}  # kind of farm → what it sends
GOODS = {"meat": "Viande découpée", "cheese": "Fromages", "vegetables": "Légumes", "fruit": "Fruits"}


def _mask(days: list[int]) -> int:
    return sum(1 << d for d in days)


@transaction.atomic
def logistics_demo_load(
    *, seed: int = 1, centre: tuple[float, float] = (45.70, 3.40), week: datetime.date | None = None
) -> int:
    """Replace the demo's depots, vehicles and orders; returns how many orders were made."""
    logistics_demo_clear()
    data = cooperative_week(seed, centre=centre)
    producers = [a for a in Actor.objects.filter(is_producer=True, source=SOURCE).exclude(lat=None).order_by("pk")]
    depot_data = data["depots"][0]
    lat, lon = depot_data["place"]["lat"], depot_data["place"]["lon"]
    producers.sort(key=lambda a: haversine_km(lat, lon, float(a.lat or 0), float(a.lon or 0)))
    farm_ids = list(data["farms"])
    if len(producers) < len(farm_ids):
        return 0
    farms = dict(zip(farm_ids, producers, strict=False))
    cooperative = actor_create(
        name="Coopérative de l'Atelier du Livradois",
        is_carrier=True,
        is_organisation=True,
        source=SOURCE,
        lat=lat,
        lon=lon,
    )
    depot = Depot.objects.create(
        name="Atelier de découpe",
        lat=lat,
        lon=lon,
        operator=cooperative,
        opens=time_of_day(depot_data["hours"][0]),
        closes=time_of_day(depot_data["hours"][1]),
    )
    for v in data["vehicles"]:
        Vehicle.objects.create(
            name=v["name"],
            owner=cooperative,
            depot=depot,
            vehicle_type=v["vehicle_type"],
            capacity_kg=v["capacity_kg"],
            capacity_crates=v["capacity_crates"],
            cold_kg=v["cold_kg"],
            per_km=v["per_km"],
            per_hour=v["per_hour"],
            fixed_per_day=v["fixed_per_day"],
            starts=time_of_day(v["hours"][0]),
            ends=time_of_day(v["hours"][1]),
            weekdays=_mask(v["days"]),
            max_reloads=v["max_reloads"],
            driver="Léa Martin" if v["id"] == "camion-frigo" else "Paul Roche",
            driver_phone="+33473000000",
        )
    customers: dict[str, Actor] = {}
    for order in data["orders"]:
        name = order["customer"]
        if name != "atelier" and name not in customers:
            kind, number = name.rsplit("-", 1)
            place = order["delivery"]
            customers[name] = actor_create(
                name=f"{BUYERS[kind][0]} n° {number}",
                is_buyer=True,
                buyer_kind=BUYERS[kind][1],
                source=SOURCE,
                lat=place["lat"],
                lon=place["lon"],
                phone=f"+33473{int(number):02d}1020",  # E.164, as the directory stores phones
            )
    week = week or monday(datetime.date.today())
    orders = []
    for o in data["orders"]:
        kind = o.get("kind", "shipment")
        orders.append(
            DeliveryOrder(
                week=week,
                owner=cooperative,
                kind=kind,
                producer=farms[o["producer"]],
                customer=customers.get(o["customer"]),
                description=GOODS[SENDS[o["producer"].rsplit("-", 1)[0]]],  # farm ids are "<kind>-<n>"
                kg=o["kg"],
                crates=o["crates"],
                cold=o["cold"],
                value=o["value"],
                service_min=o["service_min"],
                weekdays=_mask(o["days"]),
                ready_at=time_of_day(o["release"]) if "release" in o else None,
                pickup_opens=time_of_day(o.get("pickup_window", ["06:00", "12:00"])[0]),
                pickup_closes=time_of_day(o.get("pickup_window", ["06:00", "12:00"])[1]),
                delivery_opens=time_of_day(o.get("delivery_window", ["07:00", "12:00"])[0]),
                delivery_closes=time_of_day(o.get("delivery_window", ["07:00", "12:00"])[1]),
            )
        )
    DeliveryOrder.objects.bulk_create(orders)
    # Candidate relay sites to study the week with (/logistics/relays/): the workshop itself, a platform at
    # Clermont's entrance with a cold room, and one in Thiers's activity zone.
    for name, at, cost, kg, cold, hours, where in (
        ("Atelier de découpe (quai)", None, 80, 800, True, "", depot),
        ("Plateforme du Brézet, Clermont-Ferrand", (45.7905, 3.1365), 121, 1500, True, "Mo-Fr 05:00-12:00", None),
        ("Actypôles, Thiers", (45.8530, 3.5180), 60, 600, False, "Mo-Fr 06:00-12:00", None),
    ):
        RelayCandidate.objects.create(name=name, lat=at[0] if at else lat, lon=at[1] if at else lon, depot=where,
                                      fixed_cost_week=cost, capacity_kg_day=kg, cold_room=cold,
                                      opening_hours=hours, owner=cooperative)  # fmt: skip
    return len(orders)


def logistics_demo_clear() -> None:
    RelayCandidate.objects.filter(owner__source=SOURCE).delete()
    DeliveryOrder.objects.filter(producer__source=SOURCE).delete()
    Vehicle.objects.filter(depot__operator__source=SOURCE).delete()
    Depot.objects.filter(operator__source=SOURCE).delete()
    actors_delete(actors=Actor.objects.filter(source=SOURCE, is_carrier=True, is_producer=False))
    actors_delete(actors=Actor.objects.filter(source=SOURCE, is_buyer=True, is_producer=False))
