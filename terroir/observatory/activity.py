"""Activity: what the platform's own tools did for a territory — the needs board's funnel, the meeting
days, the pooled rounds and how fresh the directory is.

Per territory (definitions shown on the page, `DEFINITIONS`):
- `needs`: needs **published** (ever put on the board) whose delivery place is in the territory (the
  buyer's commune when the need names no place), of which **answered** (at least one producer interested
  or making an offer; a decline is no answer) and **contracted** (closed as contracted, wholly or partly);
- `meetings`: meeting **days** with at least one participant whose organisation is in the territory,
  **held** (their date is past or today), **upcoming**, and the **meetings held** on the held days (the
  schedule's meetings);
- `rounds`: the latest finished plan of each week whose depot is in the territory: the **plans**, the
  **rounds** planned, and the **km, kg of CO₂ and € saved** against every producer delivering alone
  (the plans' own status quo; a plan without a status quo adds nothing to the savings);
- `verified`: the directory's **entries** in the territory (open places, and producers by their
  commune), of which **verified in the last 12 months** (their "last verified" date) and the share.

A section with nothing to count says `no_data` with None figures, never zeros.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.communes import commune_at
from terroir.directory.models import Actor, Place
from terroir.lib import spreadsheet
from terroir.logistics.models import PlanningRun, RunStatus
from terroir.meetings.models import Event, Meeting
from terroir.needs.models import Answer, Need

from .models import Territory

VERIFIED_DAYS = 365

DEFINITIONS = {
    "needs": _(
        "Needs published on the board with their delivery place in the territory (the buyer's commune when "
        "no place is given); answered: at least one producer interested or making an offer; contracted: "
        "closed as contracted, wholly or partly."
    ),
    "meetings": _(
        "Meeting days with a participant from the territory: held (date past), upcoming, and the meetings "
        "scheduled on the days held."
    ),
    "rounds": _(
        "Latest finished plan of each week whose depot is in the territory: rounds planned, and km, kg of CO₂ "
        "and € saved against every producer delivering alone."
    ),
    "verified": _(
        "Open places and producers of the territory, and those whose details were verified in the last 12 months."
    ),
}


def _needs(codes: QuerySet[Any]) -> dict[str, Any]:
    needs = Need.objects.filter(published_at__isnull=False).filter(
        Q(delivery_place__commune_id__in=codes) | Q(delivery_place__isnull=True, buyer__commune_id__in=codes)
    )
    published = needs.count()
    if not published:
        return {"published": None, "answered": None, "contracted": None, "no_data": True}
    answered = needs.filter(
        pk__in=Answer.objects.filter(kind__in=[Answer.Kind.INTERESTED, Answer.Kind.OFFER]).values("need_id")
    ).count()
    contracted = needs.filter(outcome__in=[Need.Outcome.CONTRACTED, Need.Outcome.PARTLY]).count()
    return {"published": published, "answered": answered, "contracted": contracted, "no_data": False}


def _meetings(codes: QuerySet[Any], today: dt.date) -> dict[str, Any]:
    events = Event.objects.filter(participants__actor__commune_id__in=codes).distinct()
    days = events.count()
    if not days:
        return {"days": None, "held": None, "upcoming": None, "meetings_held": None, "no_data": True}
    held = events.filter(date__lte=today)
    return {
        "days": days,
        "held": held.count(),
        "upcoming": days - held.count(),
        "meetings_held": Meeting.objects.filter(event__in=held.values("pk")).count(),
        "no_data": False,
    }


def latest_plans(codes: Iterable[str]) -> list[PlanningRun]:
    """The latest finished plan of each week (and owner) with a depot in the communes `codes`."""
    codes = set(codes)
    latest: dict[tuple[Any, Any], PlanningRun] = {}
    runs = PlanningRun.objects.filter(status=RunStatus.DONE).order_by("created_at")
    for run in runs.only("week", "owner", "problem", "plan", "report", "created_at"):
        depots = [d.get("place") or {} for d in (run.problem or {}).get("depots", []) if isinstance(d, dict)]
        here = any(
            (found := commune_at(p["lat"], p["lon"])) is not None and found[0] in codes
            for p in depots
            if p.get("lat") is not None and p.get("lon") is not None
        )
        if here:
            latest[(run.week, run.owner_id)] = run  # a later plan of the same week replaces the earlier
    return list(latest.values())


def _rounds(codes: set[str]) -> dict[str, Any]:
    plans = latest_plans(codes)
    if not plans:
        return {"plans": None, "rounds": None, "km_saved": None, "co2_kg_saved": None, "cost_saved": None,
                "no_data": True}  # fmt: skip
    saved = [s for s in ((p.report or {}).get("saved") for p in plans) if isinstance(s, dict)]

    def total(key: str, digits: int) -> float | None:
        return round(sum(float(s.get(key) or 0) for s in saved), digits) if saved else None

    return {
        "plans": len(plans),
        "rounds": sum(len((p.plan or {}).get("rounds", [])) for p in plans),
        "km_saved": total("km", 1),
        "co2_kg_saved": total("co2_kg", 1),
        "cost_saved": total("cost", 2),
        "no_data": False,
    }


def _verified(codes: QuerySet[Any], today: dt.date) -> dict[str, Any]:
    since = today - dt.timedelta(days=VERIFIED_DAYS)
    places = Place.objects.filter(commune_id__in=codes).filter(Q(closed_at__isnull=True) | Q(closed_at__gt=today))
    producers = Actor.objects.filter(is_producer=True, commune_id__in=codes)
    entries = places.count() + producers.count()
    if not entries:
        return {"entries": None, "verified": None, "share": None, "no_data": True}
    verified = places.filter(verified_at__gte=since).count() + producers.filter(verified_at__gte=since).count()
    return {"entries": entries, "verified": verified, "share": round(verified / entries, 4), "no_data": False}


def territory_activity(territory: Territory, *, today: dt.date | None = None) -> dict[str, Any]:
    """The activity of a territory (module docstring); `no_data` when every section has none."""
    today = today or timezone.localdate()
    # A subquery, not a list, for the database: a territory may name tens of thousands of communes.
    codes = territory.communes.values("code")
    sections = {
        "needs": _needs(codes),
        "meetings": _meetings(codes, today),
        "rounds": _rounds(set(territory.communes.values_list("code", flat=True))),
        "verified": _verified(codes, today),
    }
    return {
        "territory": territory.slug,
        "name": territory.name,
        "date": today.isoformat(),
        **sections,
        "definitions": {name: str(text) for name, text in DEFINITIONS.items()},
        "no_data": all(section["no_data"] for section in sections.values()),
    }


def activity_csv(figures: Mapping[str, Any]) -> str:
    """territory_activity as CSV for French spreadsheets, one figure a line (`section;figure;value`),
    decimal commas, an empty value where there is no data."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = spreadsheet.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["section", "figure", "value"])
    for section in ("needs", "meetings", "rounds", "verified"):
        for name, value in figures[section].items():
            if name == "no_data":
                continue
            cell = "" if value is None else (f"{value:g}".replace(".", ",") if isinstance(value, float) else value)
            writer.writerow([section, name, cell])
    return out.getvalue()


def activity_charts(figures: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The funnel of the needs and the savings of the rounds, as groups for `chart_bars`."""
    needs, rounds = figures["needs"], figures["rounds"]
    charts: dict[str, list[dict[str, Any]]] = {"funnel": [], "saved": []}
    if not needs["no_data"]:
        charts["funnel"] = [
            {"label": str(_("Published")), "values": [needs["published"]]},
            {"label": str(_("Answered")), "values": [needs["answered"]]},
            {"label": str(_("Contracted")), "values": [needs["contracted"]]},
        ]
    if not rounds["no_data"] and rounds["km_saved"] is not None:
        charts["saved"] = [
            {"label": str(_("Distance")), "values": [rounds["km_saved"]], "unit": "km"},
            {"label": str(_("CO₂")), "values": [rounds["co2_kg_saved"]], "unit": "kg"},
            {"label": str(_("Cost")), "values": [rounds["cost_saved"]], "unit": "€"},
        ]
    return charts


def activity_said(found: Mapping[str, Any]) -> dict[str, Any]:
    """`territory_activity`'s figures with their definitions in the reader's language."""
    return dict(found, definitions={name: str(text) for name, text in DEFINITIONS.items()})
