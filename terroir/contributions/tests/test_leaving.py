"""Deleting one's account: an organisation is never left without a word, and the person's address leaves
the entries it was copied onto."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client

from terroir.accounts import services
from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.contributions import personal_data, revisions
from terroir.contributions.models import Revision
from terroir.directory.models import Actor

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_last_member_cannot_delete_their_account_without_saying_who_takes_over(territory: Any, people: Any) -> None:
    client = signed_in(people.claire)
    page = client.get("/account/space/delete/").content.decode()
    assert "GAEC des Monts du Forez" in page and 'id="alone-in"' in page
    response = client.post("/account/space/delete/", {"password": people.password})
    assert response.status_code == 400
    assert response.context["form"].errors[f"successor_{territory.cheese_farm.pk}"] == [
        "Vous êtes le seul membre de GAEC des Monts du Forez\u202f: indiquez qui prend la suite, ou confiez-la aux "
        "coordinateurs."
    ]
    assert get_user_model().objects.filter(pk=people.claire.pk).exists()
    assert Membership.objects.filter(user=people.claire, actor=territory.cheese_farm).exists()
    assert "_auth_user_id" in client.session  # still signed in, nothing erased


def test_the_last_member_names_a_successor_who_then_manages_the_organisation(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = signed_in(people.claire)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/account/space/delete/",
            {"password": people.password, f"successor_{territory.cheese_farm.pk}": "HUGO@durolle.example.org"},
        )
    assert response.status_code == 302
    assert not get_user_model().objects.filter(pk=people.claire.pk).exists()
    membership = Membership.objects.get(actor=territory.cheese_farm)
    assert membership.user == people.hugo and membership.how == "member"
    assert mail.outbox[-1].to == [people.hugo.email]
    assert "GAEC des Monts du Forez" in mail.outbox[-1].subject
    assert signed_in(people.hugo).get(f"/edit/actor/{territory.cheese_farm.pk}/").status_code == 200


def test_a_successor_without_an_account_is_refused_and_nothing_is_erased(territory: Any, people: Any) -> None:
    response = signed_in(people.claire).post(
        "/account/space/delete/",
        {"password": people.password, f"successor_{territory.cheese_farm.pk}": "nobody@example.org"},
    )
    assert response.status_code == 400
    assert "nobody@example.org" in response.context["form"].errors[f"successor_{territory.cheese_farm.pk}"][0]
    assert get_user_model().objects.filter(pk=people.claire.pk).exists()


def test_a_member_among_others_leaves_without_being_asked(territory: Any, people: Any) -> None:
    Membership.objects.create(user=people.hugo, actor=territory.cheese_farm, how="member")
    assert services.organisations_alone_in(user=people.claire) == []
    response = signed_in(people.claire).post("/account/space/delete/", {"password": people.password})
    assert response.status_code == 302
    assert list(Membership.objects.filter(actor=territory.cheese_farm).values_list("user", flat=True)) == [
        people.hugo.pk
    ]


def test_the_person_s_address_copied_on_their_organisation_leaves_it_and_its_history(territory: Any) -> None:
    jules = person("jules@epicerie-thiers.example.org")
    shop = services.organisation_create(user=jules, name="Épicerie", role="producer", commune=territory.thiers)
    assert shop.email == "jules@epicerie-thiers.example.org"
    revisions.entry_edit(entry=shop, changes={"email": "contact@epicerie.example.org"}, by=jules, version=None)
    revisions.entry_edit(entry=shop, changes={"email": "Jules@epicerie-thiers.example.org"}, by=jules, version=None)
    personal_data.user_delete(user=jules, hand_over=[shop.pk])
    shop = Actor.objects.get(pk=shop.pk)
    assert shop.email == ""
    history = [r.changes["email"] for r in Revision.objects.filter(entity="actor", entity_id=shop.pk).order_by("at")]
    assert history == [["", "contact@epicerie.example.org"], ["contact@epicerie.example.org", ""]]
    assert "jules@" not in str(list(Revision.objects.values_list("changes", flat=True))).lower()
