"""People in carpooling are named as they named themselves: the name they gave on their space, else the
organisation they act for (the trip's for its driver, the parcel's for its sender), never their login —
an account's username is made from its e-mail address ("hugo" of hugo@durolle.example.org)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from terroir.accounts.people import name_of
from terroir.accounts.services import api_token_create
from terroir.carpool import services
from terroir.carpool.models import HandoverKind, Ride
from terroir.carpool.personal_data import pseudonym_create
from terroir.carpool.presenters import person_said
from terroir.directory.models import Actor

from .conftest import Story

pytestmark = pytest.mark.django_db


def page_as(user: Any, url: str) -> str:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(user)
    answer = client.get(url)
    assert answer.status_code == 200, url
    return answer.content.decode()


def spaced(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def picked_up(story: Story, capture: Any) -> None:
    ride = Ride.objects.get(parcel=story.parcel)
    services.ride_confirm(ride=ride, by=story.people.hugo)
    services.ride_confirm(ride=ride, by=story.people.claire)
    with capture(execute=True):
        handover = services.handover_record(parcel=story.parcel, by=story.people.claire, kind=HandoverKind.PICKUP,
                                            taker=story.people.hugo, place="Courpière", celsius=Decimal(3))  # fmt: skip
    services.handover_accept(handover=handover, by=story.people.hugo, celsius=Decimal(3))


def test_a_person_is_their_name_else_their_organisation_else_their_address_masked(people: Any, territory: Any) -> None:
    hugo = people.hugo
    assert name_of(hugo) == "Rucher de la Durolle"  # his only organisation
    assert name_of(hugo, organisation=territory.cheese_farm) == "GAEC des Monts du Forez"  # the one he acts for
    hugo.first_name, hugo.last_name = " Hugo ", "Martin"
    assert name_of(hugo, organisation=territory.cheese_farm) == "Hugo Martin"
    alone = get_user_model().objects.create_user(username="paul.ailleurs", email="paul.ailleurs@example.org")
    assert name_of(alone) == "p•••@example.org"
    nobody = get_user_model().objects.create_user(username="sans-adresse", email="")
    with translation.override("en"):
        assert name_of(nobody) == f"member no. {nobody.pk}"
    with translation.override("fr"):
        assert name_of(nobody).replace("\xa0", " ") == f"membre n° {nobody.pk}"


def test_the_parcel_page_its_note_and_its_chain_name_people_never_by_their_login(
    story: Story, django_capture_on_commit_callbacks: Any
) -> None:
    picked_up(story, django_capture_on_commit_callbacks)
    parcel = story.parcel.pk
    for url in (f"/carpool/parcels/{parcel}/", f"/carpool/parcels/{parcel}/note/"):
        page = page_as(story.people.claire, url)
        assert "conduit par Rucher de la Durolle" in page, url
        assert "GAEC des Monts du Forez à Rucher de la Durolle" in page, url  # the pickup: giver to taker
        assert "SAS Supermarché des Volcans" in page, url  # the recipient, by her organisation
        for login in ("hugo", "claire", "sophie"):
            assert f">{login}<" not in page and f" {login} " not in page and f"par {login}" not in page, (url, login)
    note = page_as(story.people.claire, f"/carpool/parcels/{parcel}/note/")
    assert "GAEC des Monts du Forez · Courpière" in note  # the sender: the organisation the parcel is sent for
    story.people.claire.first_name, story.people.claire.last_name = "Claire", "Roux"
    story.people.claire.save()
    note = page_as(story.people.hugo, f"/carpool/parcels/{parcel}/note/")
    assert "GAEC des Monts du Forez (Claire Roux) · Courpière" in note
    assert "Claire Roux à Rucher de la Durolle" in note


def test_the_e_mail_asking_the_taker_to_sign_names_the_giver(
    story: Story, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    mailoutbox.clear()
    picked_up(story, django_capture_on_commit_callbacks)
    asked = [m for m in mailoutbox if m.to == [story.people.hugo.email]]
    assert asked and "GAEC des Monts du Forez" in asked[0].body
    assert "claire" not in asked[0].body.replace("claire@", "")


def test_the_api_names_the_driver_by_the_name_they_gave_else_the_trip_s_organisation(story: Story) -> None:
    _token, key = api_token_create(user=story.people.claire, name="app", scope="read")
    api = Client(headers={"authorization": f"Bearer {key}"})
    trip = f"/api/v1/carpool/trips/{story.trip.pk}"
    assert api.get(trip).json()["driver"] == "Rucher de la Durolle"
    story.people.hugo.first_name, story.people.hugo.last_name = "Hugo", "Martin"
    story.people.hugo.save()
    assert api.get(trip).json()["driver"] == "Hugo Martin"


def test_the_sender_is_named_by_the_organisation_the_parcel_is_sent_for_all_along_its_chain(story: Story) -> None:
    parcel = story.parcel
    said = person_said(story.people.claire, parcel=parcel, reader_id=None, insiders=frozenset())
    assert said == "GAEC des Monts du Forez"
    parcel.organisation = Actor.objects.create(name="Coopérative du Livradois", is_organisation=True)
    said = person_said(story.people.claire, parcel=parcel, reader_id=None, insiders=frozenset())
    assert said == "Coopérative du Livradois"  # not her first organisation: the one she sends for


def test_an_erased_person_stays_their_pseudonym(story: Story) -> None:
    stand_in = pseudonym_create().user
    said = person_said(stand_in, parcel=story.parcel, reader_id=None, insiders=frozenset())
    assert said == stand_in.username and said.startswith("anonyme-")


def test_a_person_gives_their_name_on_their_space(people: Any) -> None:
    client = Client(headers={"accept-language": "fr"})
    client.force_login(people.hugo)
    space = spaced(client.get("/account/space/").content.decode())
    assert "Les autres membres vous voient sous le nom « Rucher de la Durolle »" in space
    assert "Donner mon nom" in space
    refused = client.post("/account/space/name/", {"first_name": "Hugo\u0007", "last_name": "Martin"})
    assert refused.status_code == 400
    assert "Retirez les retours à la ligne" in refused.content.decode()
    saved = client.post("/account/space/name/", {"first_name": " Hugo ", "last_name": "Martin"}, follow=True)
    assert "Votre nom est enregistré" in spaced(saved.content.decode())
    people.hugo.refresh_from_db()
    assert (people.hugo.first_name, people.hugo.last_name) == ("Hugo", "Martin")
    assert "Les autres membres vous voient sous le nom « Hugo Martin »" in spaced(saved.content.decode())
