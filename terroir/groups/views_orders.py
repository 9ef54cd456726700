"""One-off order pages of a distribution (the organiser opens the round, producers list what they offer,
members order until it closes; the summaries per producer and per member, CSV) and the distribution
sheet (page to print, PDF). Who may open which is asked of access.py and orders.py."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from terroir.accounts.permissions import actor_ids_of
from terroir.directory import numbers
from terroir.directory.forms import form_errors_add
from terroir.directory.models import Actor

from . import orders, sheet
from .access import is_organiser, membership_of
from .models import Distribution, GroupMember, OrderProduct, OrderRound
from .services import current_day


def datetime_input() -> forms.DateTimeInput:
    # The browser's picker gives ISO local times, whatever the page's language.
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _distribution(distribution_id: int) -> Distribution:
    return get_object_or_404(Distribution.objects.select_related("group__place", "place"), pk=distribution_id)


def _round_of(distribution: Distribution) -> OrderRound | None:
    return OrderRound.objects.filter(distribution=distribution).first()


class RoundForm(forms.Form):
    closes_at = forms.DateTimeField(label=gettext_lazy("Orders close at"), widget=datetime_input())
    producers = forms.ModelMultipleChoiceField(label=gettext_lazy("Producers taking part"),
                                               queryset=Actor.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)  # fmt: skip
    note = forms.CharField(label=gettext_lazy("Note to the members"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args: Any, distribution: Distribution, current: OrderRound | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The producers of the pickup place's département and those selling there, plus the round's own.
        place = distribution.where
        near = Q(pk__in=current.producers.values("pk")) if current else Q(pk__in=[])
        if place is not None:
            near |= Q(places=place)
            if place.commune is not None:
                near |= Q(commune__department=place.commune.department)
        field = self.fields["producers"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Actor.objects.filter(near, is_producer=True).distinct().order_by("name")


class ProductForm(forms.Form):
    producer = forms.ModelChoiceField(label=gettext_lazy("Producer"), queryset=Actor.objects.none())
    name = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    unit = forms.CharField(label=gettext_lazy("Unit (kg, jar, bunch…)"), max_length=30)
    price = forms.DecimalField(label=gettext_lazy("Price per unit (€)"), min_value=0, max_digits=8, decimal_places=2)
    max_quantity = forms.DecimalField(label=gettext_lazy("Maximum quantity for the group (empty: none)"),
                                      required=False, min_value=0, max_digits=10, decimal_places=3)  # fmt: skip
    # Set when changing a product already listed (its row's "Change" link).
    product = forms.ModelChoiceField(queryset=OrderProduct.objects.none(), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, order_round: OrderRound, producers: list[Actor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["producer"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Actor.objects.filter(pk__in=[p.pk for p in producers]).order_by("name")
        if len(producers) == 1:
            field.empty_label = None
        editable = self.fields["product"]
        assert isinstance(editable, forms.ModelChoiceField)
        editable.queryset = OrderProduct.objects.filter(round=order_round, producer__in=producers)


class OrderForm(forms.Form):
    """One quantity per product of the round."""

    def __init__(self, *args: Any, products: list[OrderProduct], mine: dict[int, Decimal], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for product in products:
            left = None if product.max_quantity is None else product.max_quantity - product.ordered
            self.fields[f"q{product.pk}"] = forms.DecimalField(
                label=product.name, required=False, min_value=0, max_digits=10, decimal_places=3,
                initial=mine.get(product.pk, Decimal(0)).normalize(),
                # A unit counted whole (orders._whole_enough) steps by one and asks the phone for digits only.
                widget=forms.NumberInput(attrs={"step": "1", "inputmode": "numeric", "class": "quantity"}
                                         if numbers.counted_whole(product.unit) else
                                         {"step": "any", "inputmode": "decimal", "class": "quantity"}),
            )  # fmt: skip
            self.fields[f"q{product.pk}"].product = product  # type: ignore[attr-defined]
            self.fields[f"q{product.pk}"].left = left  # type: ignore[attr-defined]

    def quantities(self) -> dict[int, Decimal]:
        return {int(name[1:]): value or Decimal(0) for name, value in self.cleaned_data.items()}


@dataclass
class OrderPage:
    """What the round's page shows to this person: the round, their roles, its products, their lines."""

    distribution: Distribution
    current: OrderRound | None
    organiser: bool
    member: GroupMember | None
    producing: list[Actor]  # the round's producers the person acts for
    offering: list[Actor]  # those they may list products for (every producer of the round for an organiser)
    products: list[OrderProduct]
    lines: dict[int, Decimal]  # the member's quantities by product


def _order_page(request: HttpRequest, distribution_id: int) -> OrderPage:
    distribution = _distribution(distribution_id)
    current = _round_of(distribution)
    organiser = is_organiser(request.user, distribution.group)
    member = membership_of(request.user, distribution.group)
    producing = orders.producers_of_round(request.user, current) if current else []
    if not (organiser or member or producing):
        raise PermissionDenied(_("This page is for the group's members and organisers."))
    offering = (list(current.producers.all()) if organiser else producing) if current else []
    products = list(OrderProduct.objects.filter(round=current).select_related("producer")) if current else []
    lines = {line.product_id: line.quantity for line in member.order_lines.filter(product__round=current)} \
        if member and current else {}  # fmt: skip
    return OrderPage(distribution, current, organiser, member, producing, offering, products, lines)


def _order_forms(request: HttpRequest, page: OrderPage, which: str | None) -> dict[str, Any]:
    """The page's three forms (each None when the person has no use of it), the one sent bound."""
    post = request.POST if request.method == "POST" else None
    current = page.current
    initial = {"closes_at": timezone.localtime(current.closes_at), "producers": list(current.producers.all()),
               "note": current.note} if current else {}  # fmt: skip
    asked = request.GET.get("product", "")
    changed = OrderProduct.objects.filter(round=current, producer__in=page.offering, pk=asked).first() \
        if current and asked.isdigit() else None  # fmt: skip
    listed = {"producer": changed.producer, "name": changed.name, "unit": changed.unit, "price": changed.price,
              "max_quantity": changed.max_quantity, "product": changed} if changed else None  # fmt: skip
    return {
        "round": RoundForm(post if which == "round" else None, distribution=page.distribution, current=current,
                           initial=initial) if page.organiser else None,
        "product": ProductForm(post if which == "product" else None, order_round=current, producers=page.offering,
                               initial=listed) if page.offering and current else None,
        "order": OrderForm(post if which == "order" else None, products=page.products, mine=page.lines)
        if page.member and current else None,
        "changed": changed,
    }  # fmt: skip


def _order_save(request: HttpRequest, page: OrderPage, which: str, form: forms.Form) -> str:
    """Through the one service of the form sent; what to tell the person."""
    data, current = form.cleaned_data, page.current
    if which == "round":
        orders.order_round_save(distribution=page.distribution, closes_at=data["closes_at"],
                                producers=data["producers"], note=data["note"], by=request.user)  # fmt: skip
        return _("The order round is saved.")
    assert current is not None
    if which == "product":
        orders.order_product_save(order_round=current, by=request.user, **data)
        return _("The product is listed.")
    assert page.member is not None and isinstance(form, OrderForm)
    orders.order_place(order_round=current, member=page.member, quantities=form.quantities(), by=request.user)
    return _("Your order is saved.")


@login_required
def order(request: HttpRequest, distribution_id: int) -> HttpResponse:
    page = _order_page(request, distribution_id)
    which = request.POST.get("form") if request.method == "POST" else None
    if which is not None and which not in ("round", "product", "order"):
        raise PermissionDenied(_("Nothing to do here."))
    built = _order_forms(request, page, which)
    if which == "round" and built["round"] is None:
        raise PermissionDenied(_("Only the group's organisers manage its order rounds."))
    if which == "product" and built["product"] is None:
        raise PermissionDenied(_("You do not act for a producer of this order round."))
    form = built.get(which) if which else None
    if which is not None and form is not None and form.is_valid():
        try:
            messages.success(request, _order_save(request, page, which, form))
            return redirect("groups:order", distribution_id=page.distribution.pk)
        except ValidationError as exc:
            form_errors_add(form, exc)
    products, lines = page.products, page.lines
    context = {
        "distribution": page.distribution, "group": page.distribution.group, "round": page.current,
        "organiser": page.organiser, "member": page.member, "producing": page.producing,
        "round_form": built["round"], "product_form": built["product"], "order_form": built["order"],
        "changed": built["changed"], "products": products,
        "open": page.current is not None and orders.is_open(page.current),
        "changeable": {p.pk for p in products if p.producer in page.offering},
        "my_lines": [(p, lines[p.pk], orders.amount_of(lines[p.pk], p.price)) for p in products if p.pk in lines],
    }  # fmt: skip
    context["my_total"] = sum((amount for _p, _q, amount in context["my_lines"]), Decimal(0))
    return render(request, "groups/orders/order.html", context, status=400 if form is not None and form.errors else 200)


@login_required
def order_summary(request: HttpRequest, distribution_id: int, format: str = "html") -> HttpResponse:
    """The organisers see every producer and member; a producer taking part sees their own products and the
    members' lines of them."""
    distribution = _distribution(distribution_id)
    current = get_object_or_404(OrderRound, distribution=distribution)
    if orders.can_see_summary(request.user, current):
        summary = orders.summary_of(current)
        everything = True
    elif orders.is_round_producer(request.user, current):
        summary = orders.summary_of(current, producer_ids=actor_ids_of(request.user))
        everything = False
    else:
        raise PermissionDenied(_("The order summary is for the group's organisers and the producers taking part."))
    if format == "csv":
        response = HttpResponse(orders.summary_csv(summary), content_type="text/csv; charset=utf-8")
        name = f"commandes-{distribution.group_id}-{distribution.date.isoformat()}"
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    context = {"distribution": distribution, "group": distribution.group, "round": current, "summary": summary,
               "everything": everything}  # fmt: skip
    return render(request, "groups/orders/summary.html", context)


@login_required
def distribution_sheet(request: HttpRequest, distribution_id: int, format: str = "html") -> HttpResponse:
    distribution = _distribution(distribution_id)
    if not is_organiser(request.user, distribution.group):
        raise PermissionDenied(_("The distribution sheet is for the group's organisers."))
    built = sheet.sheet_of(distribution)
    if format == "pdf":
        response = HttpResponse(sheet.sheet_pdf(built), content_type="application/pdf")
        name = f"distribution-{distribution.group_id}-{distribution.date.isoformat()}"
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    return render(request, "groups/orders/sheet.html", {"sheet": built, "distribution": distribution})


@login_required
def producer_orders(request: HttpRequest) -> HttpResponse:
    """A producer's coming one-off orders, distribution by distribution: what to prepare and for whom."""
    mine = actor_ids_of(request.user)
    rounds = (OrderRound.objects.filter(producers__in=mine, distribution__date__gte=current_day(),
                                        distribution__cancelled=False)
              .select_related("distribution__group").distinct().order_by("distribution__date"))  # fmt: skip
    rows = [orders.summary_of(r, producer_ids=mine) for r in rounds[:20]] if mine else []
    return render(request, "groups/orders/producer_orders.html", {"rows": rows, "now": timezone.now()})
