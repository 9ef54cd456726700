"""The PAT's objectives: targets on the registry's indicators ("20 % organic in canteens by 2027"), or
goals in words. Only the territory's coordinators (and the site's) write them; everybody reads them with
their progress, measured on the snapshots."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from terroir.contributions.audit import audit_record

from . import registry
from .models import Objective, Territory
from .roles import coordination_check
from .snapshots import histories

FIRST_YEAR, LAST_YEAR = 2000, 2100


def _clean(*, indicator: str, target: float | None, year: int, text: str) -> dict[str, Any]:
    text = (text or "").strip()
    errors: dict[str, str] = {}
    if indicator and registry.indicator_get(indicator) is None:
        errors["indicator"] = _("unknown indicator %(key)s") % {"key": indicator}
    if indicator and target is None:
        errors["target"] = _("give the value to reach on the indicator")
    if not indicator and target is not None:
        errors["indicator"] = _("choose the indicator the target value is for")
    if not indicator and not text:
        errors["text"] = _("write the objective, or choose an indicator and a target value")
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = _("a year between %(first)s and %(last)s") % {"first": FIRST_YEAR, "last": LAST_YEAR}
    found = registry.indicator_get(indicator) if indicator else None
    if found is not None and target is not None and found.unit == registry.PERCENT and not 0 <= target <= 100:
        errors["target"] = _("a percentage between 0 and 100")
    if target is not None and target < 0:
        errors["target"] = _("a value of zero or more")
    if errors:
        raise ValidationError(errors)
    return {"indicator": indicator, "target": target, "year": year, "text": text[:300]}


@transaction.atomic
def objective_create(
    *, territory: Territory, by: Any, year: int, indicator: str = "", target: float | None = None, text: str = ""
) -> Objective:
    coordination_check(by, territory)
    values = _clean(indicator=indicator, target=target, year=year, text=text)
    objective = Objective.objects.create(territory=territory, created_by=by, **values)
    audit_record(by=by, action="objective_create", target=f"objective:{objective.pk}", summary=str(objective))
    return objective


@transaction.atomic
def objective_update(
    *, objective: Objective, by: Any, year: int, indicator: str = "", target: float | None = None, text: str = ""
) -> Objective:
    coordination_check(by, objective.territory)
    for name, value in _clean(indicator=indicator, target=target, year=year, text=text).items():
        setattr(objective, name, value)
    objective.updated_at = timezone.now()
    objective.save()
    audit_record(by=by, action="objective_update", target=f"objective:{objective.pk}", summary=str(objective))
    return objective


@transaction.atomic
def objective_delete(*, objective: Objective, by: Any) -> None:
    coordination_check(by, objective.territory)
    audit_record(by=by, action="objective_delete", target=f"objective:{objective.pk}", summary=str(objective))
    objective.delete()


@dataclass(frozen=True)
class Progress:
    """Where an objective stands: the indicator's latest value and what is left to reach the target
    (`gap`, in the indicator's unit, 0 when reached; None when unknown)."""

    objective: Objective
    indicator: registry.Indicator | None
    value: float | None
    as_of: dt.date | None
    gap: float | None
    reached: bool | None
    # From the first snapshot to the target: how far along (0–1), None when it cannot be said.
    fraction: float | None

    @property
    def label(self) -> str:
        return str(self.indicator.label) if self.indicator else self.objective.text

    def value_text(self) -> str:
        return self.indicator.format(self.value) if self.indicator else "—"

    def target_text(self) -> str:
        return self.indicator.format(self.objective.target) if self.indicator else "—"

    def gap_text(self) -> str:
        return self.indicator.format(self.gap) if self.indicator and self.gap is not None else "—"


def progress_of(objective: Objective, history: list[tuple[dt.date, float | None]]) -> Progress:
    """An objective's progress from its indicator's history (periods in order)."""
    indicator = registry.indicator_get(objective.indicator) if objective.indicator else None
    known = [(period, value) for period, value in history if value is not None]
    if indicator is None or objective.target is None or not known:
        return Progress(objective, indicator, None, None, None, None, None)
    as_of, value = known[-1]
    start, target = known[0][1], objective.target
    if indicator.higher_is_better:
        gap, reached = max(target - value, 0.0), value >= target
    else:
        gap, reached = max(value - target, 0.0), value <= target
    fraction = None
    if start != target:
        fraction = min(max((value - start) / (target - start), 0.0), 1.0)
    elif reached:
        fraction = 1.0
    return Progress(objective, indicator, value, as_of, round(gap, 4), reached, fraction)


History = list[tuple[dt.date, float | None]]


def objectives_progress(territory: Territory, histories: dict[str, History]) -> list[Progress]:
    return [progress_of(o, histories.get(o.indicator, [])) for o in territory.objectives.all()]


def territory_history(territory: Territory) -> dict[str, Any]:
    """Every indicator's history and the objectives with their progress, as plain data (the API)."""
    found = histories(territory)
    return {
        "territory": territory.slug,
        "indicators": [
            {"key": i.key, "label": str(i.label), "definition": str(i.definition), "unit": i.unit,
             "higher_is_better": i.higher_is_better, "theme": i.theme,
             "history": [{"period": period.isoformat()[:7], "value": value} for period, value in found.get(i.key, [])]}
            for i in registry.all_indicators()
        ],
        "objectives": [
            {"id": p.objective.pk, "indicator": p.objective.indicator or None, "target": p.objective.target,
             "year": p.objective.year, "text": p.objective.text, "value": p.value,
             "as_of": p.as_of.isoformat()[:7] if p.as_of else None, "gap": p.gap, "reached": p.reached}
            for p in objectives_progress(territory, found)
        ],
    }  # fmt: skip
