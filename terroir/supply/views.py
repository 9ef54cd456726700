"""Agreements' pages: the buyer's confirmation of an offer, an agreement with its orders (both sides, the
carrier and coordinators), its change and its cancellation (confirmed on a page of its own).

An agreement that is not the person's does not exist for them (404), like another carrier's order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from terroir.carpool import services as carpool
from terroir.carpool.eligibility import condition_needed
from terroir.directory import numbers
from terroir.directory.forms import WEEKDAYS, date_input, form_errors_add, number_limits
from terroir.directory.models import Actor
from terroir.directory.presenters import clock_text
from terroir.logistics.access import orders_of
from terroir.needs import services as needs
from terroir.needs.models import Answer, Frequency

from . import schedule, services
from .models import Agreement, AgreementChange, AgreementOrder, OrderParcel


def _weekday_names(mask: int) -> list[str]:
    return [str(label) for value, label in WEEKDAYS if mask & (1 << int(value))]


@login_required
def agreements(request: HttpRequest) -> HttpResponse:
    rows = services.agreements_of(request.user)[:200]
    return render(request, "supply/agreements.html", {"agreements": rows})


def _answer_for_buyer(request: HttpRequest, answer_id: int) -> Answer:
    found = get_object_or_404(Answer.objects.select_related("need__buyer", "need__category", "producer"), pk=answer_id)
    if not needs.can_manage(request.user, found.need):
        raise PermissionDenied(_("You do not act for this buyer."))
    return found


@login_required
def accept(request: HttpRequest, answer_id: int) -> HttpResponse:
    """What accepting commits to (who, how much, when, the value per delivery), confirmed with a POST."""
    found = _answer_for_buyer(request, answer_id)
    if found.accepted_at is not None and hasattr(found, "agreement"):
        return redirect(found.agreement)
    refusal = needs.acceptance_refusal(found)
    if request.method == "POST" and not refusal:
        try:
            agreement = services.agreement_accept(answer=found, by=request.user, carrier=request.POST.get("carrier"))
        except ValidationError as exc:
            refusal = " ".join(exc.messages)
        else:
            messages.success(request, _("Offer accepted: the deliveries are in the planner."))
            return redirect(agreement)
    need = found.need
    value = found.price * found.volume if found.price is not None and found.volume is not None else None
    context: dict[str, Any] = {
        "answer": found, "need": need, "refusal": refusal, "value": value,
        "members": needs.members_of(found), "weekdays": _weekday_names(need.delivery_weekdays),
        "carriers": Actor.objects.filter(is_carrier=True).order_by("name"),
        "weeks_ahead": services.horizon_weeks(),
    }  # fmt: skip
    return render(request, "supply/accept.html", context, status=400 if refusal and request.method == "POST" else 200)


def _agreement_of(request: HttpRequest, agreement_id: int) -> Agreement:
    found = get_object_or_404(
        Agreement.objects.select_related(
            "answer__need__buyer", "answer__need__category", "answer__producer", "carrier", "delivery_place__commune"
        ),
        pk=agreement_id,
    )
    if not services.can_see(request.user, found):
        raise Http404("no such agreement")
    return found


TIME = forms.TimeInput(attrs={"type": "time"})


class ChangeForm(forms.Form):
    volume = forms.DecimalField(label=gettext_lazy("Volume per delivery"), max_digits=10, decimal_places=2,
                                min_value=0.01)  # fmt: skip
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Delivery days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    window_start = forms.TimeField(label=gettext_lazy("Deliveries from"), widget=TIME)
    window_end = forms.TimeField(label=gettext_lazy("Deliveries until"), widget=TIME)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number_limits(self)  # "0,01", not "0.01"

    @staticmethod
    def initial_of(agreement: Agreement) -> dict[str, Any]:
        return {
            "volume": agreement.volume, "weekdays": [str(d) for d in range(7) if agreement.weekdays & (1 << d)],
            "window_start": agreement.window_start, "window_end": agreement.window_end,
        }  # fmt: skip


class ScheduleForm(forms.Form):
    frequency = forms.ChoiceField(
        label=gettext_lazy("Frequency"),
        choices=[(f.value, f.label) for f in Frequency if f.value in services.SCHEDULES],
    )  # fmt: skip
    weekdays = forms.MultipleChoiceField(
        label=gettext_lazy("Delivery days"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
    )
    effective_from = forms.DateField(
        label=gettext_lazy("From the week of"), widget=date_input(),
        help_text=gettext_lazy("The orders of the weeks before stay as they are; this week's and the later ones "
                               "are made again."),
    )  # fmt: skip

    @staticmethod
    def initial_of(agreement: Agreement) -> dict[str, Any]:
        return {
            "frequency": agreement.frequency, "weekdays": [str(d) for d in range(7) if agreement.weekdays & (1 << d)],
            "effective_from": schedule.monday(timezone.localdate()) + dt.timedelta(weeks=1),
        }  # fmt: skip


def _history(found: Agreement) -> list[dict[str, Any]]:
    """Each change in words: what it was, what it became — a volume as the reader's language writes it, with
    its unit ("30 kg", "2,5 kg"; kept as "30.00", "2.50")."""
    names = dict(Frequency.choices)
    unit = found.answer.need.unit

    def shown(field: str, value: Any) -> str:
        if field == "volume":
            return numbers.quantity(value, unit) or str(value)
        if field == "frequency":
            return str(names.get(value, value))
        if field == "weekdays":
            return ", ".join(_weekday_names(int(value)))
        if field == "status":
            return str(dict(Agreement.Status.choices).get(value, value))
        if field in ("window_start", "window_end"):  # kept as "06:00", said "6 h"
            try:
                return clock_text(dt.time.fromisoformat(str(value)))
            except ValueError:
                return str(value)
        return str(value)

    labels = {
        "volume": _("Volume per delivery"),
        "weekdays": _("Delivery days"),
        "frequency": _("Frequency"),
        "window_start": _("Deliveries from"),
        "window_end": _("Deliveries until"),
        "status": _("Status"),
    }
    return [
        {"change": c,
         "lines": [(labels.get(k, k), shown(k, old), shown(k, new)) for k, (old, new) in c.changes.items()
                   if old != new]}
        for c in found.changes.select_related("by").order_by("-at", "-pk")[:50]
    ]  # fmt: skip


def _page(
    request: HttpRequest, found: Agreement, form: ChangeForm | None = None, status: int = 200,
    schedule_form: ScheduleForm | None = None,
) -> HttpResponse:  # fmt: skip
    # The weeks to come and the last two months': a years-old agreement's page stays short.
    since = schedule.monday(timezone.localdate()) - dt.timedelta(weeks=8)
    links = (
        AgreementOrder.objects.filter(part__agreement=found, week__gte=since)
        .select_related("part__producer", "order", "order__owner")
        .order_by("week", "part__producer__name")
    )
    changeable = services.can_change(request.user, found) and found.status == Agreement.Status.ACTIVE
    context = {
        "agreement": found, "need": found.answer.need, "parts": found.parts.select_related("producer"),
        "links": links[:200], "weekdays": _weekday_names(found.weekdays), "changeable": changeable,
        "form": form or (ChangeForm(initial=ChangeForm.initial_of(found)) if changeable else None),
        "schedule_form": schedule_form or (
            ScheduleForm(initial=ScheduleForm.initial_of(found))
            if changeable and found.frequency in services.SCHEDULES else None
        ),
        "history": _history(found),
        "pending": found.changes.filter(kind=AgreementChange.Kind.SCHEDULE,
                                        effective_from__gt=schedule.monday(timezone.localdate())).last(),
    }  # fmt: skip
    return render(request, "supply/agreement.html", context, status=status)


@login_required
def agreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    return _page(request, _agreement_of(request, agreement_id))


def _changer_of(request: HttpRequest, agreement_id: int) -> Agreement:
    """The agreement, for the people of its buyer and of its lead producer: the others who see it (the
    other producers, the carrier, coordinators) may not change it (403)."""
    found = _agreement_of(request, agreement_id)
    if not services.can_change(request.user, found):
        raise PermissionDenied(_("Only the buyer and the lead producer change an agreement."))
    return found


def _mask(weekdays: list[str]) -> int:
    return sum(1 << int(d) for d in weekdays)


def _applied(form: forms.Form, service: Callable[[dict[str, Any]], object]) -> bool:
    """Whether the service took the form's values; otherwise the form says why (its own checks or the
    service's refusal, under the field it names)."""
    if not form.is_valid():
        return False
    try:
        service(form.cleaned_data)
    except ValidationError as exc:
        form_errors_add(form, exc)
        return False
    return True


@login_required
@require_POST
def change(request: HttpRequest, agreement_id: int) -> HttpResponse:
    found = _changer_of(request, agreement_id)
    form = ChangeForm(request.POST)
    if _applied(form, lambda data: services.agreement_change(
        agreement=found, by=request.user, volume=data["volume"], weekdays=_mask(data["weekdays"]),
        window_start=data["window_start"], window_end=data["window_end"],
    )):  # fmt: skip
        messages.success(request, _("Agreement changed: the coming orders follow, and the other side is told."))
        return redirect(found)
    return _page(request, found, form, status=400)


@login_required
@require_POST
def cancel(request: HttpRequest, agreement_id: int) -> HttpResponse:
    found = _changer_of(request, agreement_id)
    if found.status != Agreement.Status.ACTIVE:
        messages.error(request, _("This agreement is already cancelled."))
        return redirect(found)
    if request.POST.get("confirm") != "1":
        ahead = services.orders_ahead(found).exclude(order=None).count()
        return render(request, "supply/cancel.html", {"agreement": found, "need": found.answer.need, "orders": ahead})
    services.agreement_cancel(agreement=found, by=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, _("Agreement cancelled: its coming orders left the planner, and the other side is told."))
    return redirect(found)


@login_required
@require_POST
def reschedule(request: HttpRequest, agreement_id: int) -> HttpResponse:
    found = _changer_of(request, agreement_id)
    form = ScheduleForm(request.POST)
    if _applied(form, lambda data: services.agreement_reschedule(
        agreement=found, by=request.user, frequency=data["frequency"], weekdays=_mask(data["weekdays"]),
        effective_from=data["effective_from"],
    )):  # fmt: skip
        messages.success(request, _("New schedule saved: the orders from that week on are made again, and the "
                                    "other side is told."))  # fmt: skip
        return redirect(found)
    return _page(request, found, status=400, schedule_form=form)


@login_required
@require_GET
def order_parcel(request: HttpRequest, order_id: int) -> HttpResponse:
    """The parcel of an order sent by carpool. Its usual people (the farm's, the customer's, the driver,
    coordinators) go to the parcel's own page. The carrier planning the order is none of them, yet answers
    for the round around it: they read who holds the goods, the parcel's state and its handovers — the chain
    of responsibility — without acting on it nor seeing the photos. Anyone else: 404."""
    link = get_object_or_404(OrderParcel.objects.select_related("parcel", "parcel__holder"), order_id=order_id)
    parcel = link.parcel
    if carpool.parcels_of(request.user).filter(pk=parcel.pk).exists():
        return redirect(parcel)
    order = get_object_or_404(orders_of(request.user).select_related("producer", "customer"), pk=order_id)
    chain = parcel.handovers.select_related("giver", "taker", "acceptance", "acceptance__by").order_by("rank")
    return render(request, "supply/order_parcel.html", {
        "order": order, "parcel": parcel, "chain": list(chain), "needed": condition_needed(parcel),
        "incidents": list(parcel.incidents.select_related("by", "holder")), "ride": carpool.live_ride(parcel),
    })  # fmt: skip
