"""A till export's problems quote what the till wrote the way the reader's language quotes — « CONFITURE »
in French, “CONFITURE” in English — never as Python writes it ('CONFITURE'): the same helper as the
imports' (lib.messages.quoted, `%(name)r` in a template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from terroir.shops import till

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


@pytest.mark.parametrize(("language", "opens", "closes"), [("fr", f"«{NBSP}", f"{NBSP}»"), ("en", "“", "”")])
def test_the_values_of_a_till_export_are_quoted_in_the_reader_s_language(
    le_local: Any, tmp_path: Path, language: str, opens: str, closes: str
) -> None:
    path = tmp_path / "z.csv"
    path.write_text(
        "Date;Ticket;Code article;Libellé;Quantité;Prix unitaire TTC;Montant TTC\n"
        "03/03/2026;T2;CONFITURE;Confiture de myrtilles;1;5,00;5,00\n"  # line 2: a code the shop does not sell
        "32/03/2026;T3;MIEL-500;Miel;deux;8,50;17,00\n",  # line 3: a date, a quantity
        encoding="utf-8",
    )
    with translation.override(language):
        read = till.till_read(path, shop=le_local.shop)
    said = {(line, column): message for line, column, message in read.problems}
    for where, value in [((2, "code"), "CONFITURE"), ((3, "date"), "32/03/2026"), ((3, "quantity"), "deux")]:
        assert f"{opens}{value}{closes}" in said[where], (where, said[where])
        assert f"'{value}'" not in said[where]


def test_the_sales_page_says_each_problem_on_the_column_as_the_till_names_it(client: Any, le_local: Any) -> None:
    """The till's columns are "Code article", "Quantité": the page named them by the platform's English
    keys ("code", "quantity") inside a French sentence."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(le_local.florent)
    content = (
        "Date;Ticket;Code article;Libellé;Quantité;Prix unitaire TTC;Montant TTC\n"
        "03/03/2026;T2;CONFITURE;Confiture de myrtilles;1;5,00;5,00\n"
        "32/03/2026;T3;MIEL-500;Miel;deux;8,50;17,00\n"
    ).encode()
    page = client.post(
        f"/shops/{le_local.shop.pk}/sales/", {"upload": "1", "file": SimpleUploadedFile("z.csv", content)},
        headers={"accept-language": "fr"},
    ).content.decode()  # fmt: skip
    for said in ("ligne 2, Code article", "ligne 3, Date", "ligne 3, Quantité"):
        assert said in page, said
    assert "ligne 3, quantity" not in page and "ligne 2, code\u202f:" not in page
