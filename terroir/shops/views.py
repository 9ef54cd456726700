"""Producers' shop pages: the shop's figures and seasonal gaps, its catalogue, the till's sales, the
depositors' statements (page, CSV, PDF) and the rota (settings, computed rotas, swaps, iCalendar).
Who may open which is terroir.shops.access's business."""

from __future__ import annotations

import calendar
import datetime
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from terroir.accounts.permissions import is_coordinator
from terroir.directory import numbers
from terroir.directory.background import task_error_text
from terroir.directory.forms import date_input, form_errors_add
from terroir.directory.models import Place, PlaceKind, Unit

from . import access, documents, services, till
from .models import (
    Absence,
    OpeningSlot,
    Product,
    Rota,
    RotaMember,
    Sale,
    Seller,
    SellerKind,
    Shift,
    Shop,
    Swap,
    SwapStatus,
    Weekday,
)
from .settlement import Rates

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _shop(request: HttpRequest, shop_id: int, *, manager: bool = False) -> Shop:
    shop = get_object_or_404(Shop.objects.select_related("place", "owner"), pk=shop_id)
    allowed = access.is_manager(request.user, shop) if manager else access.can_see_shop(request.user, shop)
    if not allowed:
        raise PermissionDenied(_("This page is for the shop's associates and managers."))
    return shop


def _period(request: HttpRequest) -> tuple[datetime.date, datetime.date]:
    """?start=…&end=… (ISO dates), or ?month=2026-03; the current month otherwise."""
    try:
        if request.GET.get("start") and request.GET.get("end"):
            first = datetime.date.fromisoformat(request.GET["start"])
            last = datetime.date.fromisoformat(request.GET["end"])
            if last >= first and (last - first).days <= 366:
                return first, last
        if request.GET.get("month"):
            year, month = (int(part) for part in request.GET["month"].split("-"))
            return datetime.date(year, month, 1), datetime.date(year, month, calendar.monthrange(year, month)[1])
    except ValueError:
        pass
    today = timezone.localdate()
    return today.replace(day=1), today.replace(day=calendar.monthrange(today.year, today.month)[1])


def _errors(*named: tuple[forms.Form, str]) -> list[tuple[str, str, str]]:
    """The errors of a page's forms for the summary at its top: (the field's label, the message, the id it
    links to). Each error also shows next to its field; a form's own errors link to the form."""
    summary: list[tuple[str, str, str]] = []
    for form, form_id in named:
        if not form.is_bound:
            continue
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            label = str(field.label) if field is not None and field.label else ""
            anchor = form[name].id_for_label if field is not None else form_id
            summary.extend((label, str(message), anchor or form_id) for message in errors)
    return summary


def _period_query(first: datetime.date, last: datetime.date) -> str:
    return f"start={first.isoformat()}&end={last.isoformat()}"


class ShopForm(forms.Form):
    place = forms.ModelChoiceField(
        label=gettext_lazy("Producers' shop of the directory"),
        queryset=Place.objects.filter(kind=PlaceKind.PRODUCERS_SHOP, shop__isnull=True).order_by("name"),
    )
    commission_percent = forms.DecimalField(label=gettext_lazy("Default commission (%)"), initial=25, min_value=0,
                                            max_value=99, decimal_places=2)  # fmt: skip


@login_required
def shop_list(request: HttpRequest) -> HttpResponse:
    """The shops and statements a person may open; coordinators also open a shop's management here."""
    coordinator = is_coordinator(request.user)
    form = ShopForm(request.POST or None) if coordinator else None
    if request.method == "POST" and not coordinator:
        raise PermissionDenied(_("This page is for the territory's coordinators."))
    if form is not None and form.is_bound and form.is_valid():
        rate = form.cleaned_data["commission_percent"] / 100
        try:
            created = services.shop_create(place=form.cleaned_data["place"], default_commission=rate)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            return redirect("shops:catalogue", shop_id=created.pk)
    shops, sellers = access.shops_of(request.user)
    context = {"shops": shops, "sellers": sellers, "form": form}
    return render(request, "shops/list.html", context, status=400 if form is not None and form.errors else 200)


def _chart(totals: list[Decimal], months: list[tuple[int, int]]) -> dict[str, Any]:
    """Bars of the monthly turnover, as geometry for the template's SVG (no data becomes markup)."""
    top = max(totals, default=Decimal(0)) or Decimal(1)
    width, height, gap = 40, 160, 8
    bars = []
    for i, (total, (year, month)) in enumerate(zip(totals, months, strict=True)):
        h = float(total / top) * height
        label = f"{month:02d}/{year % 100:02d}"
        bars.append({"x": i * (width + gap), "y": height - h, "h": h, "w": width, "label": label,
                     "value": numbers.money(total), "gap": total == 0})  # fmt: skip
    return {"bars": bars, "width": len(bars) * (width + gap), "height": height + 20, "base": height}


@login_required
def shop(request: HttpRequest, shop_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    first, last = _period(request)
    rows = services.statements_of(shop=found, first=first, last=last)
    totals = services.settlement.totals(s for _seller, s in rows)
    season = services.seasonal(shop=found, last=last)
    context = {
        "shop": found, "first": first, "last": last, "rows": [r for r in rows if r[1].lines], "totals": totals,
        "season": season, "chart": _chart(season.totals, season.months),
        "manager": access.is_manager(request.user, found), "query": _period_query(first, last),
    }  # fmt: skip
    return render(request, "shops/shop.html", context)


class SellerForm(forms.Form):
    actor = forms.ModelChoiceField(label=gettext_lazy("Producer"), queryset=Seller.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("As"), choices=SellerKind.choices, initial=SellerKind.DEPOSITOR)
    commission_percent = forms.DecimalField(label=gettext_lazy("Commission (%), empty: the shop's default"),
                                            required=False, min_value=0, max_value=99, decimal_places=2)  # fmt: skip

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The producers the directory links to the shop's place: a producer is linked there first.
        field = self.fields["actor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = shop.place.producers.filter(is_producer=True).exclude(shop_sellers__shop=shop).order_by("name")


class ProductForm(forms.Form):
    seller = forms.ModelChoiceField(label=gettext_lazy("Producer"), queryset=Seller.objects.none())
    code = forms.CharField(label=gettext_lazy("Till code"), max_length=40)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    unit_price = forms.DecimalField(label=gettext_lazy("Price (€)"), min_value=0, decimal_places=2, max_digits=8)
    # The platform's one vocabulary of units, named in the singular as a price is per one ("€ / pièce").
    unit = forms.ChoiceField(label=gettext_lazy("Unit"), initial=Unit.PIECE,
                             choices=[(key, numbers.UNIT_SINGULAR[key]) for key in Unit.values])  # fmt: skip

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seller"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = services.sellers_current(shop).select_related("actor")


class DefaultCommissionForm(forms.Form):
    default_percent = forms.DecimalField(label=gettext_lazy("Default commission (%)"), min_value=0, max_value=99,
                                         decimal_places=2)  # fmt: skip
    applies_from = forms.DateField(label=gettext_lazy("Applies from"), widget=date_input())


@login_required
def catalogue(request: HttpRequest, shop_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    # Each form's fields have ids of their own, which the errors' summary links to.
    seller_form = SellerForm(request.POST if "actor" in request.POST else None, shop=found, auto_id="seller-%s")
    product_form = ProductForm(request.POST if "code" in request.POST else None, shop=found, auto_id="product-%s")
    default_form = DefaultCommissionForm(request.POST if "default_percent" in request.POST else None,
                                         initial={"default_percent": _percent(found.default_commission),
                                                  "applies_from": timezone.localdate()},
                                         auto_id="default-%s")  # fmt: skip
    for form in (seller_form, product_form, default_form):
        if form.is_bound and form.is_valid():
            data = form.cleaned_data
            try:
                if form is default_form:
                    services.shop_commission_change(shop=found, rate=data["default_percent"] / 100,
                                                    applies_from=data["applies_from"])  # fmt: skip
                elif form is seller_form:
                    percent = data["commission_percent"]
                    services.seller_add(shop=found, actor=data["actor"], kind=data["kind"],
                                        commission_rate=None if percent is None else percent / 100)  # fmt: skip
                else:
                    services.product_save(shop=found, **data)
            except ValidationError as exc:
                form_errors_add(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("shops:catalogue", shop_id=found.pk)
    rates, today = services.rates_of(found), timezone.localdate()
    context = {
        "shop": found, "seller_form": seller_form, "product_form": product_form, "default_form": default_form,
        "default_rate": _rate_planned(rates, None, today),
        "sellers": [(s, _rate_planned(rates, s.pk, today))
                    for s in services.sellers_current(found).select_related("actor", "shop")],
        # Who left: out of the current lists, still a click away (their statements of past periods stay).
        "former": Seller.objects.filter(shop=found, ended_on__lt=today).select_related("actor"),
        "products": Product.objects.filter(shop=found, seller__in=services.sellers_current(found))
        .select_related("seller__actor"),
        "errors": _errors((default_form, "default-form"), (seller_form, "seller-form"), (product_form, "product-form")),
    }  # fmt: skip
    failed = seller_form.errors or product_form.errors or default_form.errors
    return render(request, "shops/catalogue.html", context, status=400 if failed else 200)


def _rate_planned(rates: Rates, seller: int | None, today: datetime.date) -> str:
    """Today's rate and each change already planned for a later day ("25 %; 22 % from 20/12/2026"): a new
    default given a later date must show on the catalogue before that day comes."""
    text, rate = numbers.rate(rates.of(seller, today)), rates.of(seller, today)
    days = sorted({day for day, _r in rates.default} | {day for day, _r in rates.own.get(seller, [])})
    for day in (day for day in days if day > today):
        if rates.of(seller, day) != rate:
            rate = rates.of(seller, day)
            text = _("%(rates)s; %(rate)s from %(date)s") % {
                "rates": text,
                "rate": numbers.rate(rate),
                "date": date_format(day, "SHORT_DATE_FORMAT"),
            }
    return text


class SaleForm(forms.Form):
    product = forms.ModelChoiceField(label=gettext_lazy("Product"), queryset=Product.objects.none())
    sold_on = forms.DateField(label=gettext_lazy("Date"), widget=date_input())
    quantity = forms.DecimalField(label=gettext_lazy("Quantity (negative: a refund)"), decimal_places=3, max_digits=10)

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["product"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Product.objects.filter(shop=shop, seller__in=services.sellers_current(shop))


class TillForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Till export (CSV, XLSX or ODS)"))


@login_required
def sales(request: HttpRequest, shop_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    sale_form = SaleForm(request.POST if "product" in request.POST else None, shop=found,
                         initial={"sold_on": timezone.localdate()}, auto_id="sale-%s")  # fmt: skip
    till_form = TillForm(request.POST if "upload" in request.POST else None, request.FILES or None, auto_id="till-%s")
    problems: list[tuple[int | None, str, str]] = []
    if sale_form.is_bound and sale_form.is_valid():
        try:
            services.sale_record(shop=found, by=request.user, **sale_form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(sale_form, exc)
        else:
            messages.success(request, _("Sale recorded."))
            return redirect("shops:sales", shop_id=found.pk)
    if till_form.is_bound and till_form.is_valid():
        upload = till_form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            till_form.add_error("file", _("The file is larger than 20 MB."))
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / Path(upload.name).name
                with path.open("wb") as out:
                    for chunk in upload.chunks():
                        out.write(chunk)
                read = till.till_read(path, shop=found)
                # Each problem on the file's column as the file names it, not the platform's ("quantity").
                problems = [(line, read.column_said(column), message) for line, column, message in read.problems]
                if not problems:
                    try:
                        record = till.till_save(read, shop=found, file_name=upload.name, digest=till.digest_of(path),
                                                by=request.user)  # fmt: skip
                    except till.AlreadyImported as exc:
                        till_form.add_error("file", str(exc))
                    else:
                        messages.success(request, _("%(n)s till lines imported.") % {"n": record.lines})
                        return redirect("shops:sales", shop_id=found.pk)
    context = {
        "shop": found, "sale_form": sale_form, "till_form": till_form, "problems": problems,
        "sales": Sale.objects.filter(shop=found).select_related("product", "seller__actor")[:100],
        "errors": _errors((till_form, "till-form"), (sale_form, "sale-form")),
    }  # fmt: skip
    failed = sale_form.errors or till_form.errors or problems
    return render(request, "shops/sales.html", context, status=400 if failed else 200)


@login_required
def statements(request: HttpRequest, shop_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    first, last = _period(request)
    rows = services.statements_of(shop=found, first=first, last=last)
    sent = services.statements_sent(found, first, last)
    context = {"shop": found, "first": first, "last": last, "query": _period_query(first, last),
               "rows": [(seller, s, documents.rates_text(s), sent.get(seller.pk)) for seller, s in rows], "sent": sent,
               "totals": services.settlement.totals(s for _seller, s in rows)}  # fmt: skip
    return render(request, "shops/statements.html", context)


@login_required
def statement(request: HttpRequest, shop_id: int, seller_id: int, format: str = "html") -> HttpResponse:
    seller = get_object_or_404(Seller.objects.select_related("shop__place", "actor"), pk=seller_id, shop_id=shop_id)
    if not access.can_see_statement(request.user, seller):
        raise PermissionDenied(_("A statement is for its producer and the shop's managers."))
    first, last = _period(request)
    result = services.statement_of(seller=seller, first=first, last=last)
    name = f"releve-{seller.pk}-{first.isoformat()}-{last.isoformat()}"
    if format == "csv":
        response = HttpResponse(
            documents.statement_csv(seller, result, first, last), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if format == "pdf":
        response = HttpResponse(documents.statement_pdf(seller, result, first, last), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    parts = services.statement_parts(seller=seller, first=first, last=last)
    units = dict(Product.objects.filter(seller=seller).values_list("name", "unit"))
    context = {"seller": seller, "shop": seller.shop, "statement": result, "first": first, "last": last,
               "products": [(row, units.get(row.product, Unit.PIECE)) for row in result.products],
               "query": _period_query(first, last), "percent": documents.rates_text(result),
               "manager": access.is_manager(request.user, seller.shop), "sent": parts[0].send,
               "corrections": [(part, services.late_reason(part)) for part in parts[1:]],
               "to_send": parts[-1].send is None}  # fmt: skip
    return render(request, "shops/statement.html", context)


@login_required
def correction(request: HttpRequest, shop_id: int, seller_id: int, number: int, format: str) -> HttpResponse:
    """A correcting statement of a period (`number`, from 1, as the statement's page numbers them) as CSV or
    PDF, for whom the statement is for; drawn as sent once sent."""
    seller = get_object_or_404(Seller.objects.select_related("shop__place", "actor"), pk=seller_id, shop_id=shop_id)
    if not access.can_see_statement(request.user, seller):
        raise PermissionDenied(_("A statement is for its producer and the shop's managers."))
    first, last = _period(request)
    parts = services.statement_parts(seller=seller, first=first, last=last)
    if not 1 <= number < len(parts):
        raise Http404(_("This period has no such correcting statement."))
    name = f"releve-correctif-{seller.pk}-{first.isoformat()}-{last.isoformat()}-{number}"
    if format == "csv":
        response = HttpResponse(documents.correction_csv(seller, parts[number], number, first, last),
                                content_type="text/csv; charset=utf-8")  # fmt: skip
    else:
        response = HttpResponse(documents.correction_pdf(seller, parts[number], number, first, last),
                                content_type="application/pdf")  # fmt: skip
    response["Content-Disposition"] = f'attachment; filename="{name}.{format}"'
    return response


@login_required
@require_POST
def statement_send(request: HttpRequest, shop_id: int, seller_id: int) -> HttpResponse:
    """The manager marks a statement of a period (or its correcting statement) as sent to the producer."""
    found = _shop(request, shop_id, manager=True)
    seller = get_object_or_404(Seller.objects.select_related("shop", "actor"), pk=seller_id, shop=found)
    first, last = _period(request)
    back = reverse("shops:statement", args=[found.pk, seller.pk]) + "?" + _period_query(first, last)
    try:
        services.statement_send(seller=seller, first=first, last=last, by=request.user)
    except ValidationError as exc:
        return _refused(request, exc, back)
    messages.success(request, _("Marked as sent to %(name)s: it stays as sent.") % {"name": seller.actor.name})
    return redirect(back)


class SlotForm(forms.Form):
    weekday = forms.TypedChoiceField(label=gettext_lazy("Day"), choices=Weekday.choices, coerce=int)
    starts = forms.TimeField(label=gettext_lazy("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    ends = forms.TimeField(label=gettext_lazy("To"), widget=forms.TimeInput(attrs={"type": "time"}))
    needed = forms.IntegerField(label=gettext_lazy("People needed"), min_value=1, max_value=20, initial=2)


class MemberForm(forms.Form):
    seller = forms.ModelChoiceField(label=gettext_lazy("Farm"), queryset=Seller.objects.none())
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    min_hours = forms.DecimalField(label=gettext_lazy("Hours per fortnight, at least"), initial=6, min_value=0,
                                   max_value=200, decimal_places=2)  # fmt: skip
    max_hours = forms.DecimalField(label=gettext_lazy("Hours per fortnight, at most"), initial=8, min_value=0,
                                   max_value=200, decimal_places=2)  # fmt: skip
    twice_a_day = forms.BooleanField(label=gettext_lazy("Willing to staff two openings in a day"), required=False)
    slots = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Available for (none ticked: all)"), required=False,
        queryset=OpeningSlot.objects.none(), widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip

    def __init__(self, *args: Any, shop: Shop, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        seller, slots = self.fields["seller"], self.fields["slots"]
        assert isinstance(seller, forms.ModelChoiceField) and isinstance(slots, forms.ModelMultipleChoiceField)
        seller.queryset = services.sellers_current(shop).filter(kind=SellerKind.ASSOCIATE).select_related("actor")
        slots.queryset = OpeningSlot.objects.filter(shop=shop)


class AbsenceForm(forms.Form):
    member = forms.ModelChoiceField(label=gettext_lazy("Who"), queryset=RotaMember.objects.none())
    first_day = forms.DateField(label=gettext_lazy("From"), widget=date_input())
    last_day = forms.DateField(label=gettext_lazy("To"), widget=date_input())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = members


class RotaForm(forms.Form):
    first_day = forms.DateField(label=gettext_lazy("First Monday"), widget=date_input())
    weeks = forms.IntegerField(label=gettext_lazy("Weeks"), min_value=1, max_value=26, initial=4)


@login_required
def rota_home(request: HttpRequest, shop_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    manager = access.is_manager(request.user, found)
    # An associate marks their own absences; a manager anybody's.
    members = RotaMember.objects.filter(shop=found)
    if not manager:
        members = members.filter(user_id=request.user.pk or 0)
    post = request.POST if request.method == "POST" else None
    if post is not None and not manager and "member" not in post:
        raise PermissionDenied(_("The rota's settings are for the shop's managers."))
    monday = timezone.localdate() + datetime.timedelta(days=7 - timezone.localdate().weekday())
    forms_ = {
        "slot": SlotForm(post if post and "needed" in post else None, auto_id="slot-%s"),
        "member": MemberForm(post if post and "min_hours" in post else None, shop=found, auto_id="member-%s"),
        "absence": AbsenceForm(post if post and "member" in post else None, members=members, auto_id="absence-%s"),
        "rota": RotaForm(post if post and "weeks" in post else None, initial={"first_day": monday}, auto_id="rota-%s"),
    }
    for key, form in forms_.items():
        if not (form.is_bound and form.is_valid()):
            continue
        data = form.cleaned_data
        try:
            if key == "slot":
                services.opening_slot_add(shop=found, **data)
            elif key == "member":
                services.rota_member_save(
                    shop=found, seller=data["seller"], name=data["name"], min_minutes=int(data["min_hours"] * 60),
                    max_minutes=int(data["max_hours"] * 60), twice_a_day=data["twice_a_day"], slots=data["slots"],
                )  # fmt: skip
            elif key == "absence":
                services.absence_add(**data)
            else:
                rota = services.rota_request(shop=found, by=request.user, **data)
                return redirect(rota)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("shops:rota_home", shop_id=found.pk)
    context = {
        "shop": found, "manager": manager, "forms": forms_,
        "slots": [(s, str(s)) for s in OpeningSlot.objects.filter(shop=found)],
        "members": RotaMember.objects.filter(shop=found, seller__in=services.sellers_current(found))
        .select_related("seller__actor").prefetch_related("slots"),
        "absences": Absence.objects.filter(member__shop=found, last_day__gte=timezone.localdate())
        .select_related("member"),
        "rotas": Rota.objects.filter(shop=found)[:20],
        "errors": _errors(*((form, f"{key}-form") for key, form in forms_.items())),
    }  # fmt: skip
    failed = any(f.errors for f in forms_.values())
    return render(request, "shops/rota_home.html", context, status=400 if failed else 200)


@login_required
def rota(request: HttpRequest, shop_id: int, rota_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    computed = get_object_or_404(Rota, pk=rota_id, shop=found)
    me = RotaMember.objects.filter(shop=found, user_id=request.user.pk or 0).first()
    # Each opening of a date with its hours as the rota was computed (its first shift's), not the slot's now.
    days: dict[datetime.date, list[tuple[Shift, list[Shift], list[int]]]] = {}
    for shift in Shift.objects.filter(rota=computed).select_related("member"):
        openings = days.setdefault(shift.date, [])
        if not openings or openings[-1][0].slot_id != shift.slot_id:
            openings.append((shift, [], []))
        openings[-1][1].append(shift)
        openings[-1][2].append(shift.member_id)  # who is on it: not offered to take a shift of it
    hours: dict[str, int] = {}
    for shifts in days.values():
        for _slot, people, _ids in shifts:
            for shift in people:
                hours[shift.member.name] = hours.get(shift.member.name, 0) + shift.minutes
    swaps = Swap.objects.filter(shift__rota=computed, status=SwapStatus.PENDING).select_related(
        "shift", "asked_by", "to"
    )
    context = {
        "shop": found, "rota": computed, "days": sorted(days.items()), "me": me,
        "reasons": [services.reason_text(r) for r in computed.reasons],
        "hours": sorted((name, f"{m // 60} h {m % 60:02d}") for name, m in hours.items()),
        "others": RotaMember.objects.filter(shop=found).exclude(pk=me.pk if me else 0),
        "asked_me": [s for s in swaps if me and s.to_id == me.pk],
        "asked_by_me": [s for s in swaps if me and s.asked_by_id == me.pk],
        "deviation": None if computed.max_deviation is None else round(computed.max_deviation / 60, 2),
        "error": task_error_text(computed.error),
    }  # fmt: skip
    return render(request, "shops/rota.html", context)


@login_required
@require_POST
def swap_ask(request: HttpRequest, shop_id: int, rota_id: int, shift_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    shift = get_object_or_404(Shift.objects.select_related("member", "rota"), pk=shift_id, rota_id=rota_id,
                              rota__shop=found)  # fmt: skip
    to = RotaMember.objects.filter(shop=found, pk=request.POST.get("to") or 0).first()
    if to is None:
        messages.error(request, _("Choose another member of this shop's rota."))
    else:
        try:
            services.swap_ask(shift=shift, to=to, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("%(name)s is asked to take your shift.") % {"name": to.name})
    return redirect("shops:rota", shop_id=found.pk, rota_id=rota_id)


@login_required
@require_POST
def swap_answer(request: HttpRequest, shop_id: int, rota_id: int, swap_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    swap = get_object_or_404(Swap, pk=swap_id, shift__rota_id=rota_id, shift__rota__shop=found)
    try:
        services.swap_answer(swap=swap, accept=request.POST.get("accept") == "1", by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Your answer is saved."))
    return redirect("shops:rota", shop_id=found.pk, rota_id=rota_id)


@login_required
def rota_calendar(request: HttpRequest, shop_id: int, rota_id: int) -> HttpResponse:
    found = _shop(request, shop_id)
    computed = get_object_or_404(Rota, pk=rota_id, shop=found)
    member = None
    if request.GET.get("member"):
        member = get_object_or_404(RotaMember, pk=request.GET["member"], shop=found)
    response = HttpResponse(services.rota_ical(computed, member), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="permanences-{computed.pk}.ics"'
    return response


# --- Editing and deleting what a manager keeps: sellers, products, opening slots, people on the rota ------


class SellerEditForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("As"), choices=SellerKind.choices)
    commission_percent = forms.DecimalField(label=gettext_lazy("Commission (%), empty: the shop's default"),
                                            required=False, min_value=0, max_value=99, decimal_places=2)  # fmt: skip
    applies_from = forms.DateField(label=gettext_lazy("Applies from"), required=False, widget=date_input())


def _edit_page(request: HttpRequest, form: forms.Form, context: dict[str, Any]) -> HttpResponse:
    """One page for every edit: the form, what saving and deleting change, and the delete button."""
    context = {"form": form, "errors": _errors((form, "edit-form")), **context}
    return render(request, "shops/edit.html", context, status=400 if form.errors else 200)


def _refused(request: HttpRequest, exc: ValidationError, back: str) -> HttpResponse:
    messages.error(request, " ".join(exc.messages))
    return redirect(back)


def _percent(rate: Decimal | None) -> Decimal | None:
    # Fixed-point: normalize() alone writes 20 as 2E+1, which the form would show as it is.
    return None if rate is None else Decimal(f"{(rate * 100).normalize():f}")


@login_required
def seller_edit(request: HttpRequest, shop_id: int, seller_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    seller = get_object_or_404(Seller.objects.select_related("actor", "shop"), pk=seller_id, shop=found)
    initial = {"kind": seller.kind, "commission_percent": _percent(seller.commission_rate),
               "applies_from": timezone.localdate()}  # fmt: skip
    form = SellerEditForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        percent = form.cleaned_data["commission_percent"]
        try:
            services.seller_update(seller=seller, kind=form.cleaned_data["kind"],
                                   commission_rate=None if percent is None else percent / 100,
                                   applies_from=form.cleaned_data["applies_from"])  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("shops:catalogue", shop_id=found.pk)
    sold = services.seller_sales_count(seller)
    return _edit_page(request, form, {
        "end_form": SellerEndForm(initial={"last_day": seller.ended_on or timezone.localdate()}),
        "end_url": reverse("shops:seller_end", args=[found.pk, seller.pk]), "seller": seller,
        # Until their last day is past they still sell here: they leave, they have not left.
        "leaving": seller.ended_on is not None and seller.ended_on >= timezone.localdate(),
        "shop": found, "title": _("%(name)s at the shop") % {"name": seller.actor.name},
        "back": reverse("shops:catalogue", args=[found.pk]), "back_label": _("Catalogue"),
        "notes": [
            _("A new rate applies to the sales from the date it applies from (today or later): the statements of "
              "earlier days keep the rate in force on each day."),
            *(_("From %(date)s: %(rate)s") % {"date": date_format(day, "SHORT_DATE_FORMAT"),
                                               "rate": numbers.rate(rate)}
              for day, rate in services.rate_history(seller)),
        ],
        "delete_url": None if sold else reverse("shops:seller_delete", args=[found.pk, seller.pk]),
        "delete_label": _("Remove from the shop"),
        "delete_note": _("Their products and their people on the rota go with them.") if not sold else
        ngettext("%(n)s sale is recorded in their name and kept for the statements: they cannot be removed.",
                 "%(n)s sales are recorded in their name and kept for the statements: they cannot be removed.",
                 sold) % {"n": sold},
    })  # fmt: skip


class SellerEndForm(forms.Form):
    last_day = forms.DateField(label=gettext_lazy("Last day at the shop"), widget=date_input())


@login_required
@require_POST
def seller_end(request: HttpRequest, shop_id: int, seller_id: int) -> HttpResponse:
    """A producer leaves the shop after a day (their sales and statements stay), or comes back ("again")."""
    found = _shop(request, shop_id, manager=True)
    seller = get_object_or_404(Seller.objects.select_related("actor"), pk=seller_id, shop=found)
    back = reverse("shops:seller_edit", args=[found.pk, seller.pk])
    form = SellerEndForm(request.POST)
    again = request.POST.get("again") == "1"
    if not again and not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect(back)
    try:
        services.seller_end(seller=seller, last_day=None if again else form.cleaned_data["last_day"])
    except ValidationError as exc:
        return _refused(request, exc, back)
    if again:
        messages.success(request, _("%(name)s sells at the shop again.") % {"name": seller.actor.name})
    else:
        messages.success(
            request,
            _("%(name)s leaves the shop after %(date)s: their sales and statements stay.")
            % {"name": seller.actor.name, "date": services.day_text(seller.ended_on)},
        )
    return redirect("shops:catalogue", shop_id=found.pk)


@login_required
@require_POST
def seller_delete(request: HttpRequest, shop_id: int, seller_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    seller = get_object_or_404(Seller.objects.select_related("actor"), pk=seller_id, shop=found)
    try:
        services.seller_delete(seller=seller)
    except ValidationError as exc:
        return _refused(request, exc, reverse("shops:seller_edit", args=[found.pk, seller.pk]))
    messages.success(request, _("%(name)s no longer sells at the shop.") % {"name": seller.actor.name})
    return redirect("shops:catalogue", shop_id=found.pk)


@login_required
def product_edit(request: HttpRequest, shop_id: int, product_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    product = get_object_or_404(Product, pk=product_id, shop=found)
    initial = {name: getattr(product, name) for name in ("seller", "code", "name", "unit_price", "unit")}
    form = ProductForm(request.POST or None, shop=found, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.product_update(product=product, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("shops:catalogue", shop_id=found.pk)
    sold = Sale.objects.filter(product=product).count()
    return _edit_page(request, form, {
        "shop": found, "title": product.name,
        "back": reverse("shops:catalogue", args=[found.pk]), "back_label": _("Catalogue"),
        "notes": [_("A new price applies to the sales recorded from now on: past sales keep the price they were "
                    "sold at.")],
        "delete_url": None if sold else reverse("shops:product_delete", args=[found.pk, product.pk]),
        "delete_label": _("Delete the product"),
        "delete_note": "" if not sold else
        ngettext("%(n)s sale of it is recorded and kept for the statements: it cannot be deleted.",
                 "%(n)s sales of it are recorded and kept for the statements: it cannot be deleted.",
                 sold) % {"n": sold},
    })  # fmt: skip


@login_required
@require_POST
def product_delete(request: HttpRequest, shop_id: int, product_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    product = get_object_or_404(Product, pk=product_id, shop=found)
    try:
        services.product_delete(product=product)
    except ValidationError as exc:
        return _refused(request, exc, reverse("shops:product_edit", args=[found.pk, product.pk]))
    messages.success(request, _("%(name)s is deleted.") % {"name": product.name})
    return redirect("shops:catalogue", shop_id=found.pk)


def _member_shifts(shifts: list[Shift]) -> dict[str, Any]:
    """The shifts taking a person off the rota removes, listed (day and hours) under the note."""
    if not shifts:
        return {}
    return {"delete_note": ngettext("It is on %(n)s shift of the rotas computed, listed here, which goes with it.",
                                    "It is on %(n)s shifts of the rotas computed, listed here, which go with it.",
                                    len(shifts)) % {"n": len(shifts)},
            "delete_items": [services.shift_text(s) for s in shifts]}  # fmt: skip


@login_required
def slot_edit(request: HttpRequest, shop_id: int, slot_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    slot = get_object_or_404(OpeningSlot, pk=slot_id, shop=found)
    initial = {name: getattr(slot, name) for name in ("weekday", "starts", "ends", "needed")}
    form = SlotForm(request.POST or None, initial=initial)
    if form.is_bound and form.is_valid():
        try:
            services.opening_slot_update(slot=slot, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("shops:rota_home", shop_id=found.pk)
    return _edit_page(request, form, {
        "shop": found, "title": _("Opening: %(slot)s") % {"slot": slot},
        "back": reverse("shops:rota_home", args=[found.pk]), "back_label": _("Rota"),
        "notes": [_("The rotas computed from now on use the new day and hours; those computed before keep the hours "
                    "their people were given.")],
        "delete_url": reverse("shops:slot_delete", args=[found.pk, slot.pk]), "delete_label": _("Delete the opening"),
        **_shifts_confirm(list(services.slot_shifts(slot))),
    })  # fmt: skip


def _shifts_confirm(shifts: list[Shift]) -> dict[str, Any]:
    """The shifts a deletion takes off the rotas computed, listed (day, hours, person), and the box to tick
    that says the reader saw them: the service refuses unless the count ticked is the count now."""
    if not shifts:
        return {}
    return {
        "delete_note": ngettext(
            "It is on %(n)s shift of the rotas computed, listed here: deleting the opening takes it off its rota.",
            "It is on %(n)s shifts of the rotas computed, listed here: deleting the opening takes them off their "
            "rotas.", len(shifts)) % {"n": len(shifts)},
        "delete_items": [f"{services.shift_text(s)} — {s.member.name}" for s in shifts],
        "delete_confirm": len(shifts),
        "delete_confirm_label": ngettext("Delete the opening and its %(n)s shift listed above",
                                         "Delete the opening and its %(n)s shifts listed above",
                                         len(shifts)) % {"n": len(shifts)},
    }  # fmt: skip


@login_required
@require_POST
def slot_delete(request: HttpRequest, shop_id: int, slot_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    slot = get_object_or_404(OpeningSlot, pk=slot_id, shop=found)
    seen = request.POST.get("confirm", "")
    try:
        services.opening_slot_delete(slot=slot, shifts_seen=int(seen) if seen.isdigit() else 0)
    except ValidationError as exc:
        return _refused(request, exc, reverse("shops:slot_edit", args=[found.pk, slot.pk]))
    messages.success(request, _("The opening is deleted."))
    return redirect("shops:rota_home", shop_id=found.pk)


@login_required
def member_edit(request: HttpRequest, shop_id: int, member_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    member = get_object_or_404(RotaMember.objects.prefetch_related("slots"), pk=member_id, shop=found)
    initial = {"seller": member.seller_id, "name": member.name, "min_hours": Decimal(member.min_minutes) / 60,
               "max_hours": Decimal(member.max_minutes) / 60, "twice_a_day": member.twice_a_day,
               "slots": list(member.slots.all())}  # fmt: skip
    form = MemberForm(request.POST or None, shop=found, initial=initial)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            services.rota_member_save(
                shop=found, seller=data["seller"], name=data["name"], user=member.user,
                min_minutes=int(data["min_hours"] * 60), max_minutes=int(data["max_hours"] * 60),
                twice_a_day=data["twice_a_day"], slots=data["slots"], member=member,
            )  # fmt: skip
        except ValidationError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("shops:rota_home", shop_id=found.pk)
    return _edit_page(request, form, {
        "shop": found, "title": _("%(name)s on the rota") % {"name": member.name},
        "back": reverse("shops:rota_home", args=[found.pk]), "back_label": _("Rota"),
        "notes": [_("Availability and hours count for the rotas computed from now on.")],
        "delete_url": reverse("shops:member_delete", args=[found.pk, member.pk]),
        "delete_label": _("Take off the rota"),
        **_member_shifts(list(services.member_shifts(member))),
    })  # fmt: skip


@login_required
@require_POST
def member_delete(request: HttpRequest, shop_id: int, member_id: int) -> HttpResponse:
    found = _shop(request, shop_id, manager=True)
    member = get_object_or_404(RotaMember, pk=member_id, shop=found)
    removed = services.rota_member_delete(member=member)
    if removed:
        messages.success(
            request,
            ngettext(
                "%(name)s is off the rota; their shift of %(shifts)s is taken off the rotas computed.",
                "%(name)s is off the rota; their %(n)s shifts are taken off the rotas computed: %(shifts)s.",
                len(removed),
            )
            % {"name": member.name, "n": len(removed), "shifts": ", ".join(services.shift_text(s) for s in removed)},
        )
    else:
        messages.success(request, _("%(name)s is off the rota.") % {"name": member.name})
    return redirect("shops:rota_home", shop_id=found.pk)
