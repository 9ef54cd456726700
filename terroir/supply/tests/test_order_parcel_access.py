"""Who reads the parcel of an order sent by carpool, from the planner's link (`/supply/orders/<id>/parcel/`):
the carrier planning the order, who is no side of the parcel, reads its state, who holds it and its
handovers (the chain of responsibility a carrier answers to) without a form to act; the parcel's own people
(the sender, the recipient, a coordinator) are sent to the parcel's page; anybody else, another carrier
included, finds nothing (404). The parcel's own page stays closed to the planning carrier."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from terroir.accounts.models import Membership
from terroir.carpool import services as carpool
from terroir.carpool.models import GoodsState, HandoverKind
from terroir.conftest import person
from terroir.directory.models import Actor

from .test_carpool_orders import ambert_trip, new_order, parcel_of

pytestmark = pytest.mark.django_db
ROLES = {
    "anonymous": 302, "outsider": 404, "other_carrier": 404, "planning_carrier": 200, "sender": 302,
    "recipient": 302, "coordinator": 302,
}  # fmt: skip


def carrier_with(email: str, name: str) -> tuple[Actor, Any]:
    carrier = Actor.objects.create(name=name, is_carrier=True, is_organisation=True)
    user = person(email)
    Membership.objects.create(user=user, actor=carrier, how="member")
    return carrier, user


@pytest.mark.parametrize("role", ROLES)
def test_the_order_s_parcel_by_role(
    role: str, territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    planning, lea = carrier_with("lea@livradois.example.org", "Coopérative du Livradois")
    _other, marc = carrier_with("marc@forez.example.org", "Transports du Forez")
    with django_capture_on_commit_callbacks(execute=True):
        ambert_trip(territory, people)
        order = new_order(territory, people, owner=planning)
    parcel = parcel_of(order)
    ride = carpool.live_ride(parcel)
    assert ride is not None
    carpool.ride_confirm(ride=ride, by=people.hugo)
    carpool.ride_confirm(ride=ride, by=people.claire)
    handover = carpool.handover_record(parcel=parcel, by=people.claire, kind=HandoverKind.PICKUP, taker=people.hugo,
                                       place="GAEC", state=GoodsState.GOOD)  # fmt: skip
    carpool.handover_accept(handover=handover, by=people.hugo)
    users = {"outsider": person("nina@example.org"), "other_carrier": marc, "planning_carrier": lea,
             "sender": people.claire, "recipient": people.sophie, "coordinator": people.camille}  # fmt: skip
    client = Client()
    if role in users:
        client.force_login(users[role])
    answer = client.get(f"/supply/orders/{order.pk}/parcel/", HTTP_ACCEPT_LANGUAGE="fr")
    assert answer.status_code == ROLES[role]
    if role == "anonymous":
        assert "/account/login/" in answer["Location"]
    elif answer.status_code == 302:
        assert answer["Location"] == f"/carpool/parcels/{parcel.pk}/"
    elif role == "planning_carrier":
        page = answer.content.decode()
        assert 'id="chain"' in page and "<dt>Commande</dt>" in page and "en route" in page.lower()
        assert "Rucher de la Durolle" in page  # the driver, by his farm
        assert "<form" not in page.split('id="order-parcel"')[1]  # reads, never acts
        assert client.get(f"/carpool/parcels/{parcel.pk}/").status_code == 404
        assert client.post(f"/supply/orders/{order.pk}/parcel/").status_code == 405
    planner = client.get(f"/logistics/?week={order.week.isoformat()}")
    if role in ("planning_carrier", "coordinator"):
        assert f'href="/supply/orders/{order.pk}/parcel/"' in planner.content.decode()


def test_an_order_without_a_parcel_has_no_parcel_page(territory: Any, people: Any) -> None:
    client = Client()
    client.force_login(people.camille)
    order = new_order(territory, people, delivery_mode="pooled")
    assert client.get(f"/supply/orders/{order.pk}/parcel/").status_code == 404
