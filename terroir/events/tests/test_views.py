"""Who may do what on the event pages (outsider, somebody of another organisation, the organiser, a
producer taking part, a producer not taking part, the coordinator), and the pages of lower layers that
show the coming events."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from terroir.events import services
from terroir.events.models import Event, Participation

from .conftest import Cast, local_day

pytestmark = pytest.mark.django_db

PERSONAS = ("anonymous", "nina", "victor", "hugo", "claire", "sophie", "camille")


def local(moment: dt.datetime) -> str:
    """As the browser's date-time picker sends it."""
    return moment.strftime("%Y-%m-%dT%H:%M")


def client_of(who: str, people: Any, cast: Cast) -> Client:
    client = Client()
    user = {"nina": cast.nina, "victor": cast.victor}.get(who) or getattr(people, who, None)
    if user is not None:
        client.force_login(user)
    return client


def outcome(response: Any) -> int | str:
    """The status, or "login" for a redirection to the log-in page."""
    if response.status_code == 302 and "/account/login/" in response["Location"]:
        return "login"
    return int(response.status_code)


def matrix(people: Any, cast: Cast, call: Any) -> dict[str, int | str]:
    return {who: outcome(call(client_of(who, people, cast))) for who in PERSONAS}


def test_a_public_event_is_everybodys_page(people: Any, cast: Cast) -> None:
    url = cast.event.get_absolute_url()
    assert set(matrix(people, cast, lambda c: c.get(url)).values()) == {200}


def test_a_draft_is_seen_by_its_organiser_and_the_coordinator_only(territory: Any, people: Any, cast: Cast) -> None:
    url = local_day(people, territory).get_absolute_url()
    assert matrix(people, cast, lambda c: c.get(url)) == {
        "anonymous": 404, "nina": 404, "victor": 404, "hugo": 404, "claire": 404, "sophie": 200, "camille": 200,
    }  # fmt: skip


def test_an_event_for_producers_is_seen_by_producers_only(territory: Any, people: Any, cast: Cast) -> None:
    event = services.event_publish(event=local_day(people, territory, public=False, title="Réservée"), by=people.sophie)
    assert matrix(people, cast, lambda c: c.get(event.get_absolute_url())) == {
        "anonymous": 404, "nina": 404, "victor": 404, "hugo": 200, "claire": 200, "sophie": 200, "camille": 200,
    }  # fmt: skip
    assert event not in services.upcoming()
    listed = {
        who: "Réservée" in client_of(who, people, cast).get(reverse("events:list")).content.decode() for who in PERSONAS
    }
    assert listed == {
        "anonymous": False, "nina": False, "victor": False, "hugo": True, "claire": True, "sophie": True,
        "camille": True,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("who", "expected", "published"),
    [("anonymous", "login", False), ("nina", 404, False), ("victor", 404, False), ("hugo", 404, False),
     ("claire", 404, False), ("sophie", 302, True), ("camille", 302, True)],
)  # fmt: skip
def test_only_the_organiser_publishes(territory: Any, people: Any, cast: Cast, who: str, expected: Any,
                                      published: bool) -> None:  # fmt: skip
    draft = local_day(people, territory)
    response = client_of(who, people, cast).post(reverse("events:publish", args=[draft.pk]))
    assert outcome(response) == expected
    draft.refresh_from_db()
    assert (draft.status == Event.Status.PUBLISHED) is published


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 403), ("claire", 403), ("sophie", 302),
     ("camille", 302)],
)  # fmt: skip
def test_only_the_organiser_cancels(people: Any, cast: Cast, who: str, expected: Any) -> None:
    response = client_of(who, people, cast).post(reverse("events:cancel", args=[cast.event.pk]), {"reason": "Tempête."})
    assert outcome(response) == expected
    cast.event.refresh_from_db()
    assert (cast.event.status == Event.Status.CANCELLED) is (expected == 302)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 302), ("claire", 403), ("sophie", 403),
     ("camille", 403)],
)  # fmt: skip
def test_only_a_producers_people_sign_it_up(territory: Any, people: Any, cast: Cast, who: str, expected: Any) -> None:
    url = reverse("events:signup", args=[cast.event.pk])
    response = client_of(who, people, cast).post(url, {"producer": territory.honey_farm.pk})
    assert outcome(response) == expected
    signed = Participation.objects.filter(event=cast.event, producer=territory.honey_farm)
    assert signed.exists() is (expected == 302)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 403), ("claire", 302), ("sophie", 403),
     ("camille", 302)],
)  # fmt: skip
def test_only_the_producer_or_the_coordinator_withdraws_it(people: Any, cast: Cast, who: str, expected: Any) -> None:
    url = reverse("events:withdraw", args=[cast.event.pk, cast.participation.pk])
    assert outcome(client_of(who, people, cast).post(url)) == expected
    cast.participation.refresh_from_db()
    assert (cast.participation.status == Participation.Status.WITHDRAWN) is (expected == 302)


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 403), ("claire", 403), ("sophie", 302),
     ("camille", 302)],
)  # fmt: skip
def test_only_the_organiser_accepts_a_producer(
    territory: Any, people: Any, cast: Cast, who: str, expected: Any
) -> None:
    asked = services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)
    url = reverse("events:decide", args=[cast.event.pk, asked.pk])
    assert outcome(client_of(who, people, cast).post(url, {"accept": "1"})) == expected
    asked.refresh_from_db()
    assert (asked.status == Participation.Status.ACCEPTED) is (expected == 302)


def test_only_somebody_acting_for_an_organisation_opens_the_form(people: Any, cast: Cast) -> None:
    assert matrix(people, cast, lambda c: c.get(reverse("events:new"))) == {
        "anonymous": "login", "nina": 403, "victor": 200, "hugo": 200, "claire": 200, "sophie": 200, "camille": 403,
    }  # fmt: skip


def test_the_form_creates_a_draft_and_refuses_bad_input_in_french(territory: Any, people: Any, cast: Cast) -> None:
    client = client_of("sophie", people, cast)
    start = (dt.datetime.now() + dt.timedelta(days=5)).replace(microsecond=0)
    form = {
        "organiser": cast.organiser.pk, "title": "Fête du fromage", "kind": "festival",
        "starts_at": local(start), "ends_at": local(start - dt.timedelta(hours=2)),
        "address": "Place de la mairie", "commune": "Ambert", "public": "on",
    }  # fmt: skip
    refused = client.post(reverse("events:new"), form, HTTP_ACCEPT_LANGUAGE="fr")
    assert refused.status_code == 400
    assert "L’évènement doit finir après avoir commencé." in refused.content.decode()
    unknown = client.post(reverse("events:new"), {**form, "place": "999999"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Ce lieu n’est pas dans l’annuaire." in unknown.content.decode()
    created = client.post(
        reverse("events:new"), {**form, "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")}
    )
    event = Event.objects.get(title="Fête du fromage")
    assert created["Location"] == event.get_absolute_url()
    assert (event.status, event.commune, event.organiser) == (Event.Status.DRAFT, territory.ambert, cast.organiser)


def test_one_cannot_create_an_event_for_another_organisation(territory: Any, people: Any, cast: Cast) -> None:
    start = dt.datetime.now() + dt.timedelta(days=5)
    form = {
        "organiser": cast.organiser.pk, "title": "Usurpée", "kind": "festival", "commune": "Ambert",
        "starts_at": local(start), "ends_at": local(start + dt.timedelta(hours=2)),
    }  # fmt: skip
    response = client_of("claire", people, cast).post(reverse("events:new"), form)
    assert response.status_code == 400 and not Event.objects.filter(title="Usurpée").exists()


def test_the_producer_page_says_where_to_find_them_soon(territory: Any, people: Any, cast: Cast) -> None:
    page = Client().get(territory.cheese_farm.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Où me trouver prochainement" in page and cast.event.title.replace("'", "&#x27;") in page
    other = Client().get(territory.honey_farm.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Où me trouver prochainement" not in other
    # Its day and time as a French reader says them ("samedi 19 décembre 2026, 9 h"), on the producer's page,
    # the event's and the list: never "09:00".
    event = Client().get(cast.event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    listed = Client().get(reverse("events:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    for shown in (page, event, listed):
        assert re.search(r"20\d\d, 9 h<", shown) and not re.search(r">[^<]*09:00", shown)  # datetime="…T09:00…"
    assert ", 9 h</time> – <time" in event and ">18 h</time>" in event


def test_the_place_page_and_the_search_page_list_the_coming_events(territory: Any, people: Any, cast: Cast) -> None:
    title = cast.event.title.replace("'", "&#x27;")
    assert title in Client().get(territory.clermont_supermarket.get_absolute_url()).content.decode()
    assert title not in Client().get(territory.le_local.get_absolute_url()).content.decode()
    home = Client().get(reverse("directory:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Prochains évènements" in home and title in home


def test_the_map_layer_gives_the_coming_public_events_as_points(territory: Any, people: Any, cast: Cast) -> None:
    services.event_publish(event=local_day(people, territory, public=False, title="Réservée"), by=people.sophie)
    local_day(people, territory, title="Brouillon")
    features = Client().get(reverse("events:map")).json()["features"]
    assert [f["properties"]["title"] for f in features] == [cast.event.title]
    place = territory.clermont_supermarket
    assert features[0]["geometry"]["coordinates"] == [place.lon, place.lat]


def test_the_map_layer_gives_only_the_events_in_the_maps_view_with_their_dates_in_words(
    territory: Any, people: Any, cast: Cast
) -> None:
    place = territory.clermont_supermarket
    around = f"{place.lon - 0.1},{place.lat - 0.1},{place.lon + 0.1},{place.lat + 0.1}"
    elsewhere = f"{place.lon + 1},{place.lat + 1},{place.lon + 2},{place.lat + 2}"
    inside = Client().get(reverse("events:map"), {"bbox": around}, HTTP_ACCEPT_LANGUAGE="fr").json()["features"]
    assert [f["properties"]["title"] for f in inside] == [cast.event.title]
    # "samedi 12 décembre 2026, 9 h – 18 h": the day and both times, in the reader’s language and its way of
    # telling the time (never "09:00").
    when = inside[0]["properties"]["when"]
    assert when.endswith(", 9 h – 18 h") and str(cast.event.starts_at.year) in when and "09:00" not in when
    assert Client().get(reverse("events:map"), {"bbox": elsewhere}).json()["features"] == []
    refused = Client().get(reverse("events:map"), {"bbox": "3,45,2"})
    assert refused.status_code == 400 and "bbox" in refused.json()["error"]["message"]


def test_the_search_map_is_told_of_the_events_layer_without_the_directory_naming_it(cast: Cast) -> None:
    home = Client().get(reverse("directory:home"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    config = json.loads(html.unescape(re.search(r'data-config="([^"]*)"', home).group(1)))  # type: ignore[union-attr]
    assert config["layers"] == [
        {"key": "events", "url": reverse("events:map"), "label": "Évènements à venir", "details": "Voir l’évènement"}
    ]


def test_a_producer_that_withdrew_finds_the_sign_up_button_again(people: Any, cast: Cast) -> None:
    claire = client_of("claire", people, cast)
    assert 'id="signup"' not in claire.get(cast.event.get_absolute_url()).content.decode()
    claire.post(reverse("events:withdraw", args=[cast.event.pk, cast.participation.pk]))
    assert 'id="signup"' in claire.get(cast.event.get_absolute_url()).content.decode()
    claire.post(reverse("events:signup", args=[cast.event.pk]), {"producer": cast.participation.producer_id})
    cast.participation.refresh_from_db()
    assert cast.participation.status == Participation.Status.PENDING


def test_the_map_layer_filters_in_the_database_with_the_positions_the_events_show(
    territory: Any, people: Any, cast: Cast, django_assert_num_queries: Any
) -> None:
    """An event's own point, else its place's, else its commune's (Event.position, each only with both
    coordinates), computed and boxed by the query: the same points as the pages show, in one query."""
    own = local_day(people, territory, title="Sur la place", place_id=None, commune_code="63003")
    Event.objects.filter(pk=own.pk).update(lat=45.55, lon=3.74)
    half = local_day(people, territory, title="Point à moitié")  # its lat alone: its place's point
    Event.objects.filter(pk=half.pk).update(lat=10.0)
    commune = local_day(people, territory, title="À Ambert", place_id=None, commune_code="63003")
    for event in (own, half, commune):
        services.event_publish(event=event, by=people.sophie)
    shown = {e.title: e.position or (0.0, 0.0) for e in services.upcoming()}
    assert all(e.position is not None for e in services.upcoming()) and len(shown) == 4
    with django_assert_num_queries(1):
        features = Client().get(reverse("events:map")).json()["features"]
    assert {f["properties"]["title"]: tuple(reversed(f["geometry"]["coordinates"])) for f in features} == shown
    ambert = territory.ambert
    box = f"{ambert.lon - 0.05},{ambert.lat - 0.05},{ambert.lon + 0.05},{ambert.lat + 0.05}"
    inside = Client().get(reverse("events:map"), {"bbox": box}).json()["features"]
    assert sorted(f["properties"]["title"] for f in inside) == sorted(
        title for title, (lat, lon) in shown.items() if abs(lat - ambert.lat) <= 0.05 and abs(lon - ambert.lon) <= 0.05
    )
    assert "À Ambert" in {f["properties"]["title"] for f in inside}
