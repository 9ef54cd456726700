"""The column-mapping screen's reasoning: a file's columns profiled from its first rows (sample values,
empty cells, distinct values), a target field suggested for each (from its header in French or English,
else from the shape of its values), suggestions for the source's words of kinds, categories, labels and
record types, and the choices written as the mapping's TOML — the text the command line reads, checked by
the same loader (`mapping.mapping_parse`).

A coordinator never writes TOML: the page (views_mapping.py) shows what this finds, they correct it, and
the text this writes is saved and used like any other mapping.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Category, Label, PlaceKind
from terroir.lib import hours
from terroir.lib.tabular import (
    HEADER_SEARCH_ROWS,
    WORKBOOKS,
    HeaderAt,
    Limits,
    format_of,
    header_names,
    header_read,
    rows_read,
    sheets_top,
)
from terroir.lib.text import fold

from .mapping import DEFAULT_SPLIT, UNION_FIELDS, _text

# Rows read to profile a file: enough to see its columns' values and the words of its kinds and
# categories, few enough that the page answers at once whatever the file's size.
SAMPLE_ROWS = 1000
SAMPLES_SHOWN = 4
# Distinct values listed in a value table; the rest are counted together.
VALUES_SHOWN = 60
# The directory fields a column may give, in the order the page lists them. "opening_hours_text" is the
# hours written as a sentence ("chaque jeudi de 18h à 19h"), read through the `schedule` transform.
TARGETS: tuple[tuple[str, Any], ...] = (
    ("name", _("Name")),
    ("ref", _("Identifier in the source")),
    ("kind", _("Kind of place")),
    ("record", _("What the row describes (producer, place)")),
    ("legal_form", _("Legal form")),
    ("siret", _("SIRET")),
    ("description", _("Description")),
    ("address", _("Address")),
    ("postcode", _("Postcode")),
    ("commune", _("Commune")),
    ("commune_code", _("Commune INSEE code")),
    ("lat", _("Latitude")),
    ("lon", _("Longitude")),
    ("email", _("Email address")),
    ("phone", _("Phone")),
    ("website", _("Website")),
    ("categories", _("Products")),
    ("labels", _("Labels")),
    ("opening_hours", _("Opening hours (OpenStreetMap syntax)")),
    ("opening_hours_text", _("Opening hours written as a sentence")),
    ("verified_at", _("Date last verified")),
    ("contact_public", _("Contact details may be published")),
    ("supplies", _("Places supplied (AMAP, shop…)")),
)
TARGET_NAMES = frozenset(name for name, _label in TARGETS)
# The fields whose words the page lists with their counts, for the coordinator to say what each means.
VALUE_TABLES = ("kind", "categories", "labels", "record")
# One column each; the others may take several (the first one not empty, or every one for UNION_FIELDS).
SINGLE = frozenset({"name", "ref", "lat", "lon", "record"})

# Header words -> field, folded (lower case, no accents, punctuation as spaces). A header equal to one of
# these wins over a header holding it among other words; the longest phrase held wins.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("nom", "name", "title", "titre", "raison sociale", "nom ou raison sociale", "denomination",
             "enseigne", "nom de la structure", "nom du lieu", "nom de l exploitation", "intitule", "libelle",
             "nom commercial", "canteen name", "producteur", "exploitation"),
    "ref": ("id", "identifiant", "ref", "reference", "uid", "code", "identifier", "numero", "n", "cle", "key"),
    "kind": ("type", "type de lieu", "kind", "nature", "type de structure", "type de point de vente",
             "categorie de lieu", "amenity", "shop", "type d etablissement", "mode de vente", "lieu de vente"),
    "record": ("type de fiche", "vente directe", "record type", "type d acteur"),
    "legal_form": ("forme juridique", "statut juridique", "legal form", "statut"),
    "siret": ("siret", "n siret", "numero siret", "siret number", "siren"),
    "description": ("description", "presentation", "descriptif", "commentaire", "commentaires", "remarques",
                    "about", "infos", "informations", "summary", "resume", "description more", "notes"),
    "address": ("adresse", "address", "rue", "voie", "street", "street address", "adresse postale",
                "adresse complete", "lieu", "addr street", "adresse 1", "adress"),
    "postcode": ("code postal", "cp", "postcode", "postal code", "zip", "zipcode", "zip code", "code post",
                 "addr postcode"),
    "commune": ("commune", "ville", "city", "localite", "address locality", "town", "village", "municipality",
                "addr city", "nom commune", "libelle commune"),
    "commune_code": ("code insee", "insee", "code commune", "citycode", "code insee commune", "insee code",
                     "city insee code", "canteen city insee code", "cog"),
    "lat": ("lat", "latitude", "y", "geo latitude", "coord y"),
    "lon": ("lon", "lng", "long", "longitude", "x", "geo longitude", "coord x"),
    "email": ("email", "e mail", "mail", "courriel", "adresse mail", "adresse email", "adresse electronique",
              "mel", "contact email"),
    "phone": ("telephone", "tel", "phone", "portable", "mobile", "telephone fixe", "numero de telephone",
              "contact phone", "tel fixe", "tel portable"),
    "website": ("site", "site internet", "site web", "website", "websites", "url", "web", "lien",
                "contact website", "page web", "sites web"),
    "categories": ("produits", "products", "categories", "activite", "activite principale", "production",
                   "productions", "produits vendus", "taxonomy", "produce", "product", "vending",
                   "type de production", "filiere", "gamme"),
    "labels": ("label", "labels", "certification", "certifications", "signe de qualite", "organic", "bio"),
    "opening_hours": ("horaires", "horaire", "heures d ouverture", "opening hours", "open hours", "ouverture",
                      "jours et horaires", "creneau", "distribution", "jours de marche", "open hours osm",
                      "open hours more infos", "schedule"),
    "verified_at": ("date de certification", "date de mise a jour", "mise a jour", "mis a jour", "updated",
                    "last update", "date de verification", "verified", "date maj", "updated at", "modifie le"),
    "contact_public": ("contact public", "publier le contact", "consentement", "contact publiable"),
    "supplies": ("amap", "lieux de vente", "points de vente", "livre", "supplies", "approvisionne"),
}  # fmt: skip

# Words that name a field only when they are the whole header: inside a longer one they say something
# else ("canteen_management_type" is no kind, "ratio_bio" no label, "payment:notes" no description).
EXACT_ONLY = frozenset({
    "type", "code", "id", "n", "ref", "key", "cle", "site", "lieu", "statut", "nature", "bio", "organic", "shop",
    "product", "produce", "vending", "production", "notes", "infos", "web", "tel", "mail", "x", "y", "amap",
    "livre", "activite", "label", "summary", "distribution", "ouverture",
})  # fmt: skip
_PHONE = re.compile(r"^(?:\+33\s?|0033\s?|0)[1-9](?:[\s.-]?\d{2}){4}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
_URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
_DECIMAL = re.compile(r"^-?\d{1,3}[.,]\d{3,}$")
_DATE = re.compile(r"^(?:\d{4}-\d{2}-\d{2}|\d{2}/\d{2}/\d{4})")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


@dataclass
class Column:
    """One column of the file as the page shows it: `name` is what the mapping names (a dotted path for
    JSON), `renamed` the header's own name when a name given twice was read as "name (2)"."""

    name: str
    samples: list[str] = field(default_factory=list)
    filled: int = 0
    empty: int = 0
    values: Counter[str] = field(default_factory=Counter)
    renamed: str = ""
    suggestion: str = ""


@dataclass
class Profile:
    """What the first rows of a file say: its columns, how many rows were read, whether there are more,
    which row names the columns."""

    format: str
    columns: list[Column]
    rows: int
    more: bool
    header_row: int | None = None
    # The header's names look like values (numbers, e-mails, web addresses): the file may have no header.
    header_like_data: bool = False

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)


# --- Reading the first rows ------------------------------------------------------------------------


def header_row_guess(path: Path, *, limits: Limits, encoding: str | None = None) -> int:
    """The row naming the columns of a CSV file or sheet: the first of the top rows filled nearly as
    much as the fullest of them (titles and a row of column groups stand above the HVE list's header)."""
    counts: list[tuple[int, int]] = []
    rows = rows_read(path, limits=limits, encoding=encoding, header=HeaderAt(row=1))
    first = header_read(path, limits=limits, encoding=encoding, header=HeaderAt(row=1)) or []
    counts.append((1, sum(1 for name in first if name and not name.startswith("#"))))
    for row in _first(rows, HEADER_SEARCH_ROWS):
        counts.append((row.line, sum(1 for value in row.values.values() if _text(value))))
    most = max(count for _line, count in counts)
    return next(line for line, count in counts if count >= 0.8 * most)


def _filled(cells: Iterable[Any]) -> int:
    return sum(1 for cell in cells if _text(cell))


def workbook_header(path: Path, *, limits: Limits) -> HeaderAt:
    """Where a workbook's header is: the fullest of the top rows of its fullest sheet (a ministry's
    workbook opens on a notice sheet), said by the names it holds, which is how the loader finds the
    sheet and the row again (`HeaderAt(columns=…)`)."""
    best: tuple[int, list[Any]] = (0, [])
    for _title, rows in sheets_top(path, limits):
        most = max((_filled(cells) for cells in rows), default=0)
        if most > best[0]:
            best = (most, next(cells for cells in rows if _filled(cells) >= 0.8 * most))
    if not best[0]:
        return HeaderAt()
    return HeaderAt(columns=frozenset(name for name in header_names(best[1]) if name))


def _first(rows: Iterator[Any], n: int) -> Iterator[Any]:
    for position, row in enumerate(rows):
        if position >= n:
            return
        yield row


def flattened(values: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A JSON record's values under the paths a mapping names them by: "geo.latitude", "taxonomy" (a
    list of words), "geometry.coordinates[1]" (a GeoJSON point's latitude)."""
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flattened(value, f"{path}.")
        elif isinstance(value, list) and key == "coordinates" and len(value) == 2:
            yield f"{path}[1]", value[1]
            yield f"{path}[0]", value[0]
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            for sub in dict.fromkeys(k for item in value for k in item):
                yield f"{path}[*].{sub}", [item.get(sub) for item in value]
        else:
            yield path, value


def profile_read(path: Path, *, limits: Limits, header_row: int | None = None, encoding: str | None = None) -> Profile:
    """The columns of the file's first SAMPLE_ROWS rows. Raises SourceError when it cannot be read."""
    kind = format_of(path)
    tabular = kind in ("csv", *WORKBOOKS)
    at = HeaderAt(row=header_row)
    if kind in WORKBOOKS and header_row is None:
        at = workbook_header(path, limits=limits)
    elif tabular and header_row is None:
        header_row = header_row_guess(path, limits=limits, encoding=encoding)
        at = HeaderAt(row=header_row)
    columns: dict[str, Column] = {}
    header: list[str] = []
    if tabular:
        header = header_read(path, limits=limits, encoding=encoding, header=at) or []
        seen: Counter[str] = Counter()
        for name in header:
            if not name:
                continue
            column = columns[name] = Column(name)
            base = re.sub(r" \(\d+\)$", "", name)
            if base != name and base in columns:
                column.renamed = base
            seen[name] += 1
    rows = 0
    more = False
    for row in rows_read(path, limits=limits, encoding=encoding, header=at):
        if rows >= SAMPLE_ROWS:
            more = True
            break
        rows += 1
        values = dict(flattened(row.values)) if not tabular else row.values
        for name in columns:
            values.setdefault(name, "")
        for name, value in values.items():
            if name.startswith("#") and tabular:
                continue  # a cell without a column name
            column = columns.setdefault(name, Column(name))
            text = _text(value)
            if not text:
                column.empty += 1
                continue
            column.filled += 1
            column.values[text] += 1
            if len(column.samples) < SAMPLES_SHOWN and text not in column.samples:
                column.samples.append(text)
    profile = Profile(format=kind, columns=list(columns.values()), rows=rows, more=more, header_row=header_row)
    profile.header_like_data = tabular and _like_data(header)
    suggest_all(profile)
    return profile


def _like_data(header: list[str]) -> bool:
    named = [name for name in header if name]
    shaped = [name for name in named if _shape(name) or re.fullmatch(r"[\d\s.,-]+", name)]
    return bool(named) and len(shaped) * 2 > len(named)


# --- Suggestions -----------------------------------------------------------------------------------


def _words_of(name: str) -> str:
    """A header as its words: the last part of a JSON path, camelCase split ("postalCode" -> "postal code")."""
    last = name.replace("[*]", "").replace("[0]", " x").replace("[1]", " y")
    parts = [part for part in last.split(".") if part]
    tail = parts[-1] if parts else name
    if (len(parts) > 1 and tail in ("latitude", "longitude")) or last.endswith((" x", " y")):
        tail = " ".join(parts[-2:])
    return fold(_CAMEL.sub(" ", tail))


def header_suggestion(name: str) -> tuple[str, int]:
    """The field a header names, and how surely (2: the header is one of its words, 1: it holds one)."""
    words = _words_of(name)
    if words.endswith("coordinates y"):
        return "lat", 2
    if words.endswith("coordinates x"):
        return "lon", 2
    best: tuple[str, int, int] = ("", 0, 0)
    padded = f" {words} "
    for target, phrases in SYNONYMS.items():
        for phrase in phrases:
            if words == phrase:
                score = (2, len(phrase))
            elif phrase not in EXACT_ONLY and len(phrase) > 2 and f" {phrase} " in padded:
                score = (1, len(phrase))
            else:
                continue
            if score > best[1:]:
                best = (target, *score)
    return best[0], best[1]


def _shape(text: str) -> str:
    """The field a single value looks like, by its shape alone."""
    compact = re.sub(r"[\s.]", "", text)
    if re.fullmatch(r"\d{14}", compact):
        return "siret"
    if _EMAIL.match(text):
        return "email"
    if _URL.match(text):
        return "website"
    if _PHONE.match(text.strip()):
        return "phone"
    return ""


def shape_suggestion(values: Iterable[str]) -> str:
    """The field most of the values look like: SIRET, e-mail, web address, phone, postcode, a
    latitude or longitude in France, a date, OpenStreetMap opening hours; "" when they agree on none."""
    texts = [v for v in values if v][:30]
    if not texts:
        return ""
    most = len(texts) * 0.8
    shapes = Counter(_shape(t) for t in texts)
    shape, count = shapes.most_common(1)[0]
    if shape and count >= most:
        return shape
    if sum(bool(re.fullmatch(r"\d{5}", t.strip())) for t in texts) >= most:
        return "postcode"
    numbers = [float(t.replace(",", ".")) for t in texts if _DECIMAL.match(t.strip())]
    if len(numbers) >= most:
        if all(41.0 <= n <= 51.5 for n in numbers):
            return "lat"
        # Shares and ratios (0.2665) are no longitudes.
        if all(-5.5 <= n <= 9.9 for n in numbers) and not all(0 <= n <= 1 for n in numbers):
            return "lon"
    if sum(bool(_DATE.match(t)) for t in texts) >= most:
        return "verified_at"
    if sum(_is_hours(t) for t in texts) >= most:
        return "opening_hours"
    return ""


def _is_hours(text: str) -> bool:
    if not re.search(r"\d{1,2}:\d{2}", text):
        return False
    try:
        hours.validate(text)
    except hours.InvalidOpeningHours:
        return False
    return True


def column_suggestion(column: Column) -> tuple[str, int]:
    """The field a column most likely gives, and how surely: its header first, checked against its values
    (a header "horaires" over sentences is hours written as a sentence), else its values' shape."""
    if column.name.startswith("geometry.") and "coordinates" not in column.name:
        return "", 0  # GeoJSON's own structure ("geometry.type": "Point")
    by_header, sureness = header_suggestion(column.name)
    values = list(column.values)
    if by_header and by_header != "verified_at" and shape_suggestion(values) == "verified_at":
        return "", 0  # dates under a header naming something else ("check_date:opening_hours")
    if by_header == "opening_hours" and values:
        sample = values[:30]
        if sum(_is_hours(v) for v in sample) * 2 >= len(sample):
            return "opening_hours", sureness
        # A sentence of hours has times or days in it; "no" or "yes" under "opening_hours:signed" has not.
        timed = sum(bool(re.search(r"\d", v)) for v in sample)
        return ("opening_hours_text", sureness) if timed * 2 >= len(sample) else ("", 0)
    if by_header:
        return by_header, sureness
    by_shape = shape_suggestion(values)
    return by_shape, 1 if by_shape else 0


def suggest_all(profile: Profile) -> None:
    """A suggestion for every column; a field that takes one column goes to the surest one."""
    scored = [(column, *column_suggestion(column)) for column in profile.columns]
    taken: dict[str, tuple[int, int]] = {}
    for position, (column, target, sureness) in enumerate(scored):
        if not target:
            continue
        if target in UNION_FIELDS or target not in SINGLE:
            column.suggestion = target
            continue
        earlier = taken.get(target)
        if earlier is None or sureness > earlier[0]:
            if earlier is not None:
                scored[earlier[1]][0].suggestion = ""
            taken[target] = (sureness, position)
            column.suggestion = target
    # A second column for a field that takes the first one not empty is left to the coordinator unless its
    # header says so plainly ("Téléphone" and "Portable" both phones).
    firsts: set[str] = set()
    for column, _target, sureness in scored:
        if column.suggestion and column.suggestion not in UNION_FIELDS:
            if column.suggestion in firsts and sureness < 2:
                column.suggestion = ""
            firsts.add(column.suggestion)


# --- Value tables ---------------------------------------------------------------------------------

KIND_WORDS: dict[str, tuple[str, ...]] = {
    "farm": ("vente a la ferme", "vente directe a la ferme", "ferme", "farm", "vente directe", "exploitation",
             "farm shop", "producteur", "a la ferme"),
    "market": ("marche", "market", "marketplace", "marche de producteurs", "halle", "marche couvert"),
    "amap": ("amap", "la ruche qui dit oui", "panier", "paniers"),
    "producers_shop": ("magasin de producteurs", "point de vente collectif", "pvc", "boutique de producteurs"),
    "supermarket": ("supermarche", "supermarket", "hypermarche", "grande surface", "gms"),
    "shop": ("epicerie", "commerce", "boutique", "magasin", "shop", "convenience", "butcher", "bakery",
             "greengrocer", "cheese", "deli", "boucherie", "boulangerie", "fromagerie", "primeur", "caviste",
             "magasin bio", "biocoop"),
    "solidarity_grocery": ("epicerie solidaire", "epicerie sociale"),
    "cooperative_grocery": ("supermarche cooperatif", "supermarche participatif", "epicerie cooperative",
                            "epicerie participative"),
    "restaurant": ("restaurant", "traiteur", "cafe", "bistrot"),
    "canteen": ("cantine", "restauration collective", "restaurant scolaire", "cuisine centrale", "canteen"),
    "relay": ("plateforme", "point relais", "relais", "plateforme logistique", "relay"),
    "vending": ("distributeur", "distributeur automatique", "vending machine", "vending machine", "casier"),
    "online": ("vente en ligne", "en ligne", "livraison", "online", "drive"),
}  # fmt: skip
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "vegetables": ("legumes", "maraichage", "maraicher", "vegetables"),
    "fruit": ("fruits", "arboriculture", "verger", "fruit"),
    "wine": ("viticulture", "vin", "vins", "vigne", "wine"),
    "honey": ("apiculture", "apiculteur", "miel", "honey"),
    "eggs": ("oeufs", "oeuf", "eggs"),
    "poultry": ("volailles", "volaille", "aviculture", "poultry"),
    "lamb": ("ovins", "ovin", "agneau", "lamb"),
    "goat-cheese": ("caprins", "caprin", "chevre", "fromage de chevre"),
    "pork": ("porcins", "porcin", "porc", "pork"),
    "milk": ("bovins lait", "lait", "milk", "vaches laitieres"),
    "beef": ("bovins viande", "boeuf", "viande bovine", "beef"),
    "rabbit": ("lapins", "lapin", "cuniculture", "rabbit"),
    "plants-flowers": ("horticulture", "fleurs", "plants", "pepiniere"),
    "bread": ("pain", "boulangerie", "bread"),
    "cheese": ("fromages", "fromage", "cheese"),
}  # fmt: skip
# Words known to give no product category (field crops, horses): a table may say so with "none".
NO_CATEGORY_WORDS = ("grandes cultures", "autres cultures", "equides", "autres", "cereales")
LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "ab": ("bio", "ab", "agriculture biologique", "organic", "biologique", "yes", "only"),
    "hve": ("hve", "haute valeur environnementale"),
    "label-rouge": ("label rouge",),
    "aop": ("aop", "aoc"),
    "igp": ("igp",),
    "demeter": ("demeter", "biodynamie"),
    "nature-progres": ("nature progres",),
    "bienvenue-a-la-ferme": ("bienvenue a la ferme",),
    "commerce-equitable": ("commerce equitable", "fair trade"),
}
RECORD_WORDS: dict[str, tuple[str, ...]] = {
    "producer+place": ("oui", "yes", "x", "1", "ferme", "vrai", "true", "oui huile d olive"),
    "producer": ("non", "no", "0", "producteur", "producer", "faux", "false"),
    "place": ("lieu", "point de vente", "place", "magasin", "marche"),
}
NONE = "-"  # a value table's choice for a word known to give nothing ([] or "")


@dataclass
class ValueRow:
    """One word of the source in a value table: how many rows say it, and what it is suggested to mean."""

    word: str
    count: int
    suggestion: str = ""


def _word_match(word: str, table: dict[str, tuple[str, ...]], names: dict[str, str]) -> str:
    folded = fold(word)
    for target, name in names.items():
        if folded == fold(name) or folded == fold(target):
            return target
    best = ("", 0, 0)
    padded = f" {folded} "
    for target, phrases in table.items():
        for phrase in phrases:
            if folded == phrase:
                score = (2, len(phrase))
            elif len(phrase) > 2 and f" {phrase} " in padded:
                score = (1, len(phrase))
            else:
                continue
            if score > best[1:]:
                best = (target, *score)
    return best[0]


def kind_of_file(name: str) -> str:
    """A kind that the file's name says for every row ("amap-63.csv", "nosmarches.csv"), for the page's
    "kind of every row" when no column gives one."""
    folded = fold(name)
    best = ("", 0)
    for kind, phrases in KIND_WORDS.items():
        for phrase in phrases:
            if len(phrase) > 3 and phrase in folded and len(phrase) > best[1]:
                best = (kind, len(phrase))
    return best[0]


def value_words(column: Column, table: str, split: str = DEFAULT_SPLIT) -> Counter[str]:
    """The words of a column as the mapping reads them: a whole cell names a kind or record type, each
    word of a cell a category or label."""
    if table in ("kind", "record"):
        return Counter({" ".join(word.split()): n for word, n in column.values.items()})
    words: Counter[str] = Counter()
    for cell, n in column.values.items():
        for word in re.split("[" + re.escape(split) + "]", cell):
            if word.strip():
                words[" ".join(word.split())] += n
    return words


def value_table(columns: list[Column], table: str) -> list[ValueRow]:
    """The words the columns mapped to `table` use, the most frequent first, each with a suggestion."""
    words: Counter[str] = Counter()
    for column in columns:
        words.update(value_words(column, table))
    folded: dict[str, ValueRow] = {}
    for word, count in sorted(words.items(), key=lambda item: (-item[1], item[0])):
        key = fold(word)
        if key in folded:
            folded[key].count += count  # the loader reads words without case and accents: one line
            continue
        folded[key] = ValueRow(word, count, word_suggestion(word, table))
    return list(folded.values())


def word_suggestion(word: str, table: str) -> str:
    if table == "kind":
        return _word_match(word, KIND_WORDS, {value: str(label) for value, label in PlaceKind.choices})
    if table == "record":
        return _word_match(word, RECORD_WORDS, {})
    if table == "labels":
        names = {label.slug: label.name_fr for label in Label.objects.only("slug", "name_fr")}
        return _word_match(word, LABEL_WORDS, names)
    if fold(word) in NO_CATEGORY_WORDS:
        return NONE
    names = {c.slug: c.name_fr for c in Category.objects.only("slug", "name_fr")}
    names |= {f"{slug}\x00en": name for slug, name in Category.objects.values_list("slug", "name_en")}
    found = _word_match(word, CATEGORY_WORDS, names)
    return found.split("\x00")[0]


def value_choices(table: str) -> list[tuple[str, str]]:
    """What a word of a value table may mean."""
    if table == "kind":
        return [(value, str(label)) for value, label in PlaceKind.choices]
    if table == "record":
        return [("producer+place", str(_("a producer and its farm"))), ("producer", str(_("a producer"))),
                ("place", str(_("a place to buy")))]  # fmt: skip
    if table == "labels":
        return [(NONE, str(_("no label")))] + [(label.slug, label.name) for label in Label.objects.order_by("slug")]
    return [(NONE, str(_("no product")))] + [(c.slug, c.name) for c in Category.objects.order_by("name_fr")]


# --- Writing the mapping --------------------------------------------------------------------------


@dataclass
class Choices:
    """What the coordinator chose on the page."""

    name: str
    label: str
    record: str
    columns: dict[str, str]  # column -> target, in the file's order ("" ignored)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> word -> meaning
    kind: str = ""  # every row's kind when no column gives one
    group: bool = False
    header_row: int | None = None
    encoding: str = ""


def readable_name(text: str) -> str:
    """A name for people from a file's or a source's name: its dashes, underscores and dots as spaces, its
    first letter a capital ("ma-source-2" → "Ma source 2", "Export_GoGoCarto" → "Export GoGoCarto")."""
    words = " ".join(re.sub(r"[-_.]+", " ", text).split())
    return words[:1].upper() + words[1:]


def toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (\\", \\\\, \\n, \\uXXXX)."""
    return json.dumps(text, ensure_ascii=False)


def toml_write(choices: Choices) -> str:
    """The mapping's TOML, as a person would write it, with a comment saying where it comes from."""
    lines = [
        "# Written by the column-mapping screen (/imports/mapping/); the command line reads it as it is:",
        f"#   python manage.py import_preview FILE --mapping {choices.name}.toml",
        "[source]",
        f"name = {toml_string(choices.name)}",
        f"label = {toml_string(choices.label or readable_name(choices.name))}",
        f"record = {toml_string(choices.record)}",
    ]
    if choices.header_row and choices.header_row > 1:
        lines.append(f"header_row = {choices.header_row}")
    if choices.encoding:
        lines.append(f"encoding = {toml_string(choices.encoding)}")
    if choices.group:
        lines.append("group = true")
    targets: dict[str, list[str]] = {}
    for column, target in choices.columns.items():
        if target:
            targets.setdefault(target, []).append(column)
    lines += ["", "[fields]"]
    for target, _label in TARGETS:
        columns = targets.get(target)
        if not columns:
            continue
        key = "opening_hours" if target == "opening_hours_text" else target
        value = toml_string(columns[0]) if len(columns) == 1 else "[" + ", ".join(map(toml_string, columns)) + "]"
        lines.append(f"{key} = {value}")
    if "opening_hours_text" in targets:
        lines += ["", "[transforms]", 'opening_hours = "schedule"']
    if choices.kind and "kind" not in targets:
        lines += ["", "[constants]", f"kind = {toml_string(choices.kind)}"]
    for table in VALUE_TABLES:
        words = {w: m for w, m in choices.values.get(table, {}).items() if m and table in targets}
        if not words:
            continue
        lines += ["", f"[{'kinds' if table == 'kind' else 'records' if table == 'record' else table}]"]
        for word, meaning in words.items():
            if table == "categories":
                value = "[]" if meaning == NONE else toml_string(meaning)
            elif table == "labels":
                value = toml_string("" if meaning == NONE else meaning)
            else:
                value = toml_string(meaning)
            lines.append(f"{toml_string(word)} = {value}")
    return "\n".join(lines) + "\n"


def choices_of(text: str) -> dict[str, Any]:
    """A saved mapping's choices the page can show again: column -> target, the value tables, the
    source's options. What the page cannot show (rules, row filters, templates) is left out."""
    data = tomllib.loads(text)
    source = data.get("source", {})
    columns: dict[str, str] = {}
    hours_text = data.get("transforms", {}).get("opening_hours") == "schedule"
    for target, spec in data.get("fields", {}).items():
        target = "opening_hours_text" if target == "opening_hours" and hours_text else target
        if target not in TARGET_NAMES:
            continue
        for column in spec if isinstance(spec, list) else [spec]:
            if isinstance(column, str) and "{" not in column:
                columns.setdefault(column, target)
    values: dict[str, dict[str, str]] = {}
    sections = (("kind", "kinds"), ("categories", "categories"), ("labels", "labels"), ("record", "records"))
    for table, section in sections:
        for word, meaning in data.get(section, {}).items():
            if isinstance(meaning, list):
                meaning = meaning[0] if meaning else NONE
            values.setdefault(table, {})[fold(word)] = meaning or NONE
    return {
        "name": source.get("name", ""), "label": source.get("label", ""), "record": source.get("record", "place"),
        "group": bool(source.get("group", False)), "kind": data.get("constants", {}).get("kind", ""),
        "columns": columns, "values": values,
    }  # fmt: skip
