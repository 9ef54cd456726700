"""Which local producers fit a buyer's need, ranked and explained. Pure: plain data in, plain data out.

A producer fits when it supplies the need's category (or a finer one; a broader one counts half) and
its farm is within the need's "local" limit by road (great-circle × the road factor, the platform's
offline road estimate). Then each part of the fit scores 0..1 and the weighted mean ranks them:

- category   1 for the category or a finer one, 0.5 for a broader one ("cheese" for "goat cheese");
- distance   1 at the door, 0 at the limit;
- logistics  1 when the producer delivers that far on one of the delivery days, 0.7 when it delivers
             that far on other days, 0.3 when it would need pooled logistics;
- season     share of the needed months the producer supplies;
- volume     declared monthly volume against the monthly quantity needed (0.5 when not declared);
- labels     share of the required labels the producer's offer carries;
- requirements share of the buyer's requirements met (GTIN barcodes, sanitary approval, cold chain…).

`score(need, producer)` explains one producer; `rank(need, table)` scores a whole ProducerTable at once
with numpy (the same formulas; tests check both agree) and explains only the best ones.

No Django here: the road factor and the weights come in as arguments, and explanations come out as
codes with a value (`Reason`), which terroir.needs.services puts in words in the reader's language.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from terroir.lib.geo import great_circle_km_radians, haversine_km

PARTS = ("category", "distance", "logistics", "season", "volume", "labels", "requirements")
ALL_MONTHS = 4095
ALL_DAYS = 127

# What speaks for a producer, or what it lacks: `Reason.code`, with `Reason.value` where one is said.
KM = "km"  # value: road km to the delivery place
LABEL = "label"  # value: the label's slug
DELIVERS_SAME_DAY = "delivers_same_day"
DELIVERS_OTHER_DAYS = "delivers_other_days"
POOLED_LOGISTICS = "pooled_logistics"
BROADER_CATEGORY = "broader_category"
REQUIREMENT = "requirement"  # value: the requirement's code (gtin, cold_chain…)
MONTHS_MISSING = "months_missing"  # value: how many needed months the supply misses
VOLUME_SHARE = "volume_share"  # value: the share of the need the declared volume covers, 0..1


@dataclass(frozen=True)
class Weights:
    category: float = 3.0
    distance: float = 2.0
    logistics: float = 1.5
    season: float = 1.0
    volume: float = 1.0
    labels: float = 1.5
    requirements: float = 1.0

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, part) for part in PARTS], dtype=float)


@dataclass(frozen=True)
class NeedSpec:
    category: str  # taxonomy path, "/dairy/cheese/"
    lat: float
    lon: float
    max_km: float  # road km
    monthly_quantity: float = 0.0  # in the need's unit; 0: not said
    months: int = ALL_MONTHS  # bit 0 = January
    weekdays: int = ALL_DAYS  # delivery days, bit 0 = Monday
    labels: frozenset[str] = frozenset()
    requirements: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Supply:
    """What a producer offers in one category."""

    category: str  # taxonomy path
    months: int = ALL_MONTHS
    labels: frozenset[str] = frozenset()
    monthly_volume: float | None = None  # declared, in the need's unit; None: not declared


@dataclass(frozen=True)
class ProducerProfile:
    id: int
    name: str
    lat: float
    lon: float
    supplies: tuple[Supply, ...]
    delivery_radius_km: float | None = None  # None: does not deliver
    delivery_weekdays: int = ALL_DAYS
    requirements: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reason:
    """One item of an explanation: a code (KM, LABEL…) and its value, put in words by the caller."""

    code: str
    value: float | str | None = None


@dataclass(frozen=True)
class Score:
    producer_id: int
    total: float  # 0..1
    parts: dict[str, float]
    road_km: float
    category: str  # the supply that fits best
    reasons: list[Reason] = field(default_factory=list)  # what speaks for the producer
    missing: list[Reason] = field(default_factory=list)  # what the buyer asked and the producer lacks


def road_km(lat1: float, lon1: float, lat2: float, lon2: float, *, road_factor: float) -> float:
    """`road_factor`: road km per great-circle km."""
    return haversine_km(lat1, lon1, lat2, lon2) * road_factor


def category_fit(need: str, supply: str) -> float:
    if supply.startswith(need):
        return 1.0
    if need.startswith(supply):
        return 0.5
    return 0.0


def _bits(value: int) -> int:
    return bin(value & ALL_MONTHS).count("1")


def _share(have: Iterable[str], wanted: frozenset[str]) -> float:
    if not wanted:
        return 1.0
    return len(wanted & set(have)) / len(wanted)


def _parts(need: NeedSpec, producer: ProducerProfile, supply: Supply, km: float) -> dict[str, float]:
    delivers = producer.delivery_radius_km is not None and km <= producer.delivery_radius_km
    same_day = bool(producer.delivery_weekdays & need.weekdays)
    volume = 0.5
    if supply.monthly_volume is not None and need.monthly_quantity > 0:
        volume = min(1.0, supply.monthly_volume / need.monthly_quantity)
    elif supply.monthly_volume is not None:
        volume = 1.0
    return {
        "category": category_fit(need.category, supply.category),
        "distance": max(0.0, 1.0 - km / need.max_km) if need.max_km > 0 else 0.0,
        "logistics": (1.0 if same_day else 0.7) if delivers else 0.3,
        "season": _bits(need.months & supply.months) / max(1, _bits(need.months)),
        "volume": volume,
        "labels": _share(supply.labels, need.labels),
        "requirements": _share(producer.requirements, need.requirements),
    }


def _total(parts: dict[str, float], weights: Weights) -> float:
    vector = weights.vector()
    return float(sum(vector[i] * parts[p] for i, p in enumerate(PARTS)) / vector.sum())


def score(
    need: NeedSpec, producer: ProducerProfile, weights: Weights = Weights(), *, road_factor: float
) -> Score | None:
    """The producer's fit for the need, explained; None when it does not fit at all (category or
    distance). With several supplies in the category, the best one counts."""
    km = road_km(need.lat, need.lon, producer.lat, producer.lon, road_factor=road_factor)
    if km > need.max_km:
        return None
    best: tuple[float, Supply, dict[str, float]] | None = None
    for supply in producer.supplies:
        if category_fit(need.category, supply.category) == 0:
            continue
        parts = _parts(need, producer, supply, km)
        total = _total(parts, weights)
        if best is None or total > best[0]:
            best = (total, supply, parts)
    if best is None:
        return None
    total, supply, parts = best
    reasons, missing = explain(need, producer, supply, parts, km)
    return Score(producer.id, total, parts, km, supply.category, reasons, missing)


def explain(
    need: NeedSpec, producer: ProducerProfile, supply: Supply, parts: dict[str, float], km: float
) -> tuple[list[Reason], list[Reason]]:
    """What speaks for the producer, and what it lacks, in the order they are told."""
    reasons = [Reason(KM, km)]
    reasons.extend(Reason(LABEL, label) for label in sorted(need.labels & supply.labels))
    if parts["logistics"] == 1.0:
        reasons.append(Reason(DELIVERS_SAME_DAY))
    elif parts["logistics"] == 0.7:
        reasons.append(Reason(DELIVERS_OTHER_DAYS))
    else:
        reasons.append(Reason(POOLED_LOGISTICS))
    if parts["category"] == 0.5:
        reasons.append(Reason(BROADER_CATEGORY))
    missing = [Reason(LABEL, label) for label in sorted(need.labels - supply.labels)]
    missing.extend(Reason(REQUIREMENT, r) for r in sorted(need.requirements - producer.requirements))
    if parts["season"] < 1.0:
        missing.append(Reason(MONTHS_MISSING, _bits(need.months & ~supply.months)))
    if supply.monthly_volume is not None and parts["volume"] < 1.0:
        missing.append(Reason(VOLUME_SHARE, parts["volume"]))
    return reasons, missing


# --- Many producers at once ------------------------------------------------------------------------


@dataclass
class ProducerTable:
    """Producers flattened into arrays, one row per supply, built once and reused for every need."""

    profiles: list[ProducerProfile]
    categories: list[str]  # distinct category paths
    label_index: dict[str, int]
    requirement_index: dict[str, int]
    producer: np.ndarray  # row -> index in profiles
    category: np.ndarray  # row -> index in categories
    months: np.ndarray
    label_bits: np.ndarray  # int64: bit i = label_index i
    volume: np.ndarray  # nan when not declared
    lat: np.ndarray  # radians, per producer
    lon: np.ndarray
    radius: np.ndarray  # km, nan when not delivering
    weekdays: np.ndarray
    requirement_bits: np.ndarray  # int64: bit i = requirement_index i

    @classmethod
    def build(cls, profiles: Sequence[ProducerProfile]) -> ProducerTable:
        categories: dict[str, int] = {}
        labels: dict[str, int] = {}
        rows: list[tuple[int, int, int, int, float]] = []
        for index, profile in enumerate(profiles):
            for supply in profile.supplies:
                bits = 0
                for label in supply.labels:
                    bits |= 1 << labels.setdefault(label, len(labels))
                volume = math.nan if supply.monthly_volume is None else supply.monthly_volume
                rows.append(
                    (index, categories.setdefault(supply.category, len(categories)), supply.months, bits, volume)
                )
        requirements: dict[str, int] = {}
        for profile in profiles:
            for requirement in sorted(profile.requirements):
                requirements.setdefault(requirement, len(requirements))
        if len(labels) > 62 or len(requirements) > 62:
            raise ValueError("at most 62 distinct labels and 62 distinct requirements")
        columns: list[Sequence[float]] = [list(c) for c in zip(*rows, strict=True)] if rows else [[]] * 5
        return cls(
            profiles=list(profiles),
            categories=list(categories),
            label_index=labels,
            requirement_index=requirements,
            producer=np.asarray(columns[0], dtype=np.int64),
            category=np.asarray(columns[1], dtype=np.int64),
            months=np.asarray(columns[2], dtype=np.int64),
            label_bits=np.asarray(columns[3], dtype=np.int64),
            volume=np.asarray(columns[4], dtype=float),
            lat=np.radians(np.array([p.lat for p in profiles], dtype=float)),
            lon=np.radians(np.array([p.lon for p in profiles], dtype=float)),
            radius=np.array([math.nan if p.delivery_radius_km is None else p.delivery_radius_km for p in profiles]),
            weekdays=np.array([p.delivery_weekdays for p in profiles], dtype=np.int64),
            requirement_bits=np.array([_bits_of(p.requirements, requirements) for p in profiles], dtype=np.int64),
        )


def _bits_of(codes: Iterable[str], index: dict[str, int]) -> int:
    """The codes as bits of `index`; codes it does not know are left out (nobody in the table has them)."""
    return sum(1 << index[code] for code in set(codes) if code in index)


_POPCOUNT = np.array([bin(i).count("1") for i in range(1 << 12)], dtype=np.int64)


def rank(
    need: NeedSpec, table: ProducerTable, weights: Weights = Weights(), limit: int = 50, *, road_factor: float
) -> list[Score]:
    """The best `limit` producers for the need, best first, each explained. `road_factor`: road km per
    great-circle km."""
    fits = np.array([category_fit(need.category, path) for path in table.categories] or [0.0])
    category = fits[table.category] if len(table.category) else np.zeros(0)
    rows = np.flatnonzero(category > 0)
    if rows.size == 0:
        return []
    producers = table.producer[rows]
    # Haversine on the rows' producers, then the road factor.
    lat1, lon1 = math.radians(need.lat), math.radians(need.lon)
    lat2, lon2 = table.lat[producers], table.lon[producers]
    km = great_circle_km_radians(lat1, lon1, lat2, lon2) * road_factor
    near = km <= need.max_km
    rows, producers, km = rows[near], producers[near], km[near]
    if rows.size == 0:
        return []
    radius = table.radius[producers]
    delivers = ~np.isnan(radius) & (km <= np.nan_to_num(radius, nan=-1.0))
    same_day = (table.weekdays[producers] & need.weekdays) != 0
    volume = table.volume[rows]
    declared = ~np.isnan(volume)
    if need.monthly_quantity > 0:
        with np.errstate(over="ignore"):  # a tiny quantity needed: any volume covers it (min(1, inf) = 1)
            volume_part = np.where(declared, np.minimum(1.0, np.nan_to_num(volume) / need.monthly_quantity), 0.5)
    else:
        volume_part = np.where(declared, 1.0, 0.5)
    label_mask = _bits_of(need.labels, table.label_index)
    labels_part = (
        _popcount64(table.label_bits[rows] & label_mask) / len(need.labels) if need.labels else np.ones(rows.size)
    )
    requirement_mask = _bits_of(need.requirements, table.requirement_index)
    requirements_part = (
        _popcount64(table.requirement_bits[producers] & requirement_mask) / len(need.requirements)
        if need.requirements
        else np.ones(rows.size)
    )
    parts = np.vstack(
        [
            category[rows],
            np.maximum(0.0, 1.0 - km / need.max_km) if need.max_km > 0 else np.zeros(rows.size),
            np.where(delivers, np.where(same_day, 1.0, 0.7), 0.3),
            _POPCOUNT[table.months[rows] & need.months & 4095] / max(1, _bits(need.months)),
            volume_part,
            labels_part,
            requirements_part,
        ]
    )
    vector = weights.vector()
    totals = vector @ parts / vector.sum()
    # One line per producer (its best supply), then the best `limit` of them.
    order = np.lexsort((-totals, producers))
    first = np.ones(order.size, dtype=bool)
    first[1:] = producers[order][1:] != producers[order][:-1]
    best = order[first]
    top = best[np.argsort(-totals[best], kind="stable")][:limit]
    scores = []
    for i in top:
        profile = table.profiles[int(producers[i])]
        values = {part: float(parts[j, i]) for j, part in enumerate(PARTS)}
        supply = _supply_of(profile, table.categories[int(table.category[rows[i]])], int(table.months[rows[i]]))
        reasons, missing = explain(need, profile, supply, values, float(km[i]))
        scores.append(Score(profile.id, float(totals[i]), values, float(km[i]), supply.category, reasons, missing))
    return scores


def _popcount64(values: np.ndarray) -> np.ndarray:
    """Bits set in each int64 (labels: at most 62 of them)."""
    count = np.zeros(values.shape, dtype=np.int64)
    for shift in range(0, 64, 12):
        count += _POPCOUNT[(values >> shift) & 4095]
    return count


def _supply_of(profile: ProducerProfile, category: str, months: int) -> Supply:
    for supply in profile.supplies:
        if supply.category == category and supply.months == months:
            return supply
    raise LookupError(category)  # pragma: no cover - rows come from the profiles
