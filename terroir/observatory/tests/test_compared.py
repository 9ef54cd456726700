"""Access compared with the département and France, opening hours counted, markets by weekday: on the
personas' territory, against distances computed by hand (and, for France, by brute force)."""

import datetime as dt
import math

import numpy as np
import pytest

from terroir.directory.models import Commune
from terroir.observatory import compared, opening
from terroir.observatory.territories import territory_create

from .test_access import AMBERT, AMBERT_MARKET, FARM_SHOP, SUPERMARKET, THIERS, haversine

LE_LOCAL, POITIERS_MARKET = (45.5489, 3.7450), (46.5841, 0.3469)
JUNE = dt.date(2026, 6, 3)  # a Wednesday: hours are read from Monday 1 June 2026


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def scope(figures, kind, code=""):
    return next(s for s in figures["scopes"] if s["kind"] == kind and (not code or s["code"] == code))


def access_of(scope_figures, target):
    return next(a for a in scope_figures["access"] if a["target"] == target)


def test_each_commune_s_distance_stands_beside_its_departement_and_france(territory, trio, client) -> None:
    body = client.get("/api/v1/indicators/access-compared?territory=trio").json()
    rows = {r["commune"]: r for r in body["rows"]}
    assert rows["63003"]["km"]["any"] == pytest.approx(haversine(AMBERT, FARM_SHOP), abs=0.01)
    assert rows["63430"]["km"]["supermarket"] == pytest.approx(haversine(THIERS, SUPERMARKET), abs=0.01)
    assert rows["63003"]["place_id"]["any"] == territory.farm_shop.pk
    # France: every commune with a centre, arrondissements left out; brute force over the places.
    places = [FARM_SHOP, AMBERT_MARKET, LE_LOCAL, SUPERMARKET, POITIERS_MARKET]
    communes = list(Commune.objects.filter(lat__isnull=False).exclude(code__range=("75101", "75120"))
                    .exclude(code__range=("69381", "69389")).exclude(code__range=("13201", "13216"))
                    .values_list("department", "population", "lat", "lon"))  # fmt: skip
    nearest = [min(haversine((lat or 0.0, lon or 0.0), p) for p in places) for _d, _p, lat, lon in communes]
    france = scope(body, "france")
    known = [(d, p) for d, (_dep, p, _la, _lo) in zip(nearest, communes, strict=True) if p is not None]
    total = sum(p for _d, p in known)
    within_10 = sum(p for d, p in known if d <= 10)
    assert france["population"] == total and france["communes"] == len(communes)
    assert access_of(france, "any")["reach"][1]["population"] == within_10
    assert access_of(france, "any")["reach"][1]["share"] == pytest.approx(round(within_10 / total, 4))
    assert access_of(france, "any")["median_km"] == pytest.approx(float(np.median(nearest)), abs=0.01)
    assert rows["63003"]["france_median_km"]["any"] == access_of(france, "any")["median_km"]
    # Puy-de-Dôme: its communes only.
    in_63 = [(d, p) for d, (dep, p, _la, _lo) in zip(nearest, communes, strict=True) if dep == "63"]
    puy = scope(body, "department", "63")
    assert puy["communes"] == len(in_63) and puy["label"] == "Puy-de-Dôme (63)" and puy["name"] == "Puy-de-Dôme"
    assert rows["63430"]["department"] == "63" and rows["63430"]["department_name"] == "Puy-de-Dôme"
    assert access_of(puy, "any")["median_km"] == pytest.approx(float(np.median([d for d, _p in in_63])), abs=0.01)
    assert rows["63430"]["department_median_km"]["any"] == access_of(puy, "any")["median_km"]
    within_20 = sum(p for d, p in in_63 if p is not None and d <= 20)
    assert access_of(puy, "any")["reach"][2]["population"] == within_20
    # The territory: Ambert and Clermont within 5 km, Thiers 36 km away.
    mine = scope(body, "territory")
    assert mine["population"] == 6671 + 143886 + 11847
    assert [r["population"] for r in access_of(mine, "any")["reach"]] == [150557, 150557, 150557]
    assert [c["commune"] for c in body["beyond"]] == ["63430"]


def test_places_open_fewer_hours_than_asked_do_not_count(trio, client) -> None:
    # Farm shop 6 h a week (Fr 3 h + Sa 3 h), Ambert's market 6 h, Le Local 37.5 h, the supermarket 69 h.
    body = client.get("/api/v1/indicators/access-compared?territory=trio&min_hours=10&on=2026-06-03").json()
    rows = {r["commune"]: r for r in body["rows"]}
    assert rows["63003"]["km"]["any"] == pytest.approx(haversine(AMBERT, LE_LOCAL), abs=0.01)
    assert rows["63003"]["km"]["farm"] is None and rows["63003"]["km"]["market"] == pytest.approx(
        haversine(AMBERT, POITIERS_MARKET), abs=0.01
    )  # Poitiers' market: 3 mornings, 18 h
    assert body["places"] == {"counted": 3, "hours_unknown": 0, "below_min_hours": 2}
    assert body["min_hours"] == 10 and body["week_of"] == "2026-06-01"
    six = client.get("/api/v1/indicators/access-compared?territory=trio&min_hours=6").json()
    assert six["places"]["counted"] == 5  # at least 6 h: a weekly morning market counts


def test_a_place_without_opening_hours_counts_only_when_no_minimum_is_asked(trio, client) -> None:
    trio_farm = compared.Place.objects.get(name__startswith="Vente à la ferme")
    compared.Place.objects.filter(pk=trio_farm.pk).update(opening_hours="")
    body = client.get("/api/v1/indicators/access-compared?territory=trio&min_hours=1").json()
    assert body["places"]["hours_unknown"] == 1
    assert {r["commune"]: r for r in body["rows"]}["63003"]["km"]["farm"] is None


def test_the_nearest_market_is_told_for_each_weekday(trio, client) -> None:
    body = client.get("/api/v1/indicators/markets-by-weekday?territory=trio&on=2026-06-03").json()
    assert body["targets"] == ["mo", "tu", "we", "th", "fr", "sa", "su"]
    ambert = {r["commune"]: r for r in body["rows"]}["63003"]["km"]
    poitiers = pytest.approx(haversine(AMBERT, POITIERS_MARKET), abs=0.01)
    assert ambert["th"] == pytest.approx(haversine(AMBERT, AMBERT_MARKET), abs=0.01)
    assert ambert["tu"] == poitiers and ambert["fr"] == poitiers and ambert["sa"] == poitiers
    assert ambert["mo"] is None and ambert["we"] is None and ambert["su"] is None
    assert body["markets"] == 2 and body["markets_days_unknown"] == 0
    thursday = access_of(scope(body, "territory"), "th")
    assert thursday["places"] == 1 and thursday["reach"][0]["population"] == 6671  # Ambert only
    assert thursday["label"] == "Thursday" or thursday["label"] == "jeudi"


def test_a_territory_without_places_says_no_data(db, client) -> None:
    territory_create(slug="empty", name="Nowhere", codes=["63003"])
    body = client.get("/api/v1/indicators/access-compared?territory=empty").json()
    assert body["no_data"] is True and body["message"]
    any_reach = access_of(scope(body, "territory"), "any")
    assert any_reach["median_km"] is None and body["rows"][0]["km"]["any"] is None
    days = client.get("/api/v1/indicators/markets-by-weekday?territory=empty").json()
    assert days["no_data"] is True


def test_the_compared_access_comes_as_csv_for_spreadsheets(trio, client) -> None:
    response = client.get("/api/v1/indicators/access-compared.csv?territory=trio")
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(
        "commune;name;department;department_name;population;km_any;department_median_km_any;france_median_km_any"
    )
    ambert = next(line for line in lines if line.startswith("63003;"))
    assert ambert.split(";")[2:4] == ["63", "Puy-de-Dôme"]  # the code kept, the name added
    assert ambert.split(";")[5] == f"{haversine(AMBERT, FARM_SHOP):.2f}".replace(".", ",")
    assert len(lines) == 4
    weekday = client.get("/api/v1/indicators/markets-by-weekday.csv?territory=trio").content.decode("utf-8-sig")
    assert weekday.splitlines()[0].endswith("km_su;department_median_km_su;france_median_km_su")


@pytest.mark.parametrize(("query", "parameter"), [("", "territory"), ("territory=nowhere", "territory"),
                                                  ("territory=trio&min_hours=-1", "min_hours"),
                                                  ("territory=trio&on=June", "on")])  # fmt: skip
def test_bad_parameters_are_refused_naming_them(trio, client, query, parameter) -> None:
    response = client.get(f"/api/v1/indicators/access-compared?{query}")
    assert response.status_code in (400, 422)
    assert parameter in response.content.decode()


def test_hours_a_week_are_a_mean_over_four_weeks() -> None:
    monday = dt.date(2026, 6, 1)
    assert opening.weekly_hours("week 1-53/2 Th 16:00-19:00", monday, "Europe/Paris") == 1.5
    assert opening.weekly_hours("24/7", monday, "Europe/Paris") == 168.0
    assert opening.weekdays_open("24/7", monday, "Europe/Paris") == frozenset(range(7))
    assert opening.weekly_hours("not hours", monday, "Europe/Paris") is None
    assert opening.weekly_hours("", monday, "Europe/Paris") is None
    assert not math.isnan(opening.weekly_hours("Jun-Aug Sa 08:00-12:00", monday, "Europe/Paris") or 0)


def test_every_new_indicator_is_in_the_openapi_document_with_its_csv_twin(db, client) -> None:
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for name in ("access-compared", "markets-by-weekday", "producers", "local"):
        assert f"/api/v1/indicators/{name}" in paths
        csv = paths[f"/api/v1/indicators/{name}.csv"]["get"]["responses"]["200"]["content"]
        assert "text/csv" in csv
        parameters = {p["name"] for p in paths[f"/api/v1/indicators/{name}"]["get"]["parameters"]}
        assert "territory" in parameters
    assert "/api/v1/indicators/canteens.csv" in paths
    compared_parameters = {p["name"] for p in paths["/api/v1/indicators/access-compared"]["get"]["parameters"]}
    assert {"min_hours", "beyond_km", "on"} <= compared_parameters
