"""The iCalendar feeds: the territory's public events, a producer's, a place's; Paris time, stable UIDs,
escaped texts."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest
from django.test import Client
from django.urls import reverse

from terroir.events import services

from .conftest import Cast, local_day

pytestmark = pytest.mark.django_db


def download(url: str) -> tuple[bytes, icalendar.Calendar]:
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    return response.content, icalendar.Calendar.from_ical(response.content)


def test_the_territory_feed_has_the_public_events_in_paris_time(territory: Any, people: Any, cast: Cast) -> None:
    services.event_publish(event=local_day(people, territory, public=False, title="Réservée"), by=people.sophie)
    local_day(people, territory, title="Brouillon")
    raw, calendar = download(reverse("events:calendar"))
    items = calendar.walk("VEVENT")
    assert [str(item["summary"]) for item in items] == [cast.event.title]
    start = items[0].decoded("dtstart")
    assert str(start.tzinfo) == "Europe/Paris" and (start.hour, start.minute) == (9, 0)
    assert b"DTSTART;TZID=Europe/Paris:" in raw and b"BEGIN:VTIMEZONE" in raw and b"TZID:Europe/Paris" in raw


def test_the_uid_is_the_same_at_each_download(people: Any, cast: Cast) -> None:
    first = download(reverse("events:calendar"))[1].walk("VEVENT")[0]["uid"]
    again = download(reverse("events:calendar"))[1].walk("VEVENT")[0]["uid"]
    assert first == again == f"terroir-event-{cast.event.pk}@127.0.0.1:8000"


def test_commas_and_semicolons_of_a_description_are_escaped(people: Any, cast: Cast) -> None:
    raw, calendar = download(reverse("events:calendar"))
    assert "Dégustation\\, rencontre\\; fromages\\, miel.".encode() in raw.replace(b"\r\n ", b"")
    assert str(calendar.walk("VEVENT")[0]["description"]) == "Dégustation, rencontre; fromages, miel."


def test_a_producers_feed_has_the_events_it_takes_part_in(territory: Any, people: Any, cast: Cast) -> None:
    titles = [
        str(e["summary"])
        for e in download(reverse("events:producer_calendar", args=[territory.cheese_farm.pk]))[1].walk("VEVENT")
    ]
    assert titles == [cast.event.title]
    asked = services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)
    assert asked.status == "pending"
    assert download(reverse("events:producer_calendar", args=[territory.honey_farm.pk]))[1].walk("VEVENT") == []


def test_a_places_feed_has_the_events_held_there(territory: Any, people: Any, cast: Cast) -> None:
    here = download(reverse("events:place_calendar", args=[territory.clermont_supermarket.pk]))[1].walk("VEVENT")
    assert [str(e["summary"]) for e in here] == [cast.event.title]
    assert download(reverse("events:place_calendar", args=[territory.le_local.pk]))[1].walk("VEVENT") == []


def test_a_cancelled_event_leaves_the_feeds(territory: Any, people: Any, cast: Cast) -> None:
    services.event_cancel(event=cast.event, by=people.sophie, reason="Arrêté préfectoral : tempête.")
    assert download(reverse("events:calendar"))[1].walk("VEVENT") == []
