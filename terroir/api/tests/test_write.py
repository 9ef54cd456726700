"""The API's writes: keys, If-Match against concurrent edits, errors that say what and where, limits."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.services import api_token_create
from terroir.contributions.models import Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def claire_api(people: Any) -> Client:
    _token, key = api_token_create(user=people.claire, name="Site de la ferme", scope="write")
    return Client(headers={"authorization": f"Bearer {key}"})


def test_a_partner_site_reads_the_etag_and_patches_the_place_with_it(claire_api: Client, territory: Any) -> None:
    url = f"/api/v1/places/{territory.farm_shop.pk}"
    etag = claire_api.get(url)["ETag"]
    response = claire_api.patch(
        url, {"opening_hours": "Fr 16:00-19:30"}, content_type="application/json", headers={"if-match": etag}
    )
    assert response.status_code == 200, response.content
    assert response.json()["opening_hours"] == "Fr 16:00-19:30"
    assert response["ETag"] != etag
    revision = Revision.objects.get()
    assert revision.origin == "api" and revision.changes["opening_hours"][1] == "Fr 16:00-19:30"
    # The old ETag is stale now: a second write based on it is refused, nothing overwritten.
    stale = claire_api.patch(
        url, {"opening_hours": "Sa 09:00-12:00"}, content_type="application/json", headers={"if-match": etag}
    )
    assert stale.status_code == 412
    assert "opening_hours" in stale.json()["error"]["message"]
    assert claire_api.get(url).json()["opening_hours"] == "Fr 16:00-19:30"


def test_a_write_without_if_match_is_refused(claire_api: Client, territory: Any) -> None:
    response = claire_api.patch(
        f"/api/v1/places/{territory.farm_shop.pk}", {"name": "Ferme"}, content_type="application/json"
    )
    assert response.status_code == 428
    assert response.json()["error"]["code"] == "precondition_required"


def test_products_are_replaced_through_the_api(claire_api: Client, territory: Any) -> None:
    url = f"/api/v1/producers/{territory.cheese_farm.pk}"
    response = claire_api.patch(
        url,
        {"products": [{"category": "cow-cheese", "labels": ["aop"]}, {"category": "honey", "months": 480}]},
        content_type="application/json",
        headers={"if-match": claire_api.get(url)["ETag"]},
    )
    assert response.status_code == 200, response.content
    assert sorted(o["category"] for o in response.json()["offers"]) == ["cow-cheese", "honey"]


@pytest.mark.parametrize(
    ("body", "parameter", "says"),
    [
        ({"lat": 95.0, "lon": 3.0}, "lat", "outside"),
        ({"opening_hours": "sometimes"}, "opening_hours", "not understood"),
        ({"commune": "00000"}, "commune", "Unknown commune"),
        ({"kind": "casino"}, "kind", "Unknown kind"),
        ({"colour": "green"}, "colour", "unknown parameter"),
        ({"name": 12}, "name", "expected text"),
    ],
)
def test_a_bad_value_is_refused_saying_which_field(
    claire_api: Client, territory: Any, body: dict[str, Any], parameter: str, says: str
) -> None:
    from django.utils import translation

    url = f"/api/v1/places/{territory.farm_shop.pk}"
    with translation.override("en"):
        etag = claire_api.get(url)["ETag"]
        response = claire_api.patch(
            url, body, content_type="application/json", headers={"if-match": etag, "accept-language": "en"}
        )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["parameter"] == parameter
    assert says in error["message"]
    assert not Revision.objects.exists()


def test_a_malformed_body_is_a_clear_400(claire_api: Client, territory: Any) -> None:
    response = claire_api.patch(
        f"/api/v1/places/{territory.farm_shop.pk}", b"{not json", content_type="application/json",
        headers={"if-match": '"x"'},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["error"] == {"code": "invalid_body", "message": "The request body is not valid JSON."}


def test_anybody_may_suggest_but_not_without_limit(client: Client, territory: Any, settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "suggestion": "2/3600"}
    body = {"entity": "place", "id": territory.le_local.pk, "kind": "closed", "comment": "Rideau baissé"}
    for _ in range(2):
        response = client.post("/api/v1/suggestions", body, content_type="application/json")
        assert response.status_code == 201
        assert response.json()["status"] == "pending"
    refused = client.post("/api/v1/suggestions", body, content_type="application/json")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["error"]["code"] == "rate_limited"
    assert refused.json()["error"]["message"].startswith("Too many suggestions: retry in ")
    # The suggestions' limit is their own: reading goes on.
    assert client.get("/api/v1/kinds").status_code == 200


def test_the_public_api_is_rate_limited_per_address_and_keys_get_more(
    client: Client, claire_api: Client, settings: Any
) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "3/60", "api_token": "5/60"}
    statuses = [client.get("/api/v1/kinds").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/kinds")
    assert limited.json()["error"]["code"] == "rate_limited" and "Retry-After" in limited
    assert [claire_api.get("/api/v1/kinds").status_code for _ in range(6)] == [200] * 5 + [429]


def test_an_oversized_body_is_refused_saying_so(client: Client, territory: Any) -> None:
    body = json.dumps({"entity": "place", "id": territory.le_local.pk, "comment": "x" * 3_000_000})
    response = client.post("/api/v1/suggestions", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "body_too_large"


def test_a_json_body_nested_too_deep_is_refused_before_it_is_parsed(client: Client, territory: Any) -> None:
    body = b'{"entity": "place", "id": 1, "comment": "[[[ in a text do not count", "changes": ' + b"[" * 100_000
    response = client.post("/api/v1/suggestions", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "body_too_deep" and "64 levels" in error["message"]
    shallow = client.post(
        "/api/v1/suggestions", {"entity": "place", "id": territory.le_local.pk, "comment": "[[[[ fermé ]]]]"},
        content_type="application/json",
    )  # fmt: skip
    assert shallow.status_code == 201


def test_every_answer_says_the_limit_and_what_is_left_of_it(client: Client, territory: Any, settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "10/60"}
    answers = [
        client.get("/api/v1/kinds"),
        client.get("/api/v1/places?radius_km=-1"),
        client.get("/api/v1/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 400, 200]
    assert [a["X-RateLimit-Limit"] for a in answers] == ["10"] * 3
    assert [a["X-RateLimit-Remaining"] for a in answers] == ["9", "8", "7"]


def test_each_client_address_has_its_own_count(territory: Any, settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "2/60"}
    ambert, thiers = Client(REMOTE_ADDR="192.0.2.1"), Client(REMOTE_ADDR="192.0.2.2")
    assert [ambert.get("/api/v1/kinds").status_code for _ in range(3)] == [200, 200, 429]
    assert [thiers.get("/api/v1/kinds").status_code for _ in range(2)] == [200, 200]


def test_the_api_document_is_counted_and_refuses_a_bad_key_like_the_endpoints(client: Client, settings: Any) -> None:
    settings.TERROIR_RATE_LIMITS = {**settings.TERROIR_RATE_LIMITS, "api": "1/60"}
    assert client.get("/api/v1/openapi.json").status_code == 200
    limited = client.get("/api/v1/docs")
    assert limited.status_code == 429 and limited.json()["error"]["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0
    refused = client.get("/api/v1/openapi.json", headers={"authorization": "Bearer trr_madeup"})
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == 'Bearer realm="terroir"'


@pytest.mark.parametrize(
    ("language", "body", "says"),
    [
        ("fr", b"", "le corps de la requête manque : envoyez un objet JSON avec entity, id"),
        ("en", b"", "the request body is missing: send a JSON object with entity, id"),
        ("en", b"null", "expected an object"),
        ("fr", b"[]", "un objet est attendu"),
    ],
)
def test_a_post_without_its_body_says_the_body_and_what_it_needs(
    client: Client, territory: Any, language: str, body: bytes, says: str
) -> None:
    response = client.post("/api/v1/suggestions", body, content_type="application/json",
                           headers={"accept-language": language})  # fmt: skip
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_parameter" and error["parameter"] == "body"
    assert error["message"].replace("\u202f", " ").replace("\u00a0", " ") == says
