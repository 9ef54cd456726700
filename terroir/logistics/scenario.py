"""A cooperative's week, as in the seed: a cutting workshop whose refrigerated truck runs Tuesday to
Thursday, collecting from about fifteen farms and delivering producers' shops, school canteens,
supermarkets and solidarity groceries, with a van for the ambient goods. Generated from a seed, in the
JSON problem format (docs/logistics.md): the routing benchmark, the demo territory and the tests use it.
"""

from __future__ import annotations

import math
import random
from typing import Any

TUESDAY, WEDNESDAY, THURSDAY = 1, 2, 3
WEEK = [TUESDAY, WEDNESDAY, THURSDAY]

# (kind of customer, how many, delivery window, service minutes)
CUSTOMERS = [
    ("canteen", 10, ("07:00", "11:00"), 6),
    ("shop", 18, ("08:00", "13:00"), 5),
    ("supermarket", 6, ("06:30", "12:00"), 8),
    ("grocery", 6, ("09:00", "16:00"), 5),
]
# (kind of farm, how many, what it sends, cold, € per kg, kg per order)
FARMS = [
    ("livestock", 5, "meat", True, 14.0, (15, 60)),
    ("dairy", 3, "cheese", True, 16.0, (8, 30)),
    ("market_garden", 5, "vegetables", False, 3.2, (20, 90)),
    ("orchard", 2, "fruit", False, 3.8, (20, 70)),
]


def _around(rng: random.Random, lat: float, lon: float, radius_km: float) -> dict[str, float]:
    distance = radius_km * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    return {
        "lat": round(lat + distance * math.cos(angle) / 111.2, 5),
        "lon": round(lon + distance * math.sin(angle) / (111.2 * math.cos(math.radians(lat))), 5),
    }


def cooperative_week(
    seed: int = 1, *, centre: tuple[float, float] = (45.72, 3.25), farms_km: float = 25, customers_km: float = 20
) -> dict[str, Any]:
    """15 farms, 40 customers, 1 refrigerated truck + 1 van, three days."""
    rng = random.Random(seed)
    lat, lon = centre
    depot = {"id": "atelier", "name": "Atelier de découpe", "place": _around(rng, lat, lon, 5),
             "hours": ["05:00", "19:00"]}  # fmt: skip
    farms: list[dict[str, Any]] = []
    for kind, count, goods, cold, price, kg_range in FARMS:
        for i in range(count):
            farms.append({"id": f"{kind}-{i + 1}", "goods": goods, "cold": cold, "price": price, "kg": kg_range,
                          "place": _around(rng, lat, lon, farms_km)})  # fmt: skip
    customers: list[dict[str, Any]] = []
    for kind, count, window, service in CUSTOMERS:
        for i in range(count):
            # A customer is delivered once a week, on one day or either of two.
            days = sorted(rng.sample(WEEK, rng.choice([1, 2])))
            customers.append({"id": f"{kind}-{i + 1}", "kind": kind, "window": list(window), "service": service,
                              "days": days, "place": _around(rng, lat, lon, customers_km)})  # fmt: skip
    orders = []
    for customer in customers:
        for farm in rng.sample(farms, rng.randint(1, 3)):
            kg = rng.randint(*farm["kg"])
            order: dict[str, Any] = {
                "id": f"{farm['id']}>{customer['id']}",
                "producer": farm["id"],
                "customer": customer["id"],
                "kg": kg,
                "crates": math.ceil(kg / 12),
                "cold": farm["cold"],
                "value": round(kg * farm["price"] * rng.uniform(0.9, 1.1), 2),
                "delivery": customer["place"],
                "delivery_window": customer["window"],
                "service_min": customer["service"],
                "days": customer["days"],
            }
            if farm["goods"] == "meat":
                # Meat is cut at the workshop: it leaves from there once the morning's cutting is done.
                order |= {"kind": "delivery", "release": "06:00"}
            else:
                order |= {"kind": "shipment", "pickup": farm["place"], "pickup_window": ["06:00", "12:00"]}
            orders.append(order)
    for farm in farms:
        if farm["goods"] == "meat":
            # Carcasses for next week's cutting go to the workshop.
            orders.append({"id": f"{farm['id']}>atelier", "kind": "collection", "producer": farm["id"],
                           "customer": "atelier", "kg": rng.randint(150, 300), "crates": 0, "cold": True,
                           "value": 0, "pickup": farm["place"], "pickup_window": ["06:00", "14:00"],
                           "service_min": 20, "days": [rng.choice(WEEK)]})  # fmt: skip
    vehicles = [
        {"id": "camion-frigo", "name": "Camion frigorifique", "depot": "atelier", "vehicle_type": "refrigerated_truck",
         "capacity_kg": 1800, "capacity_crates": 120, "cold_kg": 1800, "per_km": 0.95, "per_hour": 18,
         "fixed_per_day": 55, "hours": ["05:30", "15:30"], "days": WEEK, "max_reloads": 2},
        {"id": "fourgon", "name": "Fourgon", "depot": "atelier", "vehicle_type": "van", "capacity_kg": 900,
         "capacity_crates": 70, "cold_kg": 0, "per_km": 0.45, "per_hour": 18, "fixed_per_day": 25,
         "hours": ["06:00", "16:00"], "days": WEEK, "max_reloads": 2},
    ]  # fmt: skip
    return {
        "depots": [depot],
        "vehicles": vehicles,
        "orders": orders,
        "farms": {farm["id"]: farm["place"] for farm in farms},
        "own_vehicle": {"per_km": 0.60, "per_hour": 18, "capacity_kg": 800, "vehicle_type": "van"},
    }
