"""The observatory's pages over time: the objectives and the indicators' history (on the dashboard and in
the printable report), the coordination page (isolated producers, objectives, snapshots on demand) and a
producer's isolation flag. The dashboard itself is views.territory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import is_coordinator
from terroir.directory.background import task_error_text
from terroir.directory.models import Actor

from . import commune_history, isolation, linechart, objectives, registry, snapshots
from .departments import department_label
from .forms import FlagForm, ObjectiveForm
from .models import Objective, SnapshotRun, Territory
from .roles import can_coordinate, coordination_check


def _period(period: dt.date) -> str:
    return f"{period:%m/%Y}"


def history_chart(
    indicator: registry.Indicator, history: list[tuple[dt.date, float | None]], objective: Objective | None = None
) -> SafeString:
    """An indicator's history as an SVG line, with the objective's target when given."""
    points = [(_period(period), value) for period, value in history]
    said = pgettext("between the values of a chart's description", "; ").join(
        _("%(label)s: %(values)s") % {"label": label, "values": indicator.format(value)} for label, value in points
    ) or _("no snapshot yet")
    desc = f"{indicator.label}. {said}."
    target = objective.target if objective is not None else None
    if objective is not None and target is not None:
        aim = {"target": indicator.format(target), "year": objective.year}
        desc += " " + _("Target: %(target)s by %(year)s.") % aim
    svg = linechart.history(
        chart_id=f"history-{indicator.key.replace('.', '-')}" + (f"-{objective.pk}" if objective else ""),
        title=str(indicator.label), points=points, fmt=indicator.format, desc=desc, target=target,
    )  # fmt: skip
    return mark_safe(svg)  # every text escaped by linechart


def history_context(territory: Territory) -> dict[str, Any]:
    """The objectives with their progress and chart, and every indicator's latest value and chart by theme."""
    found = snapshots.histories(territory)
    progress = objectives.objectives_progress(territory, found)
    goals = [
        {"progress": p, "chart": history_chart(p.indicator, found.get(p.objective.indicator, []), p.objective)
         if p.indicator and p.value is not None else None}
        for p in progress
    ]  # fmt: skip
    themes = []
    for key, title in registry.THEMES.items():
        rows = []
        for indicator in registry.all_indicators():
            if indicator.theme != key:
                continue
            history = found.get(indicator.key, [])
            latest = history[-1] if history else None
            rows.append({
                "indicator": indicator, "value": indicator.format(latest[1]) if latest else "—",
                "as_of": _period(latest[0]) if latest else "",
                # No chart of a history without a single known value: an empty drawing says nothing.
                "chart": history_chart(indicator, history) if any(v is not None for _p, v in history) else None,
            })  # fmt: skip
        themes.append({"key": key, "title": title, "rows": rows})
    return {"goals": goals, "themes": themes, "has_snapshots": bool(found)}


def commune(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    """A commune of a territory over time: its figures of each monthly snapshot, as charts and a table."""
    territory = _territory(slug)
    place = get_object_or_404(territory.communes.all(), code=code)
    found = commune_history.commune_history(territory, place.code)
    periods = [period for period, _value in found[commune_history.COLUMNS[0]]]
    rows: list[dict[str, Any]] = []
    for figure in commune_history.FIGURES:
        history = found[figure.key]
        latest = next(((p, v) for p, v in reversed(history) if v is not None), None)
        # The five distances share one definition: said once, under the first (a phone shows it once).
        said = bool(rows) and rows[-1]["figure"].definition == figure.definition
        rows.append({
            "figure": figure, "definition": "" if said else figure.definition,
            "value": figure.format(latest[1]) if latest else "—",
            "as_of": _period(latest[0]) if latest else "",
            "chart": history_chart(figure, history) if latest else None,
            "values": [figure.format(v) for _p, v in history],
        })  # fmt: skip
    context = {
        "territory": territory, "commune": place, "department": department_label(place.department),
        "rows": rows, "periods": [_period(p) for p in periods],
    }  # fmt: skip
    return render(request, "observatory/commune.html", context)


def _territory(slug: str) -> Territory:
    return get_object_or_404(Territory, slug=slug)


def _coordinated(request: HttpRequest, slug: str) -> Territory:
    """The territory, for its coordinators only (others: 403; anonymous visitors: the caller redirects)."""
    territory = _territory(slug)
    coordination_check(request.user, territory)
    return territory


def _login_first(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def coordination(request: HttpRequest, slug: str) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    territory = _coordinated(request, slug)
    snapshots.runs_reap()
    # What the latest snapshot found on the worker (the rules read the whole directory), today's flags.
    isolated, isolated_as_of = snapshots.coordination_isolated(territory)
    context = {
        "territory": territory, "isolated": isolated, "isolated_as_of": isolated_as_of,
        "runs": territory.snapshot_runs.order_by("-started_at")[:5], "rules": _rules(),
        **history_context(territory),
    }  # fmt: skip
    return render(request, "observatory/coordination.html", context)


def _rules() -> dict[str, str]:
    return {"outlet_km": f"{isolation.OUTLET_KM:g}", "same_km": f"{isolation.SAME_PRODUCT_KM:g}",
            "pool_km": f"{isolation.POOL_KM:g}", "relay_km": f"{isolation.RELAY_KM:g}"}  # fmt: skip


def _objective_values(form: ObjectiveForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {"indicator": data["indicator"] or "", "target": data["target"], "year": data["year"],
            "text": data["text"] or ""}  # fmt: skip


def _objective_form(request: HttpRequest, territory: Territory, objective: Objective | None) -> HttpResponse:
    initial = {} if objective is None else {
        "indicator": objective.indicator, "target": objective.target, "year": objective.year, "text": objective.text,
    }  # fmt: skip
    form = ObjectiveForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if objective is None:
                objectives.objective_create(territory=territory, by=request.user, **_objective_values(form))
            else:
                objectives.objective_update(objective=objective, by=request.user, **_objective_values(form))
        except ValidationError as error:
            for name, problems in error.message_dict.items():
                form.add_error(name if name in form.fields else None, problems)
        else:
            messages.success(request, _("Objective saved."))
            return redirect("observatory:coordination", territory.slug)
    context = {"territory": territory, "form": form, "objective": objective}
    return render(request, "observatory/objective_form.html", context, status=400 if form.errors else 200)


def objective_new(request: HttpRequest, slug: str) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    return _objective_form(request, _coordinated(request, slug), None)


def objective_edit(request: HttpRequest, slug: str, objective_id: int) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    territory = _coordinated(request, slug)
    objective = get_object_or_404(Objective, pk=objective_id, territory=territory)
    if request.method == "POST" and request.POST.get("action") == "delete":
        objectives.objective_delete(objective=objective, by=request.user)
        messages.success(request, _("Objective deleted."))
        return redirect("observatory:coordination", territory.slug)
    return _objective_form(request, territory, objective)


@require_POST
def snapshot_ask(request: HttpRequest, slug: str) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    run = snapshots.snapshot_request(territory=_coordinated(request, slug), by=request.user)
    return redirect("observatory:snapshot_run", slug, run.pk)


def snapshot_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    if (login := _login_first(request)) is not None:
        return login
    territory = _coordinated(request, slug)
    snapshots.runs_reap()  # a run whose worker died is said failed to whoever follows it
    run = get_object_or_404(SnapshotRun, pk=run_id, territory=territory)
    context = {
        "territory": territory, "run": run, "active": run.status in snapshots.ACTIVE,
        "percent": round(100 * run.done / run.total) if run.total else 0,
        "error": task_error_text(run.error) if run.error else "",
    }  # fmt: skip
    return render(request, "observatory/snapshot_run.html", context)


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def report(request: HttpRequest, slug: str) -> HttpResponse:
    """The printable report for the PAT's steering committee, one page per theme, in French whatever the
    reader's language (the committee's); the isolated producers' page for the territory's coordinators
    only (flags and their reasons are not public)."""
    territory = _territory(slug)
    coordinates = can_coordinate(request.user, territory)
    with translation.override("fr"):
        figures = snapshots.dashboard_figures(territory)
        canteens, reach = figures["canteens"], figures["access"]
        context = {
            "territory": territory, "canteens": canteens, "reach": reach,
            "comparison": figures["comparison"], "as_of": figures["as_of"], "coordinates": coordinates,
            "isolated": snapshots.coordination_isolated(territory)[0] if coordinates else [],
            "canteen_chart": [
                {"label": _("Organic"), "values": [_percent(canteens["organic_share_mean"]), 20.0], "unit": "%"},
                {"label": _("EGalim"), "values": [_percent(canteens["egalim_share_mean"]), 50.0], "unit": "%"},
            ],
            "reach_chart": [
                {"label": _("≤ %(km)s km") % {"km": f"{r['threshold_km']:g}"}, "values": [_percent(r["share"])],
                 "unit": "%"} for r in reach["reach"]
            ],
            **history_context(territory),
        }  # fmt: skip
        response = render(request, "observatory/report.html", context)
    response["Content-Language"] = "fr"
    return response


def producer_flag(request: HttpRequest, actor_id: int) -> HttpResponse:
    """A producer's people (or a coordinator) say it is isolated, and why; or that it no longer is."""
    if (login := _login_first(request)) is not None:
        return login
    producer = get_object_or_404(Actor, pk=actor_id, is_producer=True)
    if not isolation.can_flag(request.user, producer):
        raise PermissionDenied(_("Only the producer's people and the coordinators may flag it."))
    form = FlagForm(request.POST or None)
    if request.method == "POST":
        if request.POST.get("action") == "clear":
            isolation.isolation_clear(producer=producer, by=request.user)
            messages.success(request, _("The producer is no longer flagged as isolated."))
            return redirect("observatory:producer_flag", producer.pk)
        if form.is_valid():
            isolation.isolation_flag(producer=producer, reason=form.cleaned_data["reason"], by=request.user)
            messages.success(request, _("The coordinators of the territory will see it on their page."))
            return redirect("observatory:producer_flag", producer.pk)
    flag = producer.isolation_flags.filter(cleared_at__isnull=True).first()
    context = {"producer": producer, "form": form, "flag": flag, "staff": is_coordinator(request.user)}
    return render(request, "observatory/producer_flag.html", context, status=400 if form.errors else 200)
