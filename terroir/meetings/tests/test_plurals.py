"""A meeting day's counts agree with their nouns in French: "1 tour", "3 tours", "0 rencontre" (French
takes the singular for 0 and 1)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from .test_events import day  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def test_the_day_s_rounds_minutes_tables_and_participants_agree_with_their_counts(
    day: Any,  # noqa: F811
    people: Any,
) -> None:
    event, _who = day
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="fr")
    coordinator.force_login(people.camille)
    page = coordinator.get(event.get_absolute_url()).content.decode()
    assert "3 tours de 15 minutes, 2 tables" in page
    listed = coordinator.get("/needs/events/").content.decode()
    assert "5 participants, 0 rencontre<" in listed
    type(event).objects.filter(pk=event.pk).update(slots=1, tables=1, slot_minutes=1)
    page = coordinator.get(event.get_absolute_url()).content.decode()
    assert "1 tour de 1 minute, 1 table" in page


def test_the_schedule_s_message_agrees_with_its_counts(day: Any, people: Any) -> None:  # noqa: F811
    event, _who = day
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="fr")
    coordinator.force_login(people.camille)
    page = coordinator.post(f"/needs/events/{event.pk}/schedule/", follow=True).content.decode()
    assert "0 rencontre en 0 tour (le minimum possible\u202f: 0)." in page


def test_one_wished_meeting_placed_is_said_in_the_singular(day: Any, people: Any) -> None:  # noqa: F811
    event, who = day
    claire = Client()
    claire.force_login(people.claire)
    claire.post(f"/needs/events/{event.pk}/participants/{who['cheese'].pk}/wishes/", {"others": [who["canteen"].pk]})
    coordinator = Client(HTTP_ACCEPT_LANGUAGE="fr")
    coordinator.force_login(people.camille)
    page = coordinator.post(f"/needs/events/{event.pk}/schedule/", follow=True).content.decode()
    assert "1 rencontre en 1 tour (le minimum possible\u202f: 1)." in page
    assert "1 sur 1 rencontre souhaitée placée (6 places\u202f: tours × tables)." in page
