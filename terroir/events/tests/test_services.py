"""Events with the database: creating with bad input refused in clear French, publishing, signing up,
accepting, withdrawing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from terroir.events import services
from terroir.events.models import Event, Participation

from .conftest import local_day

pytestmark = pytest.mark.django_db


def refusal(call: Any) -> dict[str, list[str]]:
    with translation.override("fr"), pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def test_an_event_that_ends_before_it_starts_is_refused_in_french(territory: Any, people: Any) -> None:
    start = timezone.now() + dt.timedelta(days=3)
    errors = refusal(lambda: local_day(people, territory, starts_at=start, ends_at=start - dt.timedelta(hours=1)))
    assert errors == {"ends_at": ["L’évènement doit finir après avoir commencé."]}


def test_an_event_in_the_past_is_refused_in_french(territory: Any, people: Any) -> None:
    start = timezone.now() - dt.timedelta(days=1)
    errors = refusal(lambda: local_day(people, territory, starts_at=start, ends_at=start + dt.timedelta(hours=2)))
    assert errors == {"starts_at": ["Un évènement ne peut pas commencer dans le passé."]}


def test_an_unknown_place_is_refused_in_french(territory: Any, people: Any) -> None:
    errors = refusal(lambda: local_day(people, territory, place_id=999_999))
    assert errors == {"place": ["Ce lieu n’est pas dans l’annuaire."]}


def test_an_event_without_place_nor_commune_is_refused_in_french(territory: Any, people: Any) -> None:
    errors = refusal(lambda: local_day(people, territory, place_id=None))
    assert errors == {"place": ["Choisissez un lieu de l’annuaire, ou donnez une adresse et sa commune."]}


def test_an_event_at_an_address_takes_its_position_from_the_commune(territory: Any, people: Any) -> None:
    event = local_day(people, territory, place_id=None, address="Salle des fêtes", commune_code="63003",
                      kind=Event.Kind.FESTIVAL)  # fmt: skip
    assert event.where == "Salle des fêtes, Ambert"
    assert event.position == (territory.ambert.lat, territory.ambert.lon)


def test_only_a_member_of_the_organiser_creates_its_event(territory: Any, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        local_day(people, territory, by=people.claire)


def test_a_draft_is_seen_by_its_organiser_only(territory: Any, people: Any) -> None:
    draft = local_day(people, territory)
    assert services.can_see(people.sophie, draft) and services.can_see(people.camille, draft)
    assert not services.can_see(people.claire, draft)
    with pytest.raises(ValidationError):
        services.participation_signup(event=draft, producer=territory.cheese_farm, by=people.claire)


def test_a_producer_waits_for_the_organiser_then_takes_part(territory: Any, people: Any) -> None:
    event = services.event_publish(event=local_day(people, territory), by=people.sophie)
    asked = services.participation_signup(event=event, producer=territory.honey_farm, by=people.hugo)
    assert asked.status == Participation.Status.PENDING
    with pytest.raises(PermissionDenied):
        services.participation_decide(participation=asked, accept=True, by=people.hugo)
    accepted = services.participation_decide(participation=asked, accept=True, by=people.sophie)
    assert accepted.status == Participation.Status.ACCEPTED


def test_a_producer_takes_part_at_once_in_an_open_event(territory: Any, people: Any) -> None:
    event = services.event_publish(event=local_day(people, territory, open_signup=True), by=people.sophie)
    taken = services.participation_signup(event=event, producer=territory.honey_farm, by=people.hugo)
    assert taken.status == Participation.Status.ACCEPTED


def test_a_producer_withdraws_and_may_sign_up_again(territory: Any, people: Any) -> None:
    event = services.event_publish(event=local_day(people, territory, open_signup=True), by=people.sophie)
    taken = services.participation_signup(event=event, producer=territory.honey_farm, by=people.hugo)
    with pytest.raises(PermissionDenied):
        services.participation_withdraw(participation=taken, by=people.claire)
    assert services.participation_withdraw(participation=taken, by=people.hugo).status == "withdrawn"
    with translation.override("fr"), pytest.raises(ValidationError, match="organisateur"):
        services.participation_decide(participation=taken, accept=True, by=people.sophie)
    again = services.participation_signup(event=event, producer=territory.honey_farm, by=people.hugo)
    assert again.pk == taken.pk and again.status == Participation.Status.ACCEPTED


def test_signing_up_twice_or_for_somebody_else_is_refused(territory: Any, people: Any) -> None:
    event = services.event_publish(event=local_day(people, territory), by=people.sophie)
    services.participation_signup(event=event, producer=territory.cheese_farm, by=people.claire)
    with translation.override("fr"), pytest.raises(ValidationError, match="déjà inscrit"):
        services.participation_signup(event=event, producer=territory.cheese_farm, by=people.claire)
    with pytest.raises(PermissionDenied):
        services.participation_signup(event=event, producer=territory.honey_farm, by=people.claire)


def test_an_event_whose_start_passed_as_a_draft_cannot_be_published(territory: Any, people: Any) -> None:
    draft = local_day(people, territory)
    with translation.override("fr"), pytest.raises(ValidationError, match="passé"):
        services.event_publish(event=draft, by=people.sophie, now=draft.starts_at + dt.timedelta(minutes=1))


def test_an_event_keeps_its_commune_when_its_place_leaves_the_directory(territory: Any, people: Any) -> None:
    event = local_day(people, territory)
    territory.clermont_supermarket.delete()
    event.refresh_from_db()
    assert (event.place, event.where) == (None, "Clermont-Ferrand")
    assert event.position == (territory.clermont.lat, territory.clermont.lon)
