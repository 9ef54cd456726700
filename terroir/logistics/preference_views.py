"""A producer's standing choice, per customer, of how their goods travel (the pooled round, themselves, a
relay platform, a carpool trip): new orders to that customer take it, each order may still change its own.
The producer's people set it; coordinators too, for any producer; anyone else has no such page (404)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from terroir.accounts.permissions import actor_ids_of
from terroir.directory.models import Actor

from . import services
from .access import preference_producers_of
from .models import DeliveryMode, DeliveryOrder, DeliveryPreference, Depot


class PreferencesForm(forms.Form):
    """One row per customer: how the goods usually travel, and through which relay platform."""

    def __init__(self, *args: Any, customers: list[Actor], found: dict[int, DeliveryPreference],
                 depots: Any, **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.rows = []
        for customer in customers:
            preference = found.get(customer.pk)
            mode = forms.ChoiceField(
                label=gettext_lazy("Delivered by"), choices=DeliveryMode.choices,
                initial=preference.delivery_mode if preference else DeliveryMode.POOLED,
            )  # fmt: skip
            relay = forms.ModelChoiceField(
                label=gettext_lazy("Relay platform"), queryset=depots, required=False,
                initial=preference.relay_id if preference else None,
            )  # fmt: skip
            self.fields[f"mode_{customer.pk}"], self.fields[f"relay_{customer.pk}"] = mode, relay
            self.rows.append((customer, preference, self[f"mode_{customer.pk}"], self[f"relay_{customer.pk}"]))


def _customers(producer: Actor) -> list[Actor]:
    """The customers the producer delivers (their orders, those agreements made included) or has a choice for."""
    ordered = DeliveryOrder.objects.filter(producer=producer, customer__isnull=False).values("customer_id")
    chosen = DeliveryPreference.objects.filter(producer=producer).values("customer_id")
    return list(Actor.objects.filter(Q(pk__in=ordered) | Q(pk__in=chosen)).order_by("name"))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, producer_id: int | None = None) -> HttpResponse:
    mine = preference_producers_of(request.user)
    if producer_id is None:
        first = mine.filter(pk__in=actor_ids_of(request.user)).order_by("name").first()
        if first is None:
            raise Http404("no producer of yours")  # a coordinator opens a producer's page from its id
        return redirect("logistics:preferences_of", producer_id=first.pk)
    producer = get_object_or_404(mine, pk=producer_id)
    customers = _customers(producer)
    found = {p.customer_id: p for p in DeliveryPreference.objects.filter(producer=producer).select_related("relay")}
    depots = Depot.objects.order_by("name")
    form = PreferencesForm(request.POST or None, customers=customers, found=found, depots=depots)
    if request.method == "POST" and form.is_valid():
        choices = []
        for customer, preference, mode, relay in form.rows:
            chosen = (form.cleaned_data[mode.name], form.cleaned_data[relay.name])
            before = (preference.delivery_mode, preference.relay) if preference else (DeliveryMode.POOLED, None)
            if chosen != before:
                choices.append((customer, *chosen))
        try:
            services.preferences_set(producer=producer, choices=choices, by=request.user)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field, errors)
        else:
            messages.success(request, _("Your usual choices are saved: new orders will take them.") if choices
                             else _("Nothing changed."))  # fmt: skip
            return redirect(reverse("logistics:preferences_of", kwargs={"producer_id": producer.pk}))
    context = {"producer": producer, "form": form, "producers": mine.filter(pk__in=actor_ids_of(request.user))}
    return render(request, "logistics/preferences.html", context, status=400 if form.errors else 200)
