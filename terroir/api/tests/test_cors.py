"""CORS: a partner site's page may read the public directory from its visitors' browsers, and nothing more
(no writes, no API key, no cookies, no other page)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from terroir.accounts.services import api_token_create

pytestmark = pytest.mark.django_db

PARTNER = "https://mairie-ambert.example.org"


def preflight(client: Client, path: str, method: str, headers: str = "") -> Any:
    asked = {"origin": PARTNER, "access-control-request-method": method}
    if headers:
        asked["access-control-request-headers"] = headers
    return client.options(path, headers=asked)


@pytest.mark.parametrize("path", ["/api/v1/places", "/api/v1/places/1", "/api/v1/producers", "/api/v1/map",
                                  "/api/v1/places.geojson", "/api/v1/kinds"])  # fmt: skip
def test_a_partner_site_s_preflight_for_reading_the_public_api_is_granted(client: Client, path: str) -> None:
    response = preflight(client, path, "GET")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "GET" in response["Access-Control-Allow-Methods"]
    assert "PATCH" not in response["Access-Control-Allow-Methods"]
    assert "authorization" not in response["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response


def test_a_partner_site_reads_places_and_their_rate_limit_without_credentials(client: Client, territory: Any) -> None:
    response = client.get("/api/v1/places", headers={"origin": PARTNER})
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    assert "X-RateLimit-Remaining" in response["Access-Control-Expose-Headers"]


@pytest.mark.parametrize(
    ("path", "method"),
    [("/api/v1/places/1", "PATCH"), ("/api/v1/producers/1", "PATCH"), ("/api/v1/suggestions", "POST"),
     ("/api/v1/plans", "POST"), ("/api/v1/places", "DELETE")],
)  # fmt: skip
def test_a_preflight_for_a_write_gets_no_cors_grant(client: Client, path: str, method: str) -> None:
    response = preflight(client, path, method, headers="content-type, if-match")
    assert "Access-Control-Allow-Origin" not in response
    assert "Access-Control-Allow-Methods" not in response


def test_a_call_with_an_api_key_gets_no_cors_grant(client: Client, people: Any) -> None:
    _token, key = api_token_create(user=people.claire, name="Site", scope="read")
    asked = preflight(client, "/api/v1/places", "GET", headers="authorization")
    assert "Access-Control-Allow-Origin" not in asked
    keyed = client.get("/api/v1/places", headers={"origin": PARTNER, "authorization": f"Bearer {key}"})
    assert keyed.status_code == 200
    assert "Access-Control-Allow-Origin" not in keyed


@pytest.mark.parametrize("path", ["/api/v1/plans/1", "/", "/account/login/", "/account/space/data.json"])
def test_pages_and_private_endpoints_get_no_cors_grant(client: Client, territory: Any, path: str) -> None:
    assert "Access-Control-Allow-Origin" not in client.get(path, headers={"origin": PARTNER})
    assert "Access-Control-Allow-Origin" not in preflight(client, path, "GET")


def test_a_territory_may_name_the_partner_sites_allowed(client: Client, settings: Any) -> None:
    settings.CORS_ALLOW_ALL_ORIGINS = False
    settings.CORS_ALLOWED_ORIGINS = [PARTNER]
    assert preflight(client, "/api/v1/places", "GET")["Access-Control-Allow-Origin"] == PARTNER
    other = client.options(
        "/api/v1/places", headers={"origin": "https://other.example.org", "access-control-request-method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in other
