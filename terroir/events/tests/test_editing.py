"""The organiser edits an event and cancels it with a reason (it stays visible, as cancelled); who may;
and the e-mails: the organiser told when a producer signs up or withdraws, the producers signed up told when
the event moves or is cancelled — one message per person, plain text, in their language, sent on the
worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from terroir.accounts.models import Membership
from terroir.accounts.permissions import forget
from terroir.accounts.services import language_set
from terroir.conftest import person
from terroir.events import services
from terroir.events.models import Event, Participation

from .conftest import Cast, local_day
from .test_views import client_of, local, outcome

pytestmark = pytest.mark.django_db


def form_of(event: Event, **changes: Any) -> dict[str, Any]:
    """The edit form as the organiser's browser sends it back, with `changes`."""
    fields = {
        "title": event.title, "kind": event.kind, "starts_at": local(timezone.localtime(event.starts_at)),
        "ends_at": local(timezone.localtime(event.ends_at)), "place": event.place_id or "",
        "description": event.description, "public": "on",
    }  # fmt: skip
    return {**fields, **changes}


def later(event: Event, days: int = 1) -> dict[str, str]:
    """The form's dates of the event moved by `days`."""
    shift = dt.timedelta(days=days)
    return {"starts_at": local(timezone.localtime(event.starts_at + shift)),
            "ends_at": local(timezone.localtime(event.ends_at + shift))}  # fmt: skip


@pytest.mark.parametrize(
    ("who", "expected"),
    # outsider (anonymous, nobody's member), another organisation, a producer not taking part, the producer
    # taking part, the organiser's people, the coordinator
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 403), ("claire", 403), ("sophie", 200),
     ("camille", 200)],
)  # fmt: skip
def test_only_the_organiser_opens_the_edit_page(people: Any, cast: Cast, who: str, expected: Any) -> None:
    response = client_of(who, people, cast).get(reverse("events:edit", args=[cast.event.pk]))
    assert outcome(response) == expected


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", "login"), ("nina", 403), ("victor", 403), ("hugo", 403), ("claire", 403), ("sophie", 302),
     ("camille", 302)],
)  # fmt: skip
def test_only_the_organiser_edits(people: Any, cast: Cast, who: str, expected: Any) -> None:
    url = reverse("events:edit", args=[cast.event.pk])
    response = client_of(who, people, cast).post(url, form_of(cast.event, title="Journée retitrée"))
    assert outcome(response) == expected
    cast.event.refresh_from_db()
    assert (cast.event.title == "Journée retitrée") is (expected == 302)


def test_a_draft_is_edited_by_its_organiser_and_nobody_else_sees_it(territory: Any, people: Any, cast: Cast) -> None:
    draft = local_day(people, territory, title="Brouillon")
    url = reverse("events:edit", args=[draft.pk])
    assert outcome(client_of("hugo", people, cast).get(url)) == 404
    assert outcome(client_of("sophie", people, cast).post(url, form_of(draft, title="Brouillon revu"))) == 302
    draft.refresh_from_db()
    assert draft.title == "Brouillon revu" and draft.status == Event.Status.DRAFT


def test_the_organiser_changes_title_dates_place_description_and_closes_the_sign_up(
    territory: Any, people: Any, cast: Cast
) -> None:
    sophie = client_of("sophie", people, cast)
    page = sophie.get(reverse("events:edit", args=[cast.event.pk]), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert cast.event.title.replace("'", "&#x27;") in page and "Inscriptions closes" in page
    changes = {**later(cast.event, 2), "title": "Journée d'automne", "description": "Soupe offerte.",
               "place": "", "address": "Place de la mairie", "commune": "Ambert", "signups_closed": "on"}  # fmt: skip
    response = sophie.post(reverse("events:edit", args=[cast.event.pk]), form_of(cast.event, **changes))
    assert response.status_code == 302
    before = cast.event.starts_at
    cast.event.refresh_from_db()
    assert (cast.event.title, cast.event.description, cast.event.place, cast.event.commune) == (
        "Journée d'automne", "Soupe offerte.", None, territory.ambert,
    )  # fmt: skip
    assert cast.event.where == "Place de la mairie, Ambert"
    assert cast.event.starts_at - before == dt.timedelta(days=2) and cast.event.signups_closed
    # Sign-up closed: no sign-up form, a sentence instead, and the service refuses.
    hugo_page = client_of("hugo", people, cast).get(cast.event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    assert 'id="signup"' not in hugo_page.content.decode()
    assert "L’organisateur a clos les inscriptions" in hugo_page.content.decode()
    with translation.override("fr"), pytest.raises(ValidationError, match="clos les inscriptions"):
        services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)


def test_the_edit_refuses_bad_input_in_french_and_keeps_the_event(people: Any, cast: Cast) -> None:
    sophie = client_of("sophie", people, cast)
    wrong = {"ends_at": local(timezone.localtime(cast.event.starts_at))}
    refused = sophie.post(reverse("events:edit", args=[cast.event.pk]), form_of(cast.event, **wrong),
                          HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert refused.status_code == 400
    assert "L’évènement doit finir après avoir commencé." in refused.content.decode()
    past = {"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-01T18:00"}
    refused = sophie.post(reverse("events:edit", args=[cast.event.pk]), form_of(cast.event, **past),
                          HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert "Un évènement ne peut pas commencer dans le passé." in refused.content.decode()
    old = cast.event.ends_at
    cast.event.refresh_from_db()
    assert cast.event.ends_at == old


def test_a_cancelled_event_stays_visible_as_cancelled_with_its_reason(territory: Any, people: Any, cast: Cast) -> None:
    sophie = client_of("sophie", people, cast)
    refused = sophie.post(reverse("events:cancel", args=[cast.event.pk]), {"reason": "  "}, follow=True,
                          HTTP_ACCEPT_LANGUAGE="fr")  # fmt: skip
    assert "Dites pourquoi l’évènement est annulé" in refused.content.decode()
    cast.event.refresh_from_db()
    assert cast.event.status == Event.Status.PUBLISHED
    sophie.post(reverse("events:cancel", args=[cast.event.pk]), {"reason": "Le magasin ferme pour travaux."})
    cast.event.refresh_from_db()
    assert cast.event.status == Event.Status.CANCELLED and cast.event.cancel_reason == "Le magasin ferme pour travaux."
    page = Client().get(cast.event.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Cet évènement est annulé." in text and "Le magasin ferme pour travaux." in text
    listed = Client().get(reverse("events:list"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert cast.event.title.replace("'", "&#x27;") in listed and "annulé" in listed
    # Neither edited nor cancelled again; gone from the map and the calendars.
    assert sophie.get(reverse("events:edit", args=[cast.event.pk])).status_code == 302
    assert Client().get(reverse("events:map")).json()["features"] == []


def test_a_cancelled_draft_stays_hidden_from_the_public(territory: Any, people: Any, cast: Cast) -> None:
    draft = local_day(people, territory, title="Brouillon")
    services.event_cancel(event=draft, by=people.sophie, reason="Pas assez de producteurs.")
    assert Client().get(draft.get_absolute_url()).status_code == 404


# The e-mails.


def test_the_organiser_is_told_when_a_producer_signs_up_and_withdraws(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        asked = services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)
    assert [m.to for m in mailoutbox] == [[people.sophie.email]]
    mail = mailoutbox[0]
    assert "Rucher de la Durolle" in mail.subject and cast.event.title in mail.subject
    assert "Acceptez ou refusez son inscription" in mail.body and cast.event.get_absolute_url() in mail.body
    assert not mail.alternatives  # plain text
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_withdraw(participation=asked, by=people.hugo)
    assert len(mailoutbox) == 2 and "se retire" in mailoutbox[1].subject


def test_the_producers_signed_up_are_told_when_the_event_moves_each_once_in_their_language(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with translation.override("en"):  # Hugo uses the site in English
        services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)
    # Claire acts for both farms taking part: one message for her, not two.
    Membership.objects.create(user=people.claire, actor=territory.honey_farm, how="member")
    # Somebody of no farm taking part: not told.
    Membership.objects.create(user=person("other@example.org"), actor=territory.market_gardener, how="member")
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=cast.event, by=people.sophie, title="Nouveau titre", kind=cast.event.kind,
                              starts_at=cast.event.starts_at, ends_at=cast.event.ends_at,
                              place_id=cast.event.place_id, description="Autre description")  # fmt: skip
    assert mailoutbox == []  # neither the dates nor the place moved
    before_start = cast.event.starts_at
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=cast.event, by=people.sophie, title="Nouveau titre", kind=cast.event.kind,
                              starts_at=before_start + dt.timedelta(days=1), place_id=cast.event.place_id,
                              ends_at=cast.event.ends_at + dt.timedelta(days=1))  # fmt: skip
    by_person = {m.to[0]: m for m in mailoutbox}
    assert len(mailoutbox) == len(by_person) == 2
    assert set(by_person) == {people.claire.email, people.hugo.email}
    french, english = by_person[people.claire.email], by_person[people.hugo.email]
    assert french.subject.endswith("Modifié\u202f: « Nouveau titre »") and "Avant\u202f:" in french.body
    assert english.subject.endswith("Changed: “Nouveau titre”") and "Before:" in english.body
    assert "Now:" in english.body and str(timezone.localtime(before_start).day) in english.body


def test_the_producers_signed_up_are_told_of_a_cancellation_with_its_reason(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)  # pending
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=cast.event, by=people.sophie, reason="Tempête annoncée.")
    assert sorted(m.to[0] for m in mailoutbox) == sorted([people.claire.email, people.hugo.email])
    assert all("Tempête annoncée." in m.body and "Annulé" in m.subject for m in mailoutbox)


def test_a_withdrawn_producer_is_not_told(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.participation_withdraw(participation=cast.participation, by=people.claire)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=cast.event, by=people.sophie, reason="Tempête annoncée.")
    assert mailoutbox == []


def test_the_e_mails_wait_for_the_worker(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:  # fmt: skip
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=cast.event, by=people.sophie, reason="Tempête annoncée.")
    assert mailoutbox == []  # nothing sent by the request
    queued = default_task_backend.results  # type: ignore[attr-defined]
    assert [(r.task.name, r.args[:2]) for r in queued] == [("participants_tell", [cast.event.pk, "cancelled"])]
    queued[0].task.call(*queued[0].args)  # what the worker does
    assert [m.to for m in mailoutbox] == [[people.claire.email]]
    assert Participation.objects.get(pk=cast.participation.pk).status == Participation.Status.ACCEPTED


def test_a_persons_chosen_language_wins_over_the_one_they_signed_up_in(
    territory: Any, people: Any, cast: Cast, mailoutbox: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Sophie created the event in French but chose English: a sign-up reaches her in English. Hugo signed up
    in French but chose English: the cancellation reaches him in English; Claire chose nothing: French."""
    language_set(user=people.sophie, language="en")
    Membership.objects.create(user=people.claire, actor=territory.market_gardener, how="member")
    forget(people.claire)  # the organisations she acts for, read again
    with django_capture_on_commit_callbacks(execute=True):
        services.participation_signup(event=cast.event, producer=territory.market_gardener, by=people.claire)
    assert [m.to for m in mailoutbox] == [[people.sophie.email]] and "signs up" in mailoutbox[0].subject
    services.participation_signup(event=cast.event, producer=territory.honey_farm, by=people.hugo)  # in French
    language_set(user=people.hugo, language="en")
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=cast.event, by=people.sophie, reason="Tempête annoncée.")
    by_person = {m.to[0]: m for m in mailoutbox}
    assert by_person[people.hugo.email].subject.endswith(f"Cancelled: “{cast.event.title}”")
    assert "Reason: Tempête annoncée." in by_person[people.hugo.email].body
    assert "Annulé" in by_person[people.claire.email].subject
