"""Every role × every write operation, on the web and through the API: allowed or forbidden, and when
forbidden, nothing changed.

Roles: anonymous, Claire (producer, runs the cheese farm and its farm shop), Hugo (another producer),
Sophie (buyer, runs the supermarket), Camille (coordinator).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from PIL import Image

from terroir.accounts.services import api_token_create
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Claim, Revision, Suggestion
from terroir.directory import editing
from terroir.directory.models import Place

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "producer", "other_producer", "buyer", "coordinator")
PERSON = {"producer": "claire", "other_producer": "hugo", "buyer": "sophie", "coordinator": "camille"}


@dataclass
class World:
    territory: Any
    people: Any
    suggestion: Suggestion
    revision: Revision
    claim: Claim


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    from terroir.conftest import person

    suggestion = suggestions.suggestion_submit(
        entry=territory.farm_shop, proposal=suggestions.SuggestionInput(changes={"address": "Le Bourg"}), by=None
    )
    revision = revisions.entry_edit(
        entry=territory.farm_shop, changes={"description": "Fromages"}, by=people.claire, version=None
    )
    assert revision is not None
    claim = Claim.objects.create(user=person("lea@example.org"), actor=territory.cheese_farm)
    return World(territory, people, suggestion, revision, claim)


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(data, "PNG")
    data.seek(0)
    data.name = "ferme.png"
    return data


def shop_description(w: World) -> str:
    return Place.objects.get(pk=w.territory.farm_shop.pk).description


def farm_now(w: World) -> Any:
    return type(w.territory.cheese_farm).objects.get(pk=w.territory.cheese_farm.pk)


# Each operation: (how to do it, how to tell it happened, who may).
Operation = tuple[Callable[[Client, World], Any], Callable[[World], bool], set[str]]

OWNER_OR_COORDINATOR = {"producer", "coordinator"}
WEB: dict[str, Operation] = {
    "edit the producer's profile": (
        lambda c, w: c.post(
            f"/edit/actor/{w.territory.cheese_farm.pk}/",
            {"version": editing.version_of(w.territory.cheese_farm), "name": "GAEC du Forez", "kind": ""},
        ),
        lambda w: type(w.territory.cheese_farm).objects.get(pk=w.territory.cheese_farm.pk).name == "GAEC du Forez",
        OWNER_OR_COORDINATOR,
    ),
    "edit the producer's place": (
        lambda c, w: c.post(
            f"/edit/place/{w.territory.farm_shop.pk}/",
            {
                "version": editing.version_of(Place.objects.get(pk=w.territory.farm_shop.pk)),
                "name": "Vente à la ferme des Monts du Forez",
                "kind": "farm",
                "lat": "45.5601",
                "lon": "3.7702",
                "commune": "63003",
                "opening_hours": "Fr 16:00-20:00",
            },
        ),
        lambda w: Place.objects.get(pk=w.territory.farm_shop.pk).opening_hours == "Fr 16:00-20:00",
        OWNER_OR_COORDINATOR,
    ),
    "edit the buyer's place": (
        lambda c, w: c.post(
            f"/edit/place/{w.territory.clermont_supermarket.pk}/",
            {
                "version": editing.version_of(w.territory.clermont_supermarket),
                "name": "Supermarché des Volcans",
                "kind": "supermarket",
                "lat": "45.7797",
                "lon": "3.0863",
                "opening_hours": "Mo-Sa 08:00-20:00",
            },
        ),
        lambda w: Place.objects.get(pk=w.territory.clermont_supermarket.pk).opening_hours == "Mo-Sa 08:00-20:00",
        {"buyer", "coordinator"},
    ),
    "edit the products": (
        lambda c, w: c.post(
            f"/edit/actor/{w.territory.cheese_farm.pk}/products/",
            {"p-TOTAL_FORMS": "1", "p-INITIAL_FORMS": "0", "p-0-category": "honey"},
        ),
        lambda w: (
            editing.products_of(w.territory.cheese_farm)
            == [{"category": "honey", "months": 4095, "labels": [], "note": "", "monthly_volume": None, "unit": ""}]
        ),
        OWNER_OR_COORDINATOR,
    ),
    "add a photo": (
        lambda c, w: c.post(f"/edit/place/{w.territory.farm_shop.pk}/photos/", {"image": png(), "caption": "La cave"}),
        lambda w: editing.photos_of(w.territory.farm_shop) != [],
        OWNER_OR_COORDINATOR,
    ),
    "confirm the entry is still true": (
        lambda c, w: c.post(f"/edit/place/{w.territory.ambert_market.pk}/verify/"),
        lambda w: Place.objects.get(pk=w.territory.ambert_market.pk).verified_at is not None,
        {"coordinator"},  # nobody runs the market in the directory yet
    ),
    "revert a change": (
        lambda c, w: c.post(f"/history/revisions/{w.revision.pk}/revert/"),
        lambda w: shop_description(w) == "",
        OWNER_OR_COORDINATOR,
    ),
    "accept a suggestion": (
        lambda c, w: c.post(f"/moderation/{w.suggestion.pk}/accept/"),
        lambda w: Suggestion.objects.get(pk=w.suggestion.pk).status == "accepted",
        OWNER_OR_COORDINATOR,
    ),
    "reject a suggestion": (
        lambda c, w: c.post(f"/moderation/{w.suggestion.pk}/reject/", {"note": "non"}),
        lambda w: Suggestion.objects.get(pk=w.suggestion.pk).status == "rejected",
        OWNER_OR_COORDINATOR,
    ),
    "decide on a claim": (
        lambda c, w: c.post(f"/account/space/claims/{w.claim.pk}/decide/", {"decision": "accept"}),
        lambda w: Claim.objects.get(pk=w.claim.pk).status == "confirmed",
        OWNER_OR_COORDINATOR,  # the organisation's members decide who joins them
    ),
    "suggest a correction": (
        lambda c, w: c.post(f"/suggest/place/{w.territory.ambert_market.pk}/", {"comment": "Aussi le samedi"}),
        lambda w: Suggestion.objects.filter(comment="Aussi le samedi").exists(),
        set(ROLES),
    ),
}


def client_of(role: str, w: World) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(w.people, PERSON[role]))
    return client


def outcomes(
    role: str, w: World, operations: dict[str, Operation], client_for: Callable[[str, World], Client]
) -> list[str]:
    """Run each operation as `role`, each inside a savepoint rolled back afterwards (so that one test
    per role covers every operation from the same starting point); returns what went wrong."""
    wrong = []
    for name, (act, happened, allowed) in operations.items():
        with transaction.atomic():
            response = act(client_for(role, w), w)
            done = happened(w)
            if role in allowed and (response.status_code not in (200, 201, 302) or not done):
                wrong.append(f"{role} could not {name}: {response.status_code}")
            elif role not in allowed and (done or response.status_code not in FORBIDDEN[role]):
                wrong.append(f"{role} was not stopped from doing: {name} ({response.status_code})")
            elif role not in allowed and response.status_code == 302 and "/account/login/" not in response["Location"]:
                wrong.append(f"{role} sent elsewhere than to log in for: {name}")
            transaction.set_rollback(True)
    return wrong


FORBIDDEN = {role: (403, 401) for role in ROLES} | {"anonymous": (302, 401)}


@pytest.mark.parametrize("role", ROLES)
def test_web_write_permissions(world: World, role: str) -> None:
    assert outcomes(role, world, WEB, client_of) == []


API: dict[str, Operation] = {
    "PATCH the producer": (
        lambda c, w: c.patch(
            f"/api/v1/producers/{w.territory.cheese_farm.pk}",
            {"description": "Fourme d'Ambert AOP"},
            content_type="application/json",
            headers={"if-match": f'"{editing.version_of(farm_now(w))}"'},
        ),
        lambda w: (
            type(w.territory.cheese_farm).objects.get(pk=w.territory.cheese_farm.pk).description
            == "Fourme d'Ambert AOP"
        ),
        OWNER_OR_COORDINATOR,
    ),
    "PATCH the producer's place": (
        lambda c, w: c.patch(
            f"/api/v1/places/{w.territory.farm_shop.pk}",
            {"opening_hours": "Sa 08:00-12:00"},
            content_type="application/json",
            headers={"if-match": f'"{editing.version_of(Place.objects.get(pk=w.territory.farm_shop.pk))}"'},
        ),
        lambda w: Place.objects.get(pk=w.territory.farm_shop.pk).opening_hours == "Sa 08:00-12:00",
        OWNER_OR_COORDINATOR,
    ),
    "PATCH the buyer's place": (
        lambda c, w: c.patch(
            f"/api/v1/places/{w.territory.clermont_supermarket.pk}",
            {"opening_hours": "Mo-Sa 08:00-21:00"},
            content_type="application/json",
            headers={"if-match": f'"{editing.version_of(w.territory.clermont_supermarket)}"'},
        ),
        lambda w: Place.objects.get(pk=w.territory.clermont_supermarket.pk).opening_hours == "Mo-Sa 08:00-21:00",
        {"buyer", "coordinator"},
    ),
    "POST a suggestion": (
        lambda c, w: c.post(
            "/api/v1/suggestions",
            {"entity": "place", "id": w.territory.ambert_market.pk, "comment": "Aussi le samedi"},
            content_type="application/json",
        ),
        lambda w: Suggestion.objects.filter(comment="Aussi le samedi").exists(),
        set(ROLES),
    ),
}


def api_client_of(role: str, w: World) -> Client:
    if role == "anonymous":
        return Client()
    _token, key = api_token_create(user=getattr(w.people, PERSON[role]), name="partner", scope="write")
    return Client(headers={"authorization": f"Bearer {key}"})


@pytest.mark.parametrize("role", ROLES)
def test_api_write_permissions(world: World, role: str) -> None:
    assert outcomes(role, world, API, api_client_of) == []


def test_api_refusals_use_the_error_shape(world: World) -> None:
    response = Client().patch(
        f"/api/v1/places/{world.territory.farm_shop.pk}", {"name": "X"}, content_type="application/json"
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    response = api_client_of("other_producer", world).patch(
        f"/api/v1/places/{world.territory.farm_shop.pk}",
        {"name": "X"},
        content_type="application/json",
        headers={"if-match": '"whatever"'},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_a_read_only_key_writes_nothing(world: World) -> None:
    _token, key = api_token_create(user=world.people.claire, name="widget", scope="read")
    response = Client(headers={"authorization": f"Bearer {key}"}).patch(
        f"/api/v1/places/{world.territory.farm_shop.pk}",
        {"opening_hours": "Sa 08:00-12:00"},
        content_type="application/json",
        headers={"if-match": f'"{editing.version_of(Place.objects.get(pk=world.territory.farm_shop.pk))}"'},
    )
    assert response.status_code == 403
    assert "read-only" in response.json()["error"]["message"]


def test_a_revoked_or_made_up_key_is_refused_even_for_reading(world: World) -> None:
    from terroir.accounts.services import api_token_revoke

    token, key = api_token_create(user=world.people.claire, name="old", scope="write")
    api_token_revoke(token=token, by=world.people.claire)
    for bad in (key, "trr_madeup", "not-even-a-key"):
        response = Client(headers={"authorization": f"Bearer {bad}"}).get("/api/v1/places")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
