"""Merging records that describe the same producer or place: what the linkage compares, how linked
records group, and which value each field of a merged entry keeps. Pure functions, no database.

Records are standardised first (the linkage engine compares columns, not free text): names without
legal forms, case, accents and filler words; SIREN from SIRET; phones in E.164; web sites reduced to
their domain. The probabilistic linkage itself (Splink on DuckDB) is in linkage.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from terroir.lib.geo import Precision
from terroir.lib.text import fold

# Legal forms and company words that say nothing about which farm it is.
_LEGAL_WORDS = frozenset(
    ("gaec", "earl", "scea", "sarl", "sas", "sasu", "eurl", "sca", "scop", "scic", "sa", "sci", "ei", "eirl",
     "ste", "societe", "exploitation", "agricole", "groupement")
)  # fmt: skip
_FILLER = frozenset(
    ("de", "du", "des", "la", "le", "les", "l", "d", "et", "a", "au", "aux", "en", "sur", "sous", "chez")
)


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
    host = (parsed.hostname or "").removeprefix("www.")
    if host in {"facebook.com", "instagram.com", "linkedin.com", "twitter.com", "x.com"}:
        path = parsed.path.strip("/").split("/")[0].lower()
        return f"{host}/{path}" if path else ""
    return host


def _or_none(value: str) -> str | None:
    return value or None


def linkage_columns(data: dict[str, Any]) -> dict[str, Any]:
    """The columns the linkage compares, from a SourceRecord's normalised `data`; a value not given is
    None, which the linkage reads as "no evidence" rather than as a disagreement."""
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
    }


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
    "email", "phone", "website", "opening_hours", "contact_public", "verified_at",
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
