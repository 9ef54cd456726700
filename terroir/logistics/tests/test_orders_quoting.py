"""An orders spreadsheet's problems quote what its author wrote the way the reader's language quotes —
« Ferme inconnue » in French, “Ferme inconnue” in English — never as Python writes it ('Ferme inconnue'):
the same helper as the directory imports' (lib.messages.quoted, `%(name)r` in a template)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from terroir.logistics.orders_import import orders_read

from .test_planner import WEEK, make_week

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"
ROWS = (
    "producteur,client,kg,jours,enlevement,froid,type\n"
    "Ferme inconnue,Cantine de Thiers,10,mar,,non,\n"  # line 2: a producer no one knows
    "{farm},Cantine de Thiers,lourd,jamais,25h,peut-être,\n"  # line 3: a weight, a day, a time, a yes/no
    "{farm},Magasin Les Volcans,10,mar,,,téléportation\n"  # line 4: a kind
)


@pytest.mark.parametrize(("language", "opens", "closes"), [("fr", f"«{NBSP}", f"{NBSP}»"), ("en", "“", "”")])
def test_the_values_of_an_orders_file_are_quoted_in_the_reader_s_language(
    territory: Any, tmp_path: Path, language: str, opens: str, closes: str
) -> None:
    farm = make_week(territory)["farms"][0].name
    path = tmp_path / "commandes.csv"
    path.write_text(ROWS.format(farm=farm), encoding="utf-8")
    with translation.override(language):
        read = orders_read(path, week=WEEK)
    said = {(line, column): message for line, column, message in read.problems}
    for where, value in [
        ((2, "producer"), "Ferme inconnue"),
        ((3, "kg"), "lourd"),
        ((3, "days"), "jamais"),
        ((3, "pickup"), "25h"),
        ((3, "cold"), "peut-être"),
        ((4, "kind"), "téléportation"),
    ]:
        assert f"{opens}{value}{closes}" in said[where], (where, said[where])
        assert f"'{value}'" not in said[where]


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "véhicule van\u202f: dépôt inconnu «\u00a0nowhere\u00a0»"), ("en", "vehicle van: unknown depot “nowhere”")],
)
def test_the_planner_s_refusal_quotes_the_id_it_names_in_the_reader_s_language(language: str, said: str) -> None:
    from terroir.logistics.routing import ProblemError
    from terroir.logistics.views import _problem_text

    error = ProblemError("vehicle %(vehicle)s: unknown depot %(depot)r", vehicle="van", depot="nowhere")
    with translation.override(language):
        assert _problem_text(error) == said


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_orders_page_says_each_problem_on_the_column_as_the_file_names_it(
    client: Any, people: Any, territory: Any, language: str
) -> None:
    """The file's columns are French ("froid", "jours"): the page named them by the platform's English keys
    ("cold", "days"), a word of neither the file nor the page."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    farm = make_week(territory)["farms"][0].name
    client.force_login(people.camille)
    content = ROWS.format(farm=farm).replace("froid", "Froid").encode()
    page = client.post(
        "/logistics/orders/import/", {"week": WEEK.isoformat(), "file": SimpleUploadedFile("commandes.csv", content)},
        headers={"accept-language": language},
    ).content.decode()  # fmt: skip
    cells = [cell for cell in page.split("<td>")[1:] if "</td>" in cell]
    columns = {cell.split("</td>", 1)[0] for cell in cells}
    assert {"producteur", "kg", "jours", "enlevement", "Froid", "type"} <= columns, columns
    assert not columns & {"producer", "days", "pickup", "cold", "kind"}, columns
