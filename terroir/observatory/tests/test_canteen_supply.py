"""Canteens below the EGalim targets and the local producers that could supply each
(terroir.observatory.canteen_supply), on the personas' territory and the canteens excerpt.

Hand-computed (equirectangular, 111.2 km a degree, cos of the mean latitude), from the communes' centres
of the reference — Thiers 45.86195, 3.53942; Ambert 45.55576, 3.75689 — and the personas' farms:
the Thiers canteen (Cité scolaire du Pontel, 3.79 % organic, 3.79 + 28.29 = 32.08 % EGalim: below both)
is 1.8 km from the Rucher de la Durolle, 30.9 km from the Jardins de Limagne and 38.0 km from the GAEC
des Monts du Forez (organic: AB offers); the Ambert canteen (Collège Jules Romains, 2.09 %, 12.86 %) is
1.1 km from the GAEC, 38.2 km from the Rucher and 54.4 km from the Jardins (beyond a 40 km radius).
"""

from decimal import Decimal

import pytest

from terroir.directory.models import Actor, Category
from terroir.needs.models import Need
from terroir.observatory.canteen_supply import CanteenRow, ProducerRow, below_target, canteens_below_target
from terroir.observatory.canteens import canteens_import
from terroir.observatory.territories import territory_create

from .test_canteens import EXCERPT

THIERS_CANTEEN, AMBERT_CANTEEN = "125", "45063"


def canteen(cid: str, organic: float, other: float, *, lat: float | None = 45.0, siret: str = "") -> CanteenRow:
    lon = None if lat is None else 3.0
    return CanteenRow(cid, f"Cantine {cid}", siret, "63003", "Ambert", lat, lon, organic, other)


# Along a meridian from (45.0, 3.0): 0.1 degree of latitude is 11.1 km as the project measures.
NEAR_PLAIN = ProducerRow(1, "Near plain", "A", 45.05, 3.0, False)
FAR_ORGANIC = ProducerRow(2, "Far organic", "B", 45.2, 3.0, True)
MIDDLE_PLAIN = ProducerRow(3, "Middle plain", "C", 45.1, 3.0, False)
BEYOND = ProducerRow(4, "Beyond", "D", 45.5, 3.0, True)
PRODUCERS = [NEAR_PLAIN, FAR_ORGANIC, MIDDLE_PLAIN, BEYOND]


def names(row: dict) -> list[str]:
    return [p["name"] for p in row["producers"]]


def test_a_canteen_meeting_both_targets_is_not_listed_and_the_law_s_sum_is_exact() -> None:
    # 0.2665 + 0.2335 is 0.5 for the law, not 0.49999999999999994: at both targets.
    rows = below_target([canteen("ok", 0.2665, 0.2335), canteen("short", 0.1, 0.2)], PRODUCERS, radius_km=30)
    assert [r["canteen_id"] for r in rows] == ["short"]
    assert (rows[0]["organic_share"], rows[0]["egalim_share"]) == (0.1, pytest.approx(0.3))
    assert (rows[0]["misses_organic_target"], rows[0]["misses_egalim_target"]) == (True, True)


def test_a_canteen_short_on_organic_gets_organic_producers_first_then_the_nearest_within_the_radius() -> None:
    (row,) = below_target([canteen("short", 0.1, 0.5)], PRODUCERS, radius_km=30)
    assert (row["misses_organic_target"], row["misses_egalim_target"]) == (True, False)
    assert names(row) == ["Far organic", "Near plain", "Middle plain"]  # "Beyond" is 55.6 km away
    assert [p["distance_km"] for p in row["producers"]] == [22.2, 5.6, 11.1]


def test_a_canteen_short_on_egalim_only_gets_the_nearest_producers_whatever_their_labels() -> None:
    (row,) = below_target([canteen("egalim", 0.25, 0.1)], PRODUCERS, radius_km=30, per_canteen=2)
    assert (row["misses_organic_target"], row["misses_egalim_target"]) == (False, True)
    assert names(row) == ["Near plain", "Middle plain"]


def test_a_canteen_whose_commune_has_no_centre_gets_no_producer_and_says_so() -> None:
    (row,) = below_target([canteen("nowhere", 0.0, 0.0, lat=None)], PRODUCERS, radius_km=30)
    assert (row["located"], row["producers"]) == (False, [])


def test_the_canteen_s_open_needs_are_found_by_its_siret() -> None:
    needs_of = {"12345678900011": (7, [(70, "Yaourts bio")])}
    rows = below_target(
        [canteen("a", 0.0, 0.0, siret="12345678900011"), canteen("b", 0.0, 0.0)], [], radius_km=30, needs_of=needs_of
    )
    assert [(r["actor_id"], r["open_needs"]) for r in rows] == [(7, [{"id": 70, "title": "Yaourts bio"}]), (None, [])]


@pytest.fixture
def livradois(territory):
    canteens_import(path=EXCERPT)
    return territory_create(slug="livradois-thiers", name="Livradois–Thiers", codes=["63003", "63430"],
                            local_radius_km=40)  # fmt: skip


def test_the_territory_s_canteens_below_target_with_their_local_producers(territory, livradois) -> None:
    found = canteens_below_target(livradois)
    assert (found["year"], found["canteens"], found["below"], found["no_data"]) == (2023, 2, 2, False)
    thiers, ambert = found["rows"]  # by name: Cité… before Collège…
    assert (thiers["canteen_id"], ambert["canteen_id"]) == (THIERS_CANTEEN, AMBERT_CANTEEN)
    assert (thiers["organic_share"], thiers["egalim_share"]) == (0.0379, 0.3208)
    # Short on organic: the organic GAEC first although the farthest.
    assert [(p["name"], p["distance_km"], p["organic"]) for p in thiers["producers"]] == [
        ("GAEC des Monts du Forez", 38.0, True), ("Rucher de la Durolle", 1.8, False),
        ("EARL Les Jardins de Limagne", 30.9, False),
    ]  # fmt: skip
    assert [(p["name"], p["distance_km"]) for p in ambert["producers"]] == [
        ("GAEC des Monts du Forez", 1.1), ("Rucher de la Durolle", 38.2),
    ]  # fmt: skip


def test_a_canteen_that_is_an_actor_of_the_directory_shows_its_open_needs_only(territory, livradois) -> None:
    college = Actor.objects.create(name="Collège Jules Romains", is_buyer=True, siret="19631153400016")
    honey = Category.objects.get(slug="honey")
    need = Need.objects.create(buyer=college, title="Miel pour le collège", category=honey, quantity=Decimal(5),
                               delivery_place=territory.thiers_canteen, status=Need.Status.OPEN)  # fmt: skip
    Need.objects.create(buyer=college, title="Brouillon", category=honey, quantity=Decimal(5),
                        delivery_place=territory.thiers_canteen, status=Need.Status.DRAFT)  # fmt: skip
    rows = {r["canteen_id"]: r for r in canteens_below_target(livradois)["rows"]}
    assert rows[AMBERT_CANTEEN]["actor_id"] == college.pk
    assert rows[AMBERT_CANTEEN]["open_needs"] == [{"id": need.pk, "title": "Miel pour le collège"}]
    assert (rows[THIERS_CANTEEN]["actor_id"], rows[THIERS_CANTEEN]["open_needs"]) == (None, [])


def test_a_territory_without_declarations_says_no_data_not_zero(territory, client) -> None:
    territory_create(slug="livradois-thiers", codes=["63003", "63430"])
    body = client.get("/api/v1/territories/livradois-thiers/canteens-below-target").json()
    assert (body["no_data"], body["canteens"], body["below"], body["rows"]) == (True, None, None, [])
    assert body["message"]  # "No canteen declaration of … has been imported." in the reader's language
    page = client.get("/observatory/livradois-thiers/canteens/below-target/")
    assert page.status_code == 200
    assert b'id="below-no-data"' in page.content


def test_the_api_answers_json_and_csv_and_is_in_the_openapi_document(territory, livradois, client) -> None:
    body = client.get("/api/v1/territories/livradois-thiers/canteens-below-target?year=2023").json()
    assert [r["canteen_id"] for r in body["rows"]] == [THIERS_CANTEEN, AMBERT_CANTEEN]
    assert body["rows"][0]["producers"][0] == {"id": territory.cheese_farm.pk, "name": "GAEC des Monts du Forez",
                                               "commune": "Ambert", "distance_km": 38.0, "organic": True}  # fmt: skip
    csv = client.get("/api/v1/territories/livradois-thiers/canteens-below-target.csv")
    assert csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert len(lines) == 1 + 3 + 2  # a row per canteen and producer
    assert lines[1].split(";")[:10] == ["2023", "125", "19630068500027",
                                        "Cité scolaire du Pontel (Lycée Montdory & Collège Antoine Audembron)",
                                        "63430", "0,0379", "0,3208", "1", "1", "0"]  # fmt: skip
    bad = client.get("/api/v1/territories/livradois-thiers/canteens-below-target?year=20x3")
    assert bad.status_code == 400
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/territories/{slug}/canteens-below-target",
            "/api/v1/territories/{slug}/canteens-below-target.csv"} <= set(paths)  # fmt: skip


def test_the_dashboard_lists_them_and_the_page_links_producers_and_the_needs_board(territory, livradois, client):
    dashboard = client.get("/observatory/livradois-thiers/").content.decode()
    assert 'id="below-table"' in dashboard and "Collège Jules Romains" in dashboard
    assert "/observatory/livradois-thiers/canteens/below-target/?year=2023" in dashboard
    page = client.get("/observatory/livradois-thiers/canteens/below-target/").content.decode()
    assert f'href="/producers/{territory.cheese_farm.pk}/"' in page
    assert 'href="/needs/new/"' in page
