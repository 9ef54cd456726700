"""The communes table: loading the shipped reference file and finding a commune by name or code."""

from __future__ import annotations

import bisect
import csv
import difflib
import gzip
import io
import re
import threading
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from terroir.lib.geo import KM_PER_DEGREE_LAT, haversine_km
from terroir.lib.text import fold, matching_ratio

from .index import rows_insert, rows_update
from .models import Commune, CommuneName

LOADED_TYPES = {"COM", "ARM"}
# Delegated and associated communes: former communes merged into another, whose names are still used.
FORMER_TYPES = {"COMD", "COMA"}
# "Mans (Le)", "Rochelle, La" as some registers write them: the article goes back in front.
_ARTICLE_AFTER = re.compile(r"^(.*?)\s+(le|la|les|l)$")
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


def communes_rows(path: Path | None = None) -> Iterator[dict[str, str]]:
    with gzip.open(path or settings.TERROIR_COMMUNES_FILE, "rb") as raw:
        yield from csv.DictReader(io.TextIOWrapper(raw, encoding="utf-8"))


_COMMUNE_COLUMNS = ("name", "name_key", "department", "postcodes", "population", "lat", "lon", "epci_code",
                    "epci_name")  # fmt: skip


def communes_write(
    commune_model: Any, name_model: Any, *, path: Path | None = None, departments: Collection[str] | None = None
) -> int:
    """Insert or refresh communes and their names from the reference file with the given models (the
    data migration passes its historical ones). Returns how many communes were written.

    A refresh compares the file with the table and writes only what differs: an unchanged table costs
    one read of each (the whole of France through `bulk_update` took minutes, building CASE WHEN
    expressions for rows that had not changed)."""
    existing = {row[0]: row[1:] for row in commune_model.objects.values_list("code", *_COMMUNE_COLUMNS)}
    to_create: list[Any] = []
    changed: list[tuple[Any, ...]] = []
    names: list[tuple[str, str, str]] = []  # key, today's code, former code
    read: set[str] = set()
    for row in communes_rows(path):
        code = row["code_insee"]
        department = row["departement"] or department_of(code)
        if departments is not None and department not in departments:
            continue
        if row["type"] not in LOADED_TYPES and not (row["type"] in FORMER_TYPES and row["commune_parent_code"]):
            continue
        bare = row.get("nom_sans_article") or row["nom"]
        key = name_key(row["nom"])
        keys = {key} if bare == row["nom"] else {key, name_key(bare)}
        if row["type"] in FORMER_TYPES:
            names.extend((k, row["commune_parent_code"], code) for k in keys)
            continue
        lat = row["centroid_lat"] or row["mairie_lat"]
        lon = row["centroid_lon"] or row["mairie_lon"]
        values = (
            row["nom"], key, department, row["codes_postaux"],
            int(row["population_municipale"]) if row["population_municipale"] else None,
            float(lat) if lat else None, float(lon) if lon else None,
            row.get("epci_code", ""), row.get("epci_nom", "")[:200],
        )  # fmt: skip
        read.add(code)
        if code not in existing:
            to_create.append((code, *values))
        elif existing[code] != values:
            changed.append((code, *values))
        names.extend((k, code, "") for k in keys)
    # The one writer of plain rows (index.rows_insert): COPY on PostgreSQL, multi-row INSERTs on SQLite. The
    # data migration writes all of France (35,000 communes, 40,000 names) into every new database, each test
    # run's included: plain tuples cost a third of what model instances through bulk_create did.
    rows_insert(commune_model, ("code", *_COMMUNE_COLUMNS), to_create)
    # A refresh's changed communes, by the one writer of plain updates (index.rows_update: UPDATE … FROM
    # VALUES on SQLite, a prepared UPDATE per row pipelined on PostgreSQL). A fresh database has none.
    rows_update(commune_model, tuple(commune_model._meta.get_field(c).column for c in _COMMUNE_COLUMNS), changed)
    known = existing.keys() | read
    wanted: dict[tuple[str, str], str] = {}
    for key, code, former in names:
        if code in known:
            wanted.setdefault((key, code), former)
    # The names of the communes read, as the table has them: only the difference is written.
    stored: dict[tuple[str, str], tuple[int, str]] = {}
    scope = sorted(read)
    batches = [None] if departments is None else [scope[i : i + 5000] for i in range(0, len(scope), 5000)]
    for batch in batches:
        query = name_model.objects.all() if batch is None else name_model.objects.filter(commune_id__in=batch)
        for pk, key, code, former in query.values_list("pk", "key", "commune_id", "former_code"):
            if code in read:
                stored[(key, code)] = (pk, former)
    gone = [pk for pair, (pk, former) in stored.items() if wanted.get(pair) != former]
    for start in range(0, len(gone), 5000):
        name_model.objects.filter(pk__in=gone[start : start + 5000]).delete()
    kept = {pair for pair, (_pk, former) in stored.items() if wanted.get(pair) == former}
    rows = [(key, code, former) for (key, code), former in wanted.items() if (key, code) not in kept]
    rows_insert(name_model, ("key", "commune_id", "former_code"), rows, ignore_conflicts=True)
    index_forget()
    return len(to_create) + len(changed)


@transaction.atomic
def communes_load(*, path: Path | None = None, departments: Collection[str] | None = None) -> int:
    """Insert or refresh communes from the reference CSV. Returns how many rows were written."""
    return communes_write(Commune, CommuneName, path=path, departments=departments)


# --- Finding a commune ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Entry:
    code: str
    key: str
    department: str
    postcodes: frozenset[str]
    row: tuple[Any, ...]  # the commune's values, in _FIELDS order


_FIELDS = ("code", "name", "name_key", "department", "postcodes", "population", "lat", "lon", "epci_code",
           "epci_name")  # fmt: skip


class CommuneIndex:
    """Every name and postcode of the communes table in memory: a lookup is a few dictionary reads
    (a source of 100,000 rows asks 100,000 times)."""

    def __init__(self) -> None:
        self.entries: dict[str, _Entry] = {}
        for row in Commune.objects.exclude(lat=None).values_list(*_FIELDS):
            code, key, department, postcodes = row[0], row[2], row[3], row[4]
            self.entries[code] = _Entry(code, key, department, frozenset(filter(None, postcodes.split(";"))), row)
        self.by_key: dict[str, list[_Entry]] = {}
        self.former: dict[str, str] = {}
        # Every name of a commune (today's, without article, former communes'): what a misspelling is
        # compared with.
        self.keys_of: dict[str, list[str]] = {}
        for key, code, former in CommuneName.objects.values_list("key", "commune_id", "former_code"):
            entry = self.entries.get(code)
            if entry is not None:
                self.by_key.setdefault(key, []).append(entry)
                self.keys_of.setdefault(code, []).append(key)
                if former:
                    self.former[former] = code
        self.by_postcode: dict[str, list[_Entry]] = {}
        self.by_department: dict[str, list[_Entry]] = {}
        for entry in self.entries.values():
            self.by_department.setdefault(entry.department, []).append(entry)
            for postcode in entry.postcodes:
                self.by_postcode.setdefault(postcode, []).append(entry)
        # What commune_resolve answered, by what it was asked: a source names the same communes again and
        # again, and a misspelt name's close match costs milliseconds.
        self.resolved: dict[tuple[str, str, str, str], CommuneMatch] = {}
        # The answer naming one commune, by its code: built once (a Commune instance per answer cost most
        # of a new question's time, and a file asks about the same commune in many ways).
        self.single: dict[str, CommuneMatch] = {}

    @cached_property
    def department_keys(self) -> dict[str, list[str]]:
        """Every name of each département's communes, for a close match within a département."""
        keys: dict[str, list[str]] = {}
        for department, entries in self.by_department.items():
            keys[department] = sorted({k for e in entries for k in self.keys_of.get(e.code, [e.key])})
        return keys

    @cached_property
    def sorted_keys(self) -> list[str]:
        """Every name, sorted: the names starting with what a person typed are one slice of it."""
        return sorted(self.by_key)

    def territory_codes(self, centre: tuple[float, float], radius_km: float) -> frozenset[str]:
        """The communes within `radius_km` of `centre` (the territory's, from the settings; kept per
        centre and radius, as settings may differ between a site's processes and tests)."""
        cache: dict[tuple[float, float, float], frozenset[str]] = self.__dict__.setdefault("_territory", {})
        key = (centre[0], centre[1], radius_km)
        if key not in cache:
            cache[key] = frozenset(
                e.code
                for e in self.entries.values()
                if haversine_km(centre[0], centre[1], e.row[6], e.row[7]) <= radius_km
            )
        return cache[key]

    @cached_property
    def _centres(self) -> tuple[list[str], Any]:
        """The communes' codes and a tree of their centres, in km on a flat projection per point (a few per
        cent off at a neighbour's distance: enough for a size or the nearest centre)."""
        # SciPy is loaded by the first lookup that needs the tree, not by every process that starts Django
        # (the app registry reaches this module through the imports app's geocoder): 0.25 s of processor.
        from scipy.spatial import cKDTree

        codes = list(self.entries)
        lat = np.array([self.entries[c].row[6] for c in codes], dtype=float)
        lon = np.array([self.entries[c].row[7] for c in codes], dtype=float)
        return codes, cKDTree(_flat(lat, lon)) if codes else None

    @cached_property
    def sizes_km(self) -> dict[str, float]:
        """Each commune's size, as the mean distance from its centre to its three nearest neighbours'
        (communes tile the country, so this is about the commune's width; the table has no areas)."""
        codes, tree = self._centres
        if tree is None:
            return {}
        distances, _ = tree.query(tree.data, k=min(4, len(codes)))
        if distances.ndim == 1 or distances.shape[1] < 2:
            return dict.fromkeys(codes, 5.0)
        return dict(zip(codes, distances[:, 1:].mean(axis=1).tolist(), strict=True))

    def at(self, lat: float, lon: float) -> tuple[str, str] | None:
        """The commune (code, name) a position falls in: the nearest commune centre, when the position is
        within that commune's size of it (a point at sea or abroad has none)."""
        codes, tree = self._centres
        if tree is None:
            return None
        distance, position = tree.query(_flat(np.array([lat]), np.array([lon]))[0])
        code = codes[int(position)]
        if distance > self.sizes_km.get(code, 0.0):
            return None
        return code, str(self.entries[code].row[1])


def _flat(lat: Any, lon: Any) -> Any:
    return np.column_stack((lon * np.cos(np.radians(lat)) * KM_PER_DEGREE_LAT, lat * KM_PER_DEGREE_LAT))


_index: tuple[float, CommuneIndex] | None = None
# A long-lived process (the site's) builds the index again after this many seconds, to see a change of the
# communes table that another process made (a refresh of the reference: `communes_load` in this process
# forgets it at once).
INDEX_TTL_S = 300.0
# The runs in this process holding the index (commune_index_held): while any does, it is not rebuilt by age.
_held = 0
_held_lock = threading.Lock()


# Answers commune_resolve remembers (a 100,000-row source asks fewer distinct questions).
RESOLVED_MAX = 200_000


def commune_index() -> CommuneIndex:
    global _index
    if _index is None or (not _held and time.monotonic() - _index[0] > INDEX_TTL_S):
        _index = (time.monotonic(), CommuneIndex())
    return _index[1]


@contextmanager
def commune_index_held() -> Iterator[CommuneIndex]:
    """One index for a whole run (an import, a preview): built anew when it is older than INDEX_TTL_S, then
    not rebuilt by age until the run ends. A 100,000-row import reads its rows for minutes on a loaded
    machine; an index rebuilt halfway lost what it remembered (commune_resolve's answers, the communes'
    sizes) and cost its building again, and the rows read after it could be placed with another table than
    those before. Only `index_forget` (the communes table changed in this process) drops it sooner."""
    global _held
    index = commune_index()
    with _held_lock:
        _held += 1
    try:
        yield index
    finally:
        with _held_lock:
            _held -= 1


def index_forget() -> None:
    global _index
    _index = None


@dataclass(frozen=True)
class CommuneMatch:
    """What a lookup found: the commune, or none, or several that the name fits equally (`candidates`:
    their INSEE codes) — an ambiguous name is reported, never guessed."""

    commune: Commune | None = None
    candidates: tuple[str, ...] = ()

    @property
    def ambiguous(self) -> bool:
        return self.commune is None and len(self.candidates) > 1


def _one(entries: Collection[_Entry], index: CommuneIndex) -> CommuneMatch | None:
    by_code = {e.code: e for e in entries}
    codes = sorted(by_code)
    if len(codes) == 1:
        found = index.single.get(codes[0])
        if found is None:
            # Built from the index (a saved row's values): no query per looked-up row. Shared by every answer
            # naming it, as the remembered answers are: read, never changed.
            commune = Commune(**dict(zip(_FIELDS, by_code[codes[0]].row, strict=True)))
            commune._state.adding = False
            found = index.single[codes[0]] = CommuneMatch(commune, tuple(codes))
        return found
    if len(codes) > 1:
        return CommuneMatch(None, tuple(codes))
    return None


# Words a misspelling may drop or change without naming another commune ("Lalande Pomerol" for
# Lalande-de-Pomerol, "Vernou S/ Brenne" for Vernou-sur-Brenne).
_FILLER = frozenset(
    ["a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "lez", "pres", "s", "sous", "sur"]
)
# How alike two names must be (difflib's ratio on their letters) to be taken for one another, and how far
# ahead of the next commune: closer rivals make the name ambiguous between them.
FUZZY_MIN = 0.85
FUZZY_MARGIN = 0.05


def _core(key: str) -> tuple[str, frozenset[str]]:
    words = [w for w in key.split() if w not in _FILLER]
    return "".join(words), frozenset(words)


def name_similarity(asked: str, known: str) -> float:
    """How alike two folded commune names are, 0..1: their letters without filler words, and a name
    whose words are all in the other's ("Guinchay", "La Chapelle-de-Guinchay") counts as close."""
    (a, a_words), (b, b_words) = _core(asked), _core(known)
    if not a or not b:
        return 0.0
    score = matching_ratio(a, b, autojunk=False)  # difflib's SequenceMatcher(None, a, b, autojunk=False).ratio()
    if a_words <= b_words or b_words <= a_words:
        score = max(score, 0.9)
    return score


def _close(key: str, entries: Collection[_Entry], index: CommuneIndex) -> CommuneMatch | None:
    """The commune among `entries` whose name is clearly the closest to `key`; several about as close
    come back ambiguous between them; None when no name is close."""
    scores: dict[str, float] = {}
    for entry in entries:
        scores[entry.code] = max(name_similarity(key, k) for k in index.keys_of.get(entry.code, [entry.key]))
    best = max(scores.values(), default=0.0)
    if best < FUZZY_MIN:
        return None
    return _one([index.entries[c] for c, score in scores.items() if score >= best - FUZZY_MARGIN], index)


def _close_in_department(key: str, department: str, index: CommuneIndex) -> CommuneMatch | None:
    # difflib's quick bounds skip most of a département's 300–900 names before the full comparison.
    keys = difflib.get_close_matches(key, index.department_keys.get(department, []), n=5, cutoff=0.75)
    entries = [e for k in keys for e in index.by_key.get(k, []) if e.department == department]
    return _close(key, entries, index) if entries else None


def commune_at(lat: float, lon: float) -> tuple[str, str] | None:
    """The commune (INSEE code, name) a position falls in, by its nearest centre; None out of every commune."""
    return commune_index().at(lat, lon)


def commune_size_km(code: str) -> float | None:
    """About how wide the commune is (km), from its neighbours; None for an unknown commune."""
    return commune_index().sizes_km.get(code)


def commune_resolve(*, code: str = "", postcode: str = "", name: str = "", department: str = "") -> CommuneMatch:
    """The commune a source means by its INSEE code, or its name with its postcode or département, or
    its postcode alone — tolerant of accents, case, hyphens, "St"/"Saint", articles ("Le Mans", "Mans",
    "MANS (LE)" through the folded forms), former communes merged since, CEDEX and the arrondissements
    of Paris, Lyon and Marseille ("Lyon 3e", 69003). A name several communes bear, without anything to
    choose between them, comes back ambiguous with its candidates."""
    index = commune_index()
    asked = (code, postcode, name, department)
    found = index.resolved.get(asked)
    if found is None:
        if len(index.resolved) >= RESOLVED_MAX:
            index.resolved.clear()
        found = index.resolved[asked] = _resolve(index, code=code, postcode=postcode, name=name, department=department)
    return found


def _resolve(index: CommuneIndex, *, code: str, postcode: str, name: str, department: str) -> CommuneMatch:
    code, postcode, department = code.strip(), postcode.strip(), department.strip()
    if code:
        today = code if code in index.entries else index.former.get(code, "")
        if today:
            return _one([index.entries[today]], index) or CommuneMatch()
    cleaned = without_cedex(name)
    arrondissement = _ARRONDISSEMENT.search(cleaned)
    key = name_key(re.sub(r"\d+", " ", _ARRONDISSEMENT.sub(" ", cleaned))) if cleaned else ""
    key = _ARTICLE_AFTER.sub(lambda m: f"{m.group(2)} {m.group(1)}", key)
    if key in {"paris", "lyon", "marseille"} and arrondissement and not postcode:
        number = int(arrondissement.group(1))
        postcode = f"{ {'paris': 75000, 'lyon': 69000, 'marseille': 13000}[key] + number:05d}"
    named = index.by_key.get(key, []) if key else []
    if postcode:
        with_postcode = index.by_postcode.get(postcode, [])
        exact = [e for e in named if postcode in e.postcodes]
        if key and not exact:
            # Paris 15e is stored as "Paris 15e Arrondissement": the name starts with the city's.
            exact = [e for e in with_postcode if e.key.startswith(key + " ")]
        found = _one(exact, index)
        if found is not None:
            return found
        if key:
            # A CEDEX or a business postcode is not a commune's: look in its département.
            found = _one([e for e in named if e.department == department_of(postcode)], index)
            if found is not None:
                return found
            # A misspelt name: the closest of the postcode's communes.
            found = _close(key, with_postcode, index)
            if found is not None:
                return found
        if not key or not named:  # the postcode alone (a misspelt name does not count against it)
            found = _one(with_postcode, index)
            if found is not None:
                return found
        if key:  # then the closest of its département's (a postcode of the commune next door)
            found = _close_in_department(key, department_of(postcode), index)
            if found is not None:
                return found
    if department:
        named = [e for e in named if e.department == department]
        if not named and key:
            return _close_in_department(key, department, index) or CommuneMatch()
    return _one(named, index) or CommuneMatch()


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


def commune_locate(*, code: str = "", postcode: str = "", name: str = "", department: str = "") -> Commune | None:
    """The commune a source means (commune_resolve), or None when it is unknown or ambiguous."""
    return commune_resolve(code=code, postcode=postcode, name=name, department=department).commune


# --- What a person types: the search's commune, its autocomplete ---------------------------------

_DEPARTMENT_AFTER = re.compile(r"^(.*?)\s*\((\d[\dab]|\d{3})\)\s*$", re.IGNORECASE)
_POSTCODE_AROUND = re.compile(r"^(?:(\d{5})\s+)?(.*?)(?:\s+(\d{5}))?$")
SUGGEST_LIMIT = 10


@dataclass(frozen=True)
class CommuneChoice:
    """A commune as a person picks it: its name, département and postcodes; whether it is in the
    territory (within TERROIR_LOCAL_RADIUS_KM of TERROIR_CENTER)."""

    code: str
    name: str
    department: str
    postcodes: tuple[str, ...]
    lat: float
    lon: float
    population: int
    in_territory: bool

    @property
    def label(self) -> str:
        """ "Saint-Just (63)": what the search field shows, and reads back (commune_choose)."""
        return f"{self.name} ({self.department})"


# The longest commune name has 45 characters: what a message quotes back is cut beyond this, so that a
# pasted paragraph does not fill (and on a phone, widen) the page.
QUOTED_MAX = 60


class CommuneNotFound(ValueError):
    """No commune has that name; `suggestions` are the closest names, the territory's first."""

    def __init__(self, text: str, suggestions: list[CommuneChoice]):
        super().__init__(text)
        self.text = text
        self.suggestions = suggestions

    @property
    def message(self) -> str:
        quoted = self.text if len(self.text) <= QUOTED_MAX else self.text[: QUOTED_MAX - 1].rstrip() + "…"
        if self.suggestions:
            return _("no commune is named “%(text)s”. Did you mean %(names)s?") % {
                "text": quoted,
                "names": ", ".join(c.label for c in self.suggestions),
            }
        return _("no commune is named or numbered “%(text)s”.") % {"text": quoted}


class CommuneAmbiguous(ValueError):
    """Several communes bear that name and none stands out: `candidates`, the territory's first."""

    def __init__(self, text: str, candidates: list[CommuneChoice]):
        super().__init__(text)
        self.text = text
        self.candidates = candidates

    @property
    def message(self) -> str:
        return _("several communes are named “%(text)s”: %(names)s. Which one?") % {
            "text": self.text,
            "names": ", ".join(c.label for c in self.candidates),
        }


def _territory(index: CommuneIndex) -> frozenset[str]:
    lat, lon = settings.TERROIR_CENTER
    return index.territory_codes((lat, lon), settings.TERROIR_LOCAL_RADIUS_KM)


def _choices(codes: Collection[str], index: CommuneIndex) -> list[CommuneChoice]:
    """The communes, the territory's first, then the most populated first."""
    territory = _territory(index)
    choices = []
    for code in dict.fromkeys(codes):
        entry = index.entries[code]
        row = entry.row
        choices.append(
            CommuneChoice(
                code=code, name=row[1], department=row[3], postcodes=tuple(sorted(entry.postcodes)), lat=row[6],
                lon=row[7], population=row[5] or 0, in_territory=code in territory,
            )
        )  # fmt: skip
    return sorted(choices, key=lambda c: (not c.in_territory, -c.population, c.name))


def communes_suggest(text: str, *, limit: int = SUGGEST_LIMIT) -> list[CommuneChoice]:
    """The communes whose name (accents, case, hyphens and "St" ignored) or postcode starts with what
    was typed, or with a word starting so ("just" finds Saint-Just), for an autocomplete: the territory's
    communes first, then the name typed in full, then the names starting so, then the most populated."""
    index = commune_index()
    text = text.strip()
    bracketed = _DEPARTMENT_AFTER.match(text)
    department = ""
    if bracketed:
        text, department = bracketed.group(1), bracketed.group(2).upper()
    if text.isdigit():
        codes = [c for p in index.by_postcode if p.startswith(text) for c in (e.code for e in index.by_postcode[p])]
        if len(text) == 5 and text in index.entries:
            codes.insert(0, text)
        return _choices(codes, index)[:limit]
    key = name_key(text)
    if not key:
        return []
    keys = index.sorted_keys
    start = bisect.bisect_left(keys, key)
    starting = []
    for k in keys[start:]:
        if not k.startswith(key):
            break
        starting.append(k)
    inside = [k for k in keys if f" {key}" in f" {k}" and not k.startswith(key)] if len(key) >= 3 else []
    exact = {e.code for e in index.by_key.get(key, [])}
    # Membership by code in a set: a short prefix ("sa") starts thousands of names.
    prefixed = {e.code for k in starting for e in index.by_key[k]}
    codes = [e.code for k in (*starting, *inside) for e in index.by_key[k]
             if not department or e.department == department]  # fmt: skip
    # The territory's communes first ("just": the Saint-Just nearby before Justine-Herbigny), then the name
    # typed in full ("Thiers" before "Thiers-sur-Thève"), then the names starting so, then the most
    # populated (the order _choices gives, which the sort keeps).
    ranked = sorted(_choices(codes, index), key=lambda c: (not c.in_territory, c.code not in exact,
                                                           c.code not in prefixed))  # fmt: skip
    return ranked[:limit]


def commune_choose(text: str) -> CommuneChoice:
    """The commune a person means by what they typed in the search: "Ambert", "63600", an INSEE code,
    "Saint-Just (63)" as the autocomplete writes it, "St Just 63600". The lookup of the imports
    (commune_resolve: accents, "St", articles, former communes, misspellings within a département or
    postcode); a name several communes bear goes to the territory's one when only one of them is
    there, else raises CommuneAmbiguous; an unknown name raises CommuneNotFound with the closest names.
    """
    index = commune_index()
    text = text.strip()
    name, department, postcode = text, "", ""
    bracketed = _DEPARTMENT_AFTER.match(text)
    if bracketed:
        name, department = bracketed.group(1), bracketed.group(2).upper()
    elif not text.isdigit():
        around = _POSTCODE_AROUND.match(text)
        if around and (around.group(1) or around.group(3)) and around.group(2):
            name, postcode = around.group(2), around.group(1) or around.group(3)
    if text.isdigit():
        if text in index.entries:
            return _choices([text], index)[0]
        # A postcode several communes share: the most populated, the town the post office is named after.
        by_postcode = _choices([e.code for e in index.by_postcode.get(text, [])], index)
        if by_postcode:
            return by_postcode[0]
        raise CommuneNotFound(text, [])
    match = commune_resolve(name=name, department=department, postcode=postcode)
    if match.commune is not None:
        return _choices([match.commune.code], index)[0]
    if match.ambiguous:
        candidates = _choices(match.candidates, index)
        local = [c for c in candidates if c.in_territory]
        if len(local) == 1:
            return local[0]
        key = name_key(name)
        # "Clermont" in Clermont-Ferrand's territory: the territory's communes whose name starts so
        # are among the answers, first.
        nearby = [
            c for c in communes_suggest(name) if c.in_territory and c.code not in match.candidates
            and name_key(c.name).startswith(key + " ")
        ]  # fmt: skip
        raise CommuneAmbiguous(text, (local or [*nearby, *candidates])[:SUGGEST_LIMIT])
    raise CommuneNotFound(text, _close_names(name_key(name), index))


def _close_names(key: str, index: CommuneIndex, n: int = 3) -> list[CommuneChoice]:
    """The communes named closest to a misspelt `key`: the territory's names, else all of France."""
    if not key:
        return []
    territory = _territory(index)
    local_keys = sorted({k for code in territory for k in index.keys_of.get(code, [])})
    for keys, only in ((local_keys, territory), (index.sorted_keys, None)):
        close = difflib.get_close_matches(key, keys, n=n, cutoff=0.75)
        codes = [e.code for k in close for e in index.by_key.get(k, []) if only is None or e.code in only]
        if codes:
            return _choices(codes, index)[:n]
    return []
