"""Editing and deleting what a shop's managers keep: sellers (kind, commission), products (a new price
leaves past sales at theirs), opening slots, the people on the rota (availability, target hours). Who may:
the shop's managers and the territory's coordinators only; a seller of another shop, an associate, a
depositor and an outsider get 403. Money records stay: a seller or a product with sales is refused
politely, with the reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.directory.services import place_create
from terroir.shops import services
from terroir.shops.models import OpeningSlot, Product, Rota, RotaMember, RotaStatus, Sale, Seller, Shift

from .conftest import opened_on

pytestmark = pytest.mark.django_db


@pytest.fixture
def slot(le_local: Any) -> OpeningSlot:
    return services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=2)


def edit_urls(le_local: Any, slot: OpeningSlot) -> dict[str, str]:
    shop = le_local.shop.pk
    return {
        "seller": reverse("shops:seller_edit", args=[shop, le_local.depositor.pk]),
        "product": reverse("shops:product_edit", args=[shop, le_local.honey.pk]),
        "slot": reverse("shops:slot_edit", args=[shop, slot.pk]),
        "member": reverse("shops:member_edit", args=[shop, le_local.claire.pk]),
    }


def delete_urls(le_local: Any, slot: OpeningSlot) -> dict[str, str]:
    shop = le_local.shop.pk
    return {
        "seller": reverse("shops:seller_delete", args=[shop, le_local.depositor.pk]),
        "product": reverse("shops:product_delete", args=[shop, le_local.honey.pk]),
        "slot": reverse("shops:slot_delete", args=[shop, slot.pk]),
        "member": reverse("shops:member_delete", args=[shop, le_local.claire.pk]),
    }


def user_of(role: str, le_local: Any, people: Any, other_shop_seller: Any) -> Any:
    return {
        "outsider": lambda: person("jeanne@example.org"),
        "seller_of_another_shop": lambda: other_shop_seller,
        "associate": lambda: people.claire,
        "depositor": lambda: people.hugo,
        "manager": lambda: le_local.florent,
        "coordinator": lambda: people.camille,
    }[role]()


ROLES = ["outsider", "seller_of_another_shop", "associate", "depositor", "manager", "coordinator"]
EDITORS = {"manager", "coordinator"}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_shops_managers_and_coordinators_open_the_edit_pages(
    role: str, le_local: Any, people: Any, other_shop_seller: Any, slot: Any
) -> None:
    client = Client()
    client.force_login(user_of(role, le_local, people, other_shop_seller))
    answers = {name: client.get(url).status_code for name, url in edit_urls(le_local, slot).items()}
    assert answers == {name: 200 if role in EDITORS else 403 for name in answers}


@pytest.mark.parametrize("role", [r for r in ROLES if r not in EDITORS])
def test_nobody_else_edits_or_deletes_anything(role: str, le_local: Any, people: Any, other_shop_seller: Any,
                                               slot: Any) -> None:  # fmt: skip
    client = Client()
    client.force_login(user_of(role, le_local, people, other_shop_seller))
    urls = edit_urls(le_local, slot)
    assert client.post(urls["seller"], {"kind": "depositor", "commission_percent": "1"}).status_code == 403
    saturday = {"weekday": "5", "starts": "09:00", "ends": "12:00", "needed": "1"}
    assert client.post(urls["slot"], saturday).status_code == 403
    for url in delete_urls(le_local, slot).values():
        assert client.post(url).status_code == 403
    assert Seller.objects.get(pk=le_local.depositor.pk).commission_rate is None
    assert OpeningSlot.objects.get(pk=slot.pk).weekday == 1
    assert Product.objects.filter(pk=le_local.honey.pk).exists() and RotaMember.objects.filter(pk=le_local.claire.pk)


def test_anonymous_visitors_are_asked_to_sign_in_to_edit(le_local: Any, slot: Any) -> None:
    for url in [*edit_urls(le_local, slot).values(), *delete_urls(le_local, slot).values()]:
        response = Client().post(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


def test_a_coordinator_edits_another_organisations_shop(le_local: Any, people: Any, slot: Any) -> None:
    client = Client()
    client.force_login(people.camille)
    url = edit_urls(le_local, slot)["slot"]
    response = client.post(url, {"weekday": "5", "starts": "09:00", "ends": "12:30", "needed": "3"})
    assert response.status_code == 302
    changed = OpeningSlot.objects.get(pk=slot.pk)
    assert (changed.weekday, changed.starts, changed.ends, changed.needed) == (5, dt.time(9), dt.time(12, 30), 3)


@pytest.fixture
def manager(le_local: Any) -> Client:
    client = Client()
    client.force_login(le_local.florent)
    return client


def test_the_manager_changes_a_depositors_commission_and_the_statement_follows_from_that_day(
    le_local: Any, manager: Client, slot: Any, today_is: Any
) -> None:
    opened_on(le_local.shop, dt.date(2026, 1, 5))
    today_is(dt.date(2026, 3, 10))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 20), quantity=D("2"))
    response = manager.post(edit_urls(le_local, slot)["seller"], {"kind": "depositor", "commission_percent": "20"})
    assert response.status_code == 302 and response["Location"] == reverse("shops:catalogue", args=[le_local.shop.pk])
    seller = Seller.objects.get(pk=le_local.depositor.pk)
    assert seller.commission_rate == D("0.2000")
    assert 'name="commission_percent" value="20"' in manager.get(edit_urls(le_local, slot)["seller"]).content.decode()
    # The 3rd's sale keeps the 25 % of its day (4.25 €), the 20th's takes the new 20 % (3.40 €).
    statement = services.statement_of(seller=seller, first=dt.date(2026, 3, 1), last=dt.date(2026, 3, 31))
    assert (statement.gross, statement.commission) == (D("34.00"), D("7.65"))
    assert [(p.rate, p.gross) for p in statement.parts] == [(D("0.2500"), D("17.00")), (D("0.2000"), D("17.00"))]
    manager.post(edit_urls(le_local, slot)["seller"], {"kind": "depositor", "commission_percent": ""})
    assert Seller.objects.get(pk=le_local.depositor.pk).rate == D("0.25")  # back to the shop's default


def test_a_commission_of_a_hundred_percent_is_refused_on_the_form(le_local: Any, manager: Client, slot: Any) -> None:
    response = manager.post(edit_urls(le_local, slot)["seller"], {"kind": "depositor", "commission_percent": "100"})
    assert response.status_code == 400
    assert Seller.objects.get(pk=le_local.depositor.pk).commission_rate is None


def test_an_associate_with_people_on_the_rota_cannot_become_a_depositor(le_local: Any, manager: Client) -> None:
    url = reverse("shops:seller_edit", args=[le_local.shop.pk, le_local.associate.pk])
    response = manager.post(url, {"kind": "depositor", "commission_percent": ""})
    assert response.status_code == 400 and "off the rota" not in response.content.decode()  # French page
    assert "retirez-les d’abord" in response.content.decode()
    assert Seller.objects.get(pk=le_local.associate.pk).kind == "associate"


def test_a_seller_with_sales_is_not_removed_and_the_manager_is_told_why(le_local: Any, manager: Client,
                                                                       slot: Any) -> None:  # fmt: skip
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    page = manager.get(edit_urls(le_local, slot)["seller"]).content.decode()
    assert "1 vente est enregistrée à son nom" in page and 'id="delete-form"' not in page
    response = manager.post(delete_urls(le_local, slot)["seller"], follow=True)
    assert response.status_code == 200
    assert "Rucher de la Durolle ne peut pas être retiré" in response.content.decode()
    assert Seller.objects.filter(pk=le_local.depositor.pk).exists() and Sale.objects.count() == 1


def test_a_seller_without_sales_leaves_with_their_products(le_local: Any, manager: Client, slot: Any) -> None:
    response = manager.post(delete_urls(le_local, slot)["seller"])
    assert response.status_code == 302
    assert not Seller.objects.filter(pk=le_local.depositor.pk).exists()
    assert not Product.objects.filter(pk=le_local.honey.pk).exists()


def test_a_new_price_leaves_past_sales_at_the_price_they_were_sold(le_local: Any, manager: Client, slot: Any) -> None:
    sold = services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3),
                                quantity=D("2"))  # fmt: skip
    response = manager.post(edit_urls(le_local, slot)["product"], {
        "seller": le_local.depositor.pk, "code": "MIEL-500", "name": "Miel de châtaignier 500 g",
        "unit_price": "9.20", "unit": "piece",
    })  # fmt: skip
    assert response.status_code == 302
    assert Product.objects.get(pk=le_local.honey.pk).unit_price == D("9.20")
    sold.refresh_from_db()
    assert (sold.unit_price, sold.amount) == (D("8.50"), D("17.00"))
    later = services.sale_record(shop=le_local.shop, product=Product.objects.get(pk=le_local.honey.pk),
                                 sold_on=dt.date(2026, 3, 10), quantity=D("1"))  # fmt: skip
    assert later.amount == D("9.20")


def test_a_till_code_another_product_has_is_refused(le_local: Any, manager: Client, slot: Any) -> None:
    response = manager.post(edit_urls(le_local, slot)["product"], {
        "seller": le_local.depositor.pk, "code": "FOURME-250", "name": "Miel", "unit_price": "8.50", "unit": "piece",
    })  # fmt: skip
    assert response.status_code == 400 and "FOURME-250" in response.content.decode()
    assert Product.objects.get(pk=le_local.honey.pk).code == "MIEL-500"


def test_a_product_with_sales_is_kept_and_one_without_is_deleted(le_local: Any, manager: Client, slot: Any) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("1"))
    refused = manager.post(delete_urls(le_local, slot)["product"], follow=True)
    assert "ne peut pas être supprimé" in refused.content.decode()
    assert Product.objects.filter(pk=le_local.honey.pk).exists()
    butter = reverse("shops:product_delete", args=[le_local.shop.pk, le_local.butter.pk])
    assert manager.post(butter).status_code == 302
    assert not Product.objects.filter(pk=le_local.butter.pk).exists()


def test_the_manager_changes_a_persons_availability_and_target_hours(le_local: Any, manager: Client,
                                                                    slot: Any) -> None:  # fmt: skip
    saturday = services.opening_slot_add(shop=le_local.shop, weekday=5, starts=dt.time(9), ends=dt.time(12), needed=1)
    url = edit_urls(le_local, slot)["member"]
    assert 'value="6"' in manager.get(url).content.decode()  # 360 minutes shown as 6 hours
    response = manager.post(url, {"seller": le_local.associate.pk, "name": "Claire", "min_hours": "4",
                                  "max_hours": "7.5", "twice_a_day": "on", "slots": [saturday.pk]})  # fmt: skip
    assert response.status_code == 302
    claire = RotaMember.objects.get(pk=le_local.claire.pk)
    assert (claire.min_minutes, claire.max_minutes, claire.twice_a_day) == (240, 450, True)
    assert list(claire.slots.all()) == [saturday] and claire.user is not None  # her account stays linked
    wrong = manager.post(url, {"seller": le_local.associate.pk, "name": "Claire", "min_hours": "9", "max_hours": "7"})
    assert wrong.status_code == 400 and RotaMember.objects.get(pk=claire.pk).min_minutes == 240


def test_an_opening_with_shifts_is_deleted_only_once_they_were_listed_and_confirmed(le_local: Any, manager: Client,
                                                                                    slot: Any) -> None:  # fmt: skip
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, status=RotaStatus.OPTIMAL)
    Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, 3), member=le_local.claire)
    page = manager.get(edit_urls(le_local, slot)["slot"]).content.decode()
    assert "1 permanence" in page and "03/03/2026 15 h–19 h — Claire" in page and 'name="confirm" value="1"' in page
    # Not confirmed (a bare POST): refused, saying how many shifts and when; nothing lost.
    refused = manager.post(delete_urls(le_local, slot)["slot"], follow=True).content.decode()
    assert "1 permanence des plannings calculés est sur cette ouverture (03/03/2026)" in refused
    assert OpeningSlot.objects.filter(pk=slot.pk).exists() and Shift.objects.count() == 1
    # A rota computed since the page was read added a shift: the confirmation of one is no longer enough.
    Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, 10), member=le_local.claire)
    stale = manager.post(delete_urls(le_local, slot)["slot"], {"confirm": "1"}, follow=True).content.decode()
    assert "du 03/03/2026 au 10/03/2026" in stale and Shift.objects.count() == 2
    assert manager.post(delete_urls(le_local, slot)["slot"], {"confirm": "2"}).status_code == 302
    assert not OpeningSlot.objects.filter(pk=slot.pk).exists() and not Shift.objects.exists()


def test_an_opening_without_shifts_is_deleted_without_a_box_to_tick(le_local: Any, manager: Client, slot: Any) -> None:
    assert 'name="confirm"' not in manager.get(edit_urls(le_local, slot)["slot"]).content.decode()
    assert manager.post(delete_urls(le_local, slot)["slot"]).status_code == 302
    assert not OpeningSlot.objects.filter(pk=slot.pk).exists()


def test_taking_a_person_off_the_rota(le_local: Any, manager: Client, slot: Any) -> None:
    assert manager.post(delete_urls(le_local, slot)["member"]).status_code == 302
    assert not RotaMember.objects.filter(pk=le_local.claire.pk).exists()


def test_taking_a_person_off_the_rota_says_which_shifts_go(le_local: Any, manager: Client, slot: Any) -> None:
    """Their page lists their shifts in the rotas computed (day and hours) before; the message after names
    the ones removed, not only how many."""
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, status=RotaStatus.OPTIMAL)
    for day in (dt.date(2026, 3, 10), dt.date(2026, 3, 3)):
        Shift.objects.create(rota=rota, slot=slot, date=day, member=le_local.claire)
    page = manager.get(edit_urls(le_local, slot)["member"]).content.decode()
    assert "Cette personne assure 2 permanences des plannings calculés, listées ici" in page
    assert page.index("03/03/2026 15 h–19 h") < page.index("10/03/2026 15 h–19 h")
    done = manager.post(delete_urls(le_local, slot)["member"], follow=True).content.decode()
    assert (
        "Claire est retiré du planning ; ses 2 permanences sont retirées des plannings calculés : "
        "03/03/2026 15 h–19 h, 10/03/2026 15 h–19 h."
    ) in done
    assert not Shift.objects.exists() and not RotaMember.objects.filter(pk=le_local.claire.pk).exists()
    removed = services.rota_member_delete(member=services.rota_member_save(
        shop=le_local.shop, seller=le_local.associate, name="Bastien"))  # fmt: skip
    assert removed == []  # nobody's shifts: nothing named


def test_taking_off_the_rota_a_person_with_one_shift_names_it(le_local: Any, manager: Client, slot: Any) -> None:
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1, status=RotaStatus.OPTIMAL)
    Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, 3), member=le_local.claire)
    done = manager.post(delete_urls(le_local, slot)["member"], follow=True).content.decode()
    assert "sa permanence du 03/03/2026 15 h–19 h est retirée des plannings calculés" in done


def test_an_edit_page_of_another_shops_item_is_not_found(le_local: Any, manager: Client, territory: Any) -> None:
    coop = Actor.objects.create(name="SCIC", is_organisation=True)
    place = place_create(name="Boutique", kind="producers_shop", commune=territory.thiers, lat=45.8, lon=3.5,
                         operator=coop)  # fmt: skip
    other = services.shop_create(place=place)
    other_slot = services.opening_slot_add(shop=other, weekday=2, starts=dt.time(9), ends=dt.time(12), needed=1)
    assert manager.get(reverse("shops:slot_edit", args=[le_local.shop.pk, other_slot.pk])).status_code == 404
