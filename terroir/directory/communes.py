"""The communes table: loading the shipped reference file and finding a commune by name or code."""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections.abc import Collection
from pathlib import Path

from django.conf import settings
from django.db import transaction

from terroir.lib.text import fold

from .models import Commune

LOADED_TYPES = {"COM", "ARM"}
_POSTCODE = re.compile(r"^\d{5}$")
_SAINT = re.compile(r"\b(st|ste)\b")


def department_of(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def name_key(name: str) -> str:
    """Folded name with "St"/"Ste" spelled out and hyphens as spaces: "St-Amant" -> "saint amant"."""
    folded = fold(name)
    return _SAINT.sub(lambda m: "saint" if m.group(1) == "st" else "sainte", folded)


@transaction.atomic
def communes_load(*, path: Path | None = None, departments: Collection[str] | None = None) -> int:
    """Insert or refresh communes from the reference CSV. Returns how many rows were written."""
    path = path or settings.TERROIR_COMMUNES_FILE
    existing = set(Commune.objects.values_list("code", flat=True))
    to_create: list[Commune] = []
    to_update: list[Commune] = []
    with gzip.open(path, "rb") as raw:
        for row in csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8")):
            if row["type"] not in LOADED_TYPES:
                continue
            code = row["code_insee"]
            department = department_of(code)
            if departments is not None and department not in departments:
                continue
            lat = row["centroid_lat"] or row["mairie_lat"]
            lon = row["centroid_lon"] or row["mairie_lon"]
            commune = Commune(
                code=code,
                name=row["nom"],
                name_key=name_key(row["nom"]),
                department=department,
                postcodes=row["codes_postaux"],
                population=int(row["population_municipale"]) if row["population_municipale"] else None,
                lat=float(lat) if lat else None,
                lon=float(lon) if lon else None,
            )
            (to_update if code in existing else to_create).append(commune)
    Commune.objects.bulk_create(to_create, batch_size=2000)
    Commune.objects.bulk_update(
        to_update, ["name", "name_key", "department", "postcodes", "population", "lat", "lon"], batch_size=2000
    )
    return len(to_create) + len(to_update)


def commune_find(text: str) -> Commune | None:
    """The commune a user means by "Ambert", "63600", "63003" or "St-Amant-Roche-Savine".

    Among homonyms the most populated one wins (there are many "Saint-Martin").
    """
    text = text.strip()
    if not text:
        return None
    candidates = Commune.objects.exclude(lat=None)
    if _POSTCODE.match(text):
        by_code = candidates.filter(code=text).first()
        if by_code:
            return by_code
        return candidates.filter(postcodes__contains=text).order_by("-population").first()
    return candidates.filter(name_key=name_key(text)).order_by("-population").first()
