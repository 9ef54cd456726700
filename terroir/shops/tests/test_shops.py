"""The shop with the database: till exports read into sales, statements, the rota computed on the
worker's task, swaps, iCalendar, CSV and PDF."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from terroir.lib.tests.pdf_text import pdf_strings
from terroir.shops import services, till
from terroir.shops.models import Rota, RotaStatus, Sale, Shift, Swap, SwapStatus

from .conftest import MARCH

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def imported(le_local: Any, name: str) -> till.TillRead:
    read = till.till_read(DATA / name, shop=le_local.shop)
    assert read.problems == []
    till.till_save(read, shop=le_local.shop, file_name=name, digest=till.digest_of(DATA / name), by=le_local.florent)
    return read


def test_a_french_z_report_in_windows_1252_becomes_sales_with_its_refund(le_local: Any) -> None:
    read = imported(le_local, "z_report_le_local_2026-03.csv")
    assert read.format == "Z report"
    honey = Sale.objects.filter(product=le_local.honey).order_by("sold_on", "pk")
    assert [(s.quantity, s.amount) for s in honey] == [(1, D("8.50")), (3, D("25.50")), (-1, D("-8.50"))]
    assert honey[0].ticket == "T-000141" and honey[0].seller == le_local.depositor
    # The depositor's March: 25.50 € of honey; 25 % = 6.38 € (6.375 rounded half up); due 19.12 €.
    statement = services.statement_of(seller=le_local.depositor, first=MARCH[0], last=MARCH[1])
    assert (statement.gross, statement.refunds, statement.commission, statement.due) == (
        D("25.50"), D("-8.50"), D("6.38"), D("19.12"),
    )  # fmt: skip


def test_a_card_terminals_items_report_turns_its_refund_lines_negative(le_local: Any) -> None:
    read = imported(le_local, "items_report_le_local_2026-04.csv")
    assert read.format == "items report"
    april = services.statement_of(seller=le_local.depositor, first=dt.date(2026, 4, 1), last=dt.date(2026, 4, 30))
    assert (april.gross, april.refunds, april.commission) == (D("8.50"), D("-8.50"), D("2.13"))


def test_a_till_export_saved_as_a_spreadsheet_reads_the_same(le_local: Any, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Export ventes — Le Local"])  # a title row above the header, as tills write
    sheet.append(["Date", "Transaction ID", "SKU", "Item", "Quantity", "Price", "Total", "Type"])
    sheet.append(["2026-04-02 09:41", "TX-1", "MIEL-500", "Miel", 2, 8.5, 17, "Sale"])
    sheet.append(["2026-04-04 16:20", "TX-2", "MIEL-500", "Miel", 1, 8.5, 8.5, "Refund"])
    path = tmp_path / "ventes.xlsx"
    book.save(path)
    read = till.till_read(path, shop=le_local.shop)
    assert read.problems == []
    assert [(s.quantity, s.amount) for s in read.sales] == [(D("2"), D("17.00")), (D("-1"), D("-8.50"))]


def test_the_same_till_file_is_not_counted_twice(le_local: Any) -> None:
    imported(le_local, "z_report_le_local_2026-03.csv")
    read = till.till_read(DATA / "z_report_le_local_2026-03.csv", shop=le_local.shop)
    with pytest.raises(till.AlreadyImported):
        till.till_save(read, shop=le_local.shop, file_name="again.csv",
                       digest=till.digest_of(DATA / "z_report_le_local_2026-03.csv"), by=le_local.florent)  # fmt: skip
    assert Sale.objects.count() == 5


def test_a_till_line_of_an_unknown_product_or_a_bad_number_keeps_nothing_and_says_where(
    le_local: Any, tmp_path: Path
) -> None:
    path = tmp_path / "z.csv"
    path.write_text(
        "Date;Ticket;Code article;Libellé;Quantité;Prix unitaire TTC;Montant TTC\n"
        "03/03/2026;T1;MIEL-500;Miel;1;8,50;8,50\n"
        "03/03/2026;T2;CONFITURE;Confiture de myrtilles;1;5,00;5,00\n"
        "32/03/2026;T3;MIEL-500;Miel;deux;8,50;17,00\n",
        encoding="utf-8",
    )
    read = till.till_read(path, shop=le_local.shop)
    assert [(line, column) for line, column, _message in read.problems] == [(3, "code"), (4, "date"), (4, "quantity")]
    assert "CONFITURE" in read.problems[0][2]
    with pytest.raises(ValueError):
        till.till_save(read, shop=le_local.shop, file_name="z.csv", digest="x", by=None)
    assert not Sale.objects.exists()


def test_a_file_the_tabular_reader_refuses_is_reported_in_its_words(le_local: Any, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert till.till_read(empty, shop=le_local.shop).problems == [(None, "", "le fichier est vide")]


def test_a_sale_entered_by_hand_is_priced_from_the_catalogue_and_a_refund_is_negative(le_local: Any) -> None:
    sale = services.sale_record(shop=le_local.shop, product=le_local.fourme, sold_on=MARCH[0], quantity=D("1.5"))
    assert sale.amount == D("9.60") and sale.seller == le_local.associate
    refund = services.sale_record(shop=le_local.shop, product=le_local.butter, sold_on=MARCH[0], quantity=D("-1"))
    assert refund.amount == D("-3.90")
    with pytest.raises(ValidationError):
        services.sale_record(shop=le_local.shop, product=le_local.butter, sold_on=MARCH[0], quantity=D("0"))


def test_an_associate_pays_no_commission_unless_the_shop_sets_one(le_local: Any) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.fourme, sold_on=MARCH[0], quantity=D("2"))
    statement = services.statement_of(seller=le_local.associate, first=MARCH[0], last=MARCH[1])
    assert (statement.gross, statement.commission, statement.due) == (D("12.80"), D("0.00"), D("12.80"))


def test_a_depositors_own_rate_replaces_the_default(le_local: Any, territory: Any) -> None:
    # A rate changes through the service, from today on (setting the field alone no longer changes statements).
    services.seller_update(seller=le_local.depositor, kind="depositor", commission_rate=D("0.20"))
    today = timezone.localdate()
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=today, quantity=D("3"))
    assert services.statement_of(seller=le_local.depositor, first=today, last=today).commission == D("5.10")


def test_a_shop_is_a_place_of_the_producers_shop_kind(territory: Any, le_local: Any) -> None:
    with pytest.raises(ValidationError):
        services.shop_create(place=territory.ambert_market, owner=le_local.sas)


def test_the_seasonal_table_shows_each_products_months_and_its_gaps(le_local: Any) -> None:
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 1, 10), quantity=D("1"))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=dt.date(2026, 3, 10), quantity=D("2"))
    services.sale_record(shop=le_local.shop, product=le_local.fourme, sold_on=dt.date(2026, 2, 10), quantity=D("1"))
    season = services.seasonal(shop=le_local.shop, last=dt.date(2026, 3, 31), months=3)
    assert season.months == [(2026, 1), (2026, 2), (2026, 3)]
    rows = {name: cells for name, _producer, cells in season.rows}
    assert rows["Miel de châtaignier 500 g"] == [D("8.50"), None, D("17.00")]
    assert rows["Fourme d'Ambert AOP 250 g"] == [None, D("6.40"), None]
    assert [str(total) for total in season.totals] == ["8.50", "6.40", "17.00"]  # cents, not float sums
    assert season.totals == [D("8.50"), D("6.40"), D("17.00")]


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Any:
    """The worker's task runs when the rota's transaction commits."""
    return django_capture_on_commit_callbacks


def rota_setup(le_local: Any, people: Any) -> None:
    """Two openings a week of 4 h, one person each; Claire and Hugo's farm-mate Marc share them."""
    shop = le_local.shop
    services.opening_slot_add(shop=shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)
    services.opening_slot_add(shop=shop, weekday=5, starts=dt.time(9), ends=dt.time(13), needed=1)
    services.rota_member_save(shop=shop, seller=le_local.associate, name="Marc", user=people.hugo)


def test_a_rota_is_computed_on_the_worker_and_stored_as_shifts(le_local: Any, people: Any, on_commit: Any) -> None:
    rota_setup(le_local, people)
    with on_commit(execute=True):
        rota = services.rota_request(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, by=le_local.florent)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.OPTIMAL
    shifts = list(Shift.objects.filter(rota=rota))
    assert len(shifts) == 4
    assert {s.member.name: sum(1 for t in shifts if t.member == s.member) for s in shifts} == {"Claire": 2, "Marc": 2}
    assert rota.max_deviation == 0
    calendar = services.rota_ical(rota, le_local.claire).decode()
    assert calendar.count("BEGIN:VEVENT") == 2 and "Claire" in calendar


def test_an_impossible_rota_says_which_opening_cannot_be_staffed(le_local: Any, people: Any, on_commit: Any) -> None:
    rota_setup(le_local, people)
    for member in le_local.shop.rota_members.all():
        services.absence_add(member=member, first_day=dt.date(2026, 3, 7), last_day=dt.date(2026, 3, 7))
    with on_commit(execute=True):
        rota = services.rota_request(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, by=le_local.florent)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.INFEASIBLE
    texts = [services.reason_text(r) for r in rota.reasons]
    assert texts == [
        "L’ouverture du 07/03/2026 9 h–13 h ne peut pas être tenue "
        "(personnes nécessaires\u202f: 1, manquantes\u202f: 1). "
        "Disponibles\u202f: personne (les autres sont absents, pas disponibles à cette heure-là ou déjà pris ailleurs)."
    ]


def test_a_rota_starts_on_a_monday(le_local: Any, people: Any) -> None:
    rota_setup(le_local, people)
    with pytest.raises(ValidationError):
        services.rota_request(shop=le_local.shop, first_day=dt.date(2026, 3, 3), weeks=2, by=le_local.florent)


def test_a_shift_changes_hands_only_when_the_other_accepts(
    le_local: Any, people: Any, on_commit: Any, mailoutbox: Any
) -> None:
    rota_setup(le_local, people)
    with on_commit(execute=True):
        rota = services.rota_request(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=2, by=le_local.florent)
    shift = Shift.objects.filter(rota=rota, member=le_local.claire).first()
    assert shift is not None
    marc = le_local.shop.rota_members.get(name="Marc")
    with pytest.raises(ValidationError):
        services.swap_ask(shift=shift, to=marc, by=people.hugo)  # not Hugo's shift to offer
    with on_commit(execute=True):
        swap = services.swap_ask(shift=shift, to=marc, by=people.claire)
    assert [m.to for m in mailoutbox] == [["hugo@durolle.example.org"]]  # Marc is Hugo's account here
    assert "Claire" in mailoutbox[0].subject and rota.get_absolute_url() in mailoutbox[0].body
    shift.refresh_from_db()
    assert shift.member == le_local.claire  # nothing changes before the answer
    with pytest.raises(ValidationError):
        services.swap_answer(swap=swap, accept=True, by=people.claire)  # Claire cannot accept for Marc
    with on_commit(execute=True):
        services.swap_answer(swap=swap, accept=True, by=people.hugo)
    assert mailoutbox[-1].to == ["claire@monts-du-forez.example.org"] and "Marc" in mailoutbox[-1].subject
    shift.refresh_from_db()
    assert shift.member == marc
    assert Swap.objects.get(pk=swap.pk).status == SwapStatus.ACCEPTED
    with pytest.raises(ValidationError):
        services.swap_answer(swap=swap, accept=False, by=people.hugo)


def test_a_failed_worker_leaves_the_rota_failed(le_local: Any, people: Any, monkeypatch: Any) -> None:
    from terroir.lib.tasks import TaskLimitExceeded
    from terroir.shops import tasks

    rota_setup(le_local, people)
    rota = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1)

    def over(*args: Any, **kwargs: Any) -> None:
        raise TaskLimitExceeded("memory")

    monkeypatch.setattr(tasks, "supervised", over)
    tasks.rota_compute.call(rota.pk)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.FAILED and "memory" in rota.error


def test_a_statement_as_csv_and_pdf(le_local: Any) -> None:
    from terroir.shops import documents

    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=MARCH[0], quantity=D("3"))
    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=MARCH[0], quantity=D("-1"))
    statement = services.statement_of(seller=le_local.depositor, first=MARCH[0], last=MARCH[1])
    text = documents.statement_csv(le_local.depositor, statement, *MARCH)
    assert "Miel de châtaignier 500 g;2;17.00;-8.50" in text
    assert "Commission;4.25" in text and "Montant dû;12.75" in text  # the tests run in French
    pdf = documents.statement_pdf(le_local.depositor, statement, *MARCH)
    assert pdf.startswith(b"%PDF") and b"WinAnsiEncoding" in pdf
    # The figures and colons as the pages write them, in the reader's language: no-break spaces in French
    # (the core fonts lack the narrow one; fpdf2 draws the no-break space of a wrapped text or a table's cell
    # as a plain one, without breaking there), none in English.
    shown = pdf_strings(pdf)
    assert "Montant dû" in shown and "12,75\u00a0€" in shown and "Taux de commission\u00a0: 25\u00a0%" in shown
    assert [s for s in shown if " :" in s] == [] and "17,00 €" in shown  # a table cell: see above
    with translation.override("en"):
        shown = pdf_strings(documents.statement_pdf(le_local.depositor, statement, *MARCH))
    assert "Amount due" in shown and "€12.75" in shown and "Commission rate: 25%" in shown


def test_a_rota_whose_worker_died_is_failed_by_the_reaper(le_local: Any, monkeypatch: Any) -> None:
    from terroir.directory import background
    from terroir.shops import tasks

    lost = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 2), weeks=1, status=RotaStatus.RUNNING,
                               worker="host:1234", started_at=dt.datetime.now(dt.UTC))  # fmt: skip
    alive = Rota.objects.create(shop=le_local.shop, first_day=dt.date(2026, 3, 9), weeks=1, status=RotaStatus.RUNNING,
                                worker="host:5678", started_at=dt.datetime.now(dt.UTC))  # fmt: skip
    monkeypatch.setattr(background, "worker_alive", lambda label: label != "host:1234")
    assert tasks.rotas_reap() == 1
    lost.refresh_from_db()
    alive.refresh_from_db()
    assert (lost.status, alive.status) == (RotaStatus.FAILED, RotaStatus.RUNNING)


def test_merging_two_producers_that_both_sell_in_the_shop_keeps_their_sales(le_local: Any, territory: Any) -> None:
    from terroir.directory.references import entry_merge

    services.sale_record(shop=le_local.shop, product=le_local.honey, sold_on=MARCH[0], quantity=D("2"))
    services.sale_record(shop=le_local.shop, product=le_local.fourme, sold_on=MARCH[0], quantity=D("1"))
    entry_merge(entry=territory.honey_farm, into=territory.cheese_farm)
    sellers = list(le_local.shop.sellers.order_by("pk"))
    assert [s.actor_id for s in sellers] == [territory.cheese_farm.pk] * 2
    assert Sale.objects.filter(shop=le_local.shop).count() == 2
    with pytest.raises(ValidationError):
        services.seller_add(shop=le_local.shop, actor=territory.cheese_farm, kind="depositor")
