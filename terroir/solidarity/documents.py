"""The totals of a programme, a grocery or a producer over a period as CSV and PDF (fpdf2, as the shops'
statements): a few lines saying whose figures and which period, then one table per grouping."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from fpdf import FPDF

from terroir.directory import numbers
from terroir.lib import spreadsheet
from terroir.lib.pdf import latin

from .shares import Total


@dataclass
class Table:
    title: str
    rows: list[tuple[str, Total]]
    total: Total


def quantity(value: Decimal) -> str:
    return numbers.figure(value) if value else "–"


def _headers() -> list[str]:
    return [_("Name"), _("Orders"), _("kg"), _("litres"), _("units"), _("Amount"), _("Partner's share"),
            _("Grocery's share")]  # fmt: skip


def _cells(name: str, total: Total, *, text: bool) -> list[str]:
    amounts = (total.amount, total.partner, total.grocery_share)
    units = [total.quantities.get(unit, Decimal(0)) for unit in ("kg", "l", "piece")]
    if text:  # the CSV: plain numbers a spreadsheet reads
        return [name, str(total.order_count), *(str(u.normalize()) for u in units), *(str(a) for a in amounts)]
    return [name, str(total.order_count), *(quantity(u) for u in units), *(numbers.money(a) for a in amounts)]


def totals_csv(heading: list[tuple[str, str]], first: datetime.date, last: datetime.date, tables: list[Table]) -> str:
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    for label, value in heading:
        writer.writerow([label, value])
    writer.writerow([_("Period"), first.isoformat(), last.isoformat()])
    for table in tables:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(_headers())
        for name, total in table.rows:
            writer.writerow(_cells(name, total, text=True))
        writer.writerow(_cells(_("Total"), table.total, text=True))
    return "\ufeff" + buffer.getvalue()


def totals_pdf(title: str, heading: list[tuple[str, str]], first: datetime.date, last: datetime.date,
               tables: list[Table]) -> bytes:  # fmt: skip
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.core_fonts_encoding = "windows-1252"
    pdf.set_title(latin(title))
    pdf.set_creator("Terroir")
    pdf.add_page()
    pdf.set_font("helvetica", "B", 15)
    pdf.cell(0, 9, latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 11)
    for label, value in [*heading, (_("Period"), f"{first:%d/%m/%Y} – {last:%d/%m/%Y}")]:
        pdf.cell(0, 7, latin(f"{label}{_(':')} {value}"), new_x="LMARGIN", new_y="NEXT")
    for table in tables:
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 12)
        pdf.cell(0, 8, latin(table.title), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "", 9)
        with pdf.table(col_widths=(80, 18, 20, 20, 20, 38, 38, 38),
                       text_align=("LEFT", *("RIGHT",) * 7)) as grid:  # fmt: skip
            grid.row([latin(h) for h in _headers()])
            for name, total in table.rows:
                grid.row([latin(cell) for cell in _cells(name, total, text=False)])
            grid.row([latin(cell) for cell in _cells(_("Total"), table.total, text=False)])
    pdf.ln(4)
    pdf.set_font("helvetica", "", 8)
    pdf.multi_cell(0, 4, latin(_(
        "Delivered orders of the period, by the day they were delivered, at the quantities delivered. Each "
        "line's partner share is rounded to the cent, half up; the grocery pays the rest of the line."
    )))  # fmt: skip
    return bytes(pdf.output())
