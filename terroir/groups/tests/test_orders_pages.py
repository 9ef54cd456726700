"""Who opens which page of a distribution's one-off order, volunteers' rota and sheet — an outsider, a
member, another group's organiser, the group's own organiser, a producer taking part and the territory's
coordinator — and the pages' forms: the round opened, a product listed, an order placed."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from terroir.conftest import person
from terroir.groups import orders
from terroir.groups.models import OrderLine, OrderProduct, OrderRound

from .world_orders import World, world_build

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(territory: Any, people: Any) -> World:
    return world_build(territory, people)


def pages(world: World) -> dict[str, str]:
    d = world.distribution.pk
    return {
        "order": reverse("groups:order", args=[d]),
        "summary": reverse("groups:order_summary", args=[d]),
        "summary_csv": reverse("groups:order_summary_csv", args=[d]),
        "sheet": reverse("groups:sheet", args=[d]),
        "sheet_pdf": reverse("groups:sheet_pdf", args=[d]),
        "volunteers": reverse("groups:volunteers", args=[d]),
        "volunteers_needed": reverse("groups:volunteers_needed", args=[world.group.pk]),
    }


EVERYTHING = {"order", "summary", "summary_csv", "sheet", "sheet_pdf", "volunteers", "volunteers_needed"}
ALLOWED = {
    "outsider": set(),
    "member": {"order", "volunteers"},
    "other_organiser": set(),
    "organiser": EVERYTHING,
    "producer": {"order", "summary", "summary_csv"},  # their own products' lines only
    "coordinator": EVERYTHING,
}


def user_of(role: str, world: World, people: Any) -> Any:
    return {
        "outsider": lambda: person("lea@example.org"),
        "member": lambda: world.jeanne.user,
        "other_organiser": lambda: world.bruno,
        "organiser": lambda: world.amap.agnes,
        "producer": lambda: people.claire,
        "coordinator": lambda: people.camille,
    }[role]()


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_exactly_its_pages(role: str, world: World, people: Any) -> None:
    client = Client()
    client.force_login(user_of(role, world, people))
    for name, url in pages(world).items():
        status = client.get(url).status_code
        assert status == (200 if name in ALLOWED[role] else 403), (role, name, status)


def test_anonymous_visitors_are_asked_to_sign_in(world: World) -> None:
    for url in pages(world).values():
        response = Client().get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_a_producer_sees_only_their_own_products_in_the_summary(world: World, people: Any) -> None:
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(2), world.honey.pk: D(1)})  # fmt: skip
    client = Client()
    client.force_login(people.claire)
    page = client.get(reverse("groups:order_summary", args=[world.distribution.pk])).content.decode()
    assert "Fourme d&#x27;Ambert" in page and "Jeanne Martin" in page
    assert "Miel de châtaignier" not in page and "per-member" not in page
    text = client.get(reverse("groups:order_summary_csv", args=[world.distribution.pk])).content.decode()
    assert "Fourme d'Ambert" in text and "Miel" not in text


@pytest.mark.parametrize("role", list(ALLOWED))
def test_only_the_groups_organisers_open_or_change_the_round(role: str, world: World, people: Any) -> None:
    client = Client()
    client.force_login(user_of(role, world, people))
    closes = timezone.localtime(world.round.closes_at).strftime("%Y-%m-%dT%H:%M")
    data = {"form": "round", "closes_at": closes, "producers": [world.fourme.producer_id, world.honey.producer_id],
            "note": "Apportez vos sacs"}  # fmt: skip
    response = client.post(reverse("groups:order", args=[world.distribution.pk]), data)
    allowed = role in ("organiser", "coordinator")
    assert response.status_code == (302 if allowed else 403), (role, response.status_code)
    assert (OrderRound.objects.get().note == "Apportez vos sacs") is allowed


@pytest.mark.parametrize("role", list(ALLOWED))
def test_a_product_is_listed_by_its_producer_or_the_organiser(role: str, world: World, people: Any) -> None:
    client = Client()
    client.force_login(user_of(role, world, people))
    data = {"form": "product", "producer": world.fourme.producer_id, "name": "Tomme", "unit": "kg", "price": "18",
            "max_quantity": ""}  # fmt: skip
    response = client.post(reverse("groups:order", args=[world.distribution.pk]), data)
    allowed = role in ("organiser", "coordinator", "producer")
    assert response.status_code == (302 if allowed else 403), (role, response.status_code)
    assert OrderProduct.objects.filter(name="Tomme").exists() is allowed


@pytest.mark.parametrize("role", list(ALLOWED))
def test_only_a_member_places_an_order(role: str, world: World, people: Any) -> None:
    client = Client()
    client.force_login(user_of(role, world, people))
    data = {"form": "order", f"q{world.fourme.pk}": "2", f"q{world.honey.pk}": ""}
    response = client.post(reverse("groups:order", args=[world.distribution.pk]), data)
    allowed = role == "member"
    # The organiser and coordinator open the page but have no order form: nothing is taken.
    assert response.status_code in ((302,) if allowed else (200, 403)), (role, response.status_code)
    assert OrderLine.objects.exists() is allowed


def test_an_order_above_what_is_left_comes_back_with_the_reason(world: World, people: Any) -> None:
    client = Client()
    client.force_login(world.jeanne.user)
    url = reverse("groups:order", args=[world.distribution.pk])
    response = client.post(url, {"form": "order", f"q{world.fourme.pk}": "25"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    assert "il n’en reste que 20\u00a0pièces" in response.content.decode()
    assert not OrderLine.objects.exists()


def test_a_fraction_of_a_piece_comes_back_with_the_reason_and_what_was_typed(world: World) -> None:
    client = Client()
    client.force_login(world.jeanne.user)
    url = reverse("groups:order", args=[world.distribution.pk])
    form = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert re.search(rf'name="q{world.fourme.pk}"[^>]*step="1"|step="1"[^>]*name="q{world.fourme.pk}"', form)
    response = client.post(url, {"form": "order", f"q{world.fourme.pk}": "2.5"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Fourme d&#x27;Ambert se compte en unités entières (pièce)\u202f: commandez 2 ou 3, pas 2,5." in page
    assert 'value="2.5"' in page  # what she typed, to correct
    assert not OrderLine.objects.exists()


def test_a_producer_finds_the_orders_to_prepare_for_their_farm_only(world: World, people: Any) -> None:
    orders.order_place(order_round=world.round, member=world.jeanne, by=world.jeanne.user,
                       quantities={world.fourme.pk: D(2), world.honey.pk: D(3)})  # fmt: skip
    url = reverse("groups:producer_orders")
    cases = [(people.claire, "2\u00a0pièces — Fourme d&#x27;Ambert\u202f: 15,00\u00a0€", "Miel"),
             (people.hugo, "3\u00a0pots de 500 g — Miel de châtaignier\u202f: 25,20\u00a0€", "Fourme")]  # fmt: skip
    for user, shown, hidden in cases:
        client = Client()
        client.force_login(user)
        page = client.get(url).content.decode()
        assert shown in page and hidden not in page, page[-3000:]
    client = Client()
    client.force_login(people.sophie)
    assert "AMAP des Volcans" not in client.get(url).content.decode()


def test_a_producer_changes_their_product_from_the_page_and_not_another_producers(world: World, people: Any) -> None:
    client = Client()
    client.force_login(people.claire)
    url = reverse("groups:order", args=[world.distribution.pk])
    page = client.get(url, {"product": world.fourme.pk}).content.decode()
    assert 'value="Fourme d&#x27;Ambert"' in page and f'name="product" value="{world.fourme.pk}"' in page
    assert f"?product={world.honey.pk}" not in page  # Hugo's honey: no link for Claire
    data = {"form": "product", "producer": world.fourme.producer_id, "name": "Fourme d'Ambert AOP", "unit": "pièce",
            "price": "7.50", "max_quantity": "30", "product": world.fourme.pk}  # fmt: skip
    assert client.post(url, data).status_code == 302
    changed = OrderProduct.objects.get(pk=world.fourme.pk)
    assert (changed.name, changed.max_quantity) == ("Fourme d'Ambert AOP", 30)
    assert OrderProduct.objects.count() == 2  # changed, not listed twice
    honey = {**data, "product": world.honey.pk, "name": "Miel"}
    assert client.post(url, honey).status_code == 400
    assert OrderProduct.objects.get(pk=world.honey.pk).name == "Miel de châtaignier"


def test_a_members_coming_distributions_link_to_the_one_off_order_and_the_volunteers(world: World) -> None:
    client = Client()
    client.force_login(world.jeanne.user)
    page = client.get(reverse("groups:mine")).content.decode()
    assert reverse("groups:order", args=[world.distribution.pk]) in page
    assert reverse("groups:volunteers", args=[world.distribution.pk]) in page


def test_what_is_left_of_a_product_agrees_with_its_number_in_french_and_in_english(world: World) -> None:
    """'reste 1 pièce', 'reste 20 pièces', '1 piece left' — it read 'reste 20 (pièce)' and '20 pièce left'."""
    client = Client()
    client.force_login(world.jeanne.user)
    url = reverse("groups:order", args=[world.distribution.pk])
    assert "reste 20\u00a0pièces" in client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    OrderProduct.objects.filter(pk=world.fourme.pk).update(ordered=19)
    assert "reste 1\u00a0pièce<" in client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "1\u00a0piece left" in client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
