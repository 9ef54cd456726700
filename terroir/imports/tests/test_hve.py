"""The ready-made `hve` mapping on the official list of HVE-certified farms: an excerpt of the real file
(samples/hve_annuaire_excerpt.csv, PROVENANCE.md), its .xlsx form as the ministry publishes it, and the
whole real list when ../shared is beside the repository."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from terroir.imports.mapping import mapping_load
from terroir.imports.read import records_checked
from terroir.imports.sources import shipped_mappings

SAMPLES = Path(__file__).resolve().parent / "samples"
EXCERPT = SAMPLES / "hve_annuaire_excerpt.csv"
ROOT = Path(__file__).resolve().parents[3]
SHARED = (ROOT.parent / "shared", ROOT.parent.parent / "shared")
REAL = next((p / "data" / "real" / "directories" for p in SHARED if p.is_dir()), None)


@pytest.fixture
def hve(territory):  # the taxonomy, the labels and the communes are in the database
    return mapping_load(shipped_mappings()["hve"])


def _summary(records) -> list[tuple]:
    return [(r.line, r.record_type, r.name, r.commune, r.categories, r.labels, r.rejected) for r in records]


EXPECTED = [
    (3, "producer", "RUELLE VINCENT", "Montmerle-Sur-Saone", ("wine",), ("hve",), False),
    (4, "producer", "SARL FERME DU TREFLE", "Vandeins", ("beef",), ("hve",), False),
    (4, "place", "SARL FERME DU TREFLE", "Vandeins", ("beef",), ("hve",), False),
    (5, "producer", "GAEC BEL", "Virignin", ("milk",), ("hve",), False),
    (6, "producer", "EARL GRELET", "Cebazat", (), ("hve",), False),
    (7, "producer", "GAEC LAUBANIE", "Perpezat", ("beef",), ("hve",), False),
    (8, "producer", "SAS GUERLOTS", "Villeneuve-Sur-Lot", (), ("hve",), False),
    (9, "producer", "SCEA BEAULIEU", "Varrains", ("wine",), ("hve",), False),
    (10, "place", "SCEA BEAULIEU", "Varrains", ("wine",), ("hve",), False),
]


def test_the_hve_list_gives_certified_producers_and_the_farms_of_those_selling_directly(hve) -> None:
    records = list(records_checked(EXCERPT, hve))
    assert sorted(_summary(records)) == sorted(EXPECTED)
    trefle = next(r for r in records if r.record_type == "place" and r.name == "SARL FERME DU TREFLE")
    assert (trefle.kind, trefle.operator, trefle.precision) == ("farm", records[1].ref, "commune")
    # The second "Activité principale" (under "Activité végétale") is read too: "Grandes Cultures" gives none.
    assert str(next(r for r in records if r.name == "GAEC BEL").verified_at) == "2020-07-08"
    guerlots = next(r for r in records if r.name == "SAS GUERLOTS")
    assert guerlots.verified_at is None
    assert [p.where for p in guerlots.problems if p.field == "verified_at"] == ["Date de certification"]


def test_the_hve_workbook_is_read_from_its_list_sheet_below_its_titles(tmp_path, hve) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    notice = workbook.active
    notice.title = "Notice"
    notice.append(["Annuaire des exploitations certifiées HVE"])
    notice.append(["Seules figurent les exploitations qui ont accepté de figurer sur cet annuaire."])
    sheet = workbook.create_sheet("Liste des exploitation HVE")
    sheet.append(["Annuaire des exploitations HVE"])
    sheet.append(["Janvier 2022"])
    sheet.append([])
    with EXCERPT.open(encoding="utf-8") as raw:
        for row in csv.reader(raw):
            sheet.append([cell or None for cell in row])
    workbook.save(tmp_path / "hve.xlsx")
    records = list(records_checked(tmp_path / "hve.xlsx", hve))
    # The same records, their lines those of the sheet (the header is its 5th row).
    assert sorted(_summary(records)) == sorted((line + 3, *rest) for line, *rest in EXPECTED)


@pytest.mark.skipif(REAL is None or not any(REAL.glob("hve_*.csv")), reason="../shared/data/real is not here")
def test_the_whole_real_hve_list_is_read_with_few_rows_rejected(hve) -> None:
    path = next(REAL.glob("hve_*.csv"))  # type: ignore[union-attr]
    records = list(records_checked(path, hve))
    rows = {r.line for r in records}
    rejected = {r.line for r in records if r.rejected}
    assert len(rows) > 10_000
    # What is left out is a commune that the list names so that no commune can be told (a typo, a former
    # name shared by several): under 1 %.
    assert len(rejected) < len(rows) / 100
    fatal = {p.field for r in records if r.rejected for p in r.problems if p.fatal}
    assert fatal <= {"commune", "postcode", "address"}, fatal
