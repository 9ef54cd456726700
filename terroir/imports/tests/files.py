"""What several import test modules read: the mappings they share (one text each, not a copy per module),
the builder that makes a test's mapping from one of them and the test's differences, and the CSV file
written from rows given as dictionaries."""

from __future__ import annotations

import csv
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from terroir.imports.columns import toml_string

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

# A directory whose rows are producers (each with its farm) and markets, told apart by their type.
DIRECTORY = """
[source]
name = "annuaire"
label = "Annuaire"
ref = "code"
record = "place"

[fields]
record = "type"
kind = "type"
name = "nom"
postcode = "cp"
commune = "commune"
lat = "lat"
lon = "lon"

[records]
"Producteur" = "producer+place"
"Marché" = "place"

[kinds]
"Producteur" = "farm"
"Marché" = "market"
"""

# Producers with their SIRET, telephone and products (several in a cell, split by commas).
PRODUCERS = """
[source]
name = "producteurs"
label = "producteurs"
record = "producer"
ref = "id"
split = ","

[fields]
name = "nom"
siret = "siret"
phone = "tel"
postcode = "cp"
commune = "commune"
lat = "lat"
lon = "lon"
categories = "produits"

[categories]
fromage = "cow-cheese"
miel = "honey"
"""


def mapping_text(base: str, **differences: dict[str, Any] | list[dict[str, Any]] | None) -> str:
    """The TOML text of the mapping `base` (a TOML text) with a test's `differences`, a section each:
    a key given a value gets it (added or replaced), a key given None is taken out, a section given None is
    taken out, a list of tables (`[[rules]]`) replaces the base's. Taking out what the base does not have
    is refused: a difference that changes nothing is a test's mistake (it would no longer check what it
    says, as a text replaced where it no longer stands)."""
    tables: dict[str, Any] = tomllib.loads(base)
    for section, changes in differences.items():
        if changes is None:
            if section not in tables:
                raise KeyError(f"[{section}] is not in the base mapping")
            del tables[section]
        elif isinstance(changes, list):
            tables[section] = changes
        else:
            table = tables.setdefault(section, {})
            for key, value in changes.items():
                if value is None and key not in table:
                    raise KeyError(f"[{section}] {key} is not in the base mapping")
                if value is None:
                    del table[key]
                else:
                    table[key] = value
    return _toml(tables)


def _toml(tables: dict[str, Any]) -> str:
    """Sections of keys and values (text, numbers, booleans, lists of them) as TOML, `[source]` first."""
    lines: list[str] = []
    for section in sorted(tables, key=lambda name: name != "source"):
        content = tables[section]
        for table in content if isinstance(content, list) else [content]:
            lines += ["", f"[[{section}]]" if isinstance(content, list) else f"[{section}]"]
            lines += [f"{_toml_key(key)} = {_toml_value(value)}" for key, value in table.items()]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if key.isascii() and key.replace("_", "").replace("-", "").isalnum() else toml_string(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return toml_string(value)


def csv_written(path: Path, rows: Sequence[dict[str, str]]) -> Path:
    """`rows` as a CSV file at `path`, their keys (the first row's) as its header."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path
