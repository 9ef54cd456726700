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

`mapping_parse` checks everything it can before a file is read; `Mapping.record_of` turns one row into
a `Record` with the problems found in it.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
import tomllib
from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from terroir.directory import fields
from terroir.directory.models import Category, Label, LegalForm, PlaceKind
from terroir.lib.geo import valid_lat, valid_lon
from terroir.lib.tabular import FORMATS, RawRow, number_parse
from terroir.lib.text import fold, has_control, one_line

from .schedules import schedule_parse

TEXT_FIELDS = (
    "ref", "name", "legal_form", "siret", "description", "address", "postcode", "commune", "commune_code",
    "email", "phone", "website", "kind", "categories", "labels", "opening_hours", "contact_public",
    "verified_at", "lat", "lon",
)  # fmt: skip
RECORD_TYPES = ("place", "producer")
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
    """A mapping that cannot be used: `where` names the section and key."""

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


@dataclass(frozen=True)
class Problem:
    """Something wrong with one field of one row. `fatal` problems keep the row out of the directory."""

    line: int
    field: str
    message: str
    fatal: bool = False


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
    categories: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    opening_hours: str = ""
    contact_public: bool = False
    verified_at: dt.date | None = None
    # How the position was found: given by the source, or by geocoding (address, street, commune).
    precision: str = ""
    raw: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def rejected(self) -> bool:
        return any(p.fatal for p in self.problems)

    def problem(self, field_name: str, message: str, *, fatal: bool = False) -> None:
        self.problems.append(Problem(self.line, field_name, message, fatal))


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
            return path_get(values, self.spec)
        joined = _TEMPLATE_PART.sub(lambda m: _text(path_get(values, m.group(1))), self.spec)
        return " ".join(joined.split())


# --- The mapping ----------------------------------------------------------------------------------


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

    def columns(self) -> set[str]:
        """The columns or paths the mapping reads."""
        return {path for getters in self.fields.values() for getter in getters for path in getter.paths}

    def missing_columns(self, header: set[str]) -> list[str]:
        """Mapped columns that a tabular file's header lacks (JSON paths are not checked)."""
        return sorted(path for path in self.columns() if path not in header and not any(c in path for c in ".["))

    def record_of(self, row: RawRow) -> Record:
        record = Record(line=row.line, source=self.name, record_type=self.record_type, raw=row.values)
        values = self.adapter(row.values) if self.adapter else row.values
        given: dict[str, str] = dict(self.constants)
        # The values as the file typed them: JSON gives positions as numbers already.
        typed: dict[str, Any] = {}
        for target, getters in self.fields.items():
            for getter in getters:
                value = getter.get(values)
                text = _text(value)
                if has_control(text):
                    # Line breaks were already folded into spaces; what is left (escapes, DEL) is noise that
                    # would reach e-mail subjects and exports.
                    text = one_line(text)
                    record.problem(target, "control characters removed")
                if text:
                    given[target], typed[target] = text, value
                    break
        for target, transform in self.transforms.items():
            if given.get(target):
                TRANSFORMS[transform](record, given, target)
        _fill(record, given, self, typed)
        return record


def _as_mapping(section: Any, where: str) -> dict[str, Any]:
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise MappingError(where, "must be a table of keys and values")
    return section


def mapping_parse(text: str, *, filename: str = "mapping.toml") -> Mapping:
    """Read a mapping (TOML, or YAML when the file name says so) and check it."""
    data: Any
    if filename.endswith((".yaml", ".yml")):
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise MappingError(filename, f"not valid YAML: {error}") from None
    else:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise MappingError(filename, f"not valid TOML: {error}") from None
    data = _as_mapping(data, filename)
    unknown_sections = set(data) - {"source", "fields", "constants", "kinds", "categories", "labels", "transforms"}
    if unknown_sections:
        raise MappingError(filename, f"unknown section(s) {', '.join(sorted(unknown_sections))}")
    source = _as_mapping(data.get("source"), "[source]")
    name = str(source.get("name", "")).strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,49}", name):
        raise MappingError(
            "[source] name", "required: lower-case letters, digits, - or _ (it is stored with every record)"
        )
    record_type = str(source.get("record", "place"))
    if record_type not in RECORD_TYPES:
        raise MappingError("[source] record", f"{record_type!r} is neither place nor producer")
    file_format = source.get("format")
    if file_format is not None and file_format not in FORMATS:
        raise MappingError("[source] format", f"{file_format!r} is not one of {', '.join(FORMATS)}")
    delimiter = source.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise MappingError("[source] delimiter", "must be one character")
    fields: dict[str, list[Getter]] = {}
    for target, spec in _as_mapping(data.get("fields"), "[fields]").items():
        if target not in TEXT_FIELDS:
            raise MappingError(f"[fields] {target}", f"unknown field; known fields: {', '.join(TEXT_FIELDS)}")
        specs = spec if isinstance(spec, list) else [spec]
        if not specs or not all(isinstance(s, str) and s.strip() for s in specs):
            raise MappingError(f"[fields] {target}", "must be a column name, a path, or a list of them")
        fields[target] = [Getter(s.strip()) for s in specs]
    if "ref" in source:
        fields.setdefault("ref", [Getter(str(source["ref"]))])
    constants = {k: _text(v) for k, v in _as_mapping(data.get("constants"), "[constants]").items()}
    for target in constants:
        if target not in TEXT_FIELDS:
            raise MappingError(f"[constants] {target}", "unknown field")
    if "name" not in fields and "name" not in constants:
        raise MappingError("[fields] name", "required: which column gives the name")
    kinds: dict[str, str] = {}
    for word, kind in _as_mapping(data.get("kinds"), "[kinds]").items():
        if kind not in PlaceKind.values:
            raise MappingError(f"[kinds] {word}", f"unknown place kind {kind!r}; known: {', '.join(PlaceKind.values)}")
        kinds[fold(str(word))] = kind
    if "kind" in constants and constants["kind"] not in PlaceKind.values and fold(constants["kind"]) not in kinds:
        raise MappingError("[constants] kind", f"unknown place kind {constants['kind']!r}")
    known_categories = set(Category.objects.values_list("slug", flat=True))
    categories: dict[str, list[str]] = {}
    for word, slugs in _as_mapping(data.get("categories"), "[categories]").items():
        slug_list = slugs if isinstance(slugs, list) else [slugs]
        for slug in slug_list:
            if slug not in known_categories:
                raise MappingError(f"[categories] {word}", f"unknown category {slug!r}")
        categories[fold(str(word))] = list(slug_list)
    known_labels = set(Label.objects.values_list("slug", flat=True))
    labels: dict[str, str] = {}
    for word, slug in _as_mapping(data.get("labels"), "[labels]").items():
        if slug not in known_labels:
            raise MappingError(f"[labels] {word}", f"unknown label {slug!r}")
        labels[fold(str(word))] = slug
    adapter = None
    if source.get("adapter"):
        adapter_name = str(source["adapter"])
        if not re.fullmatch(r"[a-z0-9_]+", adapter_name):
            raise MappingError("[source] adapter", f"{adapter_name!r} is not an adapter name")
        try:
            module = importlib.import_module(f"terroir.imports.sources.{adapter_name}")
        except ModuleNotFoundError:
            raise MappingError("[source] adapter", f"no adapter named {adapter_name!r}") from None
        adapter = module.prepare
    transforms: dict[str, str] = {}
    for target, transform in _as_mapping(data.get("transforms"), "[transforms]").items():
        if target not in TEXT_FIELDS:
            raise MappingError(f"[transforms] {target}", "unknown field")
        if transform not in TRANSFORMS:
            raise MappingError(
                f"[transforms] {target}", f"unknown transform {transform!r}; known: {', '.join(TRANSFORMS)}"
            )
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
    )


def mapping_load(path: Path) -> Mapping:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise MappingError(path.name, f"cannot be read: {error}") from None
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
        said, note = "not read as hours", schedule.note
    else:
        said, note = "schedule not understood, no opening hours", f"Horaires : {schedule.note}"
    if _PHONE.search(note):
        # AMAP lists name their volunteers with their phones: contact details are published only with
        # consent (contact_public), so such a note stays in this report.
        record.problem(target, f"{said}; holds a phone number, so left out of the description: {schedule.note!r}")
        return
    record.problem(target, f"{said}, kept in the description: {schedule.note!r}")
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
    record.problem(target, f"no absolute web address in {text!r}; none kept")


TRANSFORMS: dict[str, Callable[[Record, dict[str, str], str], None]] = {"schedule": _schedule, "first_url": _first_url}


# --- Normalising values ---------------------------------------------------------------------------


def _vocabulary(record: Record, name: str, given: str, clean: Callable[[str], str]) -> str:
    """The value through the field registry, or "" with the registry's reason as the row's problem."""
    try:
        return clean(given)
    except fields.FieldInvalid as error:
        record.problem(name, error.reason)
        return ""


def in_france(lat: float, lon: float) -> bool:
    return any(s <= lat <= n and w <= lon <= e for s, w, n, e in FRANCE_BOXES)


def legal_form_of(name: str) -> str:
    """ "GAEC des Monts du Forez" -> "gaec": the legal form written before a producer's name."""
    match = _LEGAL_FORM.match(name)
    if not match:
        return ""
    form = match.group(1).lower()
    return form if form in LegalForm.values else LegalForm.OTHER


def _split(text: str, separators: str) -> list[str]:
    parts = re.split("[" + re.escape(separators) + "]", text) if separators else [text]
    return [p.strip() for p in parts if p.strip()]


def _fill(record: Record, given: dict[str, str], mapping: Mapping, raw_position: dict[str, Any]) -> None:
    record.ref = given.get("ref", "")
    record.name = given.get("name", "")
    if not record.name:
        record.problem("name", "no name", fatal=True)
    record.description = given.get("description", "")
    record.address = given.get("address", "")
    record.commune = given.get("commune", "")
    record.commune_code = given.get("commune_code", "")
    record.opening_hours = given.get("opening_hours", "")

    form = fold(given.get("legal_form", ""))
    if form:
        record.legal_form = form if form in LegalForm.values else LegalForm.OTHER
    elif mapping.record_type == "producer":
        record.legal_form = legal_form_of(record.name)

    postcode = re.sub(r"\s", "", given.get("postcode", ""))
    if re.fullmatch(r"\d{4}", postcode):
        postcode = "0" + postcode  # spreadsheets drop the leading zero of Ain, Aisne… (a cell read as a number)
    # One rule per field, the registry's: the values an import stores are those an edit would store.
    record.postcode = _vocabulary(record, "postcode", postcode, fields.postcode_clean)
    record.siret = _vocabulary(record, "siret", given.get("siret", ""), fields.siret_clean)
    region = mapping.phone_region
    record.phone = _vocabulary(record, "phone", given.get("phone", ""), lambda v: fields.phone_clean(v, region=region))
    record.email = _vocabulary(record, "email", given.get("email", ""), fields.email_clean)
    record.website = _vocabulary(record, "website", given.get("website", ""), fields.url_clean)

    _fill_position(record, given, raw_position)
    _fill_kind(record, given, mapping)

    for word in _split(given.get("categories", ""), mapping.split):
        slugs = mapping.categories.get(fold(word))
        if slugs is None and fold(word) in mapping.kinds:
            continue  # a kind written among the categories, as GoGoCarto maps do
        if slugs is None:
            record.problem("categories", f"unknown category {word!r} (add it to [categories] in the mapping)")
        else:
            record.categories += tuple(s for s in slugs if s not in record.categories)
    for word in _split(given.get("labels", ""), mapping.split):
        slug = mapping.labels.get(fold(word))
        if slug is None:
            record.problem("labels", f"unknown label {word!r} (add it to [labels] in the mapping)")
        elif slug not in record.labels:
            record.labels += (slug,)

    record.opening_hours = _vocabulary(record, "opening_hours", record.opening_hours, fields.hours_clean)

    record.contact_public = fold(given.get("contact_public", "")) in {"1", "true", "yes", "oui", "x"}
    verified = given.get("verified_at", "")
    if verified:
        try:
            record.verified_at = dt.date.fromisoformat(verified[:10])
        except ValueError:
            record.problem("verified_at", f"{verified!r} is not a date (YYYY-MM-DD)")


def _fill_position(record: Record, given: dict[str, str], raw: dict[str, Any]) -> None:
    lat_text, lon_text = given.get("lat", ""), given.get("lon", "")
    if not lat_text and not lon_text:
        return
    lat = raw["lat"] if isinstance(raw.get("lat"), float) else number_parse(lat_text)
    lon = raw["lon"] if isinstance(raw.get("lon"), float) else number_parse(lon_text)
    if lat is None or lon is None:
        record.problem("lat", f"position {lat_text!r}, {lon_text!r} is not two numbers")
        return
    if not (valid_lat(lat) and valid_lon(lon)):
        record.problem("lat", f"position {lat:g}, {lon:g} is impossible (latitude -90..90, longitude -180..180)")
        return
    # Outside France, swapped or far from the row's commune: judged against the commune once it is known
    # (geocode.positions_check), in the preview as in the import.
    record.lat, record.lon = lat, lon


def _fill_kind(record: Record, given: dict[str, str], mapping: Mapping) -> None:
    word = given.get("kind", "")
    if mapping.record_type == "producer" and not word:
        return
    if not word:
        record.problem("kind", "no place kind (map a column to kind, or give [constants] kind)", fatal=True)
        return
    # A cell may hold several words ("Marché, Légumes"): the first one naming a kind gives it.
    kind = ""
    for part in [word, *_split(word, mapping.split)]:
        kind = mapping.kinds.get(fold(part)) or (part if part in PlaceKind.values else "")
        if kind:
            break
    if kind:
        record.kind = kind
    elif mapping.record_type == "producer":
        record.problem("kind", f"unknown place kind {word!r}; the producer is read without a place")
    else:
        record.problem("kind", f"unknown place kind {word!r} (add it to [kinds] in the mapping)", fatal=True)
