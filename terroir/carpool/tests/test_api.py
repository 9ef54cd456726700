"""Carpooling under /api/v1/carpool/: trips, parcels, matches and handovers with an API key, the same
rules as the pages (who sees what, who may write), the rules' refusals as 409, and the role matrix."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from terroir.accounts.services import api_token_create
from terroir.carpool.eligibility import eligibility_save
from terroir.carpool.models import Handover, Parcel, ParcelStatus, Ride, Trip
from terroir.conftest import person

from .conftest import TUESDAY, Story, category

pytestmark = pytest.mark.django_db


def key_of(user: Any, scope: str = "write") -> Client:
    _token, key = api_token_create(user=user, name="app", scope=scope)
    return Client(headers={"authorization": f"Bearer {key}"})


def as_who(story: Story, who: str) -> Client:
    people = story.people
    if who == "nobody":
        return Client()
    if who == "outsider":
        return key_of(person("paul@ailleurs.example.org"))
    if who == "claire_read":
        return key_of(people.claire, "read")
    return key_of(getattr(people, who))


TRIP_BODY = {
    "origin": {"name": "Thiers (63)", "lat": 45.856, "lon": 3.547},
    "destination": {"name": "Clermont-Ferrand (63)", "lat": 45.7797, "lon": 3.0863},
    "day": TUESDAY.isoformat(), "weekdays": [1], "leaves": "08:00", "arrives_by": "10:30", "free_kg": 40,
    "free_litres": 100, "condition": "refrigerated", "detour_minutes": 15,
}  # fmt: skip
PARCEL_BODY = {
    "origin": {"name": "Courpière (63)", "lat": 45.756, "lon": 3.589},
    "destination": {"name": "Clermont-Ferrand (63)", "lat": 45.78, "lon": 3.096},
    "day": TUESDAY.isoformat(), "ready_at": "07:00", "due_by": "11:00", "kg": "5", "litres": "10",
    "category": "bread-cereals", "description": "Pain de seigle", "recipient": "sophie@volcans.example.org",
}  # fmt: skip

Url = Callable[[Story], str]
MATRIX: list[tuple[str, str, Url, dict[str, Any] | None, dict[str, int]]] = [
    ("trips", "get", lambda s: "/api/v1/carpool/trips", None, {"nobody": 401, "outsider": 200, "hugo": 200}),
    ("trip", "get", lambda s: f"/api/v1/carpool/trips/{s.trip.pk}", None,
     {"nobody": 401, "outsider": 404, "hugo": 200, "claire": 200, "camille": 200}),
    ("offer", "post", lambda s: "/api/v1/carpool/trips", TRIP_BODY,
     {"nobody": 401, "claire_read": 403, "hugo": 201}),
    ("trip_cancel", "post", lambda s: f"/api/v1/carpool/trips/{s.trip.pk}/cancel", {},
     {"nobody": 401, "outsider": 404, "claire": 403, "claire_read": 403, "hugo": 200}),
    ("parcels", "get", lambda s: "/api/v1/carpool/parcels", None, {"nobody": 401, "outsider": 200, "sophie": 200}),
    ("parcel", "get", lambda s: f"/api/v1/carpool/parcels/{s.parcel.pk}", None,
     {"nobody": 401, "outsider": 404, "claire": 200, "hugo": 200, "sophie": 200, "camille": 200}),
    ("request", "post", lambda s: "/api/v1/carpool/parcels", PARCEL_BODY,
     {"nobody": 401, "claire_read": 403, "claire": 201}),
    ("parcel_cancel", "post", lambda s: f"/api/v1/carpool/parcels/{s.parcel.pk}/cancel", {},
     {"nobody": 401, "outsider": 404, "hugo": 403, "sophie": 403, "claire": 200}),
    ("accept", "post", lambda s: f"/api/v1/carpool/matches/{Ride.objects.get().pk}/accept", {},
     {"nobody": 401, "outsider": 404, "sophie": 403, "claire_read": 403, "hugo": 200, "claire": 200}),
    ("refuse", "post", lambda s: f"/api/v1/carpool/matches/{Ride.objects.get().pk}/refuse", {},
     {"nobody": 401, "outsider": 404, "sophie": 403, "hugo": 200}),
    ("handovers", "get", lambda s: f"/api/v1/carpool/parcels/{s.parcel.pk}/handovers", None,
     {"nobody": 401, "outsider": 404, "claire": 200, "sophie": 200}),
    ("hand_over", "post", lambda s: f"/api/v1/carpool/parcels/{s.parcel.pk}/handovers",
     {"kind": "pickup", "place": "Courpière"}, {"nobody": 401, "outsider": 404, "claire_read": 403, "hugo": 409}),
]  # fmt: skip
CASES = [(name, method, url, body, who, status) for name, method, url, body, seen in MATRIX
         for who, status in seen.items()]  # fmt: skip


@pytest.mark.parametrize(("name", "method", "url", "body", "who", "status"), CASES,
                         ids=[f"{c[0]}-{c[4]}" for c in CASES])  # fmt: skip
def test_the_carpool_api_s_role_matrix(
    story: Story, name: str, method: str, url: Url, body: dict[str, Any] | None, who: str, status: int
) -> None:
    client = as_who(story, who)
    if method == "get":
        response = client.get(url(story))
    else:
        response = client.post(url(story), body, content_type="application/json")
    assert response.status_code == status, response.content
    if status >= 400:
        assert set(response.json()["error"]) >= {"code", "message"}


def test_a_key_reads_only_what_its_person_sees(story: Story) -> None:
    assert key_of(person("paul@ailleurs.example.org")).get("/api/v1/carpool/trips").json() == []
    mine = key_of(story.people.hugo).get("/api/v1/carpool/parcels").json()
    assert [p["id"] for p in mine] == [story.parcel.pk]
    assert mine[0]["match"]["status"] == "proposed" and mine[0]["match"]["explained"].startswith("+")


def test_offering_a_trip_and_requesting_a_parcel_through_the_api(story: Story) -> None:
    trip = key_of(story.people.hugo).post("/api/v1/carpool/trips", TRIP_BODY, content_type="application/json")
    assert trip.status_code == 201
    saved = Trip.objects.get(pk=trip.json()["id"])
    assert (saved.driver, saved.weekdays, saved.condition) == (story.people.hugo, 0b10, "refrigerated")
    assert trip.json()["weekdays"] == [1]
    parcel = key_of(story.people.claire).post("/api/v1/carpool/parcels", PARCEL_BODY, content_type="application/json")
    assert parcel.status_code == 201 and parcel.json()["status"] == "waiting"
    assert Parcel.objects.get(pk=parcel.json()["id"]).recipient == story.people.sophie


def test_a_family_that_may_not_ride_is_refused_with_the_reason(story: Story) -> None:
    eligibility_save(category=category("bread-cereals"), allowed=False, condition="none", temperature_record=False,
                     max_celsius=None, by=story.people.camille)  # fmt: skip
    refused = key_of(story.people.claire).post("/api/v1/carpool/parcels", PARCEL_BODY, content_type="application/json")
    assert refused.status_code == 409 and "covoiturage" in refused.json()["error"]["message"]
    unknown = key_of(story.people.claire).post("/api/v1/carpool/parcels", PARCEL_BODY | {"category": "vegetables",
                                               "recipient": "x@y.org"}, content_type="application/json")  # fmt: skip
    assert unknown.status_code == 201  # a recipient without an account signs with a one-time code
    assert Parcel.objects.get(pk=unknown.json()["id"]).recipient_email == "x@y.org"


def test_the_chain_of_responsibility_through_the_api_is_append_only(story: Story) -> None:
    claire, hugo = key_of(story.people.claire), key_of(story.people.hugo)
    ride = Ride.objects.get()
    for client in (hugo, claire):
        assert client.post(f"/api/v1/carpool/matches/{ride.pk}/accept").status_code == 200
    url = f"/api/v1/carpool/parcels/{story.parcel.pk}/handovers"
    pickup = {"kind": "pickup", "place": "Courpière", "celsius": "3.5"}
    given = claire.post(url, pickup, content_type="application/json")
    assert given.status_code == 201 and given.json()["signed"] is False
    assert given.json()["taker"] == "Rucher de la Durolle"  # the driver by his farm, never his login "hugo"
    handover = given.json()["id"]
    sign = {"celsius": "3.6"}
    refused = claire.post(f"/api/v1/carpool/handovers/{handover}/accept", sign, content_type="application/json")
    assert refused.status_code == 409  # only the taker signs
    signed = hugo.post(f"/api/v1/carpool/handovers/{handover}/accept", sign, content_type="application/json")
    assert signed.status_code == 200 and signed.json()["signed"] is True
    assert Parcel.objects.get(pk=story.parcel.pk).status == ParcelStatus.ON_ITS_WAY
    chain = claire.get(url).json()
    pickup_said = (1, "pickup", "GAEC des Monts du Forez", "Rucher de la Durolle")  # by their farms, not logins
    assert [(h["rank"], h["kind"], h["giver"], h["taker"]) for h in chain] == [pickup_said]
    for method in ("put", "patch", "delete"):
        assert getattr(claire, method)(f"{url}").status_code == 405
    assert Handover.objects.count() == 1


def test_the_carpool_operations_are_in_the_openapi_document(client: Client) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    carpool = {path for path in doc["paths"] if path.startswith("/api/v1/carpool/")}
    assert len(carpool) == 10 and doc["paths"]["/api/v1/carpool/trips"]["post"]["tags"] == ["carpool"]


def test_a_day_gone_by_is_refused_through_the_api_under_its_field(story: Story) -> None:
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    for who, url, body in (("hugo", "/api/v1/carpool/trips", TRIP_BODY), ("claire", "/api/v1/carpool/parcels",
                                                                           PARCEL_BODY)):  # fmt: skip
        refused = key_of(getattr(story.people, who)).post(url, body | {"day": yesterday},
                                                          content_type="application/json")  # fmt: skip
        assert refused.status_code == 400, refused.content
        assert refused.json()["error"]["parameter"] == "day"
        assert "Ce jour est passé" in refused.json()["error"]["message"]
    assert Trip.objects.count() == 1 and Parcel.objects.count() == 1  # the story's own only


def test_a_trip_s_room_and_a_parcel_s_size_have_the_same_bounds_on_the_page_and_through_the_api(
    story: Story,
) -> None:
    """A lorry's load at most (models.FREE_KG_MAX, FREE_LITRES_MAX): a parcel larger than any trip's room is
    refused when sent rather than left waiting for ever."""
    hugo, claire = key_of(story.people.hugo), key_of(story.people.claire)
    for key, url, body, field, over in (
        (hugo, "/api/v1/carpool/trips", TRIP_BODY, "free_kg", 20_001),
        (hugo, "/api/v1/carpool/trips", TRIP_BODY, "free_litres", 50_001),
        (claire, "/api/v1/carpool/parcels", PARCEL_BODY, "kg", "20000.01"),
        (claire, "/api/v1/carpool/parcels", PARCEL_BODY, "litres", "50000.1"),
    ):
        refused = key.post(url, body | {field: over}, content_type="application/json")
        assert refused.status_code == 400 and refused.json()["error"]["parameter"] == field, refused.content
    assert (
        hugo.post("/api/v1/carpool/trips", TRIP_BODY | {"free_kg": 20_000}, content_type="application/json").status_code
        == 201
    )
    page = Client()
    page.force_login(story.people.hugo)
    form = page.get("/carpool/trips/new/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'max="20000"' in form and 'max="50000"' in form


@pytest.mark.parametrize(
    ("language", "said"),
    [
        ("fr", {"stops[1].lat": "91 dépasse le maximum, 90", "limit": "9 000 dépasse le maximum, 500",
                "leaves": "donnez une heure locale sans décalage (HH:MM)",
                "free_kg": "« lourd » n’est pas un nombre entier",
                "arrives_by": "ce paramètre est obligatoire"}),
        ("en", {"stops[1].lat": "91 is above the maximum, 90", "limit": "9,000 is above the maximum, 500",
                "leaves": "give a local time without an offset (HH:MM)", "free_kg": "“lourd” is not a whole number",
                "arrives_by": "this parameter is required"}),
    ],
)  # fmt: skip
def test_a_schema_s_refusal_says_what_and_where_in_the_caller_s_language(
    story: Story, language: str, said: dict[str, str]
) -> None:
    """A stop's latitude in the body (where: its place in the list), the page's size in the query, a validator
    of ours, a type, a field left out: each in the caller's words, never pydantic's English."""
    client = key_of(story.people.hugo)
    headers = {"accept-language": language}
    stops = [{"name": "Courpière (63)", "lat": 45.756, "lon": 3.539}, {"name": "Lezoux (63)", "lat": 91, "lon": 3.38}]
    answers = {
        "stops[1].lat": client.post("/api/v1/carpool/trips", TRIP_BODY | {"stops": stops},
                                    content_type="application/json", headers=headers),
        "limit": client.get("/api/v1/carpool/trips?limit=9000", headers=headers),
        "leaves": client.post("/api/v1/carpool/trips", TRIP_BODY | {"leaves": "08:00+02:00"},
                              content_type="application/json", headers=headers),
        "free_kg": client.post("/api/v1/carpool/trips", TRIP_BODY | {"free_kg": "lourd"},
                               content_type="application/json", headers=headers),
        "arrives_by": client.post("/api/v1/carpool/trips", {k: v for k, v in TRIP_BODY.items() if k != "arrives_by"},
                                  content_type="application/json", headers=headers),
    }  # fmt: skip
    for parameter, answer in answers.items():
        error = answer.json()["error"]
        assert answer.status_code == 400 and error["code"] == "invalid_parameter", answer.content
        assert (error["parameter"], error["message"].replace("\xa0", " ")) == (parameter, said[parameter])
