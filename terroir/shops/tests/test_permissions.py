"""Who sees which page of a producers' shop: anonymous visitors, an outsider, another organisation, an
associate, a depositor (their own statement only), the shop's manager and the territory's coordinator.
And the pages' forms: a till export uploaded, a sale entered, a rota asked, a swap asked and answered."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from terroir.conftest import person
from terroir.shops import services
from terroir.shops.models import Rota, RotaStatus, Sale, Shift, Swap, SwapStatus

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


@pytest.fixture
def world(le_local: Any, people: Any) -> dict[str, Any]:
    shop = le_local.shop
    slot = services.opening_slot_add(shop=shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    marc = services.rota_member_save(shop=shop, seller=le_local.associate, name="Marc")
    rota = Rota.objects.create(shop=shop, first_day=dt.date(2026, 3, 2), weeks=1, status=RotaStatus.OPTIMAL)
    shift = Shift.objects.create(rota=rota, slot=slot, date=dt.date(2026, 3, 3), member=le_local.claire)
    swap = Swap.objects.create(shift=shift, asked_by=le_local.claire, to=marc)
    services.sale_record(shop=shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("2"))
    return {"shop": shop, "rota": rota, "shift": shift, "swap": swap, "marc": marc}


def pages(le_local: Any, world: dict[str, Any]) -> dict[str, str]:
    shop, rota = world["shop"].pk, world["rota"].pk
    dep, assoc = le_local.depositor.pk, le_local.associate.pk
    return {
        "shop": reverse("shops:shop", args=[shop]),
        "catalogue": reverse("shops:catalogue", args=[shop]),
        "sales": reverse("shops:sales", args=[shop]),
        "statements": reverse("shops:statements", args=[shop]),
        "depositor_statement": reverse("shops:statement", args=[shop, dep]) + "?month=2026-03",
        "depositor_csv": reverse("shops:statement_csv", args=[shop, dep]) + "?month=2026-03",
        "depositor_pdf": reverse("shops:statement_pdf", args=[shop, dep]) + "?month=2026-03",
        "associate_statement": reverse("shops:statement", args=[shop, assoc]),
        "rota_home": reverse("shops:rota_home", args=[shop]),
        "rota": reverse("shops:rota", args=[shop, rota]),
        "calendar": reverse("shops:rota_calendar", args=[shop, rota]),
    }


EVERYTHING = {"shop", "catalogue", "sales", "statements", "depositor_statement", "depositor_csv", "depositor_pdf",
              "associate_statement", "rota_home", "rota", "calendar"}  # fmt: skip
ALLOWED = {
    "outsider": set(),
    "other_organisation": set(),
    "associate": {"shop", "associate_statement", "rota_home", "rota", "calendar"},
    "depositor": {"depositor_statement", "depositor_csv", "depositor_pdf"},
    "manager": EVERYTHING,
    "coordinator": EVERYTHING,
}


def user_of(role: str, le_local: Any, people: Any) -> Any:
    return {
        "outsider": lambda: person("jeanne@example.org"),
        "other_organisation": lambda: people.sophie,
        "associate": lambda: people.claire,
        "depositor": lambda: people.hugo,
        "manager": lambda: le_local.florent,
        "coordinator": lambda: people.camille,
    }[role]()


@pytest.mark.parametrize("role", list(ALLOWED))
def test_each_role_opens_exactly_its_pages(role: str, le_local: Any, people: Any, world: Any) -> None:
    client = Client()
    client.force_login(user_of(role, le_local, people))
    answers = {name: client.get(url).status_code for name, url in pages(le_local, world).items()}
    assert answers == {name: 200 if name in ALLOWED[role] else 403 for name in answers}


def test_anonymous_visitors_are_asked_to_sign_in_everywhere(le_local: Any, world: Any) -> None:
    client = Client()
    for url in [*pages(le_local, world).values(), reverse("shops:list")]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("account_login")), url


def test_the_list_shows_a_depositor_their_statement_and_no_shop(le_local: Any, people: Any, world: Any) -> None:
    client = Client()
    client.force_login(people.hugo)
    body = client.get(reverse("shops:list")).content.decode()
    assert reverse("shops:statement", args=[world["shop"].pk, le_local.depositor.pk]) in body
    assert f'href="{reverse("shops:shop", args=[world["shop"].pk])}"' not in body


def test_only_the_member_asked_answers_a_swap_and_only_the_shifts_member_offers_it(le_local: Any, people: Any,
                                                                                   world: Any) -> None:  # fmt: skip
    marc_user = person("marc@monts-du-forez.example.org")
    world["marc"].user = marc_user
    world["marc"].save()
    shop, rota = world["shop"].pk, world["rota"].pk
    answer = reverse("shops:swap_answer", args=[shop, rota, world["swap"].pk])
    for intruder in (people.sophie, people.hugo):  # other organisation, depositor: not a page of theirs
        client = Client()
        client.force_login(intruder)
        assert client.post(answer, {"accept": "1"}).status_code == 403
    claire = Client()
    claire.force_login(people.claire)
    claire.post(answer, {"accept": "1"})  # an associate, but not the one asked: refused with a message
    assert Swap.objects.get(pk=world["swap"].pk).status == SwapStatus.PENDING
    marc = Client()
    marc.force_login(marc_user)
    response = marc.post(answer, {"accept": "1"})
    assert response.status_code == 302
    assert Shift.objects.get(pk=world["shift"].pk).member == world["marc"]
    offer = reverse("shops:swap_ask", args=[shop, rota, world["shift"].pk])
    claire.post(offer, {"to": le_local.claire.pk})  # no longer Claire's shift to offer
    assert Swap.objects.filter(status=SwapStatus.PENDING).count() == 0


def test_the_manager_uploads_a_till_export_and_the_statement_page_shows_the_figures(le_local: Any, world: Any) -> None:
    client = Client()
    client.force_login(le_local.florent)
    url = reverse("shops:sales", args=[world["shop"].pk])
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as upload:
        response = client.post(url, {"upload": "1", "file": upload})
    assert response.status_code == 302
    assert Sale.objects.filter(till_import__isnull=False).count() == 5
    with (DATA / "z_report_le_local_2026-03.csv").open("rb") as upload:
        again = client.post(url, {"upload": "1", "file": upload})
    assert again.status_code == 400 and "déjà été importé" in again.content.decode()
    page = client.get(reverse("shops:statement", args=[world["shop"].pk, le_local.depositor.pk]) + "?month=2026-03")
    body = page.content.decode()
    # 17.00 € by hand + 25.50 € from the till = 42.50 €; 25 % = 10.63 € (10.625 half up); due 31.87 €.
    assert "42,50\u00a0€" in body and "10,63\u00a0€" in body and "31,87\u00a0€" in body


def test_a_till_export_with_a_wrong_line_is_refused_with_its_line(le_local: Any, world: Any, tmp_path: Path) -> None:
    bad = tmp_path / "z.csv"
    bad.write_text("Date;Code article;Quantité;Montant TTC\n03/03/2026;INCONNU;1;5,00\n", encoding="utf-8")
    client = Client()
    client.force_login(le_local.florent)
    with bad.open("rb") as upload:
        response = client.post(reverse("shops:sales", args=[world["shop"].pk]), {"upload": "1", "file": upload})
    assert response.status_code == 400
    assert "INCONNU" in response.content.decode()


def test_a_manager_enters_a_refund_by_hand(le_local: Any, world: Any) -> None:
    client = Client()
    client.force_login(le_local.florent)
    response = client.post(reverse("shops:sales", args=[world["shop"].pk]),
                           {"product": le_local.honey.pk, "sold_on": "2026-03-05", "quantity": "-1"})  # fmt: skip
    assert response.status_code == 302
    assert Sale.objects.filter(amount=D("-8.50")).exists()


def test_an_associate_cannot_change_the_rota_settings_but_marks_their_own_absence(le_local: Any, people: Any,
                                                                                  world: Any) -> None:  # fmt: skip
    client = Client()
    client.force_login(people.claire)
    url = reverse("shops:rota_home", args=[world["shop"].pk])
    assert client.post(url, {"weekday": "5", "starts": "09:00", "ends": "12:30", "needed": "2"}).status_code == 403
    assert client.post(url, {"first_day": "2026-03-09", "weeks": "2"}).status_code == 403
    response = client.post(url, {"member": le_local.claire.pk, "first_day": "2026-03-10", "last_day": "2026-03-12"})
    assert response.status_code == 302
    assert le_local.claire.absences.count() == 1
    other = client.post(url, {"member": world["marc"].pk, "first_day": "2026-03-10", "last_day": "2026-03-12"})
    assert other.status_code == 400 and world["marc"].absences.count() == 0


def test_the_manager_asks_for_a_rota_and_is_sent_to_its_page(le_local: Any, world: Any, on_commit: Any) -> None:
    client = Client()
    client.force_login(le_local.florent)
    with on_commit(execute=True):
        response = client.post(reverse("shops:rota_home", args=[world["shop"].pk]),
                               {"first_day": "2026-03-09", "weeks": "1"})  # fmt: skip
    rota = Rota.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == rota.get_absolute_url()
    assert rota.status in (RotaStatus.OPTIMAL, RotaStatus.INFEASIBLE)
    page = client.get(rota.get_absolute_url()).content.decode()
    assert 'data-status="' + rota.status + '"' in page


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    return django_capture_on_commit_callbacks


def test_a_coordinator_opens_the_management_of_a_producers_shop_run_by_an_organisation(territory: Any,
                                                                                      people: Any) -> None:  # fmt: skip
    from terroir.directory.models import Actor
    from terroir.shops.models import Shop

    place = territory.le_local
    client = Client()
    client.force_login(people.camille)
    refused = client.post(reverse("shops:list"), {"place": place.pk, "commission_percent": "20"})
    assert refused.status_code == 400 and not Shop.objects.exists()  # nobody runs the place in the directory yet
    place.operator = Actor.objects.create(name="SAS Le Local", is_organisation=True)
    place.save(update_fields=["operator"])
    response = client.post(reverse("shops:list"), {"place": place.pk, "commission_percent": "20"})
    shop = Shop.objects.get()
    assert response.status_code == 302 and (shop.owner, shop.default_commission) == (place.operator, D("0.2"))
    producer = Client()
    producer.force_login(people.claire)
    assert producer.post(reverse("shops:list"), {"place": place.pk}).status_code == 403


def test_a_rota_waiting_for_the_worker_says_so_and_reloads_itself(le_local: Any, world: Any, settings: Any,
                                                                  on_commit: Any) -> None:  # fmt: skip
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    client = Client()
    client.force_login(le_local.florent)
    with on_commit(execute=True):
        response = client.post(reverse("shops:rota_home", args=[world["shop"].pk]),
                               {"first_day": "2026-03-09", "weeks": "1"})  # fmt: skip
    page = client.get(response["Location"]).content.decode()
    assert "en attente du serveur de tâches" in page and 'http-equiv="refresh"' in page


def test_amounts_over_a_thousand_euros_are_grouped_and_keep_the_euro_sign_on_their_line(le_local: Any) -> None:
    shop = le_local.shop
    services.sale_record(shop=shop, product=le_local.honey, sold_on=dt.date(2026, 3, 3), quantity=D("150"))
    client = Client()
    client.force_login(le_local.florent)
    url = reverse("shops:statement", args=[shop.pk, le_local.depositor.pk]) + "?month=2026-03"
    # 150 jars × 8.50 = 1,275.00; 25 % = 318.75; 956.25 due.
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'id="gross">1\u00a0275,00\u00a0€<' in french and 'id="due">956,25\u00a0€<' in french
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert 'id="gross">€1,275.00<' in english and 'id="due">€956.25<' in english


def test_the_statements_table_shows_the_commission_rate_as_a_percentage(le_local: Any, world: Any) -> None:
    client = Client()
    client.force_login(le_local.florent)
    page = client.get(reverse("shops:statements", args=[world["shop"].pk]) + "?month=2026-03").content.decode()
    assert '<td class="num" data-label="Taux">25\u00a0%</td>' in page and "0,2500" not in page and "0.2500" not in page
