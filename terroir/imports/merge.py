"""Merging records that describe the same producer or place: what the linkage compares, which of its
pairs merge automatically and why, how linked records group, and which value each field of a merged
entry keeps. Pure functions, no database.

Records are standardised first (the linkage engine compares columns, not free text): names without
legal forms, case, accents and filler words; SIREN from SIRET; phones in E.164; web sites reduced to
their domain. The probabilistic linkage itself (Splink on DuckDB) is in linkage.py: it finds and ranks
the candidate pairs. Whether a pair merges without a coordinator is decided here by explicit rules
(`pairs_decide`), because on real directories a probability alone merged neighbours that share a
postcode and a generic name ("Marché"): an automatic merge needs names that agree or a shared
identifier, compatible kinds and a distance that suits the kind; anything less goes to review.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any
from urllib.parse import urlparse

from terroir.lib.geo import Precision, haversine_km
from terroir.lib.text import fold, matching_ratio

# Legal forms and company words that say nothing about which farm it is.
_LEGAL_WORDS = frozenset(
    ("gaec", "earl", "scea", "sce", "scev", "sc", "snc", "gfa", "sarl", "sas", "sasu", "eurl", "sca", "scop", "scic",
     "sa", "sci", "ei", "eirl",
     "ste", "societe", "exploitation", "agricole", "groupement")
)  # fmt: skip
_FILLER = frozenset(
    ("de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "sous", "chez")
)


@lru_cache(maxsize=1 << 16)
def name_normalised(name: str) -> str:
    """ "GAEC des Monts du Forez" and "Monts-du-Forez (EARL)" -> "monts forez"."""
    words = [w for w in fold(name).split() if w not in _LEGAL_WORDS and w not in _FILLER]
    return " ".join(words)


def website_domain(url: str) -> str:
    """ "https://www.ferme-du-pre.fr/produits" -> "ferme-du-pre.fr"; social network pages keep their path,
    as the domain alone would join every farm on Facebook."""
    if not url:
        return ""
    parsed = urlparse(url if "://" in url else f"https://{url}")
    host = (parsed.hostname or "").removeprefix("www.").removeprefix("m.")
    if host in _PAGE_HOSTS:
        # The page's own name, past the words every page's address has ("facebook.com/p/Ferme-123").
        words = [w for w in parsed.path.lower().split("/") if w and w not in _PAGE_PREFIXES]
        return f"{host}/{words[0]}" if words else ""
    return host


# Hosts of many people's pages: the address names the page after the host.
_PAGE_HOSTS = frozenset(
    ("facebook.com", "fr-fr.facebook.com", "de-de.facebook.com", "instagram.com", "linkedin.com", "twitter.com",
     "x.com", "sites.google.com", "linktr.ee", "youtube.com", "tiktok.com")
)  # fmt: skip
_PAGE_PREFIXES = frozenset(("p", "pg", "pages", "people", "groups", "company", "in", "view", "site", "c", "channel"))


def _or_none(value: str) -> str | None:
    return value or None


def linkage_columns(data: dict[str, Any], *, source: str = "", ref: str = "", commune_name: str = "") -> dict[str, Any]:
    """The columns the linkage compares, from a SourceRecord's normalised `data`; a value not given is
    None, which the linkage reads as "no evidence" rather than as a disagreement. `source`, `ref` and
    the name of the record's commune serve the merge rules (one source's twins, OSM ids, names that
    only say "the market of <commune>")."""
    siret = data.get("siret") or ""
    email = (data.get("email") or "").lower()
    name = name_normalised(data.get("name") or "")
    # A commune-level position says only which commune: the commune comparison already counts it.
    precise = (data.get("precision") or Precision.GIVEN) != Precision.COMMUNE
    return {
        "name": _or_none(name),
        "name_tokens": sorted(set(name.split())),
        "siren": _or_none(siret[:9]),
        "siret": _or_none(siret),
        "phone": _or_none(data.get("phone") or ""),
        "email": _or_none(email),
        "website": _or_none(website_domain(data.get("website") or "")),
        "address": _or_none(fold(data.get("address") or "")),
        "postcode": _or_none(data.get("postcode") or ""),
        "commune_code": _or_none(data.get("commune_code") or ""),
        "lat": data.get("lat") if precise else None,
        "lon": data.get("lon") if precise else None,
        "record_type": data.get("record_type") or "",
        "kind": data.get("kind") or "",
        "source": source,
        "osm_id": _or_none(data.get("osm_id") or (ref if _OSM_REF.match(ref) else "")),
        "specific": name_specific(data.get("name") or "", commune_name or data.get("commune") or ""),
        "place_words": sorted(_place_words(commune_name or data.get("commune") or "")),
        "days": sorted(days_of(data.get("name") or "", data.get("opening_hours") or "")),
        "company": _or_none(company_of(data.get("name") or "") if data.get("record_type") == "producer" else ""),
    }


# Words that open an establishment's own name after its company's in official lists ("BARON PHILIPPE
# DE ROTHSCHILD CHÂTEAU CLERC MILON"), and words of a company's name that say no family or brand.
_ESTABLISHMENT_WORDS = frozenset(("chateau", "domaine", "clos", "mas"))
_COMPANY_FILLER = frozenset(
    ("vignoble", "vignobles", "famille", "soc", "civile", "fils", "fille", "filles", "pere", "freres", "heritiers")
)


def company_of(name: str) -> str:
    """The company a producer's name gives before one of its establishments' names, when it says which
    company (two words at least beyond legal forms and fillers): "BARON PHILIPPE DE ROTHSCHILD CHÂTEAU
    D'ARMAILHAC" -> "baron philippe rothschild"; "SCEA du Château Lafon" or "Ferme du Château" -> ""."""
    words = fold(name).split()
    at = next((i for i, w in enumerate(words) if w in _ESTABLISHMENT_WORDS), None)
    if at is None or at + 1 >= len(words):
        return ""
    ignored = _LEGAL_WORDS | _FILLER | _COMPANY_FILLER
    company = [w for w in words[:at] if w not in ignored and len(w) > 1]
    return " ".join(company) if len(company) >= 2 else ""


# --- Rules for automatic merges ----------------------------------------------------------------------

_OSM_REF = re.compile(r"^(node|way|relation)/\d+$")
# Words that say what kind of place it is, when, or for whom, but not which one: "Marché hebdomadaire
# du samedi" names no market in particular. French first, then the German of OpenStreetMap's farm shops.
GENERIC_WORDS = frozenset(
    ("marche", "marches", "hebdomadaire", "quotidien", "nocturne", "estival", "saisonnier", "traditionnel",
     "bio", "biologique", "producteurs", "producteur", "paysan", "paysans", "local", "locaux", "halle", "halles",
     "alimentaire", "plein", "air", "vent", "petit", "grand", "gros", "matin", "soir", "apres", "midi", "centre",
     "ville", "bourg", "commune", "artisans", "commercants", "terroir", "saveurs", "lundi", "mardi", "mercredi",
     "jeudi", "vendredi", "samedi", "dimanche", "semaine", "magasin", "boutique", "epicerie", "vente", "directe",
     "distributeur", "automatique", "casier", "casiers", "amap", "ferme", "point", "relais", "produits", "fermier",
     "fermiers",
     "hofladen", "bauernladen", "hofverkauf", "markt", "wochenmarkt", "bauernmarkt", "automat", "milchautomat",
     "eierautomat", "verkaufsautomat", "regiomat", "milchtankstelle", "hof", "laden", "am", "im", "der", "die", "das",
     "und", "st", "saint", "sainte")
)  # fmt: skip
# Generic words that still tell one market of a town from another: its organic market, its night market.
# "Marché de Cassis" and "Marché nocturne de Cassis" are not one market for lack of rivals. ("Marché
# local" or "des producteurs" is what one list calls many a village's only market: not a qualifier.)
QUALIFIERS = frozenset(("bio", "biologique", "nocturne", "soir", "biomarkt"))
_DAY_CODES = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_DAY_RANGE = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)\s*-\s*(Mo|Tu|We|Th|Fr|Sa|Su)\b")
_DAY = re.compile(r"\b(Mo|Tu|We|Th|Fr|Sa|Su)\b")


@lru_cache(maxsize=1 << 16)
def _place_words(commune: str) -> frozenset[str]:
    """The words of a commune's name, and the name written as one word ("Châtel-Guyon": "chatelguyon").
    Remembered: a directory names the same communes again and again."""
    words = [w for w in fold(commune).split() if w not in _FILLER]
    return frozenset({*words, "".join(words)} - {""})


@lru_cache(maxsize=1 << 16)
def name_specific(name: str, commune: str = "") -> str:
    """What in a name tells this place from others of its kind: "Marché hebdomadaire de Thiers" in
    Thiers -> "" (generic), "Marché de la Seille" -> "seille", "Biocoop Nancy" in Nancy -> "biocoop".
    Remembered: a directory names "Marché de <commune>" and its farms' trade names again and again."""
    place_words = _place_words(commune)
    words = name_normalised(name).split()
    return " ".join(w for w in words if w not in GENERIC_WORDS and w not in place_words)


# Day names written in a place's name ("Marché du jeudi", "Samstagsmarkt" is not split: too rare).
_NAMED_DAYS = {
    "lundi": "Mo", "mardi": "Tu", "mercredi": "We", "jeudi": "Th", "vendredi": "Fr", "samedi": "Sa",
    "dimanche": "Su", "montag": "Mo", "dienstag": "Tu", "mittwoch": "We", "donnerstag": "Th", "freitag": "Fr",
    "samstag": "Sa", "sonnabend": "Sa", "sonntag": "Su",
}  # fmt: skip


@lru_cache(maxsize=1 << 16)
def days_of(name: str, opening_hours: str) -> frozenset[str]:
    """The days a place opens: its schedule's, unless its name says other days ("Marché du jeudi"
    with a schedule on Saturday): a scraped list's schedules are known to disagree with the name the
    market gives itself, and the name is the market's own word. Remembered (a frozen set, shared), as
    name_specific: the merge works out every record's linkage columns again at each import, and a
    directory's names and schedules repeat."""
    scheduled = weekdays(opening_hours)
    named = frozenset(
        _NAMED_DAYS[w.removesuffix("s")] for w in fold(name).split() if w.removesuffix("s") in _NAMED_DAYS
    )
    return named if named and not named & scheduled else scheduled


@lru_cache(maxsize=1 << 14)
def weekdays(opening_hours: str) -> frozenset[str]:
    """The days an OSM `opening_hours` value opens on ("We,Sa 08:00-13:00" -> {"We", "Sa"}); rules
    saying "off" open nothing. Light reading: enough to tell a Wednesday market from a Saturday one.
    Remembered: a list's schedules repeat ("Sa 08:00-13:00")."""
    days: set[str] = set()
    for rule in opening_hours.split(";"):
        if "off" in rule or "closed" in rule:
            continue
        for start, end in _DAY_RANGE.findall(rule):
            i, j = _DAY_CODES.index(start), _DAY_CODES.index(end)
            days.update(_DAY_CODES[k % 7] for k in range(i, j + 1 if j >= i else j + 8))
        days.update(_DAY.findall(rule))
    return frozenset(days)


# Kinds that may describe one place in two directories ("shop" in one, "producers' shop" in another).
_KIND_FAMILIES = (
    frozenset({"shop", "producers_shop", "cooperative_grocery", "solidarity_grocery", "supermarket"}),
    frozenset({"farm", "producers_shop"}),
    frozenset({"restaurant", "canteen"}),
)
# How far apart two positions of one place can be, by kind, for an automatic merge (metres): two markets
# 1 km apart are two markets, a vending machine is where it is, a farm shop and its farm may be a few
# hundred metres apart. A shared identifier allows for a geocoder's error on top.
KIND_DISTANCE_M = {"market": 150, "vending": 50, "amap": 200, "farm": 500, "producers_shop": 300, "online": 0}
DEFAULT_DISTANCE_M = 150
IDENTIFIER_DISTANCE_M = 1000
# One list's two entries are one thing drawn twice only at one spot, unless their names are the same.
SAME_SPOT_M = 50
NAMES_AGREE = 0.9
# The linkage's probability below which a pair is not even looked at by the rules. Far below the review
# threshold: two "Marché" of one village from two lists score low (nothing but the commune agrees)
# and are found by the rules; a rival market missed here would let a wrong one merge.
CANDIDATE_PROBABILITY = 0.01


def kinds_compatible(a: str, b: str) -> bool:
    """A kind not given is no evidence either way."""
    return not a or not b or a == b or any(a in family and b in family for family in _KIND_FAMILIES)


def names_specific(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """Both names say more than their kind and commune."""
    return all(_specific_words(side, left, right) for side in (left, right))


def _specific_words(side: Mapping[str, Any], left: Mapping[str, Any], right: Mapping[str, Any]) -> set[str]:
    place_words = set(left.get("place_words") or ()) | set(right.get("place_words") or ())
    return set((side.get("specific") or "").split()) - place_words


def _specific_pair(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[set[str], set[str]]:
    """The words of each name that tell it from others, without either record's commune."""
    return _specific_words(left, left, right), _specific_words(right, left, right)


def _specific_texts(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[str, str]:
    """Each name's specific words in their order, without either record's commune."""
    place_words = set(left.get("place_words") or ()) | set(right.get("place_words") or ())
    a, b = (" ".join(w for w in (side.get("specific") or "").split() if w not in place_words) for side in (left, right))
    return a, b


def _same_specific(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    a, b = _specific_pair(left, right)
    return bool(a) and a == b


def _names_inside(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """One name's specific words are all in the other's ("gassners" in "gassners cafe")."""
    a, b = _specific_pair(left, right)
    return bool(a) and bool(b) and (a <= b or b <= a)


def _qualifiers(side: Mapping[str, Any]) -> set[str]:
    return set((side.get("name") or "").split()) & QUALIFIERS


def _named_by_address(left: Mapping[str, Any], right: Mapping[str, Any]) -> str | None:
    """A market a list names only by its commune, at the address another list names it by ("Marché de
    Metz", avenue de Nancy / "Marché avenue de Nancy"): the words they share, else None."""
    for unnamed, named in ((left, right), (right, left)):
        words = _specific_words(named, left, right)
        if _specific_words(unnamed, left, right) or not words or not unnamed.get("address"):
            continue
        place_words = set(left.get("place_words") or ()) | set(right.get("place_words") or ())
        address = {w for w in name_specific(unnamed["address"]).split() if not w.isdigit()} - place_words
        if address == words:
            return " ".join(sorted(words))
    return None


def _node_and_way(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """One OpenStreetMap feature drawn twice: a point and an outline (node and way or relation)."""
    types = {(side.get("osm_id") or "").partition("/")[0] for side in (left, right)}
    return "node" in types and bool(types & {"way", "relation"})


def _says_nothing_else(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    """Each nameless side's days and web site, when it gives any, are the other side's."""
    for side, other in ((left, right), (right, left)):
        if side.get("name"):
            continue
        if side.get("days") and side.get("days") != other.get("days"):
            return False
        if side.get("website") and side.get("website") != other.get("website"):
            return False
    return True


@lru_cache(maxsize=1 << 17)
def similarity(a: str, b: str) -> float:
    """How alike two texts are, 0..1 (0 when one is empty). Remembered: the candidate pairs of a large
    import compare the same names again and again (one record is in many pairs, names repeat), and
    difflib's ratio was most of the merge rules' time (120 s of a profiled 100,000-row import)."""
    return matching_ratio(a, b) if a and b else 0.0


def _alike(a: str, b: str) -> bool:
    """similarity(a, b) >= NAMES_AGREE for two texts, not empty, without comparing those whose lengths alone
    keep them apart (difflib's ratio is 2.0 * matches / both lengths, and matches <= the shorter length)."""
    return 2.0 * min(len(a), len(b)) / (len(a) + len(b)) >= NAMES_AGREE and similarity(a, b) >= NAMES_AGREE


def names_agree(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[bool, float]:
    """Do two records' names say the same place or producer, and how alike are they (0..1)? Only
    the specific part counts: "Marché de Nancy" and "Marché de Nancy" do not agree by themselves."""
    agree, score = _names_agree(left, right)
    return agree, score.value()


class NameScore:
    """How alike two records' whole names are (difflib's ratio, 2 decimals), worked out when first asked.
    Every candidate pair has one among its reasons, but most pairs are neither merged nor sent to review,
    and their reasons are never read: difflib's ratio on their names was most of the merge rules' time
    (the 100,000-row bench decides hundreds of thousands of pairs of different names)."""

    __slots__ = ("_left", "_right", "_same", "_value")

    def __init__(self, left: str, right: str, same: bool) -> None:
        self._left, self._right, self._same = left, right, same  # same: names_agree's "one name" case
        self._value: float | None = None

    def value(self) -> float:
        if self._value is None:
            score = round(similarity(self._left, self._right), 2)
            self._value = max(score, 1.0) if self._same else score
        return self._value

    def at_least(self, threshold: float) -> bool:
        """`value() >= threshold`, without the ratio when the names' lengths alone keep it below (the
        ratio is 2 * matches / both lengths, and matches <= the shorter length)."""
        if self._value is None and not self._same and self._left and self._right:
            shorter, both = min(len(self._left), len(self._right)), len(self._left) + len(self._right)
            if round(2.0 * shorter / both, 2) < threshold:
                return False
        return self.value() >= threshold

    def __repr__(self) -> str:
        return repr(self.value())


def _names_agree(left: Mapping[str, Any], right: Mapping[str, Any]) -> tuple[bool, NameScore]:
    """`names_agree`, its score left to be worked out when asked (see NameScore)."""
    # Each side without the other's commune too: one list gives the commune, the other only a postcode.
    a, b = _specific_texts(left, right)
    names = (left.get("name") or "", right.get("name") or "")
    if not a or not b:
        return False, NameScore(*names, same=False)
    if a == b:
        return True, NameScore(*names, same=left.get("name") == right.get("name"))
    ta, tb = set(a.split()), set(b.split())
    inside = min(len(ta), len(tb)) > 1 and (ta <= tb or tb <= ta)
    return inside or _alike(a, b), NameScore(*names, same=False)


@dataclass(frozen=True)
class Decision:
    """What the rules say of one candidate pair: merge without asking, or ask; and why, as
    (code, value) reasons shown to coordinators next to the merge (`reasons`)."""

    auto: bool
    # The reasons as the rules give them: a name's score may still be a NameScore, worked out when read.
    given: tuple[tuple[str, Any], ...]
    # False when the rules see two places, not a doubt: a coordinator is not asked (see pair_decide).
    review: bool = True

    @cached_property
    def reasons(self) -> tuple[tuple[str, Any], ...]:
        return tuple((code, value.value() if isinstance(value, NameScore) else value) for code, value in self.given)

    def reasons_json(self) -> list[dict[str, Any]]:
        """The plain JSON stored on the pair: [{"code": "siret", "value": "…"}, …]."""
        return [{"code": code, "value": value} for code, value in self.reasons]


def distance_m(left: Mapping[str, Any], right: Mapping[str, Any]) -> float | None:
    """Metres between two records' positions; None when one has none."""
    if None in (left.get("lat"), left.get("lon"), right.get("lat"), right.get("lon")):
        return None
    return haversine_km(left["lat"], left["lon"], right["lat"], right["lon"]) * 1000


def _same_commune(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool | None:
    """Same commune (or postcode when a commune is not known); None when nothing says."""
    if left.get("commune_code") and right.get("commune_code"):
        return bool(left["commune_code"] == right["commune_code"])
    if left.get("postcode") and right.get("postcode"):
        return bool(left["postcode"] == right["postcode"])
    return None


def pair_decide(left: Mapping[str, Any], right: Mapping[str, Any]) -> Decision:
    """The rules for one pair of `linkage_columns` rows (see the module's docstring). Places merge when
    their names agree or they share an identifier (SIRET, OSM id, web site), their kinds are compatible
    and they are close enough for their kind; producers by SIRET or SIREN, names that agree in one
    commune (or within 5 km), or their own e-mail or phone with names that do not disagree. Two records
    of one source merge only when they are the same thing twice (same identifier, or same name at the
    same position)."""
    reasons: list[tuple[str, Any]] = []
    place = (left.get("record_type") or right.get("record_type") or "place") != "producer"
    one_source = bool(left.get("source")) and left.get("source") == right.get("source")
    identifier = None
    for column in ("siret", "osm_id", "website"):
        if left.get(column) and left.get(column) == right.get(column):
            identifier = column
            reasons.append((column, left[column]))
            break
    siren = left.get("siren") and left.get("siren") == right.get("siren")
    if identifier is None and siren:
        reasons.append(("siren", left["siren"]))
    if left.get("siret") and right.get("siret") and identifier != "siret" and (place or not siren):
        reasons.append(("siret_differs", f"{left['siret']} / {right['siret']}"))
        return Decision(False, tuple(reasons))
    agree, score = _names_agree(left, right)
    by_address = None if agree else _named_by_address(left, right)
    if by_address:
        agree = True
        reasons.append(("name_address", by_address))
    elif agree:
        reasons.append(("name", score))
    elif not names_specific(left, right):
        reasons.append(("name_generic", score))
    else:
        reasons.append(("names_differ", score))
    if identifier == "website" and not agree and left.get("name") and right.get("name"):
        # A web site names an operator, not a place: a town's for all its markets, a farm's for its
        # shop, its café and its milk dispenser. Unless the names agree (or one has none), it proves nothing.
        identifier = None
    ok = True
    if one_source:
        reasons.append(("same_source", left["source"]))
    # The days a place opens: two markets of one commune on different days are two markets.
    days_l, days_r = set(left.get("days") or ()), set(right.get("days") or ())
    same_qualifiers = _qualifiers(left) == _qualifiers(right)
    kind = left.get("kind") or right.get("kind") or ""
    if days_l and days_r:
        if days_l == days_r:
            reasons.append(("days", ",".join(d for d in _DAY_CODES if d in days_l)))
        elif kind == "market" and agree and not one_source and same_qualifiers and (days_l < days_r or days_r < days_l):
            # One list gives one day of a market another lists on two: the name says which market.
            # (Within one list, two entries on other days are two markets: "Wochenmarkt" and "Bauernmarkt".)
            reasons.append(("days_within", f"{_days(days_l)} / {_days(days_r)}"))
        elif kind == "market" or not days_l & days_r:
            ok = False
            reasons.append(("days_differ", f"{_days(days_l)} / {_days(days_r)}"))
    if place:
        if kinds_compatible(left.get("kind") or "", right.get("kind") or ""):
            if kind:
                reasons.append(("kind", kind))
        else:
            ok = False
            reasons.append(("kinds_differ", f"{left.get('kind')} / {right.get('kind')}"))
    distance = distance_m(left, right)
    commune = _same_commune(left, right)
    # One company, whose establishments may be anywhere: its SIREN, or its own web site under one name
    # (the HVE list gives each château of a wine company on its own line, with the company's site), or
    # one company's name before each establishment's ("<company> CHÂTEAU CLERC MILON" / "… D'ARMAILHAC").
    named_company = not place and bool(left.get("company")) and left.get("company") == right.get("company")
    if named_company:
        reasons.append(("company", left["company"]))
    company = (
        bool(siren) or named_company
        or (identifier == "website" and agree and left.get("name") == right.get("name"))
    )  # fmt: skip
    if distance is not None:
        limit: float = max(KIND_DISTANCE_M.get(left.get("kind") or "", DEFAULT_DISTANCE_M),
                    KIND_DISTANCE_M.get(right.get("kind") or "", DEFAULT_DISTANCE_M))  # fmt: skip
        if not place:
            limit = 5000 if not company else math.inf  # one company's establishments may be far apart
        if identifier in ("siret", "osm_id"):
            limit = max(limit, IDENTIFIER_DISTANCE_M)
        reasons.append(("distance_m", round(distance)) if distance <= limit else ("too_far_m", round(distance)))
        ok = ok and distance <= limit
    elif commune:
        reasons.append(("commune", left.get("commune_code") or left.get("postcode")))
    elif commune is False:
        reasons.append(("communes_differ", f"{left.get('commune_code') or left.get('postcode')} / "
                                           f"{right.get('commune_code') or right.get('postcode')}"))  # fmt: skip
        ok = ok and (identifier in ("siret", "osm_id") or (not place and company))
    else:
        ok = ok and (identifier in ("siret", "osm_id") or (not place and company))
    # Markets named only "Marché (de <commune>)": the same commune and the same days, and (see
    # pairs_decide) no other market of the other source there on those days.
    market_days = (
        place and left.get("kind") == right.get("kind") == "market"
        and not _specific_words(left, left, right) and not _specific_words(right, left, right)
        and bool(days_l) and days_l == days_r and commune is True and same_qualifiers
    )  # fmt: skip
    if one_source:
        # The same thing twice: same identifier, or the same name at the same position (a node and a
        # way of OpenStreetMap), or at the same address of the same commune.
        # The same name: the whole name, or what tells it from others ("Wochenmarkt Schillermarkt" and
        # "Schillermarkt"), or names that agree with the same web site on both; a node and a way of one
        # OpenStreetMap feature may also name it shorter ("Gaßners Hofladen", "Gaßners Hofladen & Café").
        # The whole name, or, where positions say it is one spot, what tells it from others
        # ("Wochenmarkt Schillermarkt" / "Schillermarkt"; without positions "Marché central BIO" and
        # "Marché central" of one town are two markets). At one spot, a misspelling under one web site,
        # or a node and an outline with one name inside the other ("Gaßners Hofladen & Café"); not a
        # longer name under the farm's site, which names its other outlet ("Heckler's Eier und
        # Kartoffelhaus" beside "Heckler's Hofladen").
        exact = agree and (
            left.get("name") == right.get("name") or (distance is not None and _same_specific(left, right))
        )
        at_spot = distance is not None and distance <= SAME_SPOT_M
        misspelt = identifier == "website" and similarity(*_specific_texts(left, right)) >= NAMES_AGREE
        same_name = exact or (at_spot and (misspelt or (_node_and_way(left, right) and _names_inside(left, right))))
        at_same_place = distance is not None or (
            commune is True and (left.get("address") == right.get("address") or not place)
        )
        # One list's web site is on all of a farm's entries (shop, café, milk dispenser): it says "the
        # same thing" only for an entry without a name of its own.
        unnamed = not left.get("name") or not right.get("name")
        named_by_site = identifier == "website" and unnamed
        # A nameless point of one kind inside (or at) the outline of that kind: one OpenStreetMap feature
        # drawn twice, the name on one of them (a market's point on its square). Not a nameless one with
        # days or a web site of its own: that is a thing of its own (a farm's vending machine by its shop).
        drawn_twice = (
            unnamed and at_spot and _node_and_way(left, right) and bool(left.get("kind"))
            and left.get("kind") == right.get("kind") and _says_nothing_else(left, right)
        )  # fmt: skip
        evidence = (
            identifier in ("siret", "osm_id") or named_by_site or drawn_twice or (same_name and at_same_place)
            or (not place and (bool(siren) or named_company or (identifier == "website" and same_name)))
        )  # fmt: skip
    elif place:
        evidence = identifier is not None or agree
        if not evidence and market_days:
            evidence = True
            reasons.append(("market_days", left.get("commune_code") or left.get("postcode")))
    else:
        # A producer is a business: one SIREN is one producer. Its own e-mail address or phone number
        # says so too when the names do not disagree (a trade name and the farmer's name go to review).
        near = commune is True or distance is not None
        contact = next((c for c in ("email", "phone") if left.get(c) and left.get(c) == right.get(c)), None)
        if contact:
            reasons.append((contact, left[contact]))
        by_contact = contact is not None and near and not names_specific(left, right)
        evidence = identifier == "siret" or company or (agree and near) or by_contact
    if identifier == "website" and distance is None and not agree:
        evidence = False  # a chain's web site is shared by all its shops of a commune
    # Two places whose names do not agree (nameless, generic or other names), that share nothing, and
    # that the rules see apart (other kinds, too far for their kind, other days) are two places, not a
    # doubt: neighbours found by their position alone would otherwise fill the review queue (an
    # OpenStreetMap extract's nameless vending machines and farm shops a few hundred metres apart).
    shared = any(left.get(c) and left.get(c) == right.get(c) for c in ("siret", "osm_id", "website", "phone", "email"))
    apart = any(code in _CONTRADICTIONS for code, _value in reasons)
    doubt = not place or agree or shared or not apart or score.at_least(NAMES_AGREE)
    return Decision(ok and evidence, tuple(reasons), review=doubt)


# What the rules see of two places that says they are two (pair_decide's reasons).
_CONTRADICTIONS = frozenset(("kinds_differ", "too_far_m", "days_differ"))


def _where(columns: Mapping[str, Any]) -> tuple[str, str]:
    """A record's source and commune (or postcode)."""
    return (columns.get("source") or "", columns.get("commune_code") or columns.get("postcode") or "")


def _days(days: set[str]) -> str:
    return ",".join(d for d in _DAY_CODES if d in days)


def pairs_decide(
    pairs: Iterable[tuple[str, str]], columns: Mapping[str, Mapping[str, Any]]
) -> dict[tuple[str, str], Decision]:
    """Decide every candidate pair, then send to review the automatic merges that are not the only
    choice: a record with two candidates of one other source that the rules would both merge (and
    that are not themselves one thing) is a namesake problem for a coordinator, not a merge."""
    decided = {(a, b): pair_decide(columns[a], columns[b]) for a, b in pairs}
    # A market known only by its commune and days is that market only if its list has no other market
    # there on one of those days (a city has several on Saturday, a village one). A market with a name
    # of its own ("Marché aux plantes", "Marché couvert") is not one a list would call "Marché de X";
    # nor is a night or organic market a rival of a plain one: the rules never merge a plain market
    # with a qualified one ("Marché de Murol" and "Marché nocturne" of Murol, both on Wednesday).
    markets: dict[tuple[str, str], list[tuple[set[str], set[str]]]] = defaultdict(list)
    for c in columns.values():
        if c.get("kind") == "market" and c.get("days") and not _specific_words(c, c, c):
            markets[_where(c)].append((set(c["days"]), _qualifiers(c)))
    for key, decision in decided.items():
        if not decision.auto or not any(code == "market_days" for code, _v in decision.reasons):
            continue
        sides = (columns[key[0]], columns[key[1]])
        rivals = max(
            sum(1 for days, kind in markets[_where(side)] if days & set(side["days"]) and kind == _qualifiers(side))
            for side in sides
        )
        if rivals > 1:
            decided[key] = Decision(False, (*decision.reasons, ("ambiguous", rivals)))
    auto = {key for key, decision in decided.items() if decision.auto}
    partners: dict[tuple[str, str], set[str]] = defaultdict(set)
    for a, b in auto:
        partners[(a, columns[b].get("source") or "")].add(b)
        partners[(b, columns[a].get("source") or "")].add(a)
    for (record, source), others in partners.items():
        if len(others) < 2 or source == (columns[record].get("source") or ""):
            continue
        together = all((x, y) in auto or (y, x) in auto for x in others for y in others if x < y)
        if together:
            continue
        for other in others:
            key = (record, other) if (record, other) in decided else (other, record)
            decision = decided[key]
            if decision.auto and not any(code in ("siret", "osm_id") for code, _v in decision.reasons):
                decided[key] = Decision(False, (*decision.reasons, ("ambiguous", len(others))))
    return decided


# --- Clusters --------------------------------------------------------------------------------------


def clusters(
    ids: Iterable[int], joins: Iterable[tuple[int, int]], apart: Iterable[tuple[int, int]] = ()
) -> list[list[int]]:
    """Groups of records that describe the same thing. `joins` are taken in the order given (decided
    ones first, then by falling probability); a join that would put two records said to be `apart` in
    one group is skipped, so a coordinator's "different" holds even against a chain of likely links."""
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    members: dict[int, set[int]] = {i: {i} for i in parent}
    kept_apart: dict[int, set[int]] = defaultdict(set)
    for a, b in apart:
        kept_apart[a].add(b)
        kept_apart[b].add(a)
    for a, b in joins:
        if a not in parent or b not in parent:
            continue
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        if len(members[ra]) < len(members[rb]):
            ra, rb = rb, ra
        if any(kept_apart[i] & members[ra] for i in members[rb]):
            continue
        parent[rb] = ra
        members[ra] |= members.pop(rb)
    return sorted((sorted(group) for group in members.values()), key=lambda group: group[0])


# --- Choosing each field's value -------------------------------------------------------------------

_PRECISION_RANK = {Precision.GIVEN: 3, Precision.ADDRESS: 3, Precision.STREET: 2, Precision.COMMUNE: 1}
# Fields chosen as one value, in the order a coordinator reads them. Position is chosen as a whole
# (lat, lon, precision together); categories and labels are the union of what every source says.
SINGLE_FIELDS = (
    "name", "kind", "legal_form", "siret", "description", "address", "postcode", "commune_code",
    "email", "phone", "website", "opening_hours", "contact_public", "verified_at", "order_url",
)  # fmt: skip
UNION_FIELDS = ("categories", "labels")


@dataclass(frozen=True)
class Candidate:
    """A source record as field choice sees it."""

    record_id: int
    source: str
    priority: int
    missing: bool
    updated_at: str
    data: dict[str, Any]

    def rank(self) -> tuple[Any, ...]:
        # Present in its source, trusted source, recently verified, recently changed; then the id
        # so that the choice never depends on the order records come in.
        verified = self.data.get("verified_at") or ""
        return (not self.missing, self.priority, verified, self.updated_at, -self.record_id)


@dataclass(frozen=True)
class Chosen:
    """The value kept for a field, which record gave it, and what the other records say."""

    value: Any
    record_id: int | None
    others: tuple[tuple[Any, int], ...] = ()


def _given(value: Any) -> bool:
    return value not in (None, "", [], ())


def fields_choose(candidates: Sequence[Candidate]) -> dict[str, Chosen]:
    """For each field, the value of the best-ranked record that gives one."""
    if len(candidates) == 1:
        return _fields_of_one(candidates[0])
    ranked = sorted(candidates, key=Candidate.rank, reverse=True)
    chosen: dict[str, Chosen] = {}
    for name in SINGLE_FIELDS:
        giving = [(c.data.get(name), c.record_id) for c in ranked if _given(c.data.get(name))]
        if name == "contact_public":
            # Publishing contact details needs the producer's consent: one source saying no wins.
            giving = [(bool(v), r) for v, r in giving]
            refused = [(v, r) for v, r in giving if not v]
            giving = refused + [(v, r) for v, r in giving if v]
        if giving:
            chosen[name] = Chosen(giving[0][0], giving[0][1], tuple(g for g in giving[1:] if g[0] != giving[0][0]))
    positioned = [c for c in ranked if c.data.get("lat") is not None and c.data.get("lon") is not None]
    positioned.sort(key=lambda c: _PRECISION_RANK.get(c.data.get("precision") or Precision.GIVEN, 0), reverse=True)
    if positioned:
        best = positioned[0]
        position = (best.data["lat"], best.data["lon"], best.data.get("precision") or Precision.GIVEN)
        others = tuple(
            ((c.data["lat"], c.data["lon"], c.data.get("precision") or Precision.GIVEN), c.record_id)
            for c in positioned[1:]
        )
        chosen["position"] = Chosen(position, best.record_id, others)
    for name in UNION_FIELDS:
        union: dict[str, int] = {}
        for c in ranked:
            for value in c.data.get(name) or ():
                union.setdefault(value, c.record_id)
        if union:
            chosen[name] = Chosen(sorted(union), ranked[0].record_id, tuple((v, r) for v, r in union.items()))
    return chosen


def _fields_of_one(candidate: Candidate) -> dict[str, Chosen]:
    """fields_choose of one record, the case of most directory entries: its own values, nothing to rank."""
    data, record_id = candidate.data, candidate.record_id
    chosen: dict[str, Chosen] = {}
    for name in SINGLE_FIELDS:
        value = data.get(name)
        if _given(value):
            chosen[name] = Chosen(bool(value) if name == "contact_public" else value, record_id)
    if data.get("lat") is not None and data.get("lon") is not None:
        chosen["position"] = Chosen((data["lat"], data["lon"], data.get("precision") or Precision.GIVEN), record_id)
    for name in UNION_FIELDS:
        union = dict.fromkeys(data.get(name) or ())
        if union:
            chosen[name] = Chosen(sorted(union), record_id, tuple((value, record_id) for value in union))
    return chosen
