"""The totals' PDF writes its figures as the pages do (numbers.money, numbers.figure) and its labels with
the language's colon."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from django.utils import translation

from terroir.lib.tests.pdf_text import pdf_strings
from terroir.solidarity import documents
from terroir.solidarity.shares import Total

TOTAL = Total(key="all", orders={1, 2}, quantities={"kg": D("1250.5"), "piece": D("12")}, amount=D("2345.60"),
              partner=D("1172.80"), grocery_share=D("1172.80"))  # fmt: skip
TABLES = [documents.Table("Per grocery", [("Épicerie solidaire d’Ambert", TOTAL)], TOTAL)]


def test_the_totals_pdf_writes_the_figures_and_the_colons_of_the_readers_language() -> None:
    first, last = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    with translation.override("fr"):
        text = pdf_strings(documents.totals_pdf("Totaux", [("Budget", "5\u202f000,00\u00a0€")], first, last, TABLES))
    assert "Budget\u00a0: 5\u00a0000,00\u00a0€" in text and "Période\u00a0: 01/03/2026 – 31/03/2026" in text
    # A table's cell: fpdf2 draws its no-break spaces as plain ones (without breaking there).
    assert "1 250,5" in text and "2 345,60 €" in text and "Épicerie solidaire d’Ambert" in text
    with translation.override("en"):
        text = pdf_strings(documents.totals_pdf("Totals", [("Budget", "€5,000.00")], first, last, TABLES))
    assert "Budget: €5,000.00" in text and "1,250.5" in text and "€2,345.60" in text
