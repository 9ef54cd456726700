"""Producers, local or not, and the canteens' rows on the personas' territory, against figures counted
by hand (terroir/conftest.py: three producers, six places in Ambert, Thiers and Clermont-Ferrand)."""

from decimal import Decimal

import pytest

from terroir.conftest import person
from terroir.directory import local
from terroir.directory.models import Offer, Place, Unit
from terroir.directory.presenters import place_supply
from terroir.directory.services import producer_create
from terroir.needs.models import Answer, Need
from terroir.observatory.canteens import canteens_import
from terroir.observatory.models import Territory
from terroir.observatory.territories import territory_create

from .test_access import haversine
from .test_canteens import EXCERPT

CHEESE_FARM, HONEY_FARM, GARDENER = (45.5601, 3.7702), (45.8702, 3.5601), (45.8001, 3.1502)
SUPERMARKET, AMBERT_MARKET = (45.7797, 3.0863), (45.5497, 3.7417)


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def test_producers_are_counted_by_family_label_and_channel(territory, trio, client) -> None:
    body = client.get("/api/v1/indicators/producers?territory=trio").json()
    assert body["producers"] == 3 and body["no_data"] is False
    # The cheese farm: farm shop, market, producers' shop, supermarket, online box (5 kinds); the honey farm:
    # market and producers' shop (2); the market gardener: the canteen and the supermarket (2, no direct sale).
    assert body["direct_sale"] == 2 and body["intermediaries_only"] == 1 and body["no_place"] == 0
    assert body["channels"] == [{"channels": 0, "producers": 0}, {"channels": 1, "producers": 0},
                                {"channels": 2, "producers": 2}, {"channels": 3, "producers": 0},
                                {"channels": 4, "producers": 1}]  # fmt: skip
    assert body["channels_mean"] == pytest.approx(3.0)  # (5 + 2 + 2) / 3
    assert body["single_channel"] == 0 and body["single_channel_share"] == 0.0
    assert body["single_buyer"] == 0
    families = {f["family"]: (f["producers"], f["direct_sale"]) for f in body["families"]}
    assert families == {"dairy": (1, 1), "honey": (1, 1), "vegetables": (1, 0)}
    labels = {label["label"]: label["producers"] for label in body["labels"]}
    assert labels == {"ab": 1, "aop": 1, "hve": 1}
    gardener = next(r for r in body["rows"] if r["producer_id"] == territory.market_gardener.pk)
    assert gardener["kinds"] == ["canteen", "supermarket"] and gardener["direct_sale"] is False


def test_a_producer_selling_through_one_shop_only_has_a_single_channel_and_a_single_buyer(territory, trio, client):
    territory.thiers_canteen.producers.remove(territory.market_gardener)
    body = client.get("/api/v1/indicators/producers?territory=trio").json()
    assert body["single_channel"] == 1 and body["single_channel_share"] == pytest.approx(round(1 / 3, 4))
    assert body["single_buyer"] == 1
    gardener = next(r for r in body["rows"] if r["producer_id"] == territory.market_gardener.pk)
    assert gardener["single_buyer"] is True and gardener["channels"] == 1


def test_the_needs_board_s_dependence_warning_is_counted_for_the_territory(territory, trio, client, people) -> None:
    Offer.objects.filter(producer=territory.market_gardener, category__slug="tomatoes").update(
        monthly_volume=Decimal("100"), volume_unit=Unit.KG
    )
    need = Need.objects.create(
        buyer=territory.market_gardener, title="Tomates", category=Offer.objects.get(
            producer=territory.market_gardener, category__slug="tomatoes").category,
        quantity=Decimal("20"), unit=Unit.KG, frequency="weekly", status=Need.Status.OPEN,
        delivery_place=territory.thiers_canteen,
    )  # fmt: skip
    # 20 kg a week is about 87 kg a month: 87 % of the 100 kg declared, over the 50 % limit.
    Answer.objects.create(need=need, producer=territory.market_gardener, kind="offer", volume=Decimal("20"),
                          shortlisted=True)  # fmt: skip
    body = client.get("/api/v1/indicators/producers?territory=trio").json()
    assert body["dependence_warned"] == 1 and body["dependence_answers_checked"] == 1


def test_producers_come_as_csv(trio, client) -> None:
    lines = client.get("/api/v1/indicators/producers.csv?territory=trio").content.decode("utf-8-sig").splitlines()
    assert lines[0] == ("producer_id;name;commune;families;labels;places;kinds;channels;direct_sale;single_buyer;"
                        "dependence_warned")  # fmt: skip
    assert any(";GAEC des Monts du Forez;63003;dairy;ab,aop;5;" in line for line in lines)


def test_a_place_s_local_share_is_measured_from_its_producers_farms(territory, trio, client) -> None:
    body = client.get("/api/v1/indicators/local?territory=trio").json()
    assert body["radius_km"] == 150.0  # TERROIR_LOCAL_RADIUS_KM, the search's "local only"
    rows = {r["place_id"]: r for r in body["rows"]}
    supermarket = rows[territory.clermont_supermarket.pk]
    near, far = haversine(SUPERMARKET, GARDENER), haversine(SUPERMARKET, CHEESE_FARM)
    assert far == pytest.approx(58.5, abs=0.1) and near == pytest.approx(5.5, abs=0.1)
    assert supermarket["producers"] == 2 and supermarket["local"] == 2 and supermarket["local_share"] == 1.0
    assert supermarket["median_km"] == pytest.approx(round((near + far) / 2, 1), abs=0.05)
    assert body["supermarkets_local_share"] == 1.0
    assert rows[territory.online_box.pk]["producers"] == 0 and rows[territory.online_box.pk]["local_share"] is None


def test_a_30_km_local_radius_halves_the_supermarket_s_local_share(territory, client) -> None:
    territory_create(slug="tight", name="Tight", codes=["63003", "63430", "63113"], local_radius_km=30)
    body = client.get("/api/v1/indicators/local?territory=tight").json()
    supermarkets = next(k for k in body["kinds"] if k["kind"] == "supermarket")
    assert (supermarkets["places"], supermarkets["places_with_producers"], supermarkets["links"]) == (1, 1, 2)
    assert supermarkets["places_local_share_mean"] == 0.5
    assert supermarkets["local_share"] == 0.5 and body["supermarkets_local_share"] == 0.5
    market = next(k for k in body["kinds"] if k["kind"] == "market")
    # Ambert's market: the cheese farm 2.5 km away, the honey farm of Thiers 38.3 km.
    assert haversine(AMBERT_MARKET, HONEY_FARM) == pytest.approx(38.3, abs=0.1) and market["local_share"] == 0.5
    lines = client.get("/api/v1/indicators/local.csv?territory=tight").content.decode("utf-8-sig").splitlines()
    assert lines[0] == "place_id;name;kind;commune;producers;producers_unplaced;local;local_share;median_km"
    assert any(line.startswith(f"{territory.clermont_supermarket.pk};") and ";2;0;1;0,5000;" in line for line in lines)


def test_the_place_page_says_how_local_its_producers_are(territory, client) -> None:
    page = client.get(territory.clermont_supermarket.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    figures = page.split('id="local-figures"')[1].split("</div>")[0]
    assert "2 de ses 2 producteurs" in figures and "150" in figures and "100" in figures
    assert 'id="local-figures"' not in client.get(territory.poitiers_market.get_absolute_url()).content.decode()
    assert 'id="local-figures"' not in client.get(territory.online_box.get_absolute_url()).content.decode()


def test_territories_without_producers_or_places_say_no_data(db, client) -> None:
    territory_create(slug="empty", name="Nowhere", codes=["63003"])
    assert client.get("/api/v1/indicators/producers?territory=empty").json()["no_data"] is True
    body = client.get("/api/v1/indicators/local?territory=empty").json()
    assert body["no_data"] is True and body["supermarkets_local_share"] is None and body["message"]


def test_the_canteens_indicator_s_rows_come_as_csv(territory, client) -> None:
    canteens_import(path=EXCERPT)
    response = client.get("/api/v1/indicators/canteens.csv?department=63&year=2023")
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("year;canteen_id;siret;name;insee_code;commune;department;epci;pat_codes")
    assert len(lines) == 1 + 105  # the Puy-de-Dôme's 105 canteens of the indicator
    meets = [line.split(";")[-2:] for line in lines[1:]]
    indicator = client.get("/api/v1/indicators/canteens?department=63&year=2023").json()
    assert sum(int(m[0]) for m in meets) == indicator["meeting_organic_target"] == 19
    assert sum(int(m[1]) for m in meets) == indicator["meeting_egalim_target"] == 14
    empty = client.get("/api/v1/indicators/canteens.csv?department=63&year=2019").content.decode("utf-8-sig")
    assert len(empty.splitlines()) == 1


def test_the_territory_s_figures_are_the_place_page_s_figures(territory) -> None:
    batch = local.places_local(local.links_read(), radius_km=30)
    for place in Place.objects.exclude(lat__isnull=True):
        one = local.place_local(place, [p for p, _offers in place_supply(place).suppliers], radius_km=30)
        assert batch.get(place.pk) == one, place.name


def test_the_admin_sets_a_territory_s_local_radius_or_leaves_the_site_s(db, client) -> None:
    admin = person("admin@terroir.example.org", staff=True)
    admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    for slug, radius in (("default", ""), ("tight", "30")):
        response = client.post("/admin/observatory/territory/add/", {
            "slug": slug, "name": slug, "pat_code": "", "codes": "63003", "local_radius_km": radius,
        })  # fmt: skip
        assert response.status_code == 302, response.content.decode()[:2000]
    assert Territory.objects.get(slug="default").local_radius_km == 150.0
    assert Territory.objects.get(slug="tight").local_radius_km == 30.0


def test_a_place_whose_producers_have_no_position_says_local_is_unknown(territory, client) -> None:
    nowhere = producer_create(name="Ferme sans adresse", commune=territory.poitiers, lat=None, lon=None)
    territory.poitiers_market.producers.add(nowhere)
    page = client.get(territory.poitiers_market.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    figures = page.split('id="local-figures"')[1].split("</div>")[0]
    assert "on ne sait pas si ce qu’on y vend est local" in figures.replace("&#x27;", "'")
    assert "1 producteur sans position connue n" in figures.replace("&#x27;", "'")
    assert "0 %" not in figures and "0\u00a0%" not in figures


def test_the_places_api_gives_the_place_s_local_figures_as_its_page(territory, client) -> None:
    body = client.get(f"/api/v1/places/{territory.clermont_supermarket.pk}").json()
    near, far = haversine(SUPERMARKET, GARDENER), haversine(SUPERMARKET, CHEESE_FARM)
    assert body["local"] == {
        "producers": 2, "unplaced": 0, "local": 2, "radius_km": 150.0, "share": 1.0,
        "median_km": round((near + far) / 2, 1),
    }  # fmt: skip
    # No producer: no figure (not "0 % local"); no position (online): none either.
    assert client.get(f"/api/v1/places/{territory.online_box.pk}").json()["local"] is None
    nowhere = producer_create(name="Ferme sans adresse", commune=territory.poitiers, lat=None, lon=None)
    territory.poitiers_market.producers.add(nowhere)
    unknown = client.get(f"/api/v1/places/{territory.poitiers_market.pk}").json()["local"]
    assert unknown == {"producers": 0, "unplaced": 1, "local": 0, "radius_km": 150.0, "share": None, "median_km": None}
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert "local" in schema["PlaceDetailOut"]["properties"] and "median_km" in schema["PlaceLocalOut"]["properties"]
