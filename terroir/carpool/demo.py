"""The demo territory's food carpooling: a producer's weekly trip to Clermont's Saturday market with room
in an insulated box, the hold of a school bus line (Ambert → Olliergues → Courpière → Thiers, school days),
and three parcels: bread for Thiers' school canteen that fits the bus, meat asked to ride ambient that no
trip can take (no trip keeps the cold chain it needs), and eggs that rode last Saturday's market trip —
picked up and delivered, each handover signed: a whole chain of responsibility. Called by
`manage.py load_demo`.

Loaded once and then kept: a chain of responsibility is append-only, even the demo's (the database
refuses to delete a handover), so the demo's people, trips and parcels stay when the directory's demo
is loaded again. They name no organisation of the directory's demo (replaced at each load): the places
are said in words at the communes' centres. The demo's people have no e-mail and no password."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from terroir.directory.models import Category

from . import matchmaking, services
from .eligibility import eligibility_seed
from .models import Condition, GoodsState, HandoverKind, Parcel, Trip
from .services import live_ride

PREFIX = "demo-covoiturage-"
AMBERT = (45.5497, 3.7417)
OLLIERGUES = (45.6731, 3.6353)
COURPIERE = (45.7560, 3.5390)
THIERS = (45.8560, 3.5470)
CLERMONT = (45.7797, 3.0863)
PEOPLE = {
    "florent": "Florent, maraîcher à Ambert", "transdore": "Transports de la Dore (car scolaire ligne 12)",
    "fournil": "Le Fournil d'Olliergues", "gaec": "GAEC de la Dore (viande)", "cantine": "Cantine du collège, Thiers",
    "epicerie": "Épicerie solidaire de Thiers", "agnes": "Agnès, œufs de plein air à Ambert",
    "bistrot": "Le Bistrot des Salers, Clermont",
}  # fmt: skip


def _ends(origin: tuple[str, tuple[float, float]], destination: tuple[str, tuple[float, float]]) -> dict[str, Any]:
    (start, (lat, lon)), (end, (lat2, lon2)) = origin, destination
    return {"origin": start, "origin_lat": lat, "origin_lon": lon, "destination": end, "destination_lat": lat2,
            "destination_lon": lon2}  # fmt: skip


def _next(today: dt.date, weekday: int) -> dt.date:
    return today + dt.timedelta(days=(weekday - today.weekday()) % 7 or 7)


def _category(slug: str) -> Category:
    return Category.objects.get(slug=slug)


@transaction.atomic
def carpool_demo_load(*, today: dt.date | None = None) -> str:
    """The demo's trips and parcels, unless they exist already; what there is, said in one line."""
    if get_user_model().objects.filter(username__startswith=PREFIX).exists():
        return "kept (a chain of responsibility is never deleted)"
    eligibility_seed()
    today = today or timezone.localdate()
    people = {
        key: get_user_model().objects.create_user(username=PREFIX + key, email="", password=None, first_name=name[:150])
        for key, name in PEOPLE.items()
    }  # fmt: skip
    saturday, school_day = _next(today, 5), _next(today, 0)
    last_saturday = saturday - dt.timedelta(weeks=1)
    market = ("Marché Saint-Joseph, Clermont-Ferrand", CLERMONT)
    Trip.objects.create(
        driver=people["florent"], **_ends(("Ferme des Prades, Ambert", AMBERT), market), day=last_saturday,
        weekdays=1 << 5, leaves=dt.time(6, 0), arrives_by=dt.time(7, 45), free_kg=80, free_litres=300,
        condition=Condition.INSULATED, detour_minutes=20, note="Place dans la caisse isotherme.",
    )  # fmt: skip
    stops = [{"name": "Olliergues (arrêt de la mairie)", "lat": OLLIERGUES[0], "lon": OLLIERGUES[1]},
             {"name": "Courpière (gare routière)", "lat": COURPIERE[0], "lon": COURPIERE[1]}]  # fmt: skip
    Trip.objects.create(
        driver=people["transdore"], **_ends(("Ambert, gare routière", AMBERT), ("Thiers, collège", THIERS)),
        stops=stops, day=school_day, weekdays=0b11111, leaves=dt.time(7, 0), arrives_by=dt.time(8, 15), free_kg=40,
        free_litres=150, condition=Condition.NONE, detour_minutes=5, note="Soute du car, côté porte avant.",
    )  # fmt: skip
    Parcel.objects.bulk_create([
        Parcel(sender=people["fournil"], holder=people["fournil"], recipient=people["cantine"],
               **_ends(("Le Fournil, Olliergues", OLLIERGUES), ("Cantine du collège, Thiers", THIERS)), day=school_day,
               ready_at=dt.time(6, 30), due_by=dt.time(9, 0), kg=Decimal(12), litres=Decimal(40),
               category=_category("bread-cereals"), value=Decimal(48), description="Pain de campagne (30 pains)"),
        Parcel(sender=people["gaec"], holder=people["gaec"], recipient=people["epicerie"],
               **_ends(("GAEC de la Dore, Courpière", COURPIERE), ("Épicerie solidaire, Thiers", THIERS)),
               day=school_day, ready_at=dt.time(6, 30), due_by=dt.time(10, 0), kg=Decimal(8), litres=Decimal(20),
               category=_category("meat"), value=Decimal(110), description="Colis de viande de bœuf"),
        Parcel(sender=people["agnes"], holder=people["agnes"], recipient=people["bistrot"],
               **_ends(("Ferme de la Croix, Ambert", (45.5550, 3.7500)), ("Le Bistrot des Salers, Clermont-Ferrand",
               (45.7770, 3.0900))), day=last_saturday, ready_at=dt.time(5, 30), due_by=dt.time(8, 30),
               kg=Decimal(9), litres=Decimal(30), category=_category("eggs"), value=Decimal(54),
               description="Œufs de plein air (30 douzaines)"),
    ])  # fmt: skip
    matchmaking.day_match(day=school_day)  # the bread fits the bus; no trip keeps the meat's cold chain
    matchmaking.day_match(day=last_saturday)
    eggs = Parcel.objects.get(sender=people["agnes"])
    ride = live_ride(eggs)
    if ride is not None:
        services.ride_confirm(ride=ride, by=people["florent"])
        services.ride_confirm(ride=ride, by=people["agnes"])
        at = timezone.make_aware(dt.datetime.combine(last_saturday, ride.pickup_at))
        pickup = services.handover_record(parcel=eggs, by=people["agnes"], kind=HandoverKind.PICKUP,
                                          taker=people["florent"], place="Ferme de la Croix", at=at)  # fmt: skip
        services.handover_accept(handover=pickup, by=people["florent"], note="6 plateaux, rien de cassé.")
        delivery = services.handover_record(
            parcel=eggs, by=people["florent"], kind=HandoverKind.DELIVERY, taker=people["bistrot"],
            place="Le Bistrot des Salers, Clermont-Ferrand", state=GoodsState.GOOD,
            at=timezone.make_aware(dt.datetime.combine(last_saturday, ride.arrives_at)),
        )  # fmt: skip
        services.handover_accept(handover=delivery, by=people["bistrot"])
    return f"{Trip.objects.filter(driver__username__startswith=PREFIX).count()} trips, 3 parcels (/carpool/)"
