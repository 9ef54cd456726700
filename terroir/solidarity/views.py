"""Solidarity groceries' pages: the home (what a person takes part in; coordinators create programmes), a
programme's totals for its funder (page with a chart, CSV, PDF), a grocery's orders and statement, a
producer's orders, agreed prices and statement, an order and its answers. Who opens which is
terroir.solidarity.access's business."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terroir.accounts.permissions import is_coordinator
from terroir.directory import numbers
from terroir.directory.forms import date_input, form_errors_add, number_limits
from terroir.directory.models import Actor, Place

from . import access, documents, services, shares
from .models import AgreedPrice, Order, OrderStatus, Programme, ShareKind, Unit


def _period(request: HttpRequest, first: datetime.date, last: datetime.date) -> tuple[datetime.date, datetime.date]:
    """?start=…&end=… (ISO dates) when both read and in order, the given period otherwise."""
    try:
        start = datetime.date.fromisoformat(request.GET.get("start", ""))
        end = datetime.date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return first, last
    return (start, end) if start <= end and (end - start).days <= 3660 else (first, last)


def _download(content: str | bytes, name: str, format: str) -> HttpResponse:
    kind = "text/csv; charset=utf-8" if format == "csv" else "application/pdf"
    response = HttpResponse(content, content_type=kind)
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response


def _named(totals: list[shares.Total], model: type[Actor] | type[Place]) -> list[tuple[str, shares.Total]]:
    names: dict[Any, str] = dict(model.objects.filter(pk__in=[t.key for t in totals]).values_list("pk", "name"))
    return [(names.get(t.key, "?"), t) for t in totals]


def _chart(rows: list[tuple[str, shares.Total]]) -> dict[str, Any]:
    """Stacked bars, one per row: the partner's share then the grocery's, as geometry for the template's
    SVG (no data becomes markup); the label above each bar so a phone's narrow screen keeps it whole."""
    top = max((t.amount for _n, t in rows), default=Decimal(0)) or Decimal(1)
    width, bar, step = 360, 16, 40
    bars = []
    for i, (name, total) in enumerate(rows):
        partner = float(total.partner / top) * width
        grocery = float(total.grocery_share / top) * width
        y = i * step + 16
        bars.append({"y": y, "label_y": y - 4, "partner": partner, "grocery": grocery, "name": name,
                     "grocery_x": partner, "title": _("%(name)s: %(partner)s + %(grocery)s") % {
                         "name": name, "partner": numbers.money(total.partner),
                         "grocery": numbers.money(total.grocery_share)}})  # fmt: skip
    return {"bars": bars, "width": width, "height": max(len(rows) * step, step), "bar": bar}


class ProgrammeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    funder = forms.ModelChoiceField(label=gettext_lazy("Funder (an organisation of the directory)"),
                                    queryset=Actor.objects.filter(is_organisation=True).order_by("name"))  # fmt: skip
    groceries = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Groceries"), queryset=Place.objects.filter(kind__in=access.grocery_kinds()).order_by("name")
    )
    producers = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Producers (none chosen: any producer)"), required=False,
        queryset=Actor.objects.filter(is_producer=True).order_by("name"),
    )  # fmt: skip
    share_kind = forms.ChoiceField(label=gettext_lazy("The partner pays"), choices=ShareKind.choices)
    share_percent = forms.DecimalField(label=gettext_lazy("Percentage of the price (%)"), required=False,
                                       min_value=0, max_value=100, decimal_places=2)  # fmt: skip
    share_amount = forms.DecimalField(label=gettext_lazy("Amount per unit (€)"), required=False, min_value=0,
                                      decimal_places=2, max_digits=8)  # fmt: skip
    share_cap = forms.DecimalField(label=gettext_lazy("Cap per unit (€, optional)"), required=False, min_value=0,
                                   decimal_places=2, max_digits=8)  # fmt: skip
    budget = forms.DecimalField(label=gettext_lazy("Budget for the period (€)"), min_value=0, decimal_places=2,
                                max_digits=12)  # fmt: skip
    starts = forms.DateField(label=gettext_lazy("From"), widget=date_input())
    ends = forms.DateField(label=gettext_lazy("To"), widget=date_input())


@login_required
def home(request: HttpRequest) -> HttpResponse:
    coordinator = is_coordinator(request.user)
    if request.method == "POST" and not coordinator:
        raise PermissionDenied(_("This page is for the territory's coordinators."))
    form = ProgrammeForm(request.POST or None) if coordinator else None
    if form is not None and form.is_bound and form.is_valid():
        data = dict(form.cleaned_data)
        percent = data.pop("share_percent")
        try:
            programme = services.programme_create(
                **data, share_rate=None if percent is None else percent / 100, by=request.user
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect(programme)
    context = {
        "programmes": access.programmes_of(request.user), "groceries": access.groceries_of(request.user),
        "producers": access.producers_of(request.user), "form": form,
    }  # fmt: skip
    return render(request, "solidarity/home.html", context, status=400 if form is not None and form.errors else 200)


class ProgrammeEditForm(forms.Form):
    budget = forms.DecimalField(label=gettext_lazy("Budget for the period (€)"), min_value=0, decimal_places=2,
                                max_digits=12)  # fmt: skip
    ends = forms.DateField(label=gettext_lazy("To"), widget=date_input())
    groceries = ProgrammeForm.base_fields["groceries"]
    producers = ProgrammeForm.base_fields["producers"]


@login_required
def programme(request: HttpRequest, programme_id: int, format: str = "html") -> HttpResponse:
    found = get_object_or_404(Programme.objects.select_related("funder"), pk=programme_id)
    if not access.can_see_programme(request.user, found):
        raise PermissionDenied(_("A programme's figures are for its funder and the territory's coordinators."))
    coordinator = is_coordinator(request.user)
    initial = {"budget": found.budget, "ends": found.ends, "groceries": list(found.groceries.all()),
               "producers": list(found.producers.all())}  # fmt: skip
    form = ProgrammeEditForm(request.POST or None, initial=initial) if coordinator else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("This page is for the territory's coordinators."))
        if form.is_valid():
            try:
                services.programme_update(programme=found, **form.cleaned_data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(found)
    first, last = _period(request, found.starts, found.ends)
    lines = services.delivered_lines(Order.objects.filter(programme=found), first, last)
    per_grocery = _named(shares.totals_by(lines, "grocery"), Place)
    per_producer = _named(shares.totals_by(lines, "producer"), Actor)
    total = shares.grand_total(lines)
    tables = [documents.Table(_("Per grocery"), per_grocery, total),
              documents.Table(_("Per producer"), per_producer, total)]  # fmt: skip
    budget = services.budget_of(found)
    heading = [
        (_("Programme"), found.name),
        (_("Funder"), found.funder.name),
        (_("Budget"), numbers.money(budget.budget)),
        (_("Remaining budget"), numbers.money(budget.remaining)),
    ]
    name = f"programme-{found.pk}-{first.isoformat()}-{last.isoformat()}"
    if format == "csv":
        return _download(documents.totals_csv(heading, first, last, tables), name, format)
    if format == "pdf":
        return _download(documents.totals_pdf(found.name, heading, first, last, tables), name, format)
    context = {
        "programme": found, "first": first, "last": last, "budget": budget, "total": total,
        "per_grocery": per_grocery, "per_producer": per_producer, "form": form,
        "chart_groceries": _chart(per_grocery), "chart_producers": _chart(per_producer),
        "query": f"start={first.isoformat()}&end={last.isoformat()}",
        "groceries": found.groceries.order_by("name"), "producers": found.producers.order_by("name"),
        "open_orders": found.orders.filter(status__in=(OrderStatus.SUBMITTED, OrderStatus.CONFIRMED))
        .select_related("grocery", "producer"),
    }  # fmt: skip
    failed = form is not None and bool(form.errors)
    return render(request, "solidarity/programme.html", context, status=400 if failed else 200)


def _statement_period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    today = timezone.localdate()
    return _period(request, today.replace(day=1), today)


@login_required
def grocery(request: HttpRequest, place_id: int, format: str = "html") -> HttpResponse:
    found = get_object_or_404(Place.objects.select_related("operator"), pk=place_id, kind__in=access.grocery_kinds())
    if not access.can_see_grocery(request.user, found):
        raise PermissionDenied(_("A grocery's orders are for its people and the territory's coordinators."))
    first, last = _statement_period(request)
    lines = services.delivered_lines(Order.objects.filter(grocery=found), first, last)
    per_producer = _named(shares.totals_by(lines, "producer"), Actor)
    total = shares.grand_total(lines)
    tables = [documents.Table(_("Per producer"), per_producer, total)]
    heading = [(_("Grocery"), found.name)]
    name = f"epicerie-{found.pk}-{first.isoformat()}-{last.isoformat()}"
    if format == "csv":
        return _download(documents.totals_csv(heading, first, last, tables), name, format)
    if format == "pdf":
        return _download(documents.totals_pdf(_("Statement of the grocery"), heading, first, last, tables), name,
                         format)  # fmt: skip
    today = timezone.localdate()
    programmes = []
    for item in found.solidarity_programmes.filter(starts__lte=today, ends__gte=today).select_related("funder"):
        named = list(item.producers.order_by("name"))
        if not named:  # any producer: those with agreed prices in the programme
            named = list(Actor.objects.filter(solidarity_prices__programme=item).distinct().order_by("name"))
        programmes.append((item, named, services.budget_of(item)))
    context = {
        "grocery": found, "first": first, "last": last, "per_producer": per_producer, "total": total,
        "programmes": programmes, "query": f"start={first.isoformat()}&end={last.isoformat()}",
        "orders": Order.objects.filter(grocery=found).select_related("producer", "programme")[:200],
    }  # fmt: skip
    return render(request, "solidarity/grocery.html", context)


def _quantities(request: HttpRequest, prefix: str) -> dict[int, Decimal]:
    """The quantities typed in `prefix<id>` fields; empty ones are left out, a wrong one refused."""
    found: dict[int, Decimal] = {}
    for key in request.POST:
        value = request.POST.get(key, "")
        if not key.startswith(prefix) or not value.strip():
            continue
        try:
            number = Decimal(value.strip().replace(",", "."))
            found[int(key.removeprefix(prefix))] = number
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite():  # "NaN" and "Infinity" read as decimals too
            raise ValidationError(_("“%(value)s” is not a quantity.") % {"value": value[:20]})
    return found


@login_required
def order_new(request: HttpRequest, place_id: int, programme_id: int, producer_id: int) -> HttpResponse:
    place = get_object_or_404(Place, pk=place_id, kind__in=access.grocery_kinds())
    if not access.can_order_for(request.user, place):
        raise PermissionDenied(_("Only the grocery's people order for it."))
    found = get_object_or_404(Programme, pk=programme_id, groceries=place)
    producer = get_object_or_404(Actor, pk=producer_id)
    today = timezone.localdate()
    prices = services.prices_current(programme=found, grocery=place, producer=producer, on=today)
    errors: list[str] = []
    if request.method == "POST":
        try:
            quantities = _quantities(request, "q")
            order = services.order_place(programme=found, grocery=place, producer=producer, by=request.user,
                                         quantities=quantities, note=request.POST.get("note", ""))  # fmt: skip
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Order sent to %(producer)s.") % {"producer": producer.name})
            return redirect(order)
    # Per row: the partner's share of one unit, and what was typed when the order came back refused.
    rows = [(row, shares.cents(found.rule.unit_share(row.price)),
             request.POST.get(f"q{row.pk}", "")) for row in prices]  # fmt: skip
    context = {"grocery": place, "programme": found, "producer": producer, "rows": rows, "errors": errors,
               "note": request.POST.get("note", ""), "budget": services.budget_of(found)}  # fmt: skip
    return render(request, "solidarity/order_new.html", context, status=400 if errors else 200)


@login_required
def order(request: HttpRequest, order_id: int) -> HttpResponse:
    found = get_object_or_404(Order.objects.select_related("grocery", "producer", "programme__funder"), pk=order_id)
    if not access.can_see_order(request.user, found):
        raise PermissionDenied(_("An order is for its grocery, its producer and its funder."))
    producer_side = access.can_see_producer(request.user, found.producer)
    grocery_side = access.can_see_grocery(request.user, found.grocery)
    errors: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action", "")
        allowed = {"confirm": producer_side, "decline": producer_side, "deliver": producer_side,
                   "cancel": grocery_side}  # fmt: skip
        if not allowed.get(action):
            raise PermissionDenied(_("This action on the order is not yours."))
        try:
            if action in ("confirm", "decline"):
                services.order_answer(order=found, accept=action == "confirm", by=request.user)
            elif action == "deliver":
                services.order_deliver(order=found, delivered=_quantities(request, "d"), by=request.user)
            else:
                services.order_cancel(order=found, by=request.user)
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(request, _("Saved."))
            return redirect(found)
    context = {"order": found, "lines": found.lines.all(), "producer_side": producer_side,
               "grocery_side": grocery_side, "errors": errors, "Status": OrderStatus}  # fmt: skip
    return render(request, "solidarity/order.html", context, status=400 if errors else 200)


class PriceForm(forms.Form):
    programme = forms.ModelChoiceField(label=gettext_lazy("Programme"), queryset=Programme.objects.none())
    grocery = forms.ModelChoiceField(label=gettext_lazy("Grocery (empty: every grocery of the programme)"),
                                     queryset=Place.objects.none(), required=False)  # fmt: skip
    product = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), choices=Unit.choices)
    price = forms.DecimalField(label=gettext_lazy("Agreed price per unit (€)"), min_value=Decimal("0.01"),
                               decimal_places=2, max_digits=8)  # fmt: skip
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=date_input())

    def __init__(self, *args: Any, programmes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, queryset in (("programme", programmes),
                               ("grocery", Place.objects.filter(solidarity_programmes__in=programmes)
                                .distinct().order_by("name"))):  # fmt: skip
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
        number_limits(self)  # "0,01", not "0.01"


@login_required
def producer(request: HttpRequest, actor_id: int, format: str = "html") -> HttpResponse:
    found = get_object_or_404(Actor, pk=actor_id, is_producer=True)
    if not access.can_see_producer(request.user, found):
        raise PermissionDenied(_("A producer's orders are for its people and the territory's coordinators."))
    today = timezone.localdate()
    programmes = Programme.objects.filter(ends__gte=today).filter(
        pk__in=[p.pk for p in Programme.objects.filter(ends__gte=today) if services.is_supplier(p, found)]
    )  # fmt: skip
    form = PriceForm(request.POST or None, programmes=programmes, initial={"valid_from": today})
    if form.is_bound and form.is_valid():
        try:
            services.price_set(producer=found, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("solidarity:producer", actor_id=found.pk)
    first, last = _statement_period(request)
    lines = services.delivered_lines(Order.objects.filter(producer=found), first, last)
    per_grocery = _named(shares.totals_by(lines, "grocery"), Place)
    total = shares.grand_total(lines)
    tables = [documents.Table(_("Per grocery"), per_grocery, total)]
    heading = [(_("Producer"), found.name)]
    name = f"producteur-{found.pk}-{first.isoformat()}-{last.isoformat()}"
    if format == "csv":
        return _download(documents.totals_csv(heading, first, last, tables), name, format)
    if format == "pdf":
        return _download(documents.totals_pdf(_("Statement of the producer"), heading, first, last, tables), name,
                         format)  # fmt: skip
    context = {
        "producer": found, "form": form, "first": first, "last": last, "per_grocery": per_grocery, "total": total,
        "query": f"start={first.isoformat()}&end={last.isoformat()}",
        "prices": AgreedPrice.objects.filter(producer=found).select_related("programme", "grocery")
        .order_by("programme__name", "product", "unit", "-valid_from")[:300],
        "orders": Order.objects.filter(producer=found).select_related("grocery", "programme")[:200],
    }  # fmt: skip
    return render(request, "solidarity/producer.html", context, status=400 if form.errors else 200)
