"""A producer's standing choice, per customer, of how their goods travel (the pooled round, themselves, a
relay platform, a carpool trip): new orders to that customer take it, each order may still change its own.
The producer's people set it; coordinators too, for any producer; anyone else has no such page (404).
`/logistics/preferences/` sends a producer's person to their producer's page; anyone else reads what the
page is for and who uses it, and a coordinator finds there the producer whose choices to open.

The page lists the customers the producer already delivers or has a choice for; any other customer of the
directory is found by its name or its commune (the words of `Actor.search_key`, as the directory's own
search reads them) and added with its choice."""

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
from django.views.decorators.http import require_http_methods, require_POST

from terroir.accounts.permissions import actor_ids_of, is_coordinator
from terroir.directory.forms import form_errors_add
from terroir.directory.models import Actor
from terroir.directory.search import MAX_TERMS
from terroir.lib.text import terms

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
                label=gettext_lazy("How the goods travel"), choices=DeliveryMode.choices,
                initial=preference.delivery_mode if preference else DeliveryMode.POOLED,
            )  # fmt: skip
            relay = forms.ModelChoiceField(
                label=gettext_lazy("Relay platform"), queryset=depots, required=False,
                initial=preference.relay_id if preference else None,
            )  # fmt: skip
            self.fields[f"mode_{customer.pk}"], self.fields[f"relay_{customer.pk}"] = mode, relay
            self.rows.append((customer, preference, self[f"mode_{customer.pk}"], self[f"relay_{customer.pk}"]))


class CustomerSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Find a customer of the directory"), max_length=200, required=False,
                        help_text=gettext_lazy("Words of its name or of its commune, or their beginnings."),
                        )  # fmt: skip


class CustomerAddForm(forms.Form):
    """A customer found in the directory, and how the producer's goods usually travel to it."""

    customer = forms.ModelChoiceField(queryset=Actor.objects.filter(is_buyer=True), widget=forms.HiddenInput)
    delivery_mode = forms.ChoiceField(label=gettext_lazy("How the goods travel"), choices=DeliveryMode.choices,
                                      initial=DeliveryMode.POOLED)  # fmt: skip
    relay = forms.ModelChoiceField(label=gettext_lazy("Relay platform"), queryset=Depot.objects.none(), required=False)

    def __init__(self, *args: Any, depots: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["relay"].queryset = depots  # type: ignore[attr-defined]


FOUND_AT_MOST = 20


def customers_found(text: str, *, producer: Actor, listed: list[Actor]) -> tuple[list[Actor], bool]:
    """The directory's customers (organisations that buy) whose name or commune has a word starting with
    each word typed, but those listed already and the producer itself; whether more than these match."""
    words = terms(text)[:MAX_TERMS]
    if not words:
        return [], False
    rows = (
        Actor.objects.filter(*[Q(search_key__contains=f" {word}") for word in words], is_buyer=True)
        .exclude(pk__in=[producer.pk, *(c.pk for c in listed)])
        .select_related("commune")
        .order_by("name", "pk")
    )
    found = list(rows[: FOUND_AT_MOST + 1])
    return found[:FOUND_AT_MOST], len(found) > FOUND_AT_MOST


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
            return _nobody(request)
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
    return _page(request, producer, form=form, customers=customers, depots=depots)


def _nobody(request: HttpRequest) -> HttpResponse:
    """For a person of no producer: what the page is for and who uses it; a coordinator finds the producer
    whose choices to open (by the words of its name or commune, as a customer is found)."""
    if request.method != "GET":
        raise Http404("no producer of yours")
    coordinator = is_coordinator(request.user)
    search = CustomerSearchForm(request.GET if coordinator and "q" in request.GET else None)
    search.fields["q"].label = _("Find a producer")
    text = search.cleaned_data["q"] if search.is_bound and search.is_valid() else ""
    words = terms(text)[:MAX_TERMS]
    rows = (Actor.objects.filter(*[Q(search_key__contains=f" {word}") for word in words], is_producer=True)
            .select_related("commune").order_by("name", "pk"))  # fmt: skip
    found = list(rows[: FOUND_AT_MOST + 1]) if words else []
    context = {"coordinator": coordinator, "search": search, "searched": text, "found": found[:FOUND_AT_MOST],
               "more": len(found) > FOUND_AT_MOST}  # fmt: skip
    return render(request, "logistics/preferences_none.html", context)


def _page(
    request: HttpRequest, producer: Actor, *, form: PreferencesForm, customers: list[Actor], depots: Any,
    adding: CustomerAddForm | None = None,
) -> HttpResponse:  # fmt: skip
    """The choices, then the search for another customer: its results each with their own small form (the
    one refused, when a choice was, with its errors)."""
    search = CustomerSearchForm(request.GET if "q" in request.GET else {"q": request.POST.get("q", "")})
    text = search.cleaned_data["q"] if search.is_valid() else ""
    found, more = customers_found(text, producer=producer, listed=customers)
    refused = adding.cleaned_data.get("customer") if adding is not None and adding.errors else None
    results = [
        (c, adding if refused is not None and refused.pk == c.pk else
         CustomerAddForm(initial={"customer": c.pk}, depots=depots, auto_id=f"id_add_{c.pk}_%s"))
        for c in found
    ]  # fmt: skip
    context = {
        "producer": producer, "form": form, "producers": preference_producers_of(request.user).filter(
            pk__in=actor_ids_of(request.user)), "search": search, "searched": text, "results": results,
        "more": more, "lost": adding.errors if adding is not None and refused not in found else None,
    }  # fmt: skip
    failed = bool(form.errors) or (adding is not None and bool(adding.errors))
    return render(request, "logistics/preferences.html", context, status=400 if failed else 200)


@login_required
@require_POST
def preference_add(request: HttpRequest, producer_id: int) -> HttpResponse:
    """A customer found in the directory gets the producer's usual choice; it is listed with the others."""
    producer = get_object_or_404(preference_producers_of(request.user), pk=producer_id)
    depots = Depot.objects.order_by("name")
    customers = _customers(producer)
    asked = request.POST.get("customer", "")
    adding = CustomerAddForm(request.POST, depots=depots, auto_id=f"id_add_{asked if asked.isdigit() else 0}_%s")
    if adding.is_valid():
        customer = adding.cleaned_data["customer"]
        if customer.pk == producer.pk:
            adding.add_error(None, _("A producer is not its own customer."))
        else:
            try:
                services.preference_set(producer=producer, customer=customer, mode=adding.cleaned_data["delivery_mode"],
                                        relay=adding.cleaned_data["relay"], by=request.user)  # fmt: skip
            except ValidationError as exc:
                form_errors_add(adding, exc)
            else:
                messages.success(request, _("%(name)s is among your customers: new orders to them will take "
                                            "this choice.") % {"name": customer.name})  # fmt: skip
                url = reverse("logistics:preferences_of", kwargs={"producer_id": producer.pk})
                return redirect(f"{url}#customer-{customer.pk}")
    found = {p.customer_id: p for p in DeliveryPreference.objects.filter(producer=producer).select_related("relay")}
    form = PreferencesForm(None, customers=customers, found=found, depots=depots)
    return _page(request, producer, form=form, customers=customers, depots=depots, adding=adding)
