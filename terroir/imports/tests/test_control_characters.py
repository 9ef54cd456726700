"""Imported names hold one line: line breaks fold into spaces, other control characters are removed and
reported on the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from terroir.imports.mapping import mapping_parse
from terroir.imports.read import records_read

from .test_read import FARMS_MAPPING, ROWS, write_csv

pytestmark = pytest.mark.django_db


def test_control_characters_in_an_imported_name_are_removed_and_reported(tmp_path: Path, territory: object) -> None:
    rows = [
        ["C1", "Ferme\x1b[31m des\x7f Monts\r\ndu Forez", *ROWS[0][2:]],
        ["C2", "Marché\nde Thiers", *ROWS[1][2:]],
    ]
    records = {r.ref: r for r in records_read(write_csv(tmp_path / "controls.csv", rows), mapping_parse(FARMS_MAPPING))}
    assert records["C1"].name == "Ferme [31m des Monts du Forez"
    assert [(p.field, p.message, p.fatal) for p in records["C1"].problems] == [
        ("name", "caractères de contrôle retirés", False)
    ]
    assert records["C2"].name == "Marché de Thiers" and records["C2"].problems == []
