"""/api/dfc/: producers and catalogues in DFC JSON-LD on Open Food Network's provider paths, public data
only, the context served locally, the v1 API's keys, limits and errors; and the round trip through the
import's `dfc` mapping."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from terroir.directory.models import Actor, Offer
from terroir.directory.services import actor_update
from terroir.imports.mapping import mapping_load
from terroir.imports.read import records_checked
from terroir.imports.sources import shipped_mappings
from terroir.lib.dfc import enterprises_read

pytestmark = pytest.mark.django_db
BASE = "http://testserver/api/dfc"


def _graph(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/ld+json"
    body = json.loads(response.content)
    assert body["@context"] == f"{BASE}/context.jsonld"
    return body["@graph"]


def _by_type(graph: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [node for node in graph if node["@type"] == kind]


def test_an_enterprise_is_the_producer_of_that_id_with_its_catalogue(client: Client, territory: Any) -> None:
    farm = territory.cheese_farm
    graph = _graph(client.get(f"/api/dfc/enterprises/{farm.pk}"))
    (enterprise,) = _by_type(graph, "dfc-b:Enterprise")
    v1 = client.get(f"/api/v1/producers/{farm.pk}").json()
    assert enterprise["@id"] == f"{BASE}/enterprises/{farm.pk}"
    assert enterprise["dfc-b:name"] == v1["name"] == "GAEC des Monts du Forez"
    products = _by_type(graph, "dfc-b:SuppliedProduct")
    assert [(p["dfc-b:name"], p["dfc-b:hasType"], p["terroir:category"]) for p in products] == [
        ("Beurre et crème", "dfc-pt:dairy-product", "butter-cream"),
        ("Fromages de vache", "dfc-pt:mature-cheese", "cow-cheese"),
    ]
    assert sorted(p["terroir:category"] for p in products) == sorted(v1["categories"])
    assert enterprise["dfc-b:supplies"] == [p["@id"] for p in products]
    items, offers = _by_type(graph, "dfc-b:CatalogItem"), _by_type(graph, "dfc-b:Offer")
    assert enterprise["dfc-b:manages"] == [i["@id"] for i in items]
    assert [i["dfc-b:references"] for i in items] == [p["@id"] for p in products]
    assert [o["@id"] for o in offers] == [i["dfc-b:offeredThrough"] for i in items]
    (address,) = _by_type(graph, "dfc-b:Address")
    assert address["dfc-b:hasCity"] == "Ambert" and address["dfc-b:latitude"] == farm.lat
    # Contact details the producer agreed to publish, as /api/v1 shows them.
    assert enterprise["dfc-b:email"] == v1["contact"]["email"]


def test_an_anonymous_reader_gets_only_what_the_public_api_shows(client: Client, territory: Any) -> None:
    farm = territory.honey_farm  # contact_public=False
    actor_update(actor=farm, values={"address": "Lieu-dit Secret", "postcode": "63300", "phone": "+33473000000"})
    Offer.objects.filter(producer=farm).update(monthly_volume=120, volume_unit="kg")
    text = client.get(f"/api/dfc/enterprises/{farm.pk}").content.decode()
    assert client.get(f"/api/v1/producers/{farm.pk}").json()["contact"] is None
    for private in ("miel@durolle.example.org", "473000000", "Lieu-dit Secret", "63300", "120"):
        assert private not in text
    assert "Rucher de la Durolle" in text and "Thiers" in text


def test_the_catalog_items_supplied_products_and_offers_have_their_own_paths(client: Client, territory: Any) -> None:
    farm = territory.market_gardener
    tomatoes = Offer.objects.get(producer=farm, category__slug="tomatoes")
    items = _graph(client.get(f"/api/dfc/enterprises/{farm.pk}/catalog_items"))
    assert len(_by_type(items, "dfc-b:CatalogItem")) == Offer.objects.filter(producer=farm).count()
    product_url = f"/api/dfc/enterprises/{farm.pk}/supplied_products/{tomatoes.pk}"
    (product,) = _graph(client.get(product_url))
    assert (product["@id"], product["dfc-b:hasType"]) == (f"http://testserver{product_url}", "dfc-pt:tomato")
    (item, offer) = _graph(client.get(f"/api/dfc/enterprises/{farm.pk}/catalog_items/{tomatoes.pk}"))
    assert item["dfc-b:references"] == product["@id"] and offer["@type"] == "dfc-b:Offer"
    (offer_alone,) = _graph(client.get(f"/api/dfc/enterprises/{farm.pk}/offers/{tomatoes.pk}"))
    assert offer_alone == offer


def test_unknown_ids_and_another_producer_s_product_answer_404_in_the_api_s_error_shape(
    client: Client, territory: Any
) -> None:
    honey = Offer.objects.get(producer=territory.honey_farm)
    buyer = Actor.objects.create(name="Cantine de Thiers", is_buyer=True)
    for url in (
        "/api/dfc/enterprises/999999",
        f"/api/dfc/enterprises/{buyer.pk}",  # not a producer: not in /api/v1/producers either
        f"/api/dfc/enterprises/{territory.cheese_farm.pk}/supplied_products/{honey.pk}",
        f"/api/dfc/enterprises/{territory.cheese_farm.pk}/offers/{honey.pk}",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/dfc/enterprises/0").json()["error"]["code"] == "invalid_parameter"


def test_the_enterprises_container_lists_the_producers_only(client: Client, territory: Any) -> None:
    (container,) = _graph(client.get("/api/dfc/enterprises"))
    producers = Actor.objects.filter(is_producer=True).order_by("pk").values_list("pk", flat=True)
    assert container["@type"] == "ldp:Container"
    assert container["ldp:contains"] == [f"{BASE}/enterprises/{pk}" for pk in producers]


def test_the_json_ld_context_is_the_platform_s_static_file(client: Client) -> None:
    response = client.get("/api/dfc/context.jsonld")
    assert response.status_code == 200 and response["Content-Type"] == "application/ld+json"
    served = json.loads(response.content)
    assert served == json.loads((Path(django_settings.BASE_DIR) / "static/dfc/context.jsonld").read_text())
    assert served["@context"]["dfc-b"].endswith("DFC_BusinessOntology.owl#")


def test_the_dfc_paths_keep_the_api_s_keys_and_limits(client: Client, territory: Any, settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "2/60"}
    url = f"/api/dfc/enterprises/{territory.cheese_farm.pk}"
    first = client.get(url)
    assert first["X-RateLimit-Limit"] == "2"
    assert [client.get(url).status_code for _ in range(2)] == [200, 429]
    bad_key = Client().get(url, HTTP_AUTHORIZATION="Bearer nope")
    assert bad_key.status_code == 401 and bad_key.json()["error"]["code"] == "unauthorized"


def test_the_order_link_is_exported_as_the_enterprise_s_shop(client: Client, territory: Any) -> None:
    farm = territory.honey_farm
    actor_update(actor=farm, values={"order_url": "https://cagette.net/durolle"})
    graph = _graph(client.get(f"/api/dfc/enterprises/{farm.pk}"))
    (shop,) = _by_type(graph, "dfc-b:SocialMedia")
    assert (shop["dfc-b:name"], shop["dfc-b:URL"]) == ("shop", "https://cagette.net/durolle")
    assert enterprises_read({"@graph": graph})[0].order_url == "https://cagette.net/durolle"


def test_an_export_imported_again_gives_the_same_catalogue(client: Client, territory: Any, tmp_path: Path) -> None:
    producers = list(Actor.objects.filter(is_producer=True).select_related("commune").order_by("pk"))
    documents = [json.loads(client.get(f"/api/dfc/enterprises/{p.pk}").content) for p in producers]
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(documents))
    records = list(records_checked(exported, mapping_load(shipped_mappings()["dfc"])))
    assert not [p for r in records for p in r.problems if p.fatal]
    assert [p for r in records for p in r.problems if p.field == "categories"] == []
    offered = {p.pk: sorted(Offer.objects.filter(producer=p).values_list("category__slug", flat=True))
               for p in producers}  # fmt: skip
    catalogue = {p.name: (p.commune.name if p.commune else "", offered[p.pk]) for p in producers}
    assert {r.name: (r.commune, sorted(r.categories)) for r in records} == catalogue
    assert {r.ref for r in records} == {f"{BASE}/enterprises/{p.pk}" for p in producers}


def test_an_export_imported_again_gives_the_same_order_links(client: Client, territory: Any, tmp_path: Path) -> None:
    """The order link goes out as the enterprise's "shop" and comes back into Actor.order_url: export the
    producers, take one out of the directory, import the export: it comes back with its link."""
    from django.core.management import call_command

    from terroir.directory.services import actor_delete

    actor_update(actor=territory.honey_farm, values={"order_url": "https://cagette.net/durolle"})
    actor_update(actor=territory.cheese_farm, values={"order_url": "https://openfoodfrance.org/monts-du-forez"})
    producers = list(Actor.objects.filter(is_producer=True).order_by("pk"))
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps([json.loads(client.get(f"/api/dfc/enterprises/{p.pk}").content) for p in producers]))
    records = list(records_checked(exported, mapping_load(shipped_mappings()["dfc"])))
    assert {r.name: r.order_url for r in records} == {p.name: p.order_url for p in producers}
    assert not [p for r in records for p in r.problems if p.field == "order_url"]

    name = territory.honey_farm.name
    actor_delete(actor=territory.honey_farm)
    call_command("import_source", str(exported), source="dfc", stdout=io.StringIO())
    assert Actor.objects.get(name=name, source="dfc").order_url == "https://cagette.net/durolle"


def test_the_order_link_is_written_and_read_through_api_v1_as_the_dfc_export_shows_it(
    client: Client, territory: Any, people: Any
) -> None:
    from terroir.accounts.services import api_token_create

    _token, key = api_token_create(user=people.claire, name="Boutique", scope="write")
    owner = Client(headers={"authorization": f"Bearer {key}"})
    url = f"/api/v1/producers/{territory.cheese_farm.pk}"
    etag = owner.get(url)["ETag"]
    refused = owner.patch(url, {"order_url": "ftp://x"}, content_type="application/json", headers={"if-match": etag})
    assert refused.status_code == 400 and refused.json()["error"]["parameter"] == "order_url"
    saved = owner.patch(
        url, {"order_url": "openfoodfrance.org/monts-du-forez"}, content_type="application/json",
        headers={"if-match": etag},
    )  # fmt: skip
    assert saved.status_code == 200, saved.content
    assert client.get(url).json()["order_url"] == "https://openfoodfrance.org/monts-du-forez"
    graph = _graph(client.get(f"/api/dfc/enterprises/{territory.cheese_farm.pk}"))
    assert _by_type(graph, "dfc-b:SocialMedia")[0]["dfc-b:URL"] == "https://openfoodfrance.org/monts-du-forez"


def test_a_partner_site_s_page_may_read_the_dfc_paths_but_not_with_a_key(client: Client, territory: Any) -> None:
    url = f"/api/dfc/enterprises/{territory.cheese_farm.pk}/catalog_items"
    assert client.get(url, HTTP_ORIGIN="https://amap.example")["Access-Control-Allow-Origin"] == "*"
    keyed = client.get(url, HTTP_ORIGIN="https://amap.example", HTTP_AUTHORIZATION="Bearer x")
    assert "Access-Control-Allow-Origin" not in keyed
