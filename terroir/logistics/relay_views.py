"""Relay platforms: the candidate sites of the carrier on the desk (or of the whole territory for a
coordinator), and siting studies computed on the worker, shown as a map, tables and a chart of the
scenarios of 0, 1, 2… platforms. What is not the person's is a 404 (terroir.logistics.access)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from terroir.accounts.permissions import planner_required
from terroir.directory.background import task_error_text
from terroir.directory.fields import FieldInvalid, hours_clean
from terroir.directory.forms import CommuneField, commune_text, date_input, number_limits
from terroir.directory.french import elided
from terroir.directory.models import Commune, Place, PlaceKind
from terroir.directory.numbers import Number
from terroir.directory.templatetags.charts import chart_bars

from . import access, relay_study, services, studies
from .costs import VehicleType
from .models import DeliveryOrder, Depot, RelayCandidate, RunStatus, SitingStudy
from .siting import SitingError

VEHICLE_TYPES = [
    (VehicleType.CAR, gettext_lazy("car")), (VehicleType.VAN, gettext_lazy("van")),
    (VehicleType.REFRIGERATED_VAN, gettext_lazy("refrigerated van")), (VehicleType.TRUCK, gettext_lazy("truck")),
    (VehicleType.REFRIGERATED_TRUCK, gettext_lazy("refrigerated truck")),
]  # fmt: skip
LEGS = {
    "direct": (gettext_lazy("Direct delivery by the producer"), relay_study.DIRECT),
    "trunk": (gettext_lazy("From the farm to the platform"), relay_study.TRUNK),
    "last_mile": (gettext_lazy("From the platform to the customer"), relay_study.LAST_MILE),
}


class CandidateForm(forms.ModelForm):
    # Typed as the search reads it ("Thiers", "63300", "Saint-Just (63)"); the address in it is geocoded by
    # studies.candidate_save, the commune's centre standing in when the geocoder cannot place it.
    commune = CommuneField(
        label=gettext_lazy("Commune"), required=False,
        help_text=gettext_lazy("Its name, its postcode or its INSEE code: the site stands at its address in it, "
                               "or at its centre."),
    )  # fmt: skip

    class Meta:
        model = RelayCandidate
        fields = ["name", "place", "depot", "commune", "address", "lat", "lon", "fixed_cost_week",
                  "capacity_kg_day", "cold_room", "opening_hours"]  # fmt: skip
        help_texts = {"lat": gettext_lazy("Empty: found from the address and the commune.")}

    def __init__(self, *args: Any, depots: Any, **kwargs: Any) -> None:
        instance = kwargs.get("instance")
        if instance is not None and instance.commune_id:
            kwargs["initial"] = {"commune": commune_text(instance.commune_id), **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = Place.objects.filter(kind=PlaceKind.RELAY, closed_at__isnull=True)  # type: ignore[attr-defined]
        self.fields["depot"].queryset = depots  # type: ignore[attr-defined]
        number_limits(self)  # the model's bounds (RELAY_CAPACITY_KG_DAY_MAX, RELAY_COST_WEEK_MAX), as the API's
        self.fields["fixed_cost_week"].error_messages["min_value"] = _("A cost cannot be negative.")

    def clean_commune(self) -> Commune | None:
        code = self.cleaned_data.get("commune")
        return Commune.objects.filter(code=code).first() if code else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # A new address or commune, the position left as it was: the site moves there (found again).
        # (Compared with the row: a commune typed "Thiers (63)" is "changed" from its initial text.)
        commune = cleaned.get("commune")
        moved = (
            cleaned.get("address", "") != self.instance.address
            or (commune.pk if commune else None) != self.instance.commune_id
        )
        if self.instance.pk and moved and not {"lat", "lon"} & set(self.changed_data):
            cleaned["lat"] = cleaned["lon"] = None
        return cleaned

    def clean_opening_hours(self) -> str:
        try:
            return hours_clean(self.cleaned_data.get("opening_hours", ""))
        except FieldInvalid as exc:
            raise ValidationError(exc.reason) from None

    def save(self, commit: bool = False) -> RelayCandidate:
        candidate: RelayCandidate = super().save(commit=False)  # studies.candidate_save writes it
        return candidate


class StudyForm(forms.Form):
    week = forms.DateField(label=gettext_lazy("Week of"), widget=date_input())
    single_source = forms.BooleanField(
        label=gettext_lazy("Each customer served from one place"), required=False,
        help_text=gettext_lazy("Otherwise a customer's goods may come partly from one platform, partly directly."),
    )  # fmt: skip
    town_population = forms.IntegerField(
        label=gettext_lazy("A town from (inhabitants)"), min_value=1, initial=relay_study.TOWN_POPULATION,
        help_text=gettext_lazy("A point is in town when the commune whose centre is nearest has this many people."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        maxima: dict[str, tuple[Number | None, Number | None]] = {"town_population": relay_study.TOWN_POPULATION_BOUNDS}
        for key, (title, leg) in LEGS.items():
            self.fields[f"{key}_type"] = forms.ChoiceField(label=_("%(leg)s: vehicle") % {"leg": title},
                                                           choices=VEHICLE_TYPES, initial=leg.vehicle_type)  # fmt: skip
            self.fields[f"{key}_per_km"] = forms.FloatField(label=_("%(leg)s: € per km") % {"leg": title},
                                                            min_value=0, initial=leg.per_km)  # fmt: skip
            self.fields[f"{key}_per_hour"] = forms.FloatField(label=_("%(leg)s: driver € per hour") % {"leg": title},
                                                              min_value=0, initial=leg.per_hour)  # fmt: skip
            self.fields[f"{key}_load_kg"] = forms.FloatField(
                label=_("%(leg)s: kg carried per trip, on average") % {"leg": title}, min_value=1, initial=leg.load_kg
            )
            maxima |= {f"{key}_{name}": bounds for name, bounds in relay_study.LEG_BOUNDS.items()}
        number_limits(self, maxima)

    def legs(self) -> dict[str, relay_study.Leg]:
        data = self.cleaned_data
        return {
            key: relay_study.Leg(vehicle_type=data[f"{key}_type"], per_km=data[f"{key}_per_km"],
                                 per_hour=data[f"{key}_per_hour"], load_kg=data[f"{key}_load_kg"])
            for key in LEGS
        }  # fmt: skip


def _relays_url(desk: access.Desk) -> str:
    return f"{reverse('logistics:relays')}?org={desk.choice}"


@planner_required
@require_http_methods(["GET", "POST"])
def relays(request: HttpRequest) -> HttpResponse:
    desk = access.desk(request)
    candidates = list(access.on_desk(RelayCandidate.objects.all(), desk).select_related("owner", "commune"))
    try:
        week = services.monday(datetime.date.fromisoformat(request.GET.get("week") or ""))
    except ValueError:
        week = services.monday(datetime.date.today())
    form = StudyForm(request.POST or None, initial={"week": week})
    error = ""
    if request.method == "POST" and form.is_valid():
        week = services.monday(form.cleaned_data["week"])
        orders = access.on_desk(DeliveryOrder.objects.filter(week=week), desk).select_related(
            "producer", "customer", "delivery_place"
        )
        problem, labels = studies.study_problem(
            candidates, orders, week=week, legs=form.legs(), town_population=form.cleaned_data["town_population"],
            single_source=form.cleaned_data["single_source"],
        )  # fmt: skip
        try:
            study = studies.study_start(problem=problem, labels=labels, week=week, by=request.user,
                                        owner=desk.current)  # fmt: skip
        except SitingError as exc:
            error = _("The study cannot be made: %(reason)s.") % {"reason": studies.refusal(exc, labels)}
        except studies.StudiesBusy:
            error = _("Two studies are already being computed: try again in a minute.")
        else:
            return redirect("logistics:study", study_id=study.pk)
    context = {
        "desk": desk, "candidates": [(c, studies.position(c)) for c in candidates], "form": form, "error": error,
        "studies": access.on_desk(SitingStudy.objects.all(), desk)[:10], "week": week,
    }  # fmt: skip
    status = 400 if error or form.errors else 200
    return render(request, "logistics/relays.html", context, status=status)


@planner_required
@require_http_methods(["GET", "POST"])
def candidate_edit(request: HttpRequest, candidate_id: int | None = None) -> HttpResponse:
    candidate = get_object_or_404(access.candidates_of(request.user), pk=candidate_id) if candidate_id else None
    if candidate is not None:
        owner = candidate.owner
    else:
        desk = access.desk(request)
        if desk.current is None and not desk.coordinator:
            raise Http404("no carrier to add a candidate site for")
        owner = desk.current
    depots = Depot.objects.filter(operator=owner) if owner else Depot.objects.filter(operator__isnull=True)
    form = CandidateForm(request.POST or None, instance=candidate, depots=depots)
    if request.method == "POST" and form.is_valid():
        try:
            saved = studies.candidate_save(candidate=form.save(), owner=owner)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Candidate site saved.") if candidate else _("Candidate site added."))
            if saved.lat is None and saved.commune is not None:
                said = _(
                    "%(site)s stands at the centre of %(commune)s: give its address or its coordinates to "
                    "place it better."
                ) % {"site": saved.name, "commune": saved.commune.name}
                messages.info(request, elided(said, saved.commune.name))
            return redirect(f"{reverse('logistics:relays')}?org={saved.owner_id or access.ALL}")
    context = {"form": form, "candidate": candidate, "owner": owner}
    return render(request, "logistics/candidate_form.html", context, status=400 if form.errors else 200)


@planner_required
@require_http_methods(["POST"])
def candidate_delete(request: HttpRequest, candidate_id: int) -> HttpResponse:
    candidate = get_object_or_404(access.candidates_of(request.user), pk=candidate_id)
    owner = candidate.owner_id
    studies.candidate_delete(candidate=candidate)
    messages.success(request, _("Candidate site deleted."))
    return redirect(f"{reverse('logistics:relays')}?org={owner or access.ALL}")


def _state(study: SitingStudy) -> dict[str, Any]:
    return {"status": study.status, "stage": study.stage, "fraction": study.fraction,
            "error": task_error_text(study.error)}  # fmt: skip


@planner_required
def study_state(request: HttpRequest, study_id: int) -> JsonResponse:
    studies.studies_reap()
    return JsonResponse(_state(get_object_or_404(access.studies_of(request.user), pk=study_id)))


def _scenario_name(platforms: int | None) -> str:
    if platforms == 0:
        return _("Direct (today)")
    if platforms is None:
        return _("Best, no limit")
    return ngettext("At most %(n)s platform", "At most %(n)s platforms", platforms) % {"n": platforms}


def _short_name(platforms: int | None) -> str:
    """The scenario in a chart's narrow label column."""
    if platforms == 0:
        return _("Direct")
    if platforms is None:
        return _("No limit")
    return ngettext("%(n)s platform", "%(n)s platforms", platforms) % {"n": platforms}


def _chart(scenarios: list[dict[str, Any]], key: str, label: str, unit: str) -> str:
    """One measure across the scenarios: a bar per scenario (any number of them fits, unlike a legend)."""
    bars = [{"label": _short_name(s["platforms"]), "values": [s[key]], "unit": unit} for s in scenarios]
    return chart_bars(bars, label, chart_id=f"scenarios-{key}", title=label)


def _points(study: SitingStudy) -> dict[str, tuple[float, float]]:
    points: dict[str, tuple[float, float]] = {}
    for c in study.problem.get("candidates", []):
        if c.get("lat") is not None:
            points[c["id"]] = (c["lat"], c["lon"])
    for o in study.problem.get("orders", []):
        if o.get("farm_lat") is not None:
            points[o["farm"]] = (o["farm_lat"], o["farm_lon"])
        if o.get("lat") is not None:
            points[o["customer"]] = (o["lat"], o["lon"])
    return points


def _map_data(study: SitingStudy, scenario: dict[str, Any]) -> dict[str, Any]:
    """What the map draws for one scenario: candidate sites (open or not), farms, customers, and the flows."""
    points, names = _points(study), study.labels.get("parties", {}) | study.labels.get("candidates", {})
    opened = set(scenario["open"])
    farms = {o["farm"] for o in study.problem["orders"]}
    customers = {o["customer"] for o in study.problem["orders"]}

    def mark(key: str, kind: str) -> dict[str, Any]:
        lat, lon = points[key]
        return {"lat": lat, "lon": lon, "kind": kind, "title": names.get(key, key)}

    marks = [mark(c["id"], "open" if c["id"] in opened else "closed") for c in study.problem["candidates"]
             if c["id"] in points]  # fmt: skip
    marks += [mark(f, "farm") for f in sorted(farms) if f in points]
    marks += [mark(c, "customer") for c in sorted(customers) if c in points]
    lines = []
    for kind in ("trunk", "last_mile", "direct"):
        for a, b, kg in scenario["flows"][kind]:
            if a in points and b in points:
                title = f"{names.get(a, a)} → {names.get(b, b)}{_(':')} {kg:g} kg"
                lines.append({"kind": kind, "points": [points[a], points[b]], "title": title})
    return {"marks": marks, "lines": lines}


def _flows(study: SitingStudy, scenario: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    names = study.labels.get("parties", {}) | study.labels.get("candidates", {})
    return [{"from": names.get(a, a), "to": names.get(b, b), "kg": kg} for a, b, kg in scenario["flows"][kind]]


@planner_required
def study(request: HttpRequest, study_id: int) -> HttpResponse:
    found = get_object_or_404(access.studies_of(request.user), pk=study_id)
    context: dict[str, Any] = {"study": found, "state": _state(found), "error": task_error_text(found.error)}
    result = found.result or {}
    scenarios = result.get("scenarios", [])
    if found.status == RunStatus.DONE and scenarios:
        names = found.labels.get("candidates", {})
        for s in scenarios:
            s["name"] = _scenario_name(s["platforms"])
            s["open_names"] = [names.get(i, i) for i in s["open"]]
        best = min(range(len(scenarios)), key=lambda k: scenarios[k]["cost"])
        try:
            shown = int(request.GET.get("scenario", best))
        except ValueError:
            shown = best
        shown = shown if 0 <= shown < len(scenarios) else best
        chosen = scenarios[shown]
        today = scenarios[0]
        measures = [("cost", _("Cost per week"), "€"), ("km", _("Distance"), "km"), ("km_town", _("km in town"), "km"),
                    ("km_town_heavy", _("km in town, heavy vehicles"), "km"), ("co2_kg", _("CO₂e"), "kg")]  # fmt: skip
        context |= {
            "scenarios": scenarios, "shown": shown, "best": best, "chosen": chosen, "today": today,
            "saved": {key: today[key] - chosen[key] for key, _label, _unit in measures},
            "charts": [(label, _chart(scenarios, key, label, unit)) for key, label, unit in measures],
            "map_data": _map_data(found, chosen),
            "trunk": _flows(found, chosen, "trunk"), "last_mile": _flows(found, chosen, "last_mile"),
            "direct": _flows(found, chosen, "direct"),
            "candidates": [(names.get(c["id"], c["id"]), c) for c in found.problem["candidates"]],
            "capacity": sum(c["capacity_kg"] for c in found.problem["candidates"]),
            "demand": sum(o["kg"] for o in found.problem["orders"]),
        }  # fmt: skip
    return render(request, "logistics/study.html", context)
