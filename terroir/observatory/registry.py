"""The indicators the observatory follows over time: one registry, read by the snapshots, the objectives,
the history charts and the printable report.

An indicator is a key, a label and a definition in the reader's language, a unit, a direction (is a
higher value better?), the theme it belongs to (a page of the report) and a function that computes its
value for a territory: a number, or None when the data is missing (never a zero that would read as a
measure). Adding one is a call to `register` (docs/observatory.md, "Adding an indicator").

Several indicators read the same figures (five numbers of the canteens, a dozen of the access engine):
`shared` keeps a territory's figures for the length of one `computing()` block, so a snapshot computes
each only once.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import PlaceKind
from terroir.directory.numbers import number

from . import activity, channels, geo_page, isolation
from . import indicators as figures
from .access import THRESHOLDS_KM
from .models import Territory

# The unit written after a value; "%" values are percentages (20.0 means 20 %), not fractions, so that a
# coordinator types the target as they say it.
PERCENT, COUNT, KM = "%", "", "km"

Label = str | Promise
Compute = Callable[[Territory], float | None]

# Themes: one page each in the printable report, in this order. Add yours here with its title.
THEMES: dict[str, Label] = {
    "canteens": _("Canteens and the EGalim law"),
    "access": _("Access to local food"),
    "producers": _("Producers and local supply"),
    "activity": _("The platform's activity"),
}


@dataclass(frozen=True)
class Indicator:
    key: str  # stable: stored on snapshots and objectives
    label: Label
    definition: Label
    unit: str
    higher_is_better: bool
    theme: str
    compute: Compute

    def format(self, value: float | None) -> str:
        """The value as the pages write it, in the reader's language (a dash when unknown)."""
        if value is None:
            return "—"
        decimals = 0 if self.unit == COUNT else 1
        text = number(round(value, decimals), decimals)
        return f"{text}\u00a0{self.unit}" if self.unit else text


_registry: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    """Add an indicator; its key must be new and its theme one of THEMES."""
    if indicator.key in _registry:
        raise ValueError(f"indicator {indicator.key!r} is already registered")
    if indicator.theme not in THEMES:
        raise ValueError(f"unknown theme {indicator.theme!r}: add it to THEMES")
    _registry[indicator.key] = indicator
    return indicator


def all_indicators() -> list[Indicator]:
    """Every indicator, by theme (in THEMES' order) then in the order they were registered."""
    order = list(THEMES)
    return sorted(_registry.values(), key=lambda i: order.index(i.theme))


def indicator_get(key: str) -> Indicator | None:
    return _registry.get(key)


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The indicators grouped by theme, for a form's select."""
    return [
        (str(title), [(i.key, str(i.label)) for i in all_indicators() if i.theme == theme])
        for theme, title in THEMES.items()
    ]


_memo: ContextVar[dict[tuple[str, int], Any] | None] = ContextVar("observatory_memo", default=None)


@contextlib.contextmanager
def computing() -> Iterator[None]:
    """Within this block, each `shared` figure of a territory is computed once."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def shared(func: Callable[[Territory], Any]) -> Callable[[Territory], Any]:
    """A territory's figures that several indicators read, kept for the length of `computing()`."""

    @functools.wraps(func)
    def cached(territory: Territory) -> Any:
        memo = _memo.get()
        if memo is None:
            return func(territory)
        key = (func.__qualname__, territory.pk)
        if key not in memo:
            memo[key] = func(territory)
        return memo[key]

    return cached


def compute_all(territory: Territory) -> dict[str, float | None]:
    with computing():
        return {i.key: i.compute(territory) for i in all_indicators()}


# --- Canteens and EGalim ----------------------------------------------------------------------------


@shared
def canteens_of(territory: Territory) -> dict[str, Any]:
    return figures.canteen_indicator(figures.Scope("territory", territory.slug, territory.name))


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 4)


def _canteen_figure(name: str, *, percent: bool = False) -> Compute:
    def compute(territory: Territory) -> float | None:
        found = canteens_of(territory)
        if found["no_data"]:
            return None
        value = found[name]
        return _percent(value) if percent else (None if value is None else float(value))

    return compute


def _canteens_at_organic_target(territory: Territory) -> float | None:
    found = canteens_of(territory)
    if found["no_data"] or not found["canteens"]:
        return None
    return round(100 * found["meeting_organic_target"] / found["canteens"], 4)


register(Indicator(
    "canteens.declaring", _("Canteens declaring"),
    _("Canteens whose commune is in the territory and that declared their purchases of their latest year on "
      "ma-cantine."), COUNT, True, "canteens", _canteen_figure("canteens"),
))  # fmt: skip
register(Indicator(
    "canteens.organic_share", _("Organic share in canteens, mean"),
    _("Plain mean over the canteens declaring of the share of organic products in their food purchases (€ "
      "excluding VAT); the law asks 20%."), PERCENT, True, "canteens",
    _canteen_figure("organic_share_mean", percent=True),
))  # fmt: skip
register(Indicator(
    "canteens.egalim_share", _("EGalim share in canteens, mean"),
    _("The same mean of the EGalim-quality share, organic included; the law asks 50%."),
    PERCENT, True, "canteens", _canteen_figure("egalim_share_mean", percent=True),
))  # fmt: skip
register(Indicator(
    "canteens.meeting_organic", _("Canteens at 20 % organic or more"),
    _("Canteens declaring at least 20 % organic purchases."), COUNT, True, "canteens",
    _canteen_figure("meeting_organic_target"),
))  # fmt: skip
register(Indicator(
    "canteens.meeting_egalim", _("Canteens at 50 % EGalim or more"),
    _("Canteens declaring at least 50 % EGalim-quality purchases, organic included."), COUNT, True, "canteens",
    _canteen_figure("meeting_egalim_target"),
))  # fmt: skip
register(Indicator(
    "canteens.meeting_organic_share", _("Share of the canteens at 20 % organic"),
    _("Of the canteens declaring, the share that reach 20 % organic purchases."), PERCENT, True, "canteens",
    _canteens_at_organic_target,
))  # fmt: skip


# --- Access to local food ---------------------------------------------------------------------------


@shared
def access_of(territory: Territory) -> dict[str, Any]:
    return figures.territory_access(territory)


def _population_within(km: float) -> Compute:
    def compute(territory: Territory) -> float | None:
        found = access_of(territory)
        if found["no_data"]:
            return None
        share = next(r["share"] for r in found["reach"] if r["threshold_km"] == km)
        return _percent(share)

    return compute


def _beyond(territory: Territory) -> float | None:
    found = access_of(territory)
    return None if found["no_data"] else float(len(found["beyond"]))


def _median_any(territory: Territory) -> float | None:
    found = access_of(territory)
    return None if found["no_data"] else next(k["median_km"] for k in found["kinds"] if k["kind"] == figures.ANY)


def _communes_within_10_km(kind: str) -> Compute:
    def compute(territory: Territory) -> float | None:
        found = access_of(territory)
        row = next(k for k in found["kinds"] if k["kind"] == kind)
        placed = len(found["rows"])
        if row["communes_within_10_km"] is None or not placed:
            return None  # the directory has no place of that kind: unknown, not "none within reach"
        return round(100 * row["communes_within_10_km"] / placed, 4)

    return compute


for _km in THRESHOLDS_KM:
    register(Indicator(
        f"access.population_{_km:g}km", format_lazy(_("Population within {km} km of a place"), km=f"{_km:g}"),
        format_lazy(_("Share of the inhabitants living in a commune whose centre is within {km} km (as the crow "
                      "flies) of a place of any public kind."), km=f"{_km:g}"),
        PERCENT, True, "access", _population_within(_km),
    ))  # fmt: skip
register(Indicator(
    "access.communes_beyond", _("Communes beyond 20 km of any place"),
    _("Communes whose centre is farther than 20 km from any place open to the public."), COUNT, False, "access",
    _beyond,
))  # fmt: skip
register(Indicator(
    "access.median_km", _("Median distance to the nearest place"),
    _("Median over the communes of the distance from the commune's centre to the nearest place of any public "
      "kind."), KM, False, "access", _median_any,
))  # fmt: skip
for _kind in figures.ACCESS_KINDS:
    register(Indicator(
        f"access.communes_10km.{_kind}",
        format_lazy(_("Communes within 10 km of: {kind}"), kind=PlaceKind(_kind).label),
        _("Share of the territory's communes whose centre is within 10 km of a place of this kind "
          "(100 %: every commune)."), PERCENT, True, "access", _communes_within_10_km(_kind),
    ))  # fmt: skip


# --- Access compared, producers, local or not (the dashboard's geographic sections) -----------------


@shared
def geo_of(territory: Territory) -> dict[str, Any]:
    return geo_page.geo_figures(territory)


def _open_enough_within_10_km(territory: Territory) -> float | None:
    found = geo_of(territory)["open_enough"]
    if found["no_data"]:
        return None
    mine = next(a for a in found["scopes"][0]["access"] if a["target"] == figures.ANY)
    return _percent(next(r["share"] for r in mine["reach"] if r["threshold_km"] == 10))


register(Indicator(
    "access.population_10km_open", format_lazy(_("Population within 10 km of a place open {hours} h a week"),
                                               hours=f"{geo_page.PAGE_MIN_HOURS:g}"),
    format_lazy(_("The same share, counting only the places whose opening hours give at least {hours} hours a "
                  "week (a place whose hours are unknown does not count)."), hours=f"{geo_page.PAGE_MIN_HOURS:g}"),
    PERCENT, True, "access", _open_enough_within_10_km,
))  # fmt: skip


def _producer_figure(name: str, *, percent: bool = False) -> Compute:
    def compute(territory: Territory) -> float | None:
        found = geo_of(territory)["producers"]
        if found["no_data"] or found[name] is None:
            return None
        return _percent(found[name]) if percent else float(found[name])

    return compute


def _supermarkets_local(territory: Territory) -> float | None:
    return _percent(geo_of(territory)["local"]["supermarkets_local_share"])


@shared
def isolated_of(territory: Territory) -> list[isolation.Isolated]:
    return isolation.isolated_producers(territory)


def _isolated(territory: Territory) -> float | None:
    if geo_of(territory)["producers"]["no_data"]:
        return None
    return float(len(isolated_of(territory)))


register(Indicator(
    "producers.count", _("Producers"), _("Producers of the directory whose farm is in the territory's communes."),
    COUNT, True, "producers", _producer_figure("producers"),
))  # fmt: skip
register(Indicator(
    "producers.direct_sale_share", _("Producers selling directly"),
    _("Share of the producers that sell through at least one place of direct sale (farm, market, AMAP, "
      "producers' shop…)."), PERCENT, True, "producers", _producer_figure("direct_sale_share", percent=True),
))  # fmt: skip
register(Indicator(
    "producers.single_channel_share", _("Producers with a single channel"),
    _("Of the producers with at least one place, the share that sell through one kind of place only."),
    PERCENT, False, "producers", _producer_figure("single_channel_share", percent=True),
))  # fmt: skip
register(Indicator(
    "producers.single_buyer_share", _("Producers with a single buyer"),
    _("Of the producers with at least one place, the share whose only outlet is one intermediary place."),
    PERCENT, False, "producers", _producer_figure("single_buyer_share", percent=True),
))  # fmt: skip
register(Indicator(
    "producers.isolated", _("Isolated producers"),
    _("Producers flagged as isolated, or found so by the rules of the coordination page (no outlet nor round "
      "nearby, a single buyer, no other producer of the same product nearby)."), COUNT, False, "producers",
    _isolated,
))  # fmt: skip
register(Indicator(
    "local.supermarkets_share", _("Local producers of the supermarkets"),
    _("Of the links between the territory's supermarkets and their producers, the share whose farm is within the "
      "territory's local radius."), PERCENT, True, "producers", _supermarkets_local,
))  # fmt: skip


# --- Channels compared and activity -------------------------------------------------------------------


@shared
def channels_of(territory: Territory) -> dict[str, Any]:
    return channels.channels_compared(territory)


@shared
def activity_of(territory: Territory) -> dict[str, Any]:
    return activity.territory_activity(territory)


def _activity_figure(section: str, name: str, *, percent: bool = False) -> Compute:
    def compute(territory: Territory) -> float | None:
        found = activity_of(territory)[section]
        if found["no_data"] or found[name] is None:
            return None
        return _percent(found[name]) if percent else float(found[name])

    return compute


register(Indicator(
    "activity.needs_published", _("Needs published"),
    _("Needs of the territory's buyers published on the needs board."), COUNT, True, "activity",
    _activity_figure("needs", "published"),
))  # fmt: skip
register(Indicator(
    "activity.needs_contracted", _("Needs contracted"),
    _("Needs of the territory's buyers that ended in a contract, in whole or in part."), COUNT, True, "activity",
    _activity_figure("needs", "contracted"),
))  # fmt: skip
register(Indicator(
    "activity.meetings_held", _("Meetings held on meeting days"),
    _("Meetings held on the meeting days with a participant from the territory."), COUNT, True, "activity",
    _activity_figure("meetings", "meetings_held"),
))  # fmt: skip
register(Indicator(
    "activity.rounds_km_saved", _("Kilometres saved by pooled rounds"),
    _("Kilometres the latest pooled rounds of the territory save against each producer delivering alone."),
    KM, True, "activity", _activity_figure("rounds", "km_saved"),
))  # fmt: skip
register(Indicator(
    "activity.verified_share", _("Entries verified in the last 12 months"),
    _("Share of the territory's places and producers whose entry was verified in the last 12 months."),
    PERCENT, True, "activity", _activity_figure("verified", "share", percent=True),
))  # fmt: skip
