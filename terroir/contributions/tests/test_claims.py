"""Claims: the claimant never sees a private address on file, and a place claim gives no more than the
place."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.contributions import claims
from terroir.contributions.models import Claim
from terroir.directory.models import Actor, Place

pytestmark = pytest.mark.django_db


def claim(client: Client, entity: str, entry_id: int, captured: Any) -> str:
    with captured(execute=True):
        response = client.post(f"/account/space/claim/{entity}/{entry_id}/", {"message": "C'est moi"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_claim_page_does_not_show_a_private_address_not_even_masked(
    territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(person("lea@example.org"))
    page = claim(client, "actor", territory.honey_farm.pk, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["miel@durolle.example.org"]  # the link still goes there
    assert "durolle" not in page and "m•••" not in page
    assert "elle reste privée" in page


def test_a_place_without_an_address_does_not_show_its_operator_s_private_one(
    territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    Place.objects.filter(pk=territory.ambert_market.pk).update(operator=territory.honey_farm)
    client = Client()
    client.force_login(person("lea@example.org"))
    page = claim(client, "place", territory.ambert_market.pk, django_capture_on_commit_callbacks)
    assert mail.outbox[-1].to == ["miel@durolle.example.org"]
    assert "durolle" not in page


def test_a_published_address_is_shown_masked_to_help_the_claimant(
    territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    client.force_login(person("lea@example.org"))
    page = claim(client, "actor", territory.cheese_farm.pk, django_capture_on_commit_callbacks)
    assert "c•••@monts-du-forez.example.org" in page


def test_a_place_claim_waits_for_the_members_of_the_organisation_that_runs_it(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # The farm shop is run by the cheese farm, whose member is Claire.
    lea = person("lea@example.org")
    client = Client()
    client.force_login(lea)
    page = claim(client, "place", territory.farm_shop.pk, django_capture_on_commit_callbacks)
    assert "Ce lieu est tenu par GAEC des Monts du Forez\u202f: ses membres ont été prévenus" in page
    request = Claim.objects.get(user=lea)
    assert request.sent_to == ""  # no link that would make her a member of the whole farm
    assert [m.to for m in mail.outbox] == [[people.claire.email]]
    assert "lea@example.org demande à gérer Vente à la ferme des Monts du Forez" in mail.outbox[0].subject
    assert not Membership.objects.filter(user=lea).exists()
    assert client.get(f"/edit/place/{territory.farm_shop.pk}/").status_code == 403
    claire = Client()
    claire.force_login(people.claire)
    assert "lea@example.org" in claire.get("/account/space/").content.decode()


@pytest.mark.parametrize(
    ("who", "allowed"), [("outsider", False), ("other_organisation", False), ("own_organisation", True),
                         ("coordinator", True)],
)  # fmt: skip
def test_who_decides_on_the_claim_of_a_place_run_by_an_organisation(
    territory: Any, people: Any, who: str, allowed: bool
) -> None:
    lea = person("lea@example.org")
    request = claims.claim_request(user=lea, entry=territory.farm_shop, message="", link=str)
    deciders = {
        "outsider": person("paul@example.org"), "other_organisation": people.hugo,
        "own_organisation": people.claire, "coordinator": people.camille,
    }  # fmt: skip
    client = Client()
    client.force_login(deciders[who])
    response = client.post(f"/account/space/claims/{request.pk}/decide/", {"decision": "accept"})
    request.refresh_from_db()
    if not allowed:
        assert response.status_code == 403
        assert request.status == Claim.Status.PENDING
        assert not Membership.objects.filter(user=lea).exists()
        return
    assert response.status_code == 302
    assert request.status == Claim.Status.CONFIRMED
    membership = Membership.objects.get(user=lea)
    assert membership.actor == territory.cheese_farm
    assert membership.how == ("coordinator" if who == "coordinator" else "member")
    # Members decide in their space, not in the coordinators' queue.
    assert response["Location"] == ("/account/space/claims/" if who == "coordinator" else "/account/space/")


def test_the_place_s_own_mailbox_cannot_hand_over_the_organisation_that_runs_it(territory: Any) -> None:
    # Le Local run by the honey farm, which nobody manages yet: only the farm's own address may confirm.
    Place.objects.filter(pk=territory.le_local.pk).update(
        operator=territory.honey_farm, email="boutique@le-local.example.org"
    )
    request = claims.claim_request(
        user=person("lea@example.org"), entry=Place.objects.get(pk=territory.le_local.pk), message="", link=str
    )
    assert request.sent_to == "miel@durolle.example.org"
    Actor.objects.filter(pk=territory.honey_farm.pk).update(email="")
    other = claims.claim_request(
        user=person("paul@example.org"), entry=Place.objects.get(pk=territory.le_local.pk), message="", link=str
    )
    assert other.sent_to == ""  # coordinators decide


def test_the_claim_of_an_organisation_with_members_waits_for_them_not_for_a_link(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Claire manages the cheese farm, whose public address is on file: the address proves nothing against her.
    lea = person("lea@example.org")
    client = Client()
    client.force_login(lea)
    page = claim(client, "actor", territory.cheese_farm.pk, django_capture_on_commit_callbacks)
    request = Claim.objects.get(user=lea)
    assert request.sent_to == ""
    assert "Des personnes gèrent déjà GAEC des Monts du Forez" in page
    assert [m.to for m in mail.outbox] == [[people.claire.email]]
    outsider = Client()
    outsider.force_login(person("paul@example.org"))
    assert outsider.post(f"/account/space/claims/{request.pk}/decide/", {"decision": "accept"}).status_code == 403
    claire = Client()
    claire.force_login(people.claire)
    assert "lea@example.org" in claire.get("/account/space/").content.decode()
    assert claire.post(f"/account/space/claims/{request.pk}/decide/", {"decision": "accept"}).status_code == 302
    assert Membership.objects.get(user=lea).actor == territory.cheese_farm


def test_the_claim_of_a_carrier_nobody_manages_is_decided_by_a_coordinator_not_by_its_mailbox(
    territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    carrier = Actor.objects.create(name="Transports Forez Fraîcheur", is_carrier=True, email="fret@forez.example.org")
    lea = person("lea@example.org")
    client = Client()
    client.force_login(lea)
    page = claim(client, "actor", carrier.pk, django_capture_on_commit_callbacks)
    assert Claim.objects.get(user=lea).sent_to == ""
    assert not [m for m in mail.outbox if "fret@forez.example.org" in m.to]
    assert "un coordinateur va vérifier votre demande" in page
