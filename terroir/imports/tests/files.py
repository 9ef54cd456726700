"""What several import test modules read: a mapping they share (one text, not a copy per module) and the
CSV file written from rows given as dictionaries."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

# Markets of the Puy-de-Dôme: one row a market, its position given (no geocoding).
MARKETS = """
[source]
name = "marches-63"
label = "Marchés du Puy-de-Dôme"
ref = "id"

[fields]
name = "nom"
postcode = "cp"
commune = "commune"
lat = "lat"
lon = "lon"

[constants]
kind = "market"
"""


def csv_written(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """`rows` as a CSV file at `path`, their keys (the first row's) as its header."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
