"""A role that opens other people's data is granted, not taken: an organisation asks to be a carrier, a
coordinator approves or rejects, and only then do its people plan rounds and see the parties' contacts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.test import Client

from terroir.accounts.models import RoleRequest
from terroir.accounts.services import api_token_create
from terroir.conftest import person
from terroir.contributions.models import AuditEntry
from terroir.directory import editing
from terroir.directory.models import Actor

pytestmark = pytest.mark.django_db


def carrier_asked(client: Client, user: Any) -> Actor:
    client.force_login(user)
    response = client.post(
        "/account/space/organisations/new/", {"name": "Transports Pierre", "role": "carrier", "commune": "63003"}
    )
    assert response.status_code == 302, response.content.decode()[-1500:]
    return Actor.objects.get(name="Transports Pierre")


def test_a_new_carrier_waits_for_a_coordinator_before_planning(client: Client, territory: Any) -> None:
    pierre = person("pierre@example.org")
    actor = carrier_asked(client, pierre)
    assert not actor.is_carrier
    asked = RoleRequest.objects.get()
    assert (asked.actor, asked.user, asked.role, asked.status) == (actor, pierre, "carrier", "pending")
    assert client.get("/logistics/").status_code == 403
    space = client.get("/account/space/").content.decode()
    assert f'id="carrier-pending-{actor.pk}"' in space and "en attente" in space


def test_a_coordinator_approves_and_the_person_is_told(
    client: Client, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    pierre = person("pierre@example.org")
    actor = carrier_asked(client, pierre)
    asked = RoleRequest.objects.get()
    client.force_login(people.camille)
    queue = client.get("/account/space/roles/").content.decode()
    assert "Transports Pierre" in queue and "pierre@example.org" in queue
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/space/roles/{asked.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    actor.refresh_from_db()
    asked.refresh_from_db()
    assert actor.is_carrier and asked.status == "approved" and asked.decided_by == people.camille
    entry = AuditEntry.objects.get(action="role_grant")
    assert entry.target == f"actor:{actor.pk}" and entry.by == people.camille
    assert [m.to for m in mail.outbox] == [["pierre@example.org"]] and "Transports Pierre" in mail.outbox[0].subject
    client.force_login(pierre)
    assert client.get("/logistics/").status_code == 200
    # Decided once: a second decision is refused.
    client.force_login(people.camille)
    client.post(f"/account/space/roles/{asked.pk}/decide/", {"decision": "reject"})
    actor.refresh_from_db()
    assert actor.is_carrier and RoleRequest.objects.get().status == "approved"


def test_a_rejected_request_gives_no_role(client: Client, people: Any, django_capture_on_commit_callbacks: Any) -> None:
    pierre = person("pierre@example.org")
    actor = carrier_asked(client, pierre)
    client.force_login(people.camille)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/account/space/roles/{RoleRequest.objects.get().pk}/decide/", {"decision": "reject"})
    actor.refresh_from_db()
    assert not actor.is_carrier and RoleRequest.objects.get().status == "rejected"
    assert AuditEntry.objects.filter(action="role_refuse").exists()
    assert [m.to for m in mail.outbox] == [["pierre@example.org"]]


def test_only_coordinators_see_and_decide_role_requests(client: Client, people: Any) -> None:
    pierre = person("pierre@example.org")
    actor = carrier_asked(client, pierre)
    asked = RoleRequest.objects.get()
    for user in (pierre, people.claire):
        client.force_login(user)
        assert client.get("/account/space/roles/").status_code == 403
        assert client.post(f"/account/space/roles/{asked.pk}/decide/", {"decision": "accept"}).status_code == 403
    client.logout()
    assert client.post(f"/account/space/roles/{asked.pk}/decide/", {"decision": "accept"}).status_code == 302
    actor.refresh_from_db()
    assert not actor.is_carrier and RoleRequest.objects.get().status == "pending"


def test_a_member_asks_the_carrier_role_for_their_existing_organisation(
    client: Client, people: Any, territory: Any
) -> None:
    client.force_login(people.hugo)  # not a member of the cheese farm
    url = f"/account/space/organisations/{territory.cheese_farm.pk}/roles/"
    assert client.post(url, {"role": "carrier"}).status_code == 404
    assert not RoleRequest.objects.exists()
    client.force_login(people.claire)
    assert client.post(url, {"role": "coordinator"}).status_code == 302  # not a role one asks for
    assert not RoleRequest.objects.exists()
    client.post(url, {"role": "carrier", "message": "Nous livrons les magasins d'Ambert."})
    client.post(url, {"role": "carrier"})  # asking twice is one request
    asked = RoleRequest.objects.get()
    assert asked.actor == territory.cheese_farm and asked.user == people.claire and asked.status == "pending"
    territory.cheese_farm.refresh_from_db()
    assert not territory.cheese_farm.is_carrier
    assert client.get("/logistics/").status_code == 403


def test_nobody_makes_their_organisation_a_carrier_through_the_edit_form_or_the_api(
    client: Client, people: Any, territory: Any
) -> None:
    farm = territory.cheese_farm
    client.force_login(people.claire)
    response = client.post(
        f"/edit/actor/{farm.pk}/",
        {"version": editing.version_of(farm), "name": farm.name, "is_carrier": "on", "kind": ""},
    )
    assert response.status_code in (200, 302, 400)
    _token, key = api_token_create(user=people.claire, name="site", scope="write")
    api = Client(headers={"authorization": f"Bearer {key}"})
    url = f"/api/v1/producers/{farm.pk}"
    patched = api.patch(url, {"is_carrier": True}, content_type="application/json",
                        headers={"if-match": api.get(url)["ETag"]})  # fmt: skip
    assert patched.status_code == 400
    farm.refresh_from_db()
    assert not farm.is_carrier
    assert client.get("/logistics/").status_code == 403


def test_a_self_made_carrier_of_before_goes_back_to_a_waiting_request(people: Any) -> None:
    """The migration that introduced requests: a carrier its creator made one is asked for again."""
    import importlib

    from django.apps import apps

    from terroir.accounts.models import Membership

    pierre = person("pierre@example.org")
    self_made = Actor.objects.create(name="Transports Pierre", is_carrier=True)
    Membership.objects.create(user=pierre, actor=self_made, how="created")
    granted = Actor.objects.create(name="Coopérative du Livradois", is_carrier=True)  # set by a coordinator
    Membership.objects.create(user=people.hugo, actor=granted, how="coordinator")
    migration = importlib.import_module("terroir.accounts.migrations.0002_role_requests")
    migration.self_made_carriers_ask(apps, None)
    self_made.refresh_from_db()
    granted.refresh_from_db()
    assert not self_made.is_carrier and granted.is_carrier
    asked = RoleRequest.objects.get()
    assert (asked.actor, asked.user, asked.status) == (self_made, pierre, "pending")
