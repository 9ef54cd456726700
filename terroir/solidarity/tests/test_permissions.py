"""Who opens which page of the solidarity groceries, as a matrix: an outsider, another grocery, the
grocery's own people, the producer, another producer, the funder's members, another funder's, somebody who
made an organisation of the funder's name, and the coordinator. A funder sees only its programmes' figures;
what opens another's data is granted (a coordinator names the funder and groceries), never taken. And the
pages' forms: an order placed, answered, delivered, cancelled — each by its side only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.solidarity import services
from terroir.solidarity.models import AgreedPrice, Order, OrderStatus, Programme

from .conftest import DAY

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(panier: Any, territory: Any) -> Order:
    made = services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.cheese_farm,
                                quantities={panier.fourme.pk: D("3")}, ordered_on=DAY)  # fmt: skip
    services.order_answer(order=made, accept=True)
    return services.order_deliver(order=made, delivered={}, delivered_on=DAY)


def pages(panier: Any, territory: Any, order: Order) -> dict[str, str]:
    programme, grocery, farm = panier.programme.pk, panier.grocery.pk, territory.cheese_farm.pk
    period = "?start=2026-03-01&end=2026-03-31"
    return {
        "programme": reverse("solidarity:programme", args=[programme]) + period,
        "programme_csv": reverse("solidarity:programme_csv", args=[programme]) + period,
        "programme_pdf": reverse("solidarity:programme_pdf", args=[programme]) + period,
        "other_programme": reverse("solidarity:programme", args=[panier.other_programme.pk]),
        "grocery": reverse("solidarity:grocery", args=[grocery]) + period,
        "grocery_csv": reverse("solidarity:grocery_csv", args=[grocery]) + period,
        "grocery_pdf": reverse("solidarity:grocery_pdf", args=[grocery]) + period,
        "order_new": reverse("solidarity:order_new", args=[grocery, programme, farm]),
        "order": reverse("solidarity:order", args=[order.pk]),
        "producer": reverse("solidarity:producer", args=[farm]) + period,
        "producer_csv": reverse("solidarity:producer_csv", args=[farm]) + period,
        "producer_pdf": reverse("solidarity:producer_pdf", args=[farm]) + period,
    }


EVERYTHING = {"programme", "programme_csv", "programme_pdf", "other_programme", "grocery", "grocery_csv",
              "grocery_pdf", "order_new", "order", "producer", "producer_csv", "producer_pdf"}  # fmt: skip
ALLOWED = {
    "outsider": set(),
    "other_grocery": set(),
    "own_grocery": {"grocery", "grocery_csv", "grocery_pdf", "order_new", "order"},
    "producer": {"order", "producer", "producer_csv", "producer_pdf"},
    "other_producer": set(),
    "funder": {"programme", "programme_csv", "programme_pdf", "order"},
    "other_funder": {"other_programme"},
    "funder_namesake": set(),
    "coordinator": EVERYTHING,
}


def user_of(role: str, panier: Any, people: Any) -> Any:
    if role == "funder_namesake":
        # Anybody may create an organisation and be its member: naming it like the CCAS opens nothing.
        impostor = person("mallory@example.org")
        fake = Actor.objects.create(name="CCAS de Poitiers", is_organisation=True)
        Membership.objects.create(user=impostor, actor=fake, how="created")
        return impostor
    return {
        "outsider": lambda: person("jeanne@example.org"),
        "other_grocery": lambda: panier.yves,
        "own_grocery": lambda: panier.nadia,
        "producer": lambda: people.claire,
        "other_producer": lambda: people.hugo,
        "funder": lambda: panier.lucie,
        "other_funder": lambda: panier.paul,
        "coordinator": lambda: people.camille,
    }[role]()


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_exactly_its_pages(role: str, panier: Any, territory: Any, people: Any, order: Order) -> None:
    client = Client()
    client.force_login(user_of(role, panier, people))
    opened = {name for name, url in pages(panier, territory, order).items() if client.get(url).status_code == 200}
    assert opened == ALLOWED[role]
    refused = {name for name, url in pages(panier, territory, order).items() if client.get(url).status_code == 403}
    assert refused == EVERYTHING - ALLOWED[role]


def test_anonymous_visitors_are_asked_to_sign_in(panier: Any, territory: Any, order: Order) -> None:
    for url in [reverse("solidarity:home"), *pages(panier, territory, order).values()]:
        response = Client().get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"], url


def test_the_home_lists_what_each_person_takes_part_in(panier: Any, people: Any, order: Order) -> None:
    client = Client()
    client.force_login(panier.lucie)
    page = client.get(reverse("solidarity:home")).content.decode()
    assert "Fruits et produits frais 2026" in page and "Produits laitiers Thiers" not in page
    assert "Nouveau programme" not in page
    client.force_login(panier.nadia)
    page = client.get(reverse("solidarity:home")).content.decode()
    assert "Le Panier solidaire" in page and "Épicerie solidaire de Thiers" not in page


def test_the_funders_figures_add_the_delivered_orders(panier: Any, territory: Any, people: Any, order: Order) -> None:
    client = Client()
    client.force_login(panier.lucie)
    urls = pages(panier, territory, order)
    page = client.get(urls["programme"]).content.decode()
    assert 'id="remaining">94,00\u00a0€' in page  # 3 fourmes: 2.00 each of 100.00
    assert "Le Panier solidaire" in page and "GAEC des Monts du Forez" in page
    csv = client.get(urls["programme_csv"]).content.decode("utf-8-sig")
    assert "Le Panier solidaire;1;0;0;3;19.20;6.00;13.20" in csv
    assert "Budget restant;94,00\u00a0€" in csv
    pdf = client.get(urls["programme_pdf"])
    assert pdf.content.startswith(b"%PDF") and pdf["Content-Type"] == "application/pdf"


def test_only_the_grocerys_people_place_its_orders(panier: Any, territory: Any, people: Any) -> None:
    url = reverse("solidarity:order_new", args=[panier.grocery.pk, panier.programme.pk, territory.cheese_farm.pk])
    for intruder in (people.claire, panier.lucie, panier.yves):
        client = Client()
        client.force_login(intruder)
        assert client.post(url, {f"q{panier.fourme.pk}": "1"}).status_code == 403
    assert not Order.objects.exists()
    client = Client()
    client.force_login(panier.nadia)
    response = client.post(url, {f"q{panier.fourme.pk}": "2,5", f"q{panier.butter.pk}": "", "note": "Mardi"})
    made = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == made.get_absolute_url()
    assert (made.lines.get().quantity, made.note, made.created_by) == (D("2.5"), "Mardi", panier.nadia)


def test_an_order_past_the_budget_comes_back_with_the_message(panier: Any, territory: Any) -> None:
    url = reverse("solidarity:order_new", args=[panier.grocery.pk, panier.programme.pk, territory.cheese_farm.pk])
    client = Client()
    client.force_login(panier.nadia)
    response = client.post(url, {f"q{panier.fourme.pk}": "51"})  # 102.00 of 100.00
    assert response.status_code == 400
    page = response.content.decode()
    assert "dépassé de 2,00\u00a0€" in page and 'value="51"' in page
    assert not Order.objects.exists()


def test_each_side_answers_an_order_only_as_its_role_allows(panier: Any, territory: Any, people: Any) -> None:
    made = services.order_place(programme=panier.programme, grocery=panier.grocery, producer=territory.cheese_farm,
                                quantities={panier.fourme.pk: D("4")})  # fmt: skip
    url = reverse("solidarity:order", args=[made.pk])
    refusals = [(panier.nadia, "confirm"), (panier.lucie, "confirm"), (panier.lucie, "cancel"),
                (people.claire, "cancel"), (people.hugo, "confirm")]  # fmt: skip
    for user, action in refusals:
        client = Client()
        client.force_login(user)
        assert client.post(url, {"action": action}).status_code == 403, (user, action)
    client = Client()
    client.force_login(people.claire)
    assert client.post(url, {"action": "confirm"}).status_code == 302
    line = made.lines.get()
    assert client.post(url, {"action": "deliver", f"d{line.pk}": "3"}).status_code == 302
    made.refresh_from_db()
    assert (made.status, made.amount, made.partner_share) == (OrderStatus.DELIVERED, D("19.20"), D("6.00"))


def test_a_producer_sets_its_prices_and_a_coordinator_creates_programmes(
    panier: Any, territory: Any, people: Any
) -> None:  # fmt: skip
    client = Client()
    client.force_login(people.claire)
    url = reverse("solidarity:producer", args=[territory.cheese_farm.pk])
    data = {"programme": panier.programme.pk, "grocery": "", "product": "Tomme", "unit": "kg", "price": "14.50",
            "valid_from": "2026-03-01"}  # fmt: skip
    assert client.post(url, data).status_code == 302
    assert AgreedPrice.objects.get(product="Tomme").price == D("14.50")
    # The other programme names no producer: the cheese farm may set prices there too; not the honey farm's page.
    assert client.post(reverse("solidarity:producer", args=[territory.honey_farm.pk]), data).status_code == 403
    programme = {"name": "Hiver", "funder": panier.ccas.pk, "groceries": [panier.grocery.pk], "share_kind": "percent",
                 "share_percent": "30", "budget": "250", "starts": "2026-11-01", "ends": "2027-02-28"}  # fmt: skip
    assert client.post(reverse("solidarity:home"), programme).status_code == 403
    client.force_login(people.camille)
    response = client.post(reverse("solidarity:home"), programme)
    created = Programme.objects.get(name="Hiver")
    assert response.status_code == 302 and created.share_rate == D("0.3000") and created.ends == dt.date(2027, 2, 28)


def test_the_admin_shows_programmes_prices_and_orders_read_only(panier: Any, order: Order) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "x")
    client = Client()
    client.force_login(admin)
    for name in ("programme", "agreedprice", "order"):
        assert client.get(reverse(f"admin:solidarity_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:solidarity_{name}_add")).status_code == 403
    page = client.get(reverse("admin:solidarity_order_change", args=[order.pk]))
    assert page.status_code == 200 and "Fourme d&#x27;Ambert 250 g" in page.content.decode()


def test_a_place_that_is_no_grocery_has_no_grocery_page(territory: Any, people: Any) -> None:
    client = Client()
    client.force_login(people.claire)  # her farm runs the farm shop: a place, but no grocery
    assert client.get(reverse("solidarity:grocery", args=[territory.farm_shop.pk])).status_code == 404


def test_only_a_coordinator_changes_a_programme_on_its_page(panier: Any, territory: Any, people: Any) -> None:
    url = reverse("solidarity:programme", args=[panier.programme.pk])
    data = {"budget": "150", "ends": "2026-12-31", "groceries": [panier.grocery.pk, panier.other_grocery.pk],
            "producers": [territory.cheese_farm.pk]}  # fmt: skip
    client = Client()
    client.force_login(panier.lucie)
    assert client.post(url, data).status_code == 403
    client.force_login(people.camille)
    assert client.post(url, data).status_code == 302
    changed = Programme.objects.get(pk=panier.programme.pk)
    assert (changed.budget, changed.ends, changed.groceries.count()) == (D("150"), dt.date(2026, 12, 31), 2)


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "deux", "1e9"])
def test_a_quantity_that_is_no_quantity_comes_back_refused(panier: Any, territory: Any, typed: str) -> None:
    url = reverse("solidarity:order_new", args=[panier.grocery.pk, panier.programme.pk, territory.cheese_farm.pk])
    client = Client()
    client.force_login(panier.nadia)
    response = client.post(url, {f"q{panier.fourme.pk}": typed})
    assert response.status_code == 400 and not Order.objects.exists()


def test_amounts_over_a_thousand_euros_are_grouped_and_keep_the_euro_sign_on_their_line(
    panier: Any, territory: Any, order: Order
) -> None:
    Programme.objects.filter(pk=panier.programme.pk).update(budget=D("1500"))
    client = Client()
    client.force_login(panier.lucie)
    url = pages(panier, territory, order)["programme"]
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    # 1,500.00 of budget less 3 fourmes at 2.00 of partner's share: 1,494.00 left.
    assert 'id="budget">1\u00a0500,00\u00a0€<' in french and 'id="remaining">1\u00a0494,00\u00a0€<' in french
    assert "Épiceries\u202f:" in french
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert 'id="budget">€1,500.00<' in english and 'id="remaining">€1,494.00<' in english
    assert "Groceries: " in english
