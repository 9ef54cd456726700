"""Claims: the claimant never sees a private address on file, and a place claim gives no more than the
place."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from terroir.conftest import person
from terroir.directory.models import Place

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
