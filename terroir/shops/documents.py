"""A depositor's statement as CSV and PDF (fpdf2: pure Python, no system library, a small page of text
and a table)."""

from __future__ import annotations

import datetime
import io

from django.utils.translation import gettext as _
from fpdf import FPDF

from terroir.directory import numbers
from terroir.lib import spreadsheet
from terroir.lib.pdf import latin

from .models import Seller
from .settlement import Statement


def rates_text(statement: Statement) -> str:
    """The statement's rate, or its rates with the sales at each when the rate changed within the period."""
    if len(statement.parts) < 2:
        return numbers.rate(statement.rate)
    return ", ".join(
        _("%(rate)s on %(sales)s") % {"rate": numbers.rate(part.rate), "sales": numbers.money(part.gross)}
        for part in statement.parts
    )


def statement_csv(seller: Seller, statement: Statement, first: datetime.date, last: datetime.date) -> str:
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    writer.writerow([_("Shop"), seller.shop.place.name])
    writer.writerow([_("Producer"), seller.actor.name])
    writer.writerow([_("Period"), first.isoformat(), last.isoformat()])
    if len(statement.parts) > 1:  # the rate changed within the period: each rate with its sales
        for part in statement.parts:
            writer.writerow([_("Commission rate"), str(part.rate), _("on sales of"), str(part.gross)])
    else:
        writer.writerow([_("Commission rate"), str(statement.rate)])
    writer.writerow([])
    writer.writerow([_("Product"), _("Quantity"), _("Sales"), _("of which refunds")])
    for row in statement.products:
        writer.writerow([row.product, str(row.quantity.normalize()), str(row.amount), str(row.refunds)])
    writer.writerow([])
    writer.writerow([_("Sales"), str(statement.gross)])
    writer.writerow([_("Commission"), str(statement.commission)])
    writer.writerow([_("Amount due"), str(statement.due)])
    return "\ufeff" + buffer.getvalue()


def statement_pdf(seller: Seller, statement: Statement, first: datetime.date, last: datetime.date) -> bytes:
    pdf = FPDF(format="A4")
    # The core fonts with Windows-1252 (WinAnsiEncoding): French letters, the euro sign and dashes.
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(latin(_("Statement")))
    pdf.set_creator("Terroir")
    # Dated by its period, not by when it is drawn: the same statement drawn again is the same file.
    pdf.set_creation_date(datetime.datetime.combine(last, datetime.time(12), tzinfo=datetime.UTC))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 9, latin(_("Consignment statement")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    for label, value in (
        (_("Shop"), seller.shop.place.name),
        (_("Producer"), seller.actor.name),
        (_("Period"), f"{first:%d/%m/%Y} – {last:%d/%m/%Y}"),
        (_("Commission rate"), rates_text(statement)),
    ):
        # The figures and the label's colon as the pages write them, in the reader's language.
        pdf.cell(0, 7, latin(f"{label}{_(':')} {value}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "", 10)
    with pdf.table(col_widths=(90, 25, 35, 35), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        table.row([latin(_("Product")), latin(_("Quantity")), latin(_("Sales")), latin(_("of which refunds"))])
        for row in statement.products:
            table.row([latin(row.product), latin(numbers.figure(row.quantity)), latin(numbers.money(row.amount)),
                       latin(numbers.money(row.refunds))])  # fmt: skip
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
