"""The canteens indicator's rows: each declaration a scope's figures are computed from, as CSV for
spreadsheets (`indicators.canteen_indicator` gives the means and counts of the same rows)."""

from __future__ import annotations

import io
from typing import Any

from terroir.lib import spreadsheet

from . import egalim
from .indicators import Scope, declarations_of

COLUMNS = ("year", "canteen_id", "siret", "name", "insee_code", "commune", "department", "epci", "pat_codes",
           "sector", "organic_share", "egalim_share", "meets_organic_target", "meets_egalim_target")  # fmt: skip


def _share(value: float) -> str:
    return f"{value:.4f}".replace(".", ",")


def canteens_csv(scope: Scope, year: int | None) -> tuple[str, int | None]:
    """The declarations of the scope for the year (the latest declared when none is given), one per row,
    with each canteen's shares and whether it meets the law's targets (compared as the indicator
    compares them); and the year written."""
    rows = declarations_of(scope)
    if year is None:
        year = rows.order_by("-year").values_list("year", flat=True).first()
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    chosen = rows.filter(year=year).order_by("name", "canteen_id") if year is not None else rows.none()
    fields = ("year", "canteen_id", "siret", "name", "insee_code", "commune_id", "department", "epci_code",
              "pat_codes", "sector", "ratio_organic", "ratio_egalim_other")  # fmt: skip
    for values in chosen.values_list(*fields).iterator(chunk_size=5_000):
        row: dict[str, Any] = dict(zip(fields, values, strict=True))
        declared = egalim.Declared(row["ratio_organic"], row["ratio_egalim_other"])
        meets_organic = round(declared.organic, egalim.PRECISION) >= egalim.ORGANIC_TARGET
        meets_egalim = declared.egalim >= egalim.EGALIM_TARGET
        writer.writerow([
            row["year"], row["canteen_id"], row["siret"], row["name"], row["insee_code"], row["commune_id"] or "",
            row["department"], row["epci_code"], row["pat_codes"].strip(","), row["sector"],
            _share(row["ratio_organic"]), _share(declared.egalim),
            int(meets_organic), int(meets_egalim),
        ])  # fmt: skip
    return out.getvalue(), year
