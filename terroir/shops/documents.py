"""A depositor's statement, and each correcting statement, as CSV and PDF (fpdf2: pure Python, no system
library, a small page of text and a table)."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from django.utils.translation import gettext as _
from fpdf import FPDF

from terroir.directory import numbers
from terroir.lib import spreadsheet
from terroir.lib.pdf import latin

from .models import Sale, Seller
from .services import StatementPart, late_reason
from .settlement import Statement


def rates_text(statement: Statement) -> str:
    """The statement's rate, or its rates with the sales at each when the rate changed within the period."""
    if len(statement.parts) < 2:
        return numbers.rate(statement.rate)
    return ", ".join(
        _("%(rate)s on %(sales)s") % {"rate": numbers.rate(part.rate), "sales": numbers.money(part.gross)}
        for part in statement.parts
    )


def _csv_head(writer: spreadsheet.SafeWriter, seller: Seller, first: datetime.date, last: datetime.date) -> None:
    writer.writerow([_("Shop"), seller.shop.place.name])
    writer.writerow([_("Producer"), seller.actor.name])
    writer.writerow([_("Period"), first.isoformat(), last.isoformat()])


def _csv_rates(writer: spreadsheet.SafeWriter, statement: Statement) -> None:
    if len(statement.parts) > 1:  # the rate changed within the period: each rate with its sales
        for part in statement.parts:
            writer.writerow([_("Commission rate"), str(part.rate), _("on sales of"), str(part.gross)])
    else:
        writer.writerow([_("Commission rate"), str(statement.rate)])


def _csv_figures(writer: spreadsheet.SafeWriter, statement: Statement) -> None:
    writer.writerow([])
    writer.writerow([_("Sales"), str(statement.gross)])
    writer.writerow([_("Commission"), str(statement.commission)])
    writer.writerow([_("Amount due"), str(statement.due)])


def statement_csv(seller: Seller, statement: Statement, first: datetime.date, last: datetime.date) -> str:
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    _csv_head(writer, seller, first, last)
    _csv_rates(writer, statement)
    writer.writerow([])
    writer.writerow([_("Product"), _("Quantity"), _("Sales"), _("of which refunds")])
    for row in statement.products:
        writer.writerow([row.product, str(row.quantity.normalize()), str(row.amount), str(row.refunds)])
    _csv_figures(writer, statement)
    return "\ufeff" + buffer.getvalue()


def _sent_day(part: StatementPart) -> datetime.date | None:
    return timezone.localdate(part.send.sent_at) if part.send is not None else None


def correction_csv(seller: Seller, part: StatementPart, number: int, first: datetime.date, last: datetime.date) -> str:
    """A correcting statement (`number`, from 1) of a period: the sales recorded after the previous send, one
    line each (when sold, how it came: a till file or by hand, and when), and their figures. Once sent it
    is drawn as sent, as the statement is."""
    assert part.previous is not None, "a correcting statement follows a send"
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    _csv_head(writer, seller, first, last)
    writer.writerow([_("Correcting statement"), number])
    writer.writerow([_("Correcting the statement sent on"), timezone.localdate(part.previous.sent_at).isoformat()])
    sent = _sent_day(part)
    writer.writerow([_("Sent on"), sent.isoformat() if sent else _("not sent yet")])
    writer.writerow([_("Why"), late_reason(part)])
    _csv_rates(writer, part.statement)
    writer.writerow([])
    writer.writerow([_("Product"), _("Date"), _("Quantity"), _("Sales"), _("Recorded"), _("Till file")])
    for sale in part.late:
        writer.writerow([sale.product.name, sale.sold_on.isoformat(), str(sale.quantity.normalize()),
                         str(sale.amount), timezone.localdate(sale.recorded_at).isoformat(),
                         sale.till_import.file_name if sale.till_import else ""])  # fmt: skip
    _csv_figures(writer, part.statement)
    return "\ufeff" + buffer.getvalue()


def _pdf_start(title: str, heading: str, last: datetime.date) -> FPDF:
    pdf = FPDF(format="A4")
    # The core fonts with Windows-1252 (WinAnsiEncoding): French letters, the euro sign and dashes.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(latin(title))
    pdf.set_creator("Terroir")
    # Dated by its period, not by when it is drawn: the same statement drawn again is the same file.
    pdf.set_creation_date(datetime.datetime.combine(last, datetime.time(12), tzinfo=datetime.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 9, latin(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    return pdf


def _pdf_facts(pdf: FPDF, facts: list[tuple[str, str]]) -> None:
    for label, value in facts:
        # The figures and the label's colon as the pages write them, in the reader's language.
        pdf.cell(0, 7, latin(f"{label}{_(':')} {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)


def _pdf_end(pdf: FPDF, statement: Statement) -> bytes:
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 11)
    figures = [(_("Sales"), statement.gross), (_("Commission"), statement.commission), (_("Amount due"), statement.due)]
    for name, amount in figures:
        pdf.cell(60, 7, latin(name))
        pdf.cell(40, 7, latin(numbers.money(amount)), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "", 8)
    pdf.multi_cell(0, 4, latin(_(
        "The commission is computed once on the period's sales and rounded to the cent, half up; the amount "
        "due is the sales less the commission."
    )))  # fmt: skip
    return bytes(pdf.output())


def _facts(seller: Seller, statement: Statement, first: datetime.date, last: datetime.date) -> list[tuple[str, str]]:
    return [
        (_("Shop"), seller.shop.place.name),
        (_("Producer"), seller.actor.name),
        (_("Period"), f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"),
        (_("Commission rate"), rates_text(statement)),
    ]


def statement_pdf(seller: Seller, statement: Statement, first: datetime.date, last: datetime.date) -> bytes:
    pdf = _pdf_start(_("Statement"), _("Consignment statement"), last)
    _pdf_facts(pdf, _facts(seller, statement, first, last))
    pdf.set_font("helvetica", "", 10)
    with pdf.table(col_widths=(90, 25, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([latin(_("Product")), latin(_("Quantity")), latin(_("Sales")), latin(_("of which refunds"))])
        for row in statement.products:
            table.row([latin(row.product), latin(numbers.figure(row.quantity)), latin(numbers.money(row.amount)),
                       latin(numbers.money(row.refunds))])  # fmt: skip
    return _pdf_end(pdf, statement)


def _recorded(sale: Sale) -> str:
    day = timezone.localdate(sale.recorded_at).strftime("%d/%m/%Y")
    if sale.till_import is not None:
        return _("till file %(file)s, %(date)s") % {"file": sale.till_import.file_name, "date": day}
    return _("by hand, %(date)s") % {"date": day}


def correction_pdf(
    seller: Seller, part: StatementPart, number: int, first: datetime.date, last: datetime.date
) -> bytes:
    """A correcting statement as PDF: what the CSV gives, on one page (the late sales, one line each)."""
    assert part.previous is not None, "a correcting statement follows a send"
    heading = _("Correcting statement no. %(n)s") % {"n": number}
    pdf = _pdf_start(heading, heading, last)
    sent = _sent_day(part)
    _pdf_facts(pdf, [
        *_facts(seller, part.statement, first, last),
        (_("Correcting the statement sent on"), timezone.localdate(part.previous.sent_at).strftime("%d/%m/%Y")),
        (_("Sent on"), sent.strftime("%d/%m/%Y") if sent else _("not sent yet")),
    ])  # fmt: skip
    pdf.set_font("helvetica", "", 9)
    pdf.multi_cell(0, 5, latin(late_reason(part)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font("helvetica", "", 10)
    widths, align = (60, 22, 22, 28, 58), ("LEFT", "LEFT", "RIGHT", "RIGHT", "LEFT")
    with pdf.table(col_widths=widths, text_align=align) as table:
        table.row(
            [latin(_("Product")), latin(_("Date")), latin(_("Quantity")), latin(_("Sales")), latin(_("Recorded"))]
        )
        for sale in part.late:
            cells = (sale.product.name, sale.sold_on.strftime("%d/%m/%Y"), numbers.figure(sale.quantity),
                     numbers.money(sale.amount), _recorded(sale))  # fmt: skip
            table.row([latin(cell) for cell in cells])
    return _pdf_end(pdf, part.statement)
