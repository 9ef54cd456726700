"""Channels compared and activity on small territories of the personas, against figures computed by hand
(terroir/conftest.py's places, producers and offers)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from typing import Any

import pytest

from terroir.directory.models import Actor, Category, Commune, Place
from terroir.logistics.models import DeliveryOrder, OrderKind, PlanningRun, RunStatus
from terroir.meetings.models import Event, Meeting, Participant
from terroir.needs.models import Answer, Need
from terroir.observatory.activity import territory_activity
from terroir.observatory.channels import channels_compared, weekly_hours
from terroir.observatory.territories import territory_create

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 12, 6)
AMBERT = (45.55576, 3.75689)  # the commune's centre (communes reference)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2, dl = math.radians(a[0]), math.radians(b[0]), math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def ambert_alone() -> Any:
    return territory_create(slug="ambert", name="Ambert", codes=["63003"])


def empty_territory() -> Any:
    busy = {"63003", "63430", "63113", "86194"}
    codes = Commune.objects.exclude(code__in=busy).filter(department="63").order_by("code")
    code = codes.values_list("code", flat=True)[0]
    return territory_create(slug="empty", name="Nothing here", codes=[code])


@pytest.mark.parametrize(("expression", "hours"), [
    ("Fr 16:00-19:00; Sa 09:00-12:00", 6.0),
    ("Tu-Sa 09:00-12:30,15:00-19:00", 37.5),
    ("week01-53/2 Sa 08:00-12:00", 2.0),  # every other Saturday morning
    ("Mo-Su 00:00-24:00", 168.0),
    ("not hours", None),
])  # fmt: skip
def test_weekly_hours_are_averaged_over_the_year(expression: str, hours: float | None) -> None:
    assert weekly_hours(expression, 2026) == (None if hours is None else pytest.approx(hours, abs=0.01))


def round_for(territory: Any, *, cost: float = 30.0, saved: dict[str, float] | None = None) -> PlanningRun:
    """A finished plan whose depot is in Ambert and whose two orders of the cheese farm (100 € each) are
    delivered at Ambert's market; the plan's cost for the farm is `cost`."""
    farm, customer = territory.cheese_farm, Actor.objects.create(name="Épicerie", is_buyer=True)
    orders = [
        DeliveryOrder.objects.create(week=dt.date(2026, 11, 23), kind=OrderKind.SHIPMENT, producer=farm,
                                     customer=customer, delivery_place=territory.ambert_market, kg=10, value=100)
        for _ in range(2)
    ]  # fmt: skip
    problem = {
        "depots": [{"id": "d1", "place": {"lat": AMBERT[0], "lon": AMBERT[1]}}],
        "orders": [{"id": f"o{o.pk}", "producer": f"p{farm.pk}", "value": 100.0, "kg": 10.0} for o in orders],
    }
    report = {
        "producers": [{"party": f"p{farm.pk}", "orders": 2, "kg": 20.0, "value": 200.0, "cost": cost}],
        "saved": saved,
    }
    plan = {"rounds": [{"vehicle": "v1", "day": 1, "stops": []}, {"vehicle": "v1", "day": 3, "stops": []}]}
    return PlanningRun.objects.create(week=dt.date(2026, 11, 23), problem=problem, report=report, plan=plan,
                                      status=RunStatus.DONE)  # fmt: skip


def test_channels_compared_in_ambert_by_hand(territory) -> None:
    place = ambert_alone()
    round_for(territory, cost=30.0)
    figures = channels_compared(place, today=TODAY)
    rows = {row["kind"]: row for row in figures["rows"]}
    assert list(rows) == ["farm", "market", "producers_shop", "online"]  # the kinds Ambert has, in their order
    farm, market, shop, online = rows["farm"], rows["market"], rows["producers_shop"], rows["online"]
    # Places and hours: the farm sells Friday 16–19 and Saturday 9–12, the market is Thursday 7–13, the
    # shop Tuesday to Saturday 9–12:30 and 15–19; the online box has no hours.
    assert [r["places"] for r in (farm, market, shop, online)] == [1, 1, 1, 1]
    assert (farm["hours_per_week"], market["hours_per_week"], shop["hours_per_week"]) == (6.0, 6.0, 37.5)
    assert online["hours_per_week"] is None and online["with_hours"] == 0
    # Ambert's 6,671 inhabitants are within 10 km of each placed kind; the online box is nowhere.
    assert farm["population_10_km"] == 6671 and farm["population_10_km_share"] == 1.0
    assert online["population_10_km"] is None and online["population_10_km_share"] is None
    # Producers: the cheese farm at its own farm shop; the cheese and honey farms at the market and the shop.
    assert (farm["producers_per_place"], market["producers_per_place"], online["producers_per_place"]) == (1, 2, 1)
    assert farm["median_farm_km"] == 0.0
    cheese, honey, at_market = (45.5601, 3.7702), (45.8702, 3.5601), (45.5497, 3.7417)
    expected = (haversine(cheese, at_market) + haversine(honey, at_market)) / 2  # the median of two
    assert market["median_farm_km"] == pytest.approx(round(expected, 1), abs=0.05)
    assert online["median_farm_km"] is None  # the online box has no position
    # Products: cheese and butter at the farm shop; honey too at the market and the shop.
    assert (farm["products"], market["products"], shop["products"]) == (2, 3, 3)
    # Transport: 30 € for 200 € of goods delivered at the market; no round to the other kinds.
    assert (market["transport_cost"], market["transport_value"], market["transport_share"]) == (30.0, 200.0, 0.15)
    assert farm["transport_share"] is None and farm["transport_cost"] is None
    assert figures["no_data"] is False and "10 km" in figures["definitions"]["population_10_km"]


def test_only_the_latest_plan_of_a_week_counts_for_transport(territory) -> None:
    round_for(territory, cost=80.0)
    round_for(territory, cost=30.0)  # the week planned again: replaces the first
    rows = {row["kind"]: row for row in channels_compared(ambert_alone(), today=TODAY)["rows"]}
    assert rows["market"]["transport_share"] == 0.15


def test_a_territory_without_places_says_no_data_not_zeros(territory, client) -> None:
    place = empty_territory()
    figures = channels_compared(place, today=TODAY)
    assert figures["no_data"] is True and figures["rows"] == []
    doings = territory_activity(place, today=TODAY)
    assert doings["no_data"] is True
    assert doings["needs"] == {"published": None, "answered": None, "contracted": None, "no_data": True}
    assert doings["rounds"]["km_saved"] is None and doings["verified"]["share"] is None
    page = client.get(f"/observatory/{place.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'id="channels-no-data"' in page and 'id="activity-no-data"' in page


def need(territory: Any, **values: Any) -> Need:
    buyer = Actor.objects.create(name="Collège", is_buyer=True, commune=territory.ambert)
    fields = {"buyer": buyer, "title": "Fromage", "category": Category.objects.get(slug="cow-cheese"), "quantity": 10,
              "delivery_place": territory.ambert_market, "status": Need.Status.OPEN,
              "published_at": dt.datetime(2026, 10, 1, tzinfo=dt.UTC)} | values  # fmt: skip
    return Need.objects.create(**fields)


def test_activity_in_ambert_by_hand(territory) -> None:
    place = ambert_alone()
    # Needs: three published (one answered with an offer, one declined only and contracted elsewhere, one
    # silent), a draft, and one delivered in Thiers.
    answered = need(territory)
    Answer.objects.create(need=answered, producer=territory.cheese_farm, kind=Answer.Kind.OFFER)
    declined = need(territory, status=Need.Status.CLOSED, outcome=Need.Outcome.CONTRACTED)
    Answer.objects.create(need=declined, producer=territory.honey_farm, kind=Answer.Kind.DECLINED)
    need(territory)
    need(territory, status=Need.Status.DRAFT, published_at=None)
    need(territory, delivery_place=territory.thiers_canteen)
    # Meeting days: one held with two meetings, one to come; one with nobody from Ambert.
    held = Event.objects.create(title="Rencontres", date=dt.date(2026, 11, 5), start_time=dt.time(9), slots=4, tables=2)
    producer = Participant.objects.create(event=held, actor=territory.cheese_farm, side="producer")
    buyers = [Participant.objects.create(event=held, invited_email=f"b{i}@example.org", side="buyer") for i in (1, 2)]
    for slot, buyer in enumerate(buyers):
        Meeting.objects.create(event=held, producer=producer, buyer=buyer, slot=slot, table=0)
    coming = Event.objects.create(title="Printemps", date=dt.date(2027, 3, 1), start_time=dt.time(9), slots=4, tables=2)
    Participant.objects.create(event=coming, actor=territory.cheese_farm, side="producer")
    elsewhere = Event.objects.create(title="Thiers", date=dt.date(2026, 10, 1), start_time=dt.time(9), slots=4,
                                     tables=2)  # fmt: skip
    Participant.objects.create(event=elsewhere, actor=territory.honey_farm, side="producer")
    # Rounds: one plan of two rounds saving 40 km, 9.5 kg CO₂ and 25 €.
    round_for(territory, saved={"km": 40.0, "hours": 1.0, "co2_kg": 9.5, "cost": 25.0})

    figures = territory_activity(place, today=TODAY)
    assert figures["needs"] == {"published": 3, "answered": 1, "contracted": 1, "no_data": False}
    assert figures["meetings"] == {"days": 2, "held": 1, "upcoming": 1, "meetings_held": 2, "no_data": False}
    assert figures["rounds"] == {"plans": 1, "rounds": 2, "km_saved": 40.0, "co2_kg_saved": 9.5, "cost_saved": 25.0,
                                 "no_data": False}  # fmt: skip
    # Entries: four open places of Ambert and the cheese farm; the farm shop and the cheese farm were
    # verified on 1 June 2026, within 12 months of 6 December.
    assert figures["verified"] == {"entries": 5, "verified": 2, "share": 0.4, "no_data": False}
    Place.objects.filter(pk=territory.online_box.pk).update(closed_at=dt.date(2026, 1, 1))
    assert territory_activity(place, today=TODAY)["verified"]["entries"] == 4
    assert territory_activity(place, today=dt.date(2027, 6, 2))["verified"]["verified"] == 0


def test_the_indicators_as_json_and_csv_under_the_api(territory, client) -> None:
    place = ambert_alone()
    round_for(territory, cost=30.0)
    channels = client.get(f"/api/v1/territories/{place.slug}/channels").json()
    assert {r["kind"]: r["transport_share"] for r in channels["rows"]}["market"] == 0.15
    response = client.get(f"/api/v1/territories/{place.slug}/channels.csv")
    assert response["Content-Type"].startswith("text/csv")
    lines = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    by_kind = {line["kind"]: line for line in lines}
    assert by_kind["producers_shop"]["hours_per_week"] == "37,5" and by_kind["farm"]["transport_share"] == ""
    activity = client.get(f"/api/v1/territories/{place.slug}/activity").json()
    assert activity["verified"]["entries"] == 5 and activity["needs"]["no_data"] is True
    text = client.get(f"/api/v1/territories/{place.slug}/activity.csv").content.decode("utf-8-sig")
    rows = {(r["section"], r["figure"]): r["value"] for r in csv.DictReader(io.StringIO(text), delimiter=";")}
    assert rows[("needs", "published")] == "" and rows[("rounds", "plans")] == "1"
    assert client.get("/api/v1/territories/nowhere/activity").status_code == 404
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/territories/{slug}/channels", "/api/v1/territories/{slug}/activity.csv"} <= set(paths)


def test_the_territory_page_shows_both_in_the_reader_s_language(territory, client) -> None:
    place = ambert_alone()
    round_for(territory, cost=30.0, saved={"km": 40.0, "hours": 1.0, "co2_kg": 9.5, "cost": 25.0})
    french = client.get(f"/observatory/{place.slug}/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Circuits comparés" in french and "37,5 h" in french and '<td class="channel-transport">15,0' in french
    assert 'id="channels-hours-chart"' in french and 'id="activity-saved-chart"' in french
    english = client.get(f"/observatory/{place.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Channels compared" in english and "37.5 h" in english
    assert "no data" in english  # no need published in Ambert
