"""The observatory's pages: the territories, each territory's dashboard (public), and the import of the
canteen declarations (coordinators)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from terroir.accounts.permissions import coordinator_required
from terroir.directory.background import task_error_text
from terroir.directory.search import InvalidParameter
from terroir.directory.uploads import UploadRefused

from . import activity, canteen_supply, channels, geo_page, snapshots
from .canteens import reason_text
from .indicators import year_parse
from .jobs import runs_reap, upload_start
from .models import CanteenImport, Territory
from .pages import history_context
from .roles import can_coordinate


def territories(request: HttpRequest) -> HttpResponse:
    items = Territory.objects.order_by("name")
    return render(request, "observatory/territories.html", {"territories": items})


def _percent(value: float | None) -> float | None:
    return None if value is None else value * 100


def territory(request: HttpRequest, slug: str) -> HttpResponse:
    place = get_object_or_404(Territory, slug=slug)
    # The latest snapshot's tables when there is one (no computing in the request), else computed now.
    figures = snapshots.dashboard_figures(place)
    canteens, reach = figures["canteens"], figures["access"]
    canteen_chart = [
        {"label": _("Organic"), "values": [_percent(canteens["organic_share_mean"]), 20.0], "unit": "%"},
        {"label": _("EGalim"), "values": [_percent(canteens["egalim_share_mean"]), 50.0], "unit": "%"},
    ]
    reach_chart = [
        {
            "label": _("≤ %(km)s km") % {"km": f"{r['threshold_km']:g}"},
            "values": [_percent(r["share"])],
            "unit": "%",
        }
        for r in reach["reach"]
    ]
    context: dict[str, Any] = {
        "territory": place, "canteens": canteens, "reach": reach, "canteen_chart": canteen_chart,
        "reach_chart": reach_chart, "can_import": request.user.is_staff,
        "comparison": figures["comparison"], "as_of": figures["as_of"],
        "coordinates": can_coordinate(request.user, place), **history_context(place),
    }  # fmt: skip
    context |= geo_page.geo_context(figures["geo"])
    # Each commune of the table leads to its page: one reversal for all (one per row was 7 % of the page
    # for a département's 463 communes).
    prefix = reverse("observatory:commune", args=[place.slug, "0"]).removesuffix("0/")
    context["table_rows"] = [dict(row, url=f"{prefix}{row['commune']}/") for row in context["table_rows"]]
    context |= _channels_and_activity(figures["channels"], figures["activity"])
    below = canteen_supply.canteens_below_target(place, canteens["year"], per_canteen=0)
    context |= {"below": below, "below_shown": below["rows"][:BELOW_SHOWN]}
    return render(request, "observatory/territory.html", context)


BELOW_SHOWN = 20  # canteens below target listed on the dashboard; the rest on their own page


def canteens_below(request: HttpRequest, slug: str) -> HttpResponse:
    """The territory's canteens below a target, each with the local producers that could supply it."""
    place = get_object_or_404(Territory, slug=slug)
    try:
        year = year_parse(request.GET.get("year"))
    except InvalidParameter:
        year = None
    found = canteen_supply.canteens_below_target(place, year)
    return render(request, "observatory/canteens_below.html", {"territory": place, "below": found})


def _channels_and_activity(found_channels: dict[str, Any], found_activity: dict[str, Any]) -> dict[str, Any]:
    compared, doings = channels.channels_said(found_channels), activity.activity_said(found_activity)
    return {
        "channels": compared, "channels_charts": channels.channels_charts(compared),
        "activity": doings, "activity_charts": activity.activity_charts(doings),
    }  # fmt: skip


@coordinator_required
def canteens_import(request: HttpRequest) -> HttpResponse:
    error = ""
    if request.method == "POST":
        file = request.FILES.get("file")
        if file is None:
            error = _("Choose a file.")
        else:
            try:
                run = upload_start(file=file, by=request.user)
            except UploadRefused as refusal:
                error = str(refusal)
            else:
                return redirect("observatory:canteens_run", run.pk)
    runs = CanteenImport.objects.order_by("-started_at")[:10]
    return render(request, "observatory/canteens_import.html", {"error": error, "runs": runs})


@coordinator_required
def canteens_run(request: HttpRequest, run_id: int) -> HttpResponse:
    runs_reap()  # a run whose worker died is said failed to whoever follows it
    run = get_object_or_404(CanteenImport, pk=run_id)
    problems = [(line, reason_text(code, value)) for line, code, value in run.problems]
    context = {"run": run, "problems": problems, "error": task_error_text(run.error) if run.error else ""}
    return render(request, "observatory/canteens_run.html", context)
