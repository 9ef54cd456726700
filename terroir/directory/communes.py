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
_CEDEX = re.compile(r"\bcedex\b.*$", re.IGNORECASE)
_ARRONDISSEMENT = re.compile(r"\b(\d{1,2})\s*(e|er|eme|ème|è)?\s*(arrondissement)?\b", re.IGNORECASE)


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
            department = row["departement"] or department_of(code)
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


def without_cedex(name: str) -> str:
    """ "CLERMONT FERRAND CEDEX 1" -> "CLERMONT FERRAND": a business delivery suffix, not a commune."""
    return _CEDEX.sub("", name).strip()


def commune_locate(*, code: str = "", postcode: str = "", name: str = "") -> Commune | None:
    """The commune a source means, tolerant of accents, "St"/"Saint", hyphens, CEDEX and Paris, Lyon
    and Marseille arrondissements ("Lyon 3e", 69003)."""
    communes = Commune.objects.exclude(lat=None)
    if code:
        found = communes.filter(code=code).first()
        if found:
            return found
    cleaned = without_cedex(name)
    arrondissement = _ARRONDISSEMENT.search(cleaned)
    key = name_key(re.sub(r"\d+", " ", _ARRONDISSEMENT.sub(" ", cleaned))) if cleaned else ""
    if key in {"paris", "lyon", "marseille"} and arrondissement and not postcode:
        number = int(arrondissement.group(1))
        postcode = f"{ {'paris': 75000, 'lyon': 69000, 'marseille': 13000}[key] + number:05d}"
    if postcode:
        by_postcode = list(communes.filter(postcodes__contains=postcode))
        named = [c for c in by_postcode if c.name_key == key]
        if key and not named:
            # Paris 15e is stored as "Paris 15e Arrondissement": the name starts with the city's.
            named = [c for c in by_postcode if c.name_key.startswith(key + " ")]
        if named:
            return max(named, key=lambda c: c.population or 0)
        if key:
            # A CEDEX or a business postcode is not a commune's: look in its department.
            in_department = (
                communes.filter(department=department_of(postcode), name_key=key).order_by("-population").first()
            )
            if in_department:
                return in_department
        if len(by_postcode) == 1:
            return by_postcode[0]
    if key:
        return communes.filter(name_key=key).order_by("-population").first()
    return None
