"""Canteen figures against the EGalim law's targets; a pure engine (no Django).

A declaration gives two shares of the canteen's food purchases (in € excl. VAT): organic, and the other
EGalim-quality labels (Label Rouge, AOP/AOC, IGP, STG, HVE, fishing, farm products…) without organic.
Its EGalim share is their sum. The law asks at least 20 % organic and 50 % EGalim (organic included).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

ORGANIC_TARGET = 0.20
EGALIM_TARGET = 0.50
# The file gives shares with 4 decimals: 0.2665 + 0.2335 is 0.5 for the law, not 0.49999999999999994.
PRECISION = 6


@dataclass(frozen=True, slots=True)
class Declared:
    organic: float
    egalim_other: float

    @property
    def egalim(self) -> float:
        return round(self.organic + self.egalim_other, PRECISION)


@dataclass(frozen=True, slots=True)
class CanteenFigures:
    canteens: int
    organic_share_mean: float
    egalim_share_mean: float
    meeting_organic_target: int
    meeting_egalim_target: int


def canteen_figures(declared: Iterable[Declared]) -> CanteenFigures | None:
    """Plain means of the declared shares (each canteen counts once, whatever its size) and the number
    of canteens at or above each target; None when no canteen declared (no data is not zero)."""
    rows = list(declared)
    if not rows:
        return None
    count = len(rows)
    return CanteenFigures(
        canteens=count,
        organic_share_mean=round(sum(r.organic for r in rows) / count, PRECISION),
        egalim_share_mean=round(sum(r.egalim for r in rows) / count, PRECISION),
        meeting_organic_target=sum(1 for r in rows if round(r.organic, PRECISION) >= ORGANIC_TARGET),
        meeting_egalim_target=sum(1 for r in rows if r.egalim >= EGALIM_TARGET),
    )
