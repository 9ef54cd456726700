"""Meeting days with the database: participants, wishes, the schedule stored, printable and iCalendar."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from terroir.directory.models import Actor
from terroir.meetings import services
from terroir.meetings.models import Event, Meeting, Participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def day(territory: Any, people: Any) -> tuple[Event, dict[str, Participant]]:
    event = services.event_create(
        by=people.camille, title="Rencontres producteurs–acheteurs", date=dt.date(2027, 3, 18),
        start_time=dt.time(14), slot_minutes=15, slots=3, tables=2, location="Halle d'Ambert",
    )  # fmt: skip
    canteen = Actor.objects.create(name="Cantine de Thiers", is_buyer=True, buyer_kind="canteen")
    supermarket = Actor.objects.get(name="SAS Supermarché des Volcans")
    who = {
        "cheese": services.participant_add(event=event, actor=territory.cheese_farm, by=people.camille),
        "honey": services.participant_add(event=event, actor=territory.honey_farm, by=people.camille),
        "garden": services.participant_add(event=event, actor=territory.market_gardener, by=people.camille),
        "supermarket": services.participant_add(event=event, actor=supermarket, by=people.camille),
        "canteen": services.participant_add(event=event, actor=canteen, by=people.camille),
    }
    return event, who


def test_wishes_become_a_stored_schedule_in_the_fewest_rounds(day: Any, people: Any) -> None:
    event, who = day
    services.wishes_set(participant=who["cheese"], others=[who["supermarket"], who["canteen"]], by=people.claire)
    services.wishes_set(participant=who["supermarket"], others=[who["cheese"], who["honey"], who["garden"]],
                      by=people.sophie)  # fmt: skip
    outcome = services.event_schedule(event=event, by=people.camille)
    assert (outcome.meetings, outcome.rounds_used, outcome.lower_bound, outcome.unplaced) == (4, 3, 3, [])
    stored = list(Meeting.objects.filter(event=event))
    assert len(stored) == 4
    assert {m.mutual for m in stored if {m.producer_id, m.buyer_id} == {who["cheese"].pk, who["supermarket"].pk}} == {
        True
    }
    again = services.event_schedule(event=event, by=people.camille)  # replaces, does not add
    assert again.meetings == Meeting.objects.filter(event=event).count() == 4


def test_wishes_that_do_not_fit_are_listed_with_their_reason(day: Any, people: Any) -> None:
    event, who = day
    Event.objects.filter(pk=event.pk).update(slots=1)
    event.refresh_from_db()
    services.wishes_set(participant=who["supermarket"], others=[who["cheese"], who["honey"], who["garden"]],
                      by=people.sophie)  # fmt: skip
    outcome = services.event_schedule(event=event, by=people.camille)
    assert outcome.meetings == 1
    assert sorted(code for *_pair, code in outcome.unplaced) == ["buyer_full", "buyer_full"]


def test_only_coordinators_organise_and_people_mark_only_their_own_wishes(day: Any, people: Any) -> None:
    event, who = day
    with pytest.raises(PermissionDenied):
        services.event_schedule(event=event, by=people.sophie)
    with pytest.raises(PermissionDenied):
        services.wishes_set(participant=who["honey"], others=[who["canteen"]], by=people.claire)
    with pytest.raises(ValidationError):
        services.wishes_set(participant=who["cheese"], others=[who["honey"]], by=people.claire)  # same side
    with pytest.raises(ValidationError) as caught:
        services.event_create(by=people.camille, title="x", date=dt.date(2027, 1, 1), start_time=dt.time(9),
                            slot_minutes=15, slots=0, tables=0)  # fmt: skip
    assert {"slots", "tables"} <= set(caught.value.message_dict)


def test_the_pages_schedule_print_and_export_the_day(day: Any, people: Any) -> None:
    event, who = day
    coordinator = Client()
    coordinator.force_login(people.camille)
    claire = Client()
    claire.force_login(people.claire)
    claire.post(f"/needs/events/{event.pk}/participants/{who['cheese'].pk}/wishes/",
                {"others": [who["supermarket"].pk, who["canteen"].pk]})  # fmt: skip
    assert claire.get(f"/needs/events/{event.pk}/").status_code == 403
    coordinator.post(f"/needs/events/{event.pk}/schedule/")
    page = coordinator.get(f"/needs/events/{event.pk}/").content.decode()
    assert "2 sur 2 rencontres souhaitées placées (6 places\u202f: tours × tables)." in page
    printed = coordinator.get(f"/needs/events/{event.pk}/schedules/").content.decode()
    assert printed.count('class="schedule"') == 5 and "Cantine de Thiers" in printed
    # The day's start and its rounds as a French reader tells the time: "14 h", "14 h 15", never "14:15".
    assert ", 14 h ·" in page and re.search(r"<th>14 h( 15)?</th>", page) and "<td>14 h" in printed
    assert not re.search(r"\b14:[0-5]\d\b", page + printed)
    ics = claire.get(f"/needs/events/{event.pk}/participants/{who['cheese'].pk}/calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    body = ics.content.decode()
    assert body.count("BEGIN:VEVENT") == 2 and "DTSTART;TZID=Europe/Paris:20270318T14" in body
    assert claire.get(f"/needs/events/{event.pk}/participants/{who['honey'].pk}/calendar.ics").status_code == 403


def test_somebody_invited_by_e_mail_joins_with_their_organisation(
    day: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    import re

    from django.core import mail

    from terroir.accounts.models import Membership
    from terroir.conftest import person

    event, who = day
    with django_capture_on_commit_callbacks(execute=True):
        invited = services.participant_invite(
            event=event, email="lea@chevrerie.example.org", side="producer", by=people.camille,
            link=lambda token: f"http://testserver/needs/events/join/{token}/",
        )  # fmt: skip
    assert invited.actor is None and "invit" in invited.label
    link = re.search(r"http://testserver(/\S+)", str(mail.outbox[-1].body))
    assert link and mail.outbox[-1].to == ["lea@chevrerie.example.org"]
    lea = person("lea@chevrerie.example.org")
    goat_farm = Actor.objects.create(name="Chèvrerie du Forez", is_producer=True)
    Membership.objects.create(user=lea, actor=goat_farm, how="created")
    client = Client()
    client.force_login(lea)
    response = client.post(link.group(1), {"actor": goat_farm.pk})
    assert response.status_code == 302
    invited.refresh_from_db()
    assert invited.actor == goat_farm
    again = client.post(link.group(1), {"actor": goat_farm.pk}, follow=True)
    assert "Cette invitation a déjà été utilisée." in again.content.decode()
    services.wishes_set(participant=invited, others=[who["canteen"]], by=lea)
    assert services.event_schedule(event=event, by=people.camille).meetings == 1
