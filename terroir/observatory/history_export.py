"""The histories as the API's `/indicators/…` downloads: a territory's indicators (one or all) and a
commune's figures, read from what `objectives.territory_history` and `commune_history.commune_history_json`
already build (nothing is computed twice), written as CSV for French spreadsheets: semicolons, decimal
commas, UTF-8 with BOM, an empty cell where there is no data, formula-safe cells (lib.spreadsheet).
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from terroir.directory.models import Commune
from terroir.directory.search import InvalidParameter
from terroir.lib import spreadsheet
from terroir.lib.messages import quoted

from . import registry
from .models import Territory
from .objectives import territory_history

HISTORY_COLUMNS = ("period", "key", "label", "value", "unit", "target", "target_year")
COMMUNE_COLUMNS = ("period", "commune", "key", "label", "value", "unit")


def key_parse(value: Any) -> str | None:
    """`key=<indicator key>`: one of the registry's (None: every indicator)."""
    key = str(value or "").strip()
    if not key:
        return None
    if registry.indicator_get(key) is None:
        raise InvalidParameter("key", _("unknown indicator %(value)s") % {"value": quoted(key, _)})
    return key


def commune_parse(territory: Territory, value: Any) -> Commune:
    """`commune=<INSEE code>`: one of the territory's communes."""
    code = str(value or "").strip()
    if not code:
        raise InvalidParameter("commune", _("give a commune (its INSEE code)"))
    commune = territory.communes.filter(code=code).first()
    if commune is None:
        raise InvalidParameter(
            "commune", _("%(value)s is not a commune of the territory %(territory)s")
            % {"value": quoted(code, _), "territory": territory.slug},
        )  # fmt: skip
    return commune


def history_of(territory: Territory, key: str | None) -> dict[str, Any]:
    """territory_history, limited to one indicator (and its objectives) when `key` is given."""
    found = territory_history(territory)
    if key is not None:
        found["indicators"] = [i for i in found["indicators"] if i["key"] == key]
        found["objectives"] = [o for o in found["objectives"] if o["indicator"] == key]
    return found


def _cell(value: Any) -> Any:
    # French spreadsheets read "45,5" as a number and "45.5" as text or a date.
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",")
    return value


def _targets(objectives: list[dict[str, Any]]) -> dict[str, tuple[float, int]]:
    # An indicator with several numeric objectives: the nearest deadline is the one a row is read against.
    found: dict[str, tuple[float, int]] = {}
    for objective in sorted(objectives, key=lambda o: o["year"]):
        if objective["indicator"] and objective["target"] is not None:
            found.setdefault(objective["indicator"], (objective["target"], objective["year"]))
    return found


def history_csv(figures: Mapping[str, Any]) -> str:
    """history_of as CSV, one snapshot a line, with the indicator's target and its year when one is set."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HISTORY_COLUMNS)
    targets = _targets(figures["objectives"])
    for indicator in figures["indicators"]:
        target, year = targets.get(indicator["key"], (None, None))
        for point in indicator["history"]:
            writer.writerow([
                point["period"], indicator["key"], indicator["label"], _cell(point["value"]), indicator["unit"],
                _cell(target), _cell(year),
            ])  # fmt: skip
    return out.getvalue()


def commune_history_csv(figures: Mapping[str, Any]) -> str:
    """commune_history_json as CSV, one figure of one month a line."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COMMUNE_COLUMNS)
    code = figures["commune"]
    for figure in figures["figures"]:
        for point in figure["history"]:
            value = _cell(point["value"])
            writer.writerow([point["period"], code, figure["key"], figure["label"], value, figure["unit"]])
    return out.getvalue()
