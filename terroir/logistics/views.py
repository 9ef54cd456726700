"""The planner: choose the week, vehicles and orders, run in the background, see the rounds on a map with
their costs, the status quo and the sharing; print route sheets; export CSV and GeoJSON.

Each page shows only the data of the carriers the person acts for (terroir.logistics.access): another
carrier's order or run is a 404, as if it did not exist."""

from __future__ import annotations

import datetime
import io
import json
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dates import WEEKDAYS
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from terroir.accounts.permissions import planner_required
from terroir.directory.background import stored_message, task_error_text
from terroir.directory.fields import VocabularyField
from terroir.directory.forms import WEEKDAYS as WEEKDAY_CHOICES
from terroir.directory.forms import date_input, number_limits
from terroir.directory.models import Actor
from terroir.directory.presenters import clock_text
from terroir.directory.uploads import upload_limit
from terroir.lib import spreadsheet
from terroir.lib.messages import Message

from . import access, services
from . import orders_import as importer
from .models import DeliveryMode, DeliveryOrder, Depot, PlanningRun, RunStatus, Vehicle
from .routing import DAY, ProblemError
from .sharing import EXACT_MAX

ACTIONS = {
    "start": gettext_lazy("Leave the depot"),
    "reload": gettext_lazy("Back at the depot, reload"),
    "end": gettext_lazy("Back at the depot"),
    "load": gettext_lazy("Load"),
    "unload": gettext_lazy("Unload"),
}
# The planner's reasons (routing.unservable and plan), in the reader's language.
REASONS = {
    "no position": gettext_lazy("no position on the map (farm or customer)"),
    "heavier than any vehicle": gettext_lazy("heavier or bulkier than any vehicle"),
    "cold chain: no refrigerated space large enough": gettext_lazy("cold chain: no refrigerated space large enough"),
    "time window closes before it opens": gettext_lazy("its time window closes before it opens"),
    "delivery deadline before the pickup can happen": gettext_lazy(
        "the delivery deadline comes before the pickup can happen"
    ),
    "no vehicle works on the days it may travel": gettext_lazy("no vehicle works on the days it may travel"),
    "left out by the plan": gettext_lazy("left out: no round could take it within the time windows and working hours"),
    "no vehicle leaves its relay platform": gettext_lazy(
        "no vehicle chosen for this plan starts from its relay platform"
    ),
    "no time to pass through the relay platform": gettext_lazy(
        "no time to pass through the relay platform before the delivery window closes"
    ),
}
# Orders kept out of the rounds by their producer's choice (DeliveryOrder.delivery_mode).
OUTSIDE = {
    "self": gettext_lazy("delivered by the producer"),
    "carpool": gettext_lazy("sent by a carpool trip"),
}
COLOURS = ["#1b7837", "#762a83", "#e66101", "#2166ac", "#b2182b", "#4d9221", "#8c510a", "#01665e"]


def _week(value: str | None) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(value) if value else datetime.date.today()
    except ValueError:
        day = datetime.date.today()
    return services.monday(day)


def _clock(seconds: int) -> str:
    """ "08:15": the exports' (CSV, GeoJSON) time of day."""
    seconds %= DAY
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _said(seconds: int) -> str:
    """ "8 h 15" ("8:15 am" in English): the pages' time of day, as every page of the platform says it."""
    seconds %= DAY
    return clock_text(datetime.time(seconds // 3600, seconds % 3600 // 60))


def _minutes(seconds: int) -> int:
    """Seconds late as the page says them: whole minutes, rounded up (a second late is a minute late)."""
    return -(-seconds // 60)


def _problem_text(error: ProblemError, labels: dict[str, Any] | None = None) -> str:
    """The planner's refusal in the reader's language (the engine raises it in English, without Django), a
    value quoted the reader's way; the vehicle, order or depot it names by its name on the page (`labels` of
    `services.problem_for_week`), not by the problem's id ("v12")."""
    return _labelled(error.message, labels or {}).text(_)


def run_error_text(run: PlanningRun) -> str:
    """Why a run failed, in the reader's language: a refusal kept as its message (services.run_execute) names
    the vehicle, order or depot by its name on the page, as a refusal before the run does; an error kept as
    text (a task's reason, a run failed before messages were kept) as background.task_error_text says it."""
    message = stored_message(run.error)
    return task_error_text(run.error) if message is None else _labelled(message, run.labels or {}).text(_)


def _labelled(message: Message, labels: dict[str, Any]) -> Message:
    """`message` with each vehicle's, order's and depot's id (a nested message's too) replaced by its name."""
    values: dict[str, Any] = {}
    for key, value in message.values.items():
        if isinstance(value, Message):
            value = _labelled(value, labels)
        elif key in ("vehicle", "depot") and isinstance(value, str):
            value = (labels.get(key + "s", {}).get(value) or {}).get("name") or value
        elif key == "order" and isinstance(value, str) and value in labels.get("orders", {}):
            text = labels["orders"][value]
            value = _("%(goods)s from %(producer)s") % {"goods": text.get("goods") or value,
                                                        "producer": text.get("producer") or "?"}  # fmt: skip
        values[key] = value
    return Message(message.template, values)


@planner_required
@require_http_methods(["GET", "POST"])
def planner(request: HttpRequest) -> HttpResponse:
    week = _week(request.POST.get("week") or request.GET.get("week"))
    desk = access.desk(request)
    vehicles = list(
        access.on_desk(Vehicle.objects.filter(active=True), desk).select_related("depot", "end_depot", "owner")
    )
    orders = list(
        access.on_desk(DeliveryOrder.objects.filter(week=week), desk).select_related(
            "producer__commune",
            "customer__commune",
            "delivery_place__commune",
            "owner",
            "relay",
            "agreement_link__part",  # terroir.supply's link: the order came from an accepted need
            "carpool_link__parcel",  # terroir.supply's link: the order's carpool parcel
        )
    )
    error = ""
    if request.method == "POST":
        chosen_vehicles = [v for v in vehicles if str(v.pk) in request.POST.getlist("vehicles")]
        chosen_orders = [o for o in orders if str(o.pk) in request.POST.getlist("orders")]
        try:
            limit = float(request.POST.get("time_limit") or 10)
        except ValueError:
            limit = 10.0
        if not chosen_vehicles:
            error = _("Choose at least one vehicle.")
        elif not chosen_orders:
            error = _("Choose at least one order.")
        else:
            problem, labels = services.problem_for_week(chosen_vehicles, chosen_orders)
            try:
                run = services.run_start(
                    problem, by=request.user, week=week, labels=labels, time_limit_s=limit, owner=desk.current
                )
            except ProblemError as exc:
                error = _("The problem cannot be planned: %(reason)s") % {"reason": _problem_text(exc, labels)}
            except services.PlannerBusy:
                error = _("Two plans are already being computed: try again in a minute.")
            else:
                return redirect("logistics:run", run_id=run.pk)
    context = {
        "week": week,
        "previous": week - datetime.timedelta(days=7),
        "next": week + datetime.timedelta(days=7),
        "vehicles": [(v, [WEEKDAYS[d] for d in services.days_of(v.weekdays)]) for v in vehicles],
        "orders": [(o, [WEEKDAYS[d] for d in services.days_of(o.weekdays)]) for o in orders],
        "runs": access.on_desk(PlanningRun.objects.all(), desk).order_by("-created_at")[:10],
        "desk": desk,
        "error": error,
    }
    return render(request, "logistics/planner.html", context, status=400 if error else 200)


def _hours_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class _DaysForm(forms.ModelForm):
    """A form of a row with days of the week (`weekdays`, a bit mask, bit 0 = Monday) as checkboxes,
    Tuesday to Thursday for a new row."""

    days_label: Any = ""
    weekdays = forms.TypedMultipleChoiceField(choices=WEEKDAY_CHOICES, coerce=int, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["weekdays"].label = self.days_label
        if not self.is_bound:
            mask = self.instance.weekdays if self.instance.pk else 0b0001110
            self.initial.setdefault("weekdays", [str(d) for d in services.days_of(mask)])

    def days_mask(self) -> int:
        return sum(1 << int(d) for d in self.cleaned_data["weekdays"])


class OrderForm(_DaysForm):
    days_label = gettext_lazy("Days it may travel")

    class Meta:
        model = DeliveryOrder
        fields = [
            "week", "kind", "producer", "customer", "delivery_place", "description", "category", "kg", "crates", "cold",
            "value", "pickup_opens", "pickup_closes", "delivery_opens", "delivery_closes", "ready_at",
            "service_min", "required", "delivery_mode", "relay",
        ]  # fmt: skip
        widgets = {
            "week": date_input(),
            **{f: _hours_input() for f in
               ("pickup_opens", "pickup_closes", "delivery_opens", "delivery_closes", "ready_at")},
        }  # fmt: skip

    def __init__(self, *args: Any, depots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Relay platforms among the depots of the carriers planning (each carrier's own, or every one).
        self.fields["relay"].queryset = depots  # type: ignore[attr-defined]
        self.fields["delivery_mode"].required = False  # a form sent without it: the pooled round, as before
        if not self.instance.pk:  # a new order takes its producer's usual choice for the customer, unless told
            self.fields["delivery_mode"].choices = [  # type: ignore[attr-defined]
                ("", _("as usual for this customer (the producer's choice)")), *DeliveryMode.choices,
            ]  # fmt: skip
            self.initial.setdefault("delivery_mode", "")
        self.usual = False
        self.fields["producer"].queryset = Actor.objects.filter(is_producer=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["customer"].queryset = Actor.objects.filter(is_buyer=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["delivery_place"].required = False
        self.fields["delivery_place"].widget = forms.HiddenInput()
        self.fields["category"].help_text = _("Whether the goods may ride a carpool trip depends on it.")
        # A full truck's load at most: a typing slip, not a SQLite integer's top, is what the form catches.
        number_limits(self, {"kg": (0, 40_000), "crates": (0, 2_000), "value": (0, 1_000_000),
                             "service_min": (0, 240)})  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind in ("shipment", "delivery") and not data.get("customer"):
            self.add_error("customer", _("A delivery goes to a customer."))
        if kind in ("shipment", "collection") and data.get("producer") and data["producer"].lat is None:
            self.add_error("producer", _("This producer has no position on the map: set it on their page first."))
        for opens, closes in (("pickup_opens", "pickup_closes"), ("delivery_opens", "delivery_closes")):
            if data.get(opens) and data.get(closes) and data[closes] <= data[opens]:
                self.add_error(closes, _("This time window closes before it opens."))
        pickup, deadline = data.get("pickup_opens"), data.get("delivery_closes")
        if kind == "shipment" and pickup and deadline and deadline <= pickup:
            self.add_error("delivery_closes", _("The delivery deadline comes before the pickup can happen."))
        if data.get("week"):
            data["week"] = services.monday(data["week"])
        if not data.get("delivery_mode"):
            self.usual = not self.instance.pk and not data.get("relay")
            data["delivery_mode"] = DeliveryMode.POOLED
        return data

    def save(self, commit: bool = True) -> DeliveryOrder:
        order: DeliveryOrder = super().save(commit=False)
        order.weekdays = self.days_mask()
        if commit:
            order.save()
        return order


@planner_required
@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest, order_id: int | None = None) -> HttpResponse:
    order = get_object_or_404(access.orders_of(request.user), pk=order_id) if order_id else None
    desk = access.desk(request)
    if order is None and desk.current is None and not desk.coordinator:
        raise Http404("no carrier to add an order for")
    week = order.week if order else _week(request.GET.get("week"))
    # The relay platforms offered: the depots of the order's carrier (of the carrier on the desk for a new one).
    depots = Depot.objects.filter(operator=order.owner) if order else access.on_desk(Depot.objects.all(), desk,
                                                                                     field="operator")  # fmt: skip
    form = OrderForm(request.POST or None, instance=order, initial={"week": week}, depots=depots)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        if order is None:
            saved.created_by = request.user  # type: ignore[assignment]
            saved.owner = desk.current
        try:
            services.order_save(order=saved, by=request.user, usual=form.usual)
        except ValidationError as exc:  # an app following orders refused it (a carpool the goods may not ride)
            form.add_error(None, exc)
        else:
            messages.success(request, _("Order saved.") if order else _("Order added."))
            return redirect(f"{reverse('logistics:planner')}?week={saved.week.isoformat()}")
    context = {"form": form, "week": week, "order": order, "owner": order.owner if order else desk.current}
    return render(request, "logistics/order_form.html", context, status=400 if form.errors else 200)


@planner_required
@require_http_methods(["GET", "POST"])
@upload_limit("TERROIR_ORDERS_IMPORT_MAX_MB")
def orders_import(request: HttpRequest) -> HttpResponse:
    """A spreadsheet of the week's orders: every problem listed by line and column, or every order kept."""
    week = _week(request.POST.get("week") or request.GET.get("week"))
    desk = access.desk(request)
    if desk.current is None and not desk.coordinator:
        raise Http404("no carrier to import orders for")
    problems: list[tuple[int | None, str, str]] = []
    upload = request.FILES.get("file")
    if request.method == "POST":
        name = Path(upload.name or "").name if upload else ""
        if upload is None or not name:
            problems = [(None, "", _("Choose a file."))]
        elif upload.size is not None and upload.size > (mb := settings.TERROIR_ORDERS_IMPORT_MAX_MB) * 1024 * 1024:
            problems = [(None, "", _("The file is larger than %(mb)s MB.") % {"mb": mb})]
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                read = importer.orders_read(path, week=week, depots=access.on_desk(Depot.objects.all(), desk,
                                                                                    field="operator"))  # fmt: skip
            # Each problem on the file's column as the file names it, not the platform's name for it ("cold").
            problems = [(line, read.column_said(column), message) for line, column, message in read.problems]
            if not problems:
                try:
                    count = importer.orders_save(read, by=request.user, owner=desk.current)
                except ValidationError as exc:  # an app following orders refused one (a carpool it may not ride)
                    problems = [(None, "", message) for message in exc.messages]
                else:
                    messages.success(request, ngettext("%(n)d order added.", "%(n)d orders added.", count)
                                     % {"n": count})  # fmt: skip
                    return redirect(f"{reverse('logistics:planner')}?week={week.isoformat()}")
    context = {"week": week, "problems": problems, "columns": importer.COLUMNS, "owner": desk.current}
    return render(request, "logistics/orders_import.html", context, status=400 if problems else 200)


@planner_required
@require_http_methods(["POST"])
def order_delete(request: HttpRequest, order_id: int) -> HttpResponse:
    order = get_object_or_404(access.orders_of(request.user), pk=order_id)
    week = order.week
    services.orders_delete(ids=[order.pk])  # plans already made keep their own copy of the problem
    messages.success(request, _("Order deleted."))
    return redirect(f"{reverse('logistics:planner')}?week={week.isoformat()}")


class DepotForm(forms.ModelForm):
    class Meta:
        model = Depot
        fields = ["name", "address", "lat", "lon", "opens", "closes"]
        widgets = {"opens": _hours_input(), "closes": _hours_input()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("lat", "lon"):  # no geocoding here: the planner needs the point itself
            self.fields[name].error_messages["required"] = _(
                "A depot needs its position on the map: give both its latitude and its longitude."
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens") and data.get("closes") and data["closes"] <= data["opens"]:
            self.add_error("closes", _("The depot closes before it opens."))
        return data


class VehicleForm(_DaysForm):
    days_label = gettext_lazy("Days it works")
    # The platform's one phone rule: stored E.164, shown "04 73 12 34 56".
    driver_phone = VocabularyField(
        "phone", required=False, label=capfirst(Vehicle._meta.get_field("driver_phone").verbose_name)
    )

    class Meta:
        model = Vehicle
        fields = [
            "name", "depot", "end_depot", "vehicle_type", "capacity_kg", "capacity_crates", "cold_kg", "per_km",
            "per_hour", "fixed_per_day", "starts", "ends", "max_reloads", "driver", "driver_phone", "active",
        ]  # fmt: skip
        widgets = {"starts": _hours_input(), "ends": _hours_input()}

    def __init__(self, *args: Any, carrier: Actor | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the carrier's own depots: another's id is "not one of the available choices".
        depots = Depot.objects.filter(operator=carrier) if carrier else Depot.objects.filter(operator__isnull=True)
        self.fields["depot"].queryset = depots  # type: ignore[attr-defined]
        self.fields["end_depot"].queryset = depots  # type: ignore[attr-defined]
        # Real vehicles' figures at most (a 44-tonne lorry carries about 25 t), never a SQLite integer's top.
        number_limits(self, {"capacity_kg": (1, 40_000), "capacity_crates": (0, 2_000), "cold_kg": (0, 40_000),
                             "per_km": (0, 10), "per_hour": (0, 200), "fixed_per_day": (0, 10_000),
                             "max_reloads": (0, 20)})  # fmt: skip

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("starts") and data.get("ends") and data["ends"] <= data["starts"]:
            self.add_error("ends", _("The working day ends before it starts."))
        capacity, cold = data.get("capacity_kg"), data.get("cold_kg")
        if capacity is not None and cold is not None and cold > capacity:
            self.add_error("cold_kg", _("The refrigerated space cannot carry more than the vehicle."))
        return data

    def save(self, commit: bool = False) -> Vehicle:
        vehicle: Vehicle = super().save(commit=False)  # services.vehicle_save writes it
        vehicle.weekdays = self.days_mask()
        return vehicle


def _fleet_url(carrier: Actor | None) -> str:
    return f"{reverse('logistics:fleet')}?org={carrier.pk if carrier else access.ALL}"


@planner_required
def fleet(request: HttpRequest) -> HttpResponse:
    desk = access.desk(request)
    depots = access.on_desk(Depot.objects.all(), desk, field="operator").select_related("operator")
    vehicles = access.on_desk(Vehicle.objects.all(), desk).select_related("depot", "end_depot", "owner")
    context = {
        "desk": desk, "depots": depots,
        "vehicles": [(v, [WEEKDAYS[d] for d in services.days_of(v.weekdays)]) for v in vehicles],
    }  # fmt: skip
    return render(request, "logistics/fleet.html", context)


def _new_for(request: HttpRequest) -> Actor | None:
    """The carrier a new depot or vehicle belongs to: the one on the desk, never one named by the form."""
    desk = access.desk(request)
    if desk.current is None and not desk.coordinator:
        raise Http404("no carrier to add a depot or a vehicle for")
    return desk.current


@planner_required
@require_http_methods(["GET", "POST"])
def depot_edit(request: HttpRequest, depot_id: int | None = None) -> HttpResponse:
    depot = get_object_or_404(access.depots_of(request.user), pk=depot_id) if depot_id else None
    carrier = depot.operator if depot else _new_for(request)
    form = DepotForm(request.POST or None, instance=depot)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.depot_save(depot=form.save(commit=False), operator=carrier)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Depot saved.") if depot else _("Depot added."))
            return redirect(_fleet_url(saved.operator))
    context = {"form": form, "depot": depot, "owner": carrier}
    return render(request, "logistics/depot_form.html", context, status=400 if form.errors else 200)


@planner_required
@require_http_methods(["GET", "POST"])
def vehicle_edit(request: HttpRequest, vehicle_id: int | None = None) -> HttpResponse:
    vehicle = get_object_or_404(access.vehicles_of(request.user), pk=vehicle_id) if vehicle_id else None
    carrier = vehicle.owner if vehicle else _new_for(request)
    form = VehicleForm(request.POST or None, instance=vehicle, carrier=carrier)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.vehicle_save(vehicle=form.save(), owner=carrier)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Vehicle saved.") if vehicle else _("Vehicle added."))
            return redirect(_fleet_url(saved.owner))
    context = {"form": form, "vehicle": vehicle, "owner": carrier}
    return render(request, "logistics/vehicle_form.html", context, status=400 if form.errors else 200)


def _run_json(run: PlanningRun) -> dict[str, Any]:
    return {"status": run.status, "stage": run.stage, "fraction": run.fraction, "error": run_error_text(run)}


@planner_required
def run_state(request: HttpRequest, run_id: int) -> JsonResponse:
    services.runs_reap()  # a run whose worker died is said failed to whoever follows it
    return JsonResponse(_run_json(get_object_or_404(access.runs_of(request.user), pk=run_id)))


TEXT_KEYS = ("goods", "producer", "producer_phone", "producer_address", "customer", "customer_phone", "address",
             "place")  # fmt: skip


def _order_texts(run: PlanningRun) -> dict[str, dict[str, Any]]:
    """What the pages say of each order. A run planned from the platform has names and contacts in its
    labels; a problem sent through the API has none: its own producer and customer ids stand for them."""
    labels = run.labels or {}
    parties, named = labels.get("parties", {}), labels.get("orders", {})
    texts = {}
    for order in (run.problem or {}).get("orders", []):
        if not isinstance(order, dict) or "id" not in order:
            continue
        key = str(order["id"])
        producer, customer = str(order.get("producer") or ""), str(order.get("customer") or "")
        given = {"producer": parties.get(producer, producer), "customer": parties.get(customer, customer)}
        quantities = {"kg": order.get("kg"), "crates": order.get("crates")}  # what the driver carries
        texts[key] = dict.fromkeys(TEXT_KEYS, "") | given | named.get(key, {}) | quantities
    return texts


def _order_text(texts: dict[str, dict[str, Any]], order_id: str | None) -> dict[str, Any]:
    return texts.get(order_id or "") or dict.fromkeys(TEXT_KEYS, "")


def _rounds(run: PlanningRun) -> list[dict[str, Any]]:
    """The plan's rounds with names, times of day and what happens at each stop."""
    labels, plan, report = run.labels or {}, run.plan or {}, run.report or {}
    texts = _order_texts(run)
    platforms = labels.get("depots", {})
    costs = report.get("rounds", [])
    colours: dict[str, str] = {}  # one colour per vehicle, kept on each of its days
    rounds = []
    for i, r in enumerate(plan.get("rounds", [])):
        vehicle = labels.get("vehicles", {}).get(r["vehicle"], {"name": r["vehicle"]})
        colour = colours.setdefault(r["vehicle"], COLOURS[len(colours) % len(COLOURS)])
        stops = []
        for s in r["stops"]:
            text = _order_text(texts, s["order"])
            depot = s["order"] is None
            stops.append({
                **s, "time": _clock(s["arrival_s"]), "leaves": _clock(s["departure_s"]), "said": _said(s["arrival_s"]),
                "what": ACTIONS.get(s["action"], s["action"]), "order_text": text, "depot": depot,
                # Goods left at a relay platform for the last mile: the stop is the platform, not the customer.
                "platform": (platforms.get(s["transfer"]) or {"name": s["transfer"]}) if s.get("transfer") else None,
                "loaded": [_order_text(texts, o) | {"id": o} for o in s.get("loaded", [])],
                "unloaded": [_order_text(texts, o) | {"id": o} for o in s.get("unloaded", [])],
            })  # fmt: skip
        rounds.append({
            "index": i + 1, "vehicle": vehicle, "day": WEEKDAYS[r["day"]], "day_number": r["day"],
            "km": r["km"], "hours": r["hours"], "trips": r["trips"], "stops": stops,
            "cost": costs[i] if i < len(costs) else None, "colour": colour,
        })  # fmt: skip
    return rounds


def _sharing(run: PlanningRun) -> list[dict[str, Any]]:
    report, labels = run.report or {}, run.labels or {}
    parties = labels.get("parties", {})
    shapley = {s["producer"]: s for s in report.get("sharing", {}).get("shapley", [])}
    alone = report.get("status_quo_by_producer", {})
    carried = {p["party"]: p for p in report.get("producers", [])}
    rows = []
    for share in report.get("sharing", {}).get("proportional", []):
        producer = share["producer"]
        rows.append({
            "name": parties.get(producer, producer), "alone": alone.get(producer),
            "proportional": share["amount"], "shapley": shapley.get(producer, {}).get("amount"),
            "carried": carried.get(producer),
        })  # fmt: skip
    return rows


def _parties(run: PlanningRun, key: str) -> list[dict[str, Any]]:
    labels = run.labels or {}
    parties, orders = labels.get("parties", {}), labels.get("orders", {})

    def name(party: str) -> str:
        if party in parties:
            return str(parties[party])
        if party in orders:  # an order with no customer, a collection: its id ("o71") would mean nothing
            return _("Collection to the depot: %(producer)s") % {"producer": orders[party].get("producer") or party}
        return party

    return [p | {"name": name(p["party"])} for p in (run.report or {}).get(key, [])]


def _compare_chart(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Each producer on their own against the pooled rounds, for the chart: one group per measure."""
    alone, pooled = report.get("status_quo"), report.get("total")
    if not alone or not pooled:
        return []
    measures = [("km", _("Distance"), "km"), ("cost", _("Cost"), "€"), ("co2_kg", _("CO₂e"), "kg")]
    return [{"label": label, "values": [alone[key], pooled[key]], "unit": unit} for key, label, unit in measures]


def _map_data(run: PlanningRun, rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """What the rounds map draws: the depots, and each round's line and numbered stops. A stop's number is
    its line on the route sheet (consecutive stops at one place are one), and its title says the round's
    day and vehicle so that the colour is never the only clue."""
    names = (run.labels or {}).get("depots", {})
    depots = [
        {"lat": d["place"]["lat"], "lon": d["place"]["lon"], "title": _("Depot: %(name)s") % {
            "name": names.get(d["id"], {}).get("name") or d["id"]}}
        for d in (run.problem or {}).get("depots", [])
        if isinstance(d, dict) and (d.get("place") or {}).get("lat") is not None
    ]  # fmt: skip
    drawn = []
    for r in rounds:
        label = f"{capfirst(str(r['day']))} · {r['vehicle']['name']}"
        stops = []
        for n, group in enumerate(_sheet_stops(r["stops"]), start=1):
            lat, lon = group["stop"]["lat"], group["stop"]["lon"]
            if group["depot"] or lat is None:
                continue
            title = _("%(round)s — stop %(n)s at %(time)s: %(name)s") % {
                "round": label,
                "n": n,
                "time": group["stop"]["said"],
                "name": group["where"]["name"] or "",
            }
            stops.append({"lat": lat, "lon": lon, "n": n, "title": title})
        drawn.append({
            "colour": r["colour"], "label": label, "day": r["day_number"], "stops": stops,
            "points": [[s["lat"], s["lon"]] for s in r["stops"] if s["lat"] is not None],
        })  # fmt: skip
    return {"depots": depots, "rounds": drawn}


def _legend(rounds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One line per vehicle: its colour and its name."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rounds:
        seen.setdefault((r["colour"], r["vehicle"]["name"]), {"colour": r["colour"], "name": r["vehicle"]["name"]})
    return list(seen.values())


def _days(rounds: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """The days the plan uses, for the map's day filter (none when it uses one day)."""
    days = sorted({(r["day_number"], capfirst(str(r["day"]))) for r in rounds})
    return days if len(days) > 1 else []


@planner_required
def run(request: HttpRequest, run_id: int) -> HttpResponse:
    planning = get_object_or_404(access.runs_of(request.user), pk=run_id)
    rounds = _rounds(planning) if planning.status == RunStatus.DONE else []
    texts = _order_texts(planning)
    unserved = [
        {
            "order": u["order"],
            "reason": REASONS.get(u["reason"], u["reason"]),
            "text": _order_text(texts, u["order"]),
        }
        for u in (planning.plan or {}).get("unserved", [])
    ]
    # Late whatever the plan (routing.Plan.late_anyway): the week's data makes it so, not the planner.
    late_anyway = [
        {"text": _order_text(texts, u["order"]), "order": u["order"], "minutes": _minutes(u["late_s"]),
         "earliest": _said(u["earliest_s"]), "closes": _said(u["closes_s"])}
        for u in (planning.plan or {}).get("late_anyway", [])
    ]  # fmt: skip
    # Late in all whatever the plan, once the orders only one vehicle can carry compete for it
    # (routing.Plan.late_together): the bound, and the vehicles whose days make it.
    together = (planning.plan or {}).get("late_together")
    vehicle_names = (planning.labels or {}).get("vehicles", {})
    late_together = together and {
        "minutes": _minutes(together["late_s"]),
        "vehicles": [
            {"name": vehicle_names.get(v["vehicle"], {}).get("name", v["vehicle"]), "orders": v["orders"],
             "minutes": _minutes(v["late_s"])}
            for v in together["vehicles"]
        ],
    }  # fmt: skip
    report = planning.report or {}
    own = report.get("own_deliveries") or {}
    outside = [
        item
        | {
            "how": OUTSIDE.get(item.get("mode", ""), item.get("mode", "")),
            "cost": own.get("orders", {}).get(item["order"]),
        }
        for item in (planning.labels or {}).get("outside", [])
    ]
    producers = len(report.get("sharing", {}).get("shapley", []))
    sharing = _sharing(planning)
    context = {
        "run": planning, "state": _run_json(planning), "error": run_error_text(planning), "rounds": rounds,
        "unserved": unserved, "late_anyway": late_anyway, "late_together": late_together, "outside": outside,
        "own_total": own.get("total"),
        "map_data": _map_data(planning, rounds), "legend": _legend(rounds), "days": _days(rounds),
        "report": report, "sharing": sharing,
        "compare_chart": _compare_chart(report), "sharing_chart": [
            {"label": row["name"], "values": [row["proportional"], row["shapley"]], "unit": "€"} for row in sharing
        ],
        "producers": _parties(planning, "producers"), "customers": _parties(planning, "customers"),
        "exact": producers <= EXACT_MAX,  # Shapley values computed exactly, not sampled
    }  # fmt: skip
    return render(request, "logistics/run.html", context)


def _sheet_item(
    action: str, text: dict[str, Any], where: dict[str, Any] | None = None, *, farm: bool = False,
    onward: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """One thing the driver does at a stop: load or unload one order, how much of it, and whom it concerns
    when that is not the stop's own party (three customers served at one market). Each parcel says whose
    goods they are (`source`, its producer; but at the farm itself) and, when loaded or left at a relay
    platform (`onward`), whom they are for (`to`)."""
    return {
        "action": action, "what": ACTIONS.get(action, action), "text": text, "where": where,
        "source": "" if farm else text.get("producer", ""),
        "to": text.get("customer", "") if action == "load" or onward else "",
    }  # fmt: skip


def _where(stop: dict[str, Any]) -> dict[str, Any]:
    """Where a stop is, and whom the driver calls there: the producer loading, else the delivery place (a
    market, whose phone is nobody's) or the customer's own address."""
    text = stop["order_text"]
    if stop.get("platform"):
        return {"name": stop["platform"].get("name"), "address": stop["platform"].get("address"), "phone": ""}
    if stop["action"] == "load":
        return {"name": text.get("producer"), "address": text.get("producer_address"),
                "phone": text.get("producer_phone")}  # fmt: skip
    if text.get("place"):
        return {"name": text["place"], "address": text.get("address"), "phone": ""}
    return {"name": text.get("customer"), "address": text.get("address"), "phone": text.get("customer_phone")}


def _party(stop: dict[str, Any]) -> dict[str, Any]:
    text = stop["order_text"]
    if stop.get("platform"):
        return {"name": None, "phone": ""}  # the parcel's line says whose goods and for whom
    if stop["action"] == "load":
        return {"name": text.get("producer"), "phone": text.get("producer_phone")}
    return {"name": text.get("customer"), "phone": text.get("customer_phone")}


def _sheet_stops(stops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The route sheet's stops: the planner's consecutive stops at one place make one stop of the sheet
    (a market served for three customers is one address to find, with three things to unload)."""
    groups: list[dict[str, Any]] = []
    for s in stops:
        if s["depot"]:
            items = [_sheet_item("unload", t) for t in s["unloaded"]] + [_sheet_item("load", t) for t in s["loaded"]]
            groups.append({"stop": s, "depot": True, "items": items, "on_board": s["load_kg"]})
            continue
        where, position, party = _where(s), (s["lat"], s["lon"]), _party(s)
        last = groups[-1] if groups else None
        if last and not last["depot"] and position[0] is not None and last["position"] == position:
            group = last
        else:
            group = {"stop": s, "depot": False, "where": where, "position": position, "items": []}
            groups.append(group)
        # The party is named on the order's line when the stop's heading does not already name them.
        shown = party if party["name"] and party["name"] != group["where"]["name"] else None
        group["items"].append(_sheet_item(s["action"], s["order_text"], shown, farm=s["action"] == "load",
                                          onward=bool(s.get("platform"))))  # fmt: skip
        group["on_board"] = s["load_kg"]
    return groups


@planner_required
def sheets(request: HttpRequest, run_id: int) -> HttpResponse:
    planning = get_object_or_404(access.runs_of(request.user), pk=run_id, status=RunStatus.DONE)
    # Each sheet carries the map of its own round alone: the driver's round, numbered as on the sheet.
    rounds = [
        r
        | {
            "sheet": _sheet_stops(r["stops"]),
            "map_data": _map_data(planning, [r]),
            "map_id": f"sheet-map-{n}",
            "map_data_id": f"sheet-map-{n}-data",
        }
        for n, r in enumerate(_rounds(planning), start=1)
    ]
    return render(request, "logistics/sheets.html", {"run": planning, "rounds": rounds})


def _notes(planning: PlanningRun, rounds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A delivery note per customer and delivery: each parcel with its producer, so that the customer
    knows whose goods they receive even when a platform's vehicle brings them."""
    notes = []
    for r in rounds:
        date = planning.week + datetime.timedelta(days=r["day_number"]) if planning.week else None
        for group in _sheet_stops(r["stops"]):
            if group["depot"]:
                continue
            by_customer: dict[str, list[dict[str, Any]]] = {}
            for item in group["items"]:
                if item["action"] == "unload" and not group["stop"].get("platform"):
                    by_customer.setdefault(item["text"].get("customer") or "", []).append(item["text"])
            for customer, parcels in by_customer.items():
                notes.append({
                    "customer": customer, "where": group["where"], "date": date, "day": r["day"],
                    "time": group["stop"]["said"], "vehicle": r["vehicle"], "parcels": parcels,
                    "kg": sum(float(p.get("kg") or 0) for p in parcels),
                })  # fmt: skip
    return notes


@planner_required
def notes(request: HttpRequest, run_id: int) -> HttpResponse:
    planning = get_object_or_404(access.runs_of(request.user), pk=run_id, status=RunStatus.DONE)
    return render(request, "logistics/notes.html", {"run": planning, "notes": _notes(planning, _rounds(planning))})


@planner_required
def export_csv(request: HttpRequest, run_id: int) -> HttpResponse:
    planning = get_object_or_404(access.runs_of(request.user), pk=run_id, status=RunStatus.DONE)
    buffer = io.StringIO()
    writer = spreadsheet.writer(buffer, delimiter=";")
    writer.writerow(["round", "day", "vehicle", "stop", "arrival", "departure", "action", "order", "goods",
                     "producer", "customer", "address", "lat", "lon", "load_kg"])  # fmt: skip
    for r in _rounds(planning):
        for n, s in enumerate(r["stops"], start=1):
            text = s["order_text"]
            names = [text.get(k, "") for k in ("goods", "producer", "customer", "address")]
            writer.writerow([r["index"], r["day"], r["vehicle"]["name"], n, s["time"], s["leaves"], s["action"],
                             s["order"] or "", *names, s["lat"], s["lon"], s["load_kg"]])  # fmt: skip
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="tournees-{planning.pk}.csv"'
    return response


@planner_required
def export_geojson(request: HttpRequest, run_id: int) -> HttpResponse:
    planning = get_object_or_404(access.runs_of(request.user), pk=run_id, status=RunStatus.DONE)
    features: list[dict[str, Any]] = []
    for r in _rounds(planning):
        line = [[s["lon"], s["lat"]] for s in r["stops"] if s["lat"] is not None]
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": line},
                         "properties": {"round": r["index"], "day": str(r["day"]), "vehicle": r["vehicle"]["name"],
                                        "km": r["km"], "hours": r["hours"], "colour": r["colour"]}})  # fmt: skip
        for n, s in enumerate(r["stops"], start=1):
            if s["lat"] is None:
                continue
            features.append({"type": "Feature", "geometry": {"type": "Point", "coordinates": [s["lon"], s["lat"]]},
                             "properties": {"round": r["index"], "stop": n, "arrival": s["time"],
                                            "action": s["action"], "order": s["order"],
                                            "customer": s["order_text"].get("customer", ""),
                                            "producer": s["order_text"].get("producer", "")}})  # fmt: skip
    response = HttpResponse(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
                            content_type="application/geo+json")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="tournees-{planning.pk}.geojson"'
    return response
