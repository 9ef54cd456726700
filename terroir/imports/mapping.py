"""Declarative mappings: which column or JSON path of a source gives which field of a directory record,
how the source names place kinds, categories and labels, and constant values.

A mapping is a TOML (or YAML) file::

    [source]
    name = "amap-63"            # the source's stable name: records keep it as their provenance
    label = "AMAP network of Puy-de-Dôme"
    record = "place"            # "place" (a place where food is sold) or "producer"
    ref = "Identifiant"         # the column giving each record's stable id in this source
    # format, encoding, delimiter: read from the file when not given

    [fields]
    name = "Nom"
    address = "{Numéro} {Rue}"  # several columns joined
    phone = ["Téléphone", "Portable"]   # the first one not empty
    lat = "geometry.coordinates[1]"     # JSON paths for JSON and GeoJSON sources

    [constants]
    kind = "amap"

    [kinds]        # the source's words -> place kinds
    "Vente directe" = "farm"

    [categories]   # the source's words -> product categories (slugs)
    "Légumes" = "vegetables"

    [transforms]   # a field's text read by a named transform (TRANSFORMS) before it is checked
    opening_hours = "schedule"  # a French sentence -> OSM opening_hours, its pickup place -> address
    website = "first_url"       # the first absolute web address of a "|"-joined list

    [[rules]]      # free text -> kinds and categories (keywords or a regular expression)
    words = ["biocoop", "épicerie bio"]
    kind = "shop"

    [[skip]]       # rows left out on a condition
    column = "status"
    matches = "^-"

One row may give a producer and its farm place (`record = "producer+place"`, the place operated by the
producer), rows repeating one reference may be grouped into one record (`group = true`), a producer may
say which places it supplies (`supplies`), and a row without a name may be named from its kind and
commune (`unnamed = true`). docs/imports.md describes the whole language with examples.

`mapping_parse` checks everything it can before a file is read; `Mapping.record_of` turns one row into
a `Record` with the problems found in it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import html
import importlib
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext, gettext_noop

from terroir.directory import fields
from terroir.directory.communes import commune_at
from terroir.directory.french import is_french
from terroir.directory.models import Category, Label, LegalForm, PlaceKind
from terroir.lib.geo import valid_lat, valid_lon
from terroir.lib.messages import Message
from terroir.lib.tabular import FORMATS, RawRow, number_parse
from terroir.lib.text import fold, french_elided, french_of, has_control, one_line

from .schedules import schedule_parse

TEXT_FIELDS = (
    "ref", "name", "legal_form", "siret", "description", "address", "postcode", "commune", "commune_code",
    "email", "phone", "website", "kind", "categories", "labels", "opening_hours", "contact_public",
    "verified_at", "lat", "lon", "operator", "supplies", "record", "order_url",
)  # fmt: skip
# "producer+place": the row gives a producer and the place where it sells (its farm), which it operates.
RECORD_TYPES = ("place", "producer", "producer+place")
# The fields whose every column counts (their words joined), where the others take the first column given.
UNION_FIELDS = ("categories", "labels", "supplies")
# The record's texts that rules read by their field name; other names are source columns.
RULE_FIELDS = ("name", "description", "address", "opening_hours", "commune")
# Place references in `supplies` may hold commas and slashes ("node/12"): only these separate them.
SUPPLIES_SPLIT = ";|\n"
DEFAULT_SPLIT = ",;|/"
_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+|\*)\]")
_TEMPLATE_PART = re.compile(r"\{([^{}]+)\}")
_LEGAL_FORM = re.compile(r"^\s*(gaec|earl|scea|sarl|sas|sasu|scic|eurl|sca|scop)\b\.?\s*", re.IGNORECASE)
# Metropolitan France with Corsica, and the overseas departments: a position elsewhere is a mistake.
FRANCE_BOXES = (
    (41.2, -5.6, 51.3, 9.8),  # metropolitan France and Corsica
    (15.8, -61.9, 16.6, -60.9),  # Guadeloupe
    (14.3, -61.3, 15.0, -60.7),  # Martinique
    (2.1, -54.7, 5.9, -51.5),  # Guyane
    (-21.5, 55.1, -20.8, 55.9),  # La Réunion
    (-13.1, 44.9, -12.6, 45.4),  # Mayotte
)


class MappingError(ValueError):
    """A mapping that cannot be used: `where` names the section and key (as the mapping writes them), `said`
    what is wrong — a template marked for the catalogue and its values, the values someone wrote quoted
    the reader's way (`%(name)r`, lib.messages.quoted). `message` and str() say it in the language active
    when they are read: the coordinator's on a page, not the language it was raised in."""

    def __init__(self, where: str, template: str, values: dict[str, Any] | None = None):
        super().__init__(where, template)
        self.where = where
        self.said = Message(template, values or {})

    @property
    def message(self) -> str:
        return self.said.text(gettext)

    def __str__(self) -> str:
        return gettext("%(where)s: %(message)s") % {"where": self.where, "message": self.message}


@dataclass(frozen=True)
class Problem:
    """Something wrong with one field of one row. `fatal` problems keep the row out of the directory.
    `said` is the message as a template and its values: the run's report keeps it so, and each reader
    reads it in their own language (`message`, the text in the active language)."""

    line: int
    field: str
    said: Message
    fatal: bool = False
    # The source's column (or JSON path, or mapping section) the value came from: what the person who
    # wrote the file can find in it, where `field` is the directory's name for it.
    column: str = ""

    @property
    def where(self) -> str:
        return self.column or self.field

    @property
    def field_alone(self) -> str:
        """The directory's field when no column of the source gave the value (a position from the commune
        only): what the report and the preview name instead of a column."""
        return "" if self.column else self.field

    @property
    def message(self) -> str:
        return self.message_in(gettext, is_french())

    def message_in(self, translate: Callable[[str], str], french: bool) -> str:
        """`message` in the language of `translate`, its French elisions made when `french` (a report of many
        problems looks its language up once: `read.ReportTexts`)."""
        text = self.said.text(translate)
        return french_elided(text, [str(value) for value in self.said.texts()]) if french else text


@dataclass
class Record:
    """One row of a source, read into the directory's terms. Values not given are empty."""

    line: int
    source: str
    ref: str = ""
    record_type: str = "place"
    name: str = ""
    kind: str = ""
    legal_form: str = ""
    siret: str = ""
    description: str = ""
    address: str = ""
    postcode: str = ""
    commune: str = ""
    commune_code: str = ""
    lat: float | None = None
    lon: float | None = None
    email: str = ""
    phone: str = ""
    website: str = ""
    # For a producer: where one orders from it online (its shop, an Open Food Network or Cagette hub).
    order_url: str = ""
    categories: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    opening_hours: str = ""
    contact_public: bool = False
    verified_at: dt.date | None = None
    # How the position was found: given by the source, or by geocoding (address, street, commune).
    precision: str = ""
    # The name was made from the kind and commune (the source gave none): it says nothing about identity.
    name_generated: bool = False
    # For a place: the reference, in the same source, of the producer that runs it.
    operator: str = ""
    # For a producer: the places it supplies (references in the same source, or "source:reference").
    supplies: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # field -> the source column its value came from, so that problems name the column.
    columns: dict[str, str] = field(default_factory=dict, repr=False)
    # The fingerprint of the row read (read.RowFingerprints) when the record may be known by it next time.
    fingerprint: str = field(default="", repr=False)
    # The stored record's id when its row was found unchanged by fingerprint and not read: the record
    # then holds its reference, type, row and problems only.
    unchanged: int | None = field(default=None, repr=False)

    @property
    def rejected(self) -> bool:
        return any(p.fatal for p in self.problems)

    def problem(self, field_name: str, said: Message, *, fatal: bool = False, column: str = "") -> None:
        where = column or self.columns.get(field_name, "")
        self.problems.append(Problem(self.line, field_name, said, fatal, where))


# --- Reading values from a row --------------------------------------------------------------------


def path_get(values: Any, path: str) -> Any:
    """`values[path]` for a column name, else the value at a dotted JSON path ("tags.name",
    "geometry.coordinates[1]", "productions[*].nom" for the list of every item's); None when absent."""
    if isinstance(values, MappingABC) and path in values:
        return values[path]
    parts = _PATH_PART.findall(path)
    current: Any = values
    for position, (key, index) in enumerate(parts):
        if key:
            if not isinstance(current, MappingABC) or key not in current:
                return None
            current = current[key]
        elif index == "*":
            if not isinstance(current, list):
                return None
            rest = "".join(f".{k}" if k else f"[{i}]" for k, i in parts[position + 1 :]).lstrip(".")
            return [path_get(item, rest) if rest else item for item in current]
        else:
            if not isinstance(current, list) or int(index) >= len(current):
                return None
            current = current[int(index)]
    return current


def _text(value: Any) -> str:
    if type(value) is str:
        # Most values (every CSV cell): the type checks below, made 300,000 times a 20,000-row file, skipped.
        text = " ".join(value.split())
        return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@" else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value if _text(v))
    text = " ".join(str(value).split())
    # Spreadsheet exports (ours among them) write '=… for a cell starting with a formula sign.
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        return text[1:]
    return text


@dataclass(frozen=True)
class Getter:
    """Where a field's value is: a column/path, or a template joining several."""

    spec: str

    @property
    def paths(self) -> list[str]:
        parts = _TEMPLATE_PART.findall(self.spec)
        return parts or [self.spec]

    def get(self, values: MappingABC[str, Any]) -> Any:
        if "{" not in self.spec:
            if type(values) is dict and self.spec in values:
                return values[self.spec]  # a column of a row: path_get's abstract Mapping check skipped
            return path_get(values, self.spec)
        joined = _TEMPLATE_PART.sub(lambda m: _text(path_get(values, m.group(1))), self.spec)
        return " ".join(joined.split())


# --- The mapping ----------------------------------------------------------------------------------


def plain(text: str) -> str:
    """Lower case without accents, punctuation kept: what rules' regular expressions read."""
    decomposed = unicodedata.normalize("NFKD", text.replace("œ", "oe").replace("Œ", "Oe").lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Rule:
    """Free text -> a kind and categories: when one of `words` (whole words, case and accents aside) or
    the `pattern` occurs in one of the texts `within` (record fields such as name and description, or
    source columns such as "summary")."""

    within: tuple[str, ...]
    words: tuple[str, ...]
    pattern: re.Pattern[str] | None
    kind: str
    categories: tuple[str, ...]

    def matches(self, record: Record, values: MappingABC[str, Any]) -> bool:
        for name in self.within:
            text = getattr(record, name) if name in RULE_FIELDS else _text(path_get(values, name))
            if not text:
                continue
            folded = f" {fold(text)} "
            if any(f" {word} " in folded for word in self.words):
                return True
            if self.pattern is not None and self.pattern.search(plain(text)):
                return True
        return False


@dataclass(frozen=True)
class Skip:
    """Rows left out: when `column` is empty, present, equal to one of `equals`, or matches `pattern`."""

    column: str
    empty: bool | None
    equals: tuple[str, ...]
    pattern: re.Pattern[str] | None

    def skips(self, values: MappingABC[str, Any]) -> bool:
        text = _text(path_get(values, self.column))
        if self.empty is not None and (not text) == self.empty:
            return True
        if self.equals and fold(text) in self.equals:
            return True
        return bool(self.pattern is not None and text and self.pattern.search(plain(text)))


@dataclass(frozen=True)
class Mapping:
    name: str
    label: str
    record_type: str
    format: str | None
    encoding: str | None
    delimiter: str | None
    fields: dict[str, list[Getter]]
    constants: dict[str, str]
    kinds: dict[str, str]
    categories: dict[str, list[str]]
    labels: dict[str, str]
    split: str
    phone_region: str
    adapter: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    transforms: dict[str, str] = field(default_factory=dict)  # field -> name in TRANSFORMS
    # The source's words for a row's record type (with `[fields] record`) -> place, producer, producer+place.
    records: dict[str, str] = field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    skip: tuple[Skip, ...] = ()
    group: bool = False
    unnamed: bool = False
    # category slug -> its French name, to name a nameless vending machine after what it sells.
    category_names: dict[str, str] = field(default_factory=dict)
    # The row of a CSV file or sheet that names the columns (1-based); None: the first row holding every
    # column the mapping names, among the top rows (titles and column groups may stand above it).
    header_row: int | None = None

    def columns(self) -> set[str]:
        """The columns or paths the mapping reads."""
        return {path for getters in self.fields.values() for getter in getters for path in getter.paths} | {
            s.column for s in self.skip
        }

    def header_columns(self) -> frozenset[str]:
        """The columns a tabular file's header must name (JSON paths aside)."""
        return frozenset(path for path in self.columns() if not any(c in path for c in ".["))

    def missing_columns(self, header: set[str]) -> list[str]:
        """Mapped columns that a tabular file's header lacks (JSON paths are not checked)."""
        return sorted(self.header_columns() - header)

    def record_of(self, row: RawRow) -> Record:
        """The row's first record (a row gives none when skipped, two with `producer+place`)."""
        records = self.records_of(row)
        if not records:
            return Record(line=row.line, source=self.name, record_type=self.record_type, raw=row.values)
        return records[0]

    def records_of(self, row: RawRow) -> list[Record]:
        values = self.adapter(row.values) if self.adapter else row.values
        if any(skip.skips(values) for skip in self.skip):
            return []
        record = Record(line=row.line, source=self.name, record_type=self.record_type, raw=row.values)
        given: dict[str, str] = dict(self.constants)
        record.columns = {target: f"[constants] {target}" for target in self.constants}
        # The values as the file typed them: JSON gives positions as numbers already.
        typed: dict[str, Any] = {}
        # Every value given for the kind, in order: the first one naming a kind gives it.
        kinds: list[tuple[str, str]] = []
        for target, getters in self.fields.items():
            texts: list[tuple[str, str]] = []
            for getter in getters:
                value = getter.get(values)
                if value is None or value == "":
                    continue  # nothing given (most of a file's cells): no text, nothing to check
                text = _text(value)
                if has_control(text):
                    # Line breaks were already folded into spaces; what is left (escapes, DEL) is noise that
                    # would reach e-mail subjects and exports.
                    text = one_line(text)
                    record.problem(target, Message(gettext_noop("control characters removed")), column=getter.spec)
                if text:
                    texts.append((text, getter.spec))
                    if target not in UNION_FIELDS and target != "kind":
                        typed[target] = value
                        break
            if not texts:
                # A value missing is reported on the column that should have given it.
                record.columns.setdefault(target, " | ".join(getter.spec for getter in getters))
                continue
            record.columns[target] = texts[0][1]
            if target == "kind":
                kinds = texts
            if target in UNION_FIELDS:
                # Every column's words, each problem naming its own column.
                given[target] = "\x1f".join(text for text, _spec in texts)
                record.columns[target] = "\x1f".join(spec for _text, spec in texts)
            else:
                given[target] = texts[0][0]
        if self.constants.get("kind"):
            kinds.append((self.constants["kind"], "[constants] kind"))  # when no column names a kind
        record_type = self._record_type(record, given.get("record", ""))
        if record_type is None:
            return [record]
        record.record_type = "producer" if record_type == "producer+place" else record_type
        for target, transform in self.transforms.items():
            if given.get(target):
                TRANSFORMS[transform](record, given, target)
        _fill(record, given, self, typed, kinds, values)
        if record_type != "producer+place":
            return [record]
        return [record, _farm_of(record, self)]

    def _record_type(self, record: Record, word: str) -> str | None:
        if not word:
            return self.record_type
        found = self.records.get(fold(word)) or (word if word in RECORD_TYPES else None)
        if found is None:
            record.problem(
                "record",
                Message(gettext_noop("unknown record type %(word)r (add it to [records] in the mapping)"),
                        {"word": word}),
                fatal=True,
            )  # fmt: skip
        return found


def _farm_of(producer: Record, mapping: Mapping) -> Record:
    """The place a `producer+place` row gives: the producer's farm, at its address, run by it."""
    place = Record(
        line=producer.line, source=producer.source, record_type="place", raw=producer.raw,
        ref=f"{producer.ref}#place" if producer.ref else "", name=producer.name, kind=producer.kind or "farm",
        description=producer.description, address=producer.address, postcode=producer.postcode,
        commune=producer.commune, commune_code=producer.commune_code, lat=producer.lat, lon=producer.lon,
        email=producer.email, phone=producer.phone, website=producer.website, categories=producer.categories,
        labels=producer.labels, opening_hours=producer.opening_hours, contact_public=producer.contact_public,
        verified_at=producer.verified_at, name_generated=producer.name_generated, operator=producer.ref,
        columns=producer.columns,
    )  # fmt: skip
    # Both records need a reference of their own in the source; a producer without one gets the key
    # services give such records, and its farm follows it.
    producer.ref = record_ref(producer)
    place.ref, place.operator = f"{producer.ref}#place"[:200], producer.ref
    return place


def record_ref(record: Record) -> str:
    """The record's id in its source; without one, a key from its name and commune, so that a
    re-import of the same row finds it again."""
    if record.ref:
        return record.ref[:200]
    basis = "|".join((fold(record.name), record.postcode, fold(record.commune)))
    return "key:" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:20]


def records_group(records: Iterable[Record]) -> Iterator[Record]:
    """Rows repeating one record (same type and reference, or same name and commune when there is no
    reference) as one record: the first row's values, then what later rows add; categories, labels
    and supplied places are the union of all rows. Rejected rows are kept apart, with their problems."""
    kept: dict[tuple[str, str], Record] = {}
    for record in records:
        if record.rejected:
            yield record
            continue
        key = (record.record_type, record_ref(record))
        first = kept.get(key)
        if first is None:
            kept[key] = record
            continue
        for name in ("categories", "labels", "supplies"):
            had = getattr(first, name)
            setattr(first, name, had + tuple(v for v in getattr(record, name) if v not in had))
        for name in ("description", "address", "postcode", "commune", "commune_code", "email", "phone", "website",
                     "opening_hours", "siret", "legal_form", "operator", "order_url"):  # fmt: skip
            if not getattr(first, name) and getattr(record, name):
                setattr(first, name, getattr(record, name))
        if first.lat is None and record.lat is not None:
            first.lat, first.lon = record.lat, record.lon
        first.problems.extend(record.problems)
    yield from kept.values()


# The mapping's refusals said in several places.
ONE_OF = gettext_noop("%(value)r is not one of %(known)s")
UNKNOWN_FIELD = gettext_noop("unknown field")
UNKNOWN_KIND = gettext_noop("unknown place kind %(kind)r; known: %(known)s")
UNKNOWN_CATEGORY = gettext_noop("unknown category %(slug)r")
UNKNOWN_KEYS = gettext_noop("unknown key(s) %(keys)r")
TRUE_OR_FALSE = gettext_noop("must be true or false")


def _as_mapping(section: Any, where: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise MappingError(where, gettext_noop("must be a table of keys and values"))
    return section


def mapping_parse(text: str, *, filename: str = "mapping.toml") -> Mapping:
    """Read a mapping (TOML, or YAML when the file name says so) and check it."""
    data: Any
    if filename.endswith((".yaml", ".yml")):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise MappingError(filename, gettext_noop("not valid YAML: %(error)s"), {"error": str(error)}) from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise MappingError(filename, gettext_noop("not valid TOML: %(error)s"), {"error": str(error)}) from None
    data = _as_mapping(data, filename)
    unknown_sections = set(data) - {
        "source", "fields", "constants", "kinds", "categories", "labels", "records", "rules", "skip", "transforms"
    }  # fmt: skip
    if unknown_sections:
        raise MappingError(
            filename, gettext_noop("unknown section(s) %(sections)r"), {"sections": sorted(unknown_sections)}
        )
    source = _as_mapping(data.get("source"), "[source]")
    name = str(source.get("name", "")).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", name):
        raise MappingError(
            "[source] name",
            gettext_noop("required: lower-case letters, digits, - or _ (it is stored with every record)"),
        )
    record_type = str(source.get("record", "place"))
    if record_type not in RECORD_TYPES:
        raise MappingError("[source] record", ONE_OF, {"value": record_type, "known": ", ".join(RECORD_TYPES)})
    file_format = source.get("format")
    if file_format is not None and file_format not in FORMATS:
        raise MappingError("[source] format", ONE_OF, {"value": str(file_format), "known": ", ".join(FORMATS)})
    delimiter = source.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise MappingError("[source] delimiter", gettext_noop("must be one character"))
    fields: dict[str, list[Getter]] = {}
    for target, spec in _as_mapping(data.get("fields"), "[fields]").items():
        if target not in TEXT_FIELDS:
            raise MappingError(f"[fields] {target}", gettext_noop("unknown field; known fields: %(known)s"),
                               {"known": ", ".join(TEXT_FIELDS)})  # fmt: skip
        specs = spec if isinstance(spec, list) else [spec]
        if not specs or not all(isinstance(s, str) and s.strip() for s in specs):
            raise MappingError(f"[fields] {target}", gettext_noop("must be a column name, a path, or a list of them"))
        fields[target] = [Getter(s.strip()) for s in specs]
    if "ref" in source:
        fields.setdefault("ref", [Getter(str(source["ref"]))])
    constants = {k: _text(v) for k, v in _as_mapping(data.get("constants"), "[constants]").items()}
    for target in constants:
        if target not in TEXT_FIELDS:
            raise MappingError(f"[constants] {target}", UNKNOWN_FIELD)
    if "name" not in fields and "name" not in constants and not source.get("unnamed"):
        raise MappingError("[fields] name", gettext_noop("required: which column gives the name"))
    kinds: dict[str, str] = {}
    for word, kind in _as_mapping(data.get("kinds"), "[kinds]").items():
        if kind not in PlaceKind.values:
            raise MappingError(
                f"[kinds] {word}", UNKNOWN_KIND, {"kind": str(kind), "known": ", ".join(PlaceKind.values)}
            )
        kinds[fold(str(word))] = kind
    if "kind" in constants and constants["kind"] not in PlaceKind.values and fold(constants["kind"]) not in kinds:
        raise MappingError(
            "[constants] kind", UNKNOWN_KIND, {"kind": constants["kind"], "known": ", ".join(PlaceKind.values)}
        )
    known_categories = set(Category.objects.values_list("slug", flat=True))
    categories: dict[str, list[str]] = {}
    for word, slugs in _as_mapping(data.get("categories"), "[categories]").items():
        slug_list = slugs if isinstance(slugs, list) else [slugs]
        for slug in slug_list:
            if slug not in known_categories:
                raise MappingError(f"[categories] {word}", UNKNOWN_CATEGORY, {"slug": str(slug)})
        categories[fold(str(word))] = list(slug_list)
    known_labels = set(Label.objects.values_list("slug", flat=True))
    labels: dict[str, str] = {}
    for word, slug in _as_mapping(data.get("labels"), "[labels]").items():
        if slug and slug not in known_labels:  # "" says the word is known and gives no label ("organic=no")
            raise MappingError(f"[labels] {word}", gettext_noop("unknown label %(slug)r"), {"slug": str(slug)})
        labels[fold(str(word))] = slug
    records: dict[str, str] = {}
    for word, record in _as_mapping(data.get("records"), "[records]").items():
        if record not in RECORD_TYPES:
            raise MappingError(f"[records] {word}", ONE_OF, {"value": str(record), "known": ", ".join(RECORD_TYPES)})
        records[fold(str(word))] = record
    rules = tuple(
        _rule_parse(rule, f"[[rules]] #{n}", known_categories) for n, rule in enumerate(_tables(data, "rules"), 1)
    )
    skip = tuple(_skip_parse(rule, f"[[skip]] #{n}") for n, rule in enumerate(_tables(data, "skip"), 1))
    header_row = source.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or isinstance(header_row, bool) or header_row < 1):
        raise MappingError("[source] header_row", gettext_noop("must be a row number (1 for the first row)"))
    for flag in ("group", "unnamed"):
        if not isinstance(source.get(flag, False), bool):
            raise MappingError(f"[source] {flag}", TRUE_OR_FALSE)
    adapter = None
    if source.get("adapter"):
        adapter_name = str(source["adapter"])
        if not re.fullmatch(r"[a-z0-9_]+", adapter_name):
            raise MappingError(
                "[source] adapter", gettext_noop("%(name)r is not an adapter name"), {"name": adapter_name}
            )
        try:
            module = importlib.import_module(f"terroir.imports.sources.{adapter_name}")
        except ModuleNotFoundError:
            raise MappingError(
                "[source] adapter", gettext_noop("no adapter named %(name)r"), {"name": adapter_name}
            ) from None
        adapter = module.prepare
    transforms: dict[str, str] = {}
    for target, transform in _as_mapping(data.get("transforms"), "[transforms]").items():
        if target not in TEXT_FIELDS:
            raise MappingError(f"[transforms] {target}", UNKNOWN_FIELD)
        if transform not in TRANSFORMS:
            unknown = gettext_noop("unknown transform %(transform)r; known: %(known)s")
            raise MappingError(f"[transforms] {target}", unknown, {"transform": str(transform),
                                                                   "known": ", ".join(TRANSFORMS)})  # fmt: skip
        transforms[target] = str(transform)
    return Mapping(
        transforms=transforms,
        adapter=adapter,
        name=name,
        label=str(source.get("label", name)),
        record_type=record_type,
        format=file_format,
        encoding=source.get("encoding"),
        delimiter=delimiter,
        fields=fields,
        constants=constants,
        kinds=kinds,
        categories=categories,
        labels=labels,
        split=str(source.get("split", DEFAULT_SPLIT)),
        phone_region=str(source.get("phone_region", "FR")),
        records=records,
        rules=rules,
        skip=skip,
        group=bool(source.get("group", False)),
        unnamed=bool(source.get("unnamed", False)),
        category_names=dict(Category.objects.values_list("slug", "name_fr")) if source.get("unnamed") else {},
        header_row=header_row,
    )


def _tables(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    tables = data.get(name) or []
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise MappingError(
            f"[[{name}]]", gettext_noop("must be a list of tables ([[%(name)s]] in TOML)"), {"name": name}
        )
    return tables


def _strings(value: Any, where: str) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value] if value not in (None, "") else []
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise MappingError(where, gettext_noop("must be a text or a list of texts"))
    return tuple(values)


def _pattern(value: Any, where: str) -> re.Pattern[str] | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise MappingError(where, gettext_noop("must be a regular expression"))
    try:
        return re.compile(plain(value))
    except re.error as error:
        raise MappingError(
            where, gettext_noop("not a valid regular expression: %(error)s"), {"error": str(error)}
        ) from None


def _rule_parse(rule: dict[str, Any], where: str, known_categories: set[str]) -> Rule:
    unknown = set(rule) - {"in", "words", "pattern", "kind", "categories"}
    if unknown:
        raise MappingError(where, UNKNOWN_KEYS, {"keys": sorted(unknown)})
    names = _strings(rule.get("in", ["name", "description"]), f"{where} in")
    words = tuple(fold(w) for w in _strings(rule.get("words"), f"{where} words"))
    pattern = _pattern(rule.get("pattern"), f"{where} pattern")
    if not words and pattern is None:
        raise MappingError(where, gettext_noop("needs words or a pattern"))
    kind = str(rule.get("kind", ""))
    if kind and kind not in PlaceKind.values:
        raise MappingError(f"{where} kind", UNKNOWN_KIND, {"kind": kind, "known": ", ".join(PlaceKind.values)})
    categories = _strings(rule.get("categories"), f"{where} categories")
    for slug in categories:
        if slug not in known_categories:
            raise MappingError(f"{where} categories", UNKNOWN_CATEGORY, {"slug": slug})
    if not kind and not categories:
        raise MappingError(where, gettext_noop("gives neither a kind nor categories"))
    return Rule(names, words, pattern, kind, categories)


def _skip_parse(rule: dict[str, Any], where: str) -> Skip:
    unknown = set(rule) - {"column", "empty", "equals", "matches"}
    if unknown:
        raise MappingError(where, UNKNOWN_KEYS, {"keys": sorted(unknown)})
    column = rule.get("column")
    if not isinstance(column, str) or not column.strip():
        raise MappingError(f"{where} column", gettext_noop("required: which column the condition reads"))
    empty = rule.get("empty")
    if empty is not None and not isinstance(empty, bool):
        raise MappingError(f"{where} empty", TRUE_OR_FALSE)
    equals = tuple(fold(v) for v in _strings(rule.get("equals"), f"{where} equals"))
    pattern = _pattern(rule.get("matches"), f"{where} matches")
    if empty is None and not equals and pattern is None:
        raise MappingError(where, gettext_noop("needs a condition: empty, equals or matches"))
    return Skip(column.strip(), empty, equals, pattern)


def mapping_load(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(path.name, gettext_noop("cannot be read: %(error)s"), {"error": str(error)}) from None
    return mapping_parse(text, filename=path.name)


# --- Transforms: a field's text read before it is checked ---------------------------------------

_PHONE = re.compile(r"(?<!\d)0\d(?:[\s.-]?\d{2}){4}(?!\d)")


def _schedule(record: Record, given: dict[str, str], target: str) -> None:
    """A French schedule sentence (imports/schedules.py): its OSM hours in `target`, the pickup place it names
    as the address when no column gives one, and what was not understood in the description and the report."""
    text = given.pop(target)
    schedule = schedule_parse(text)
    if schedule.opening_hours:
        given[target] = schedule.opening_hours
    if schedule.place and not given.get("address"):
        given["address"] = schedule.place
    if not schedule.note:
        return
    if schedule.opening_hours:
        said, note = Message(gettext_noop("not read as hours")), schedule.note
    else:
        said, note = Message(gettext_noop("schedule not understood, no opening hours")), f"Horaires : {schedule.note}"
    if _PHONE.search(note):
        # AMAP lists name their volunteers with their phones: contact details are published only with
        # consent (contact_public), so such a note stays in this report.
        message = gettext_noop("%(said)s; holds a phone number, so left out of the description: %(note)r")
        record.problem(target, Message(message, {"said": said, "note": schedule.note}))
        return
    message = gettext_noop("%(said)s, kept in the description: %(note)r")
    record.problem(target, Message(message, {"said": said, "note": schedule.note}))
    given["description"] = " ".join(part for part in (given.get("description", ""), note) if part)


def _first_url(record: Record, given: dict[str, str], target: str) -> None:
    """The first web address of a list ("go.php?id=12 | https://…"). Links relative to the site the list was
    taken from lead nowhere (and would be read as a site named "go.php"): without an absolute one, none is
    kept and the row says so."""
    text = given.pop(target)
    for part in re.split(r"[|\s]+", text):
        if re.match(r"(?:https?://|www\.)[^/\s]+\.[^/\s]", part, re.IGNORECASE):
            given[target] = part
            return
    record.problem(target, Message(gettext_noop("no absolute web address in %(text)r; none kept"), {"text": text}))


TRANSFORMS: dict[str, Callable[[Record, dict[str, str], str], None]] = {"schedule": _schedule, "first_url": _first_url}


# --- Normalising values ---------------------------------------------------------------------------


def _vocabulary(record: Record, name: str, given: str, clean: Callable[[str], str]) -> str:
    """The value through the field registry, or "" with the registry's reason as the row's problem."""
    if not given:
        return ""  # what every cleaner makes of nothing (most rows give no SIRET, e-mail or web site)
    try:
        return clean(given)
    except fields.FieldInvalid as error:
        record.problem(name, error.said)
        return ""


@functools.lru_cache(maxsize=8192)
def _cleaned(clean: Callable[[str], str], given: str) -> tuple[str, Message | None]:
    """A cleaner's answer for a value, remembered: the value, or "" and the registry's reason. Only for the
    cleaners whose answer is the value's alone (opening hours, postcodes): a directory repeats its few
    schedules on thousands of rows (351 distinct of 17,283 in the 20,000-row bench file), and a
    schedule's parsing is the dearest of the cleaners. The reason, a `Message`, is never changed."""
    try:
        return clean(given), None
    except fields.FieldInvalid as error:
        return "", error.said


def _vocabulary_repeated(record: Record, name: str, given: str, clean: Callable[[str], str]) -> str:
    """`_vocabulary` for a value that repeats across a file's rows, its cleaner's answer remembered."""
    if not given:
        return ""
    value, said = _cleaned(clean, given)
    if said is not None:
        record.problem(name, said)
    return value


def in_france(lat: float, lon: float) -> bool:
    return any(s <= lat <= n and w <= lon <= e for s, w, n, e in FRANCE_BOXES)


# The choices' values as sets, made once: `LegalForm.values` builds its list again at every reading (15 µs, its
# labels included), and every producer's row read it for its legal form.
_LEGAL_FORMS = frozenset(LegalForm.values)
_PLACE_KINDS = frozenset(PlaceKind.values)


def legal_form_of(name: str) -> str:
    """ "GAEC des Monts du Forez" -> "gaec": the legal form written before a producer's name."""
    match = _LEGAL_FORM.match(name)
    if not match:
        return ""
    form = match.group(1).lower()
    return form if form in _LEGAL_FORMS else LegalForm.OTHER


def _split(text: str, separators: str) -> list[str]:
    parts = re.split("[" + re.escape(separators) + "]", text) if separators else [text]
    return [p.strip() for p in parts if p.strip()]


def _given_parts(given: dict[str, str], record: Record, name: str, separators: str) -> Iterator[tuple[str, str]]:
    """Each word of a field that may be given by several columns, with the column that gave it."""
    texts = given.get(name, "").split("\x1f") if given.get(name) else []
    columns = record.columns.get(name, "").split("\x1f")
    for position, text in enumerate(texts):
        column = columns[position] if position < len(columns) else ""
        for word in _split(text, separators):
            yield word, column


def _fill(
    record: Record,
    given: dict[str, str],
    mapping: Mapping,
    raw_position: dict[str, Any],
    kinds: list[tuple[str, str]],
    values: MappingABC[str, Any],
) -> None:
    record.ref = given.get("ref", "")
    record.name = given.get("name", "")
    record.description = html_text(given.get("description", ""))
    record.address = given.get("address", "")
    record.commune = given.get("commune", "")
    record.commune_code = given.get("commune_code", "")
    record.opening_hours = given.get("opening_hours", "")
    record.operator = given.get("operator", "")

    form = fold(given.get("legal_form", ""))
    if form:
        record.legal_form = form if form in _LEGAL_FORMS else LegalForm.OTHER
    elif record.record_type == "producer":
        record.legal_form = legal_form_of(record.name)

    postcode = re.sub(r"\s", "", given.get("postcode", ""))
    if re.fullmatch(r"\d{4}", postcode):
        postcode = "0" + postcode  # spreadsheets drop the leading zero of Ain, Aisne… (a cell read as a number)
    # One rule per field, the registry's: the values an import stores are those an edit would store.
    record.postcode = _vocabulary_repeated(record, "postcode", postcode, fields.postcode_clean)
    record.siret = _vocabulary(record, "siret", given.get("siret", ""), fields.siret_clean)
    region = mapping.phone_region
    record.phone = _vocabulary(record, "phone", given.get("phone", ""), lambda v: fields.phone_clean(v, region=region))
    record.email = _vocabulary(record, "email", given.get("email", ""), fields.email_clean)
    record.website = _vocabulary(record, "website", given.get("website", ""), fields.url_clean)
    if record.record_type != "place":  # only a producer has an order link
        order_url = given.get("order_url", "")
        record.order_url = _vocabulary(record, "order_url", order_url, lambda v: fields.url_clean(v, field="order_url"))

    _fill_position(record, given, raw_position)
    _fill_kind(record, kinds, mapping)

    for word, column in _given_parts(given, record, "categories", mapping.split):
        slugs = mapping.categories.get(fold(word))
        if slugs is None and fold(word) in mapping.kinds:
            continue  # a kind written among the categories, as GoGoCarto maps do
        if slugs is None:
            message = gettext_noop("unknown category %(word)r (add it to [categories] in the mapping)")
            record.problem("categories", Message(message, {"word": word}), column=column)
        else:
            record.categories += tuple(s for s in slugs if s not in record.categories)
    for word, column in _given_parts(given, record, "labels", mapping.split):
        slug = mapping.labels.get(fold(word))
        if slug is None:
            message = gettext_noop("unknown label %(word)r (add it to [labels] in the mapping)")
            record.problem("labels", Message(message, {"word": word}), column=column)
        elif slug and slug not in record.labels:
            record.labels += (slug,)
    for word, _column in _given_parts(given, record, "supplies", SUPPLIES_SPLIT):
        if word not in record.supplies:
            record.supplies += (word,)
    _fill_rules(record, mapping, values)
    if not record.kind:
        _kind_missing(record, kinds, mapping)
    if not record.name and mapping.unnamed and record.kind:
        _commune_from_position(record)
        record.name, record.name_generated = unnamed_name(record, mapping.category_names), True
        record.columns["name"] = "[source] unnamed"
    if not record.name:
        record.problem("name", Message(gettext_noop("no name")), fatal=True)

    record.opening_hours = _vocabulary_repeated(record, "opening_hours", record.opening_hours, fields.hours_clean)

    record.contact_public = fold(given.get("contact_public", "")) in {"1", "true", "yes", "oui", "x"}
    verified = given.get("verified_at", "")
    if verified:
        try:
            record.verified_at = dt.date.fromisoformat(verified[:10])
        except ValueError:
            message = gettext_noop("%(value)r is not a date (YYYY-MM-DD)")
            record.problem("verified_at", Message(message, {"value": verified}))


def _fill_rules(record: Record, mapping: Mapping, values: MappingABC[str, Any]) -> None:
    """Free-text rules: the first matching rule with a kind gives a record without one its kind; every
    matching rule adds its categories."""
    for rule in mapping.rules:
        if not rule.matches(record, values):
            continue
        if rule.kind and not record.kind and record.record_type == "place":
            record.kind = rule.kind
            record.columns["kind"] = "[[rules]] " + ", ".join(rule.within)
        record.categories += tuple(s for s in rule.categories if s not in record.categories)


_TAG = re.compile(r"<[^>]*>")


def html_text(text: str) -> str:
    """The text of a description written in HTML (exports from web maps): tags out, entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    return " ".join(html.unescape(_TAG.sub(" ", text)).split())


# The kind's French words for a place without a name; a vending machine is named after what it sells.
_UNNAMED = {
    "farm": "Vente à la ferme", "market": "Marché", "amap": "AMAP", "producers_shop": "Magasin de producteurs",
    "supermarket": "Supermarché", "shop": "Commerce", "solidarity_grocery": "Épicerie solidaire",
    "cooperative_grocery": "Épicerie coopérative", "restaurant": "Restaurant", "canteen": "Restauration collective",
    "relay": "Point relais", "vending": "Distributeur", "online": "Vente en ligne",
}  # fmt: skip


def _of(noun: str) -> str:
    """ "œufs" -> "d'œufs", "lait" -> "de lait" (a name: the plain apostrophe people type)."""
    return french_of(noun, apostrophe="'")


def unnamed_name(record: Record, category_names: dict[str, str]) -> str:
    """A French name for a place its source left nameless: "Marché de Colmar", "Distributeur d'œufs —
    Riquewihr". Without a commune, the street, else the source's reference, keeps two of them apart."""
    phrase = _UNNAMED.get(record.kind, record.kind)
    if record.kind == "vending":
        sold = [category_names.get(s, s).lower() for s in record.categories[:3]]
        if len(sold) == 1:
            phrase = f"{phrase} {_of(sold[0])}"
        elif len(sold) == 2:
            phrase = f"{phrase} {_of(sold[0])} et {_of(sold[1])}"
        elif sold:
            phrase = f"{phrase} de produits fermiers"
    commune = record.commune.strip()
    if commune and record.kind == "market":
        return f"{phrase} {_of(commune)}"
    if commune:
        return f"{phrase} — {commune}"
    if record.address:
        return f"{phrase} — {record.address}"
    return f"{phrase} ({record.ref})" if record.ref else phrase


def _commune_from_position(record: Record) -> None:
    """A French place that its source gives no commune (most OpenStreetMap features) is in the commune its
    position falls in, which names it when it has no name."""
    if record.commune or record.commune_code or record.lat is None or record.lon is None:
        return
    if not in_france(record.lat, record.lon):
        return
    found = commune_at(record.lat, record.lon)
    if found is not None:
        record.commune_code, record.commune = found
        record.columns["commune"] = record.columns["commune_code"] = " + ".join(
            column for column in (record.columns.get("lat", ""), record.columns.get("lon", "")) if column
        )


def _fill_position(record: Record, given: dict[str, str], raw: dict[str, Any]) -> None:
    lat_text, lon_text = given.get("lat", ""), given.get("lon", "")
    if not lat_text and not lon_text:
        return
    lat = raw["lat"] if isinstance(raw.get("lat"), float) else number_parse(lat_text)
    lon = raw["lon"] if isinstance(raw.get("lon"), float) else number_parse(lon_text)
    if lat is None or lon is None:
        message = gettext_noop("position %(lat)r, %(lon)r is not two numbers")
        record.problem("lat", Message(message, {"lat": lat_text, "lon": lon_text}))
        return
    if not (valid_lat(lat) and valid_lon(lon)):
        message = gettext_noop("position %(lat)s, %(lon)s is impossible (latitude -90..90, longitude -180..180)")
        record.problem("lat", Message(message, {"lat": f"{lat:g}", "lon": f"{lon:g}"}))
        return
    # Outside France, swapped or far from the row's commune: judged against the commune once it is known
    # (geocode.positions_check), in the preview as in the import.
    record.lat, record.lon = lat, lon


def _fill_kind(record: Record, kinds: list[tuple[str, str]], mapping: Mapping) -> None:
    """The first value naming a kind gives it: the columns in the mapping's order, and within a cell
    ("Marché, Légumes") its words."""
    for word, column in kinds:
        for part in [word, *_split(word, mapping.split)]:
            kind = mapping.kinds.get(fold(part)) or (part if part in _PLACE_KINDS else "")
            if kind:
                record.kind = kind
                record.columns["kind"] = column
                return


def _kind_missing(record: Record, kinds: list[tuple[str, str]], mapping: Mapping) -> None:
    """No column and no rule gave a kind: a producer is read without a place, a place is kept out."""
    producer = record.record_type == "producer"
    if not kinds:
        if not producer:
            message = gettext_noop("no place kind (map a column to kind, give [constants] kind, or a [[rules]] kind)")
            record.problem("kind", Message(message), fatal=True)
        return
    words = Message.quoting([word for word, _column in kinds])
    column = ", ".join(column for _word, column in kinds)
    if producer:
        message = gettext_noop("unknown place kind %(words)s; the producer is read without a place")
        record.problem("kind", Message(message, {"words": words}), column=column)
    else:
        message = gettext_noop("unknown place kind %(words)s (add it to [kinds] in the mapping)")
        record.problem("kind", Message(message, {"words": words}), fatal=True, column=column)
