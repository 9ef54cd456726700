"""The access indicator on the personas' territory, against distances computed by hand."""

import math

import pytest

from terroir.observatory.territories import territory_create

# Commune centres (terroir/data/communes_france.csv.gz) and the personas' places (terroir/conftest.py).
AMBERT, THIERS, CLERMONT = (45.55576, 3.75689), (45.86195, 3.53942), (45.78594, 3.11535)
FARM_SHOP, AMBERT_MARKET, SUPERMARKET = (45.5601, 3.7702), (45.5497, 3.7417), (45.7797, 3.0863)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2, dl = math.radians(a[0]), math.radians(b[0]), math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def test_the_nearest_market_from_ambert_is_its_thursday_market(territory, client) -> None:
    body = client.get("/api/v1/indicators/access?commune=63003&kind=market").json()
    assert body["place_id"] == territory.ambert_market.pk
    assert body["distance_km"] == pytest.approx(haversine(AMBERT, AMBERT_MARKET), abs=0.01)
    assert body["distance_km"] == pytest.approx(1.36, abs=0.01) and body["no_data"] is False


def test_the_nearest_place_of_any_kind_is_the_same_place_a_search_around_the_centre_lists_first(
    territory, client
) -> None:
    body = client.get("/api/v1/indicators/access?commune=63003").json()
    assert body["kind"] == "any" and body["place_id"] == territory.farm_shop.pk
    search = client.get(f"/api/v1/places?near={AMBERT[0]},{AMBERT[1]}&radius_km=50").json()
    assert search["results"][0]["id"] == body["place_id"]
    assert search["results"][0]["distance_km"] == pytest.approx(body["distance_km"], abs=0.01)


def test_a_canteen_is_not_a_place_where_the_public_buys(territory, client) -> None:
    response = client.get("/api/v1/indicators/access?commune=63430&kind=canteen", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "kind" and "type inconnu" in response.json()["error"]["message"]


@pytest.mark.parametrize(("query", "parameter"), [("commune=99999", "commune"), ("commune=abc", "commune"),
                                                  ("commune=63003&kind=castle", "kind"), ("", "commune")])  # fmt: skip
def test_an_unknown_commune_or_kind_is_refused_clearly(territory, client, query, parameter) -> None:
    response = client.get(f"/api/v1/indicators/access?{query}")
    assert response.status_code == 400 and response.json()["error"]["parameter"] == parameter


def test_without_any_place_of_the_kind_the_answer_says_no_data(territory, client) -> None:
    body = client.get("/api/v1/indicators/access?commune=63003&kind=amap").json()
    assert body["no_data"] is True and body["distance_km"] is None and body["place_id"] is None


def test_a_territory_s_population_within_reach_and_its_communes_beyond(territory, client) -> None:
    territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])
    body = client.get("/api/v1/territories/trio/access").json()
    by_code = {row["commune"]: row for row in body["rows"]}
    # Thiers: nearest public place is the supermarket of Clermont (the canteen of Thiers is not public).
    assert by_code["63430"]["nearest"]["any"]["place_id"] == territory.clermont_supermarket.pk
    thiers_km = haversine(THIERS, SUPERMARKET)
    assert by_code["63430"]["nearest"]["any"]["distance_km"] == pytest.approx(thiers_km, abs=0.01)
    assert thiers_km == pytest.approx(36.3, abs=0.1)
    assert by_code["63113"]["nearest"]["supermarket"]["distance_km"] == pytest.approx(
        haversine(CLERMONT, SUPERMARKET), abs=0.01
    )
    assert by_code["63003"]["nearest"]["amap"] == {"distance_km": None, "place_id": None}
    # Ambert 6,671 and Clermont-Ferrand 143,886 inhabitants within 5 km; Thiers 11,847 beyond 20 km.
    assert body["population"] == 6671 + 143886 + 11847
    assert [(r["threshold_km"], r["population"]) for r in body["reach"]] == [
        (5.0, 150557),
        (10.0, 150557),
        (20.0, 150557),
    ]
    assert body["reach"][0]["share"] == pytest.approx(round(150557 / 162404, 4))
    assert [c["commune"] for c in body["beyond"]] == ["63430"]
    market = next(k for k in body["kinds"] if k["kind"] == "market")
    # Markets: Ambert 1.36 km, Clermont and Thiers about 60 km from Ambert's market: median is Thiers'.
    assert market["median_km"] == pytest.approx(haversine(THIERS, AMBERT_MARKET), abs=0.01)
    assert market["communes_within_10_km"] == 1


def test_a_territory_access_of_an_unknown_territory_is_a_404(territory, client) -> None:
    assert client.get("/api/v1/territories/nowhere/access").status_code == 404


def test_the_indicators_are_in_the_openapi_document(db, client, settings) -> None:
    settings.DEBUG = True
    document = client.get("/api/v1/openapi.json").json()
    paths = {"/api/v1/indicators/canteens", "/api/v1/indicators/access", "/api/v1/territories",
             "/api/v1/territories/{slug}/access", "/api/v1/territories/{slug}/access.csv"}  # fmt: skip
    assert paths <= set(document["paths"])
    parameters = {p["name"] for p in document["paths"]["/api/v1/indicators/canteens"]["get"]["parameters"]}
    assert parameters == {"territory", "pat", "epci", "department", "commune", "year"}


def test_the_access_indicator_downloads_as_csv_for_french_spreadsheets(territory, client) -> None:
    territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])
    response = client.get("/api/v1/territories/trio/access.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("commune;name;population;place_id_any;km_any;km_farm;km_market;")
    ambert = next(line for line in lines if line.startswith("63003;"))
    km_market = f"{haversine(AMBERT, AMBERT_MARKET):.2f}".replace(".", ",")
    assert ambert.startswith(f"63003;Ambert;6671;{territory.farm_shop.pk};") and f";{km_market};" in ambert
