"""Carpool forms: places are communes typed as the search reads them (commune_choose), with an optional
address said to the other side; a photo is checked and re-encoded (terroir.directory.photos)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from terroir.directory.communes import CommuneAmbiguous, CommuneChoice, CommuneNotFound, commune_choose
from terroir.directory.forms import WEEKDAYS, date_input, number_limits
from terroir.directory.models import Actor, Category

from .models import (
    FREE_KG_MAX,
    FREE_LITRES_MAX,
    Condition,
    Eligibility,
    GoodsState,
    HandoverKind,
    IncidentKind,
    PriceRule,
)


def _from_today(form: forms.BaseForm, *names: str) -> None:
    """A phone's date picker offers no day gone by (the service refuses one: services._day_check)."""
    for name in names:
        form.fields[name].widget.attrs["min"] = timezone.localdate().isoformat()


def time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _commune(text: str) -> CommuneChoice:
    try:
        return commune_choose(text)
    except (CommuneNotFound, CommuneAmbiguous) as exc:
        raise ValidationError(capfirst(exc.message)) from None


def _where(choice: CommuneChoice, address: str) -> str:
    return f"{address}, {choice.name}" if address else choice.label


def _ends(data: dict[str, Any]) -> dict[str, Any]:
    """Where a trip or a parcel starts and ends, as the models keep it: the words shown (address and
    commune) and the commune centre's position."""
    origin, destination = data["origin"], data["destination"]
    return {
        "origin": _where(origin, data["origin_address"]), "origin_lat": origin.lat, "origin_lon": origin.lon,
        "destination": _where(destination, data["destination_address"]), "destination_lat": destination.lat,
        "destination_lon": destination.lon,
    }  # fmt: skip


def _organisations(user: Any) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        label=_("On behalf of"), required=False, empty_label=_("myself"),
        queryset=Actor.objects.filter(memberships__user=user).order_by("name"),
    )  # fmt: skip


class TripForm(forms.Form):
    origin = forms.CharField(label=_("From (commune)"), max_length=120)
    origin_address = forms.CharField(label=_("Address or meeting point"), max_length=120, required=False)
    destination = forms.CharField(label=_("To (commune)"), max_length=120)
    destination_address = forms.CharField(label=_("Address at arrival"), max_length=120, required=False)
    stops = forms.CharField(label=_("Stops on the way (communes, separated by ;)"), max_length=400, required=False)
    day = forms.DateField(label=_("Day"), widget=date_input())
    leaves = forms.TimeField(label=_("Leaves at"), widget=time_input())
    arrives_by = forms.TimeField(label=_("Arrives by"), widget=time_input())
    weekdays = forms.MultipleChoiceField(label=_("Repeats every week on"), choices=WEEKDAYS, required=False,
                                         widget=forms.CheckboxSelectMultiple)  # fmt: skip
    until = forms.DateField(label=_("Repeats until"), required=False, widget=date_input())
    free_kg = forms.IntegerField(label=_("Free weight (kg)"), min_value=1, max_value=FREE_KG_MAX)
    free_litres = forms.IntegerField(label=_("Free volume (litres)"), min_value=1, max_value=FREE_LITRES_MAX)
    condition = forms.ChoiceField(label=_("Cold chain"), choices=Condition.choices)
    detour_minutes = forms.IntegerField(label=_("Detour accepted (minutes)"), min_value=0, max_value=240, initial=10)
    price_rule = forms.ChoiceField(label=_("Price"), choices=PriceRule.choices)
    price = forms.DecimalField(label=_("Amount (€, per km of detour or per parcel)"), min_value=Decimal(0),
                               max_digits=7, decimal_places=2, required=False)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = _organisations(user)
        number_limits(self)  # "0,01", not "0.01"
        _from_today(self, "day", "until")

    def clean_origin(self) -> CommuneChoice:
        return _commune(self.cleaned_data["origin"])

    def clean_destination(self) -> CommuneChoice:
        return _commune(self.cleaned_data["destination"])

    def clean_stops(self) -> list[CommuneChoice]:
        return [_commune(part) for part in self.cleaned_data["stops"].split(";") if part.strip()][:8]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("leaves") and data.get("arrives_by") and data["arrives_by"] <= data["leaves"]:
            self.add_error("arrives_by", _("The arrival comes after the departure."))
        return data

    def trip_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **_ends(data),
            "stops": [{"name": s.label, "lat": s.lat, "lon": s.lon} for s in data["stops"]],
            "day": data["day"], "weekdays": sum(1 << int(d) for d in data["weekdays"]), "until": data["until"],
            "leaves": data["leaves"], "arrives_by": data["arrives_by"], "free_kg": data["free_kg"],
            "free_litres": data["free_litres"], "condition": data["condition"],
            "detour_minutes": data["detour_minutes"], "price_rule": data["price_rule"],
            "price": data["price"] or Decimal(0), "note": data["note"],
        }  # fmt: skip


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return "\u2003" * obj.depth + str(obj)


class ParcelForm(forms.Form):
    description = forms.CharField(label=_("What it holds"), max_length=200)
    category = CategoryChoice(label=_("Product family"), queryset=Category.objects.order_by("path"))
    origin = forms.CharField(label=_("From (commune)"), max_length=120)
    origin_address = forms.CharField(label=_("Pickup address"), max_length=120, required=False)
    destination = forms.CharField(label=_("To (commune)"), max_length=120)
    destination_address = forms.CharField(label=_("Delivery address"), max_length=120, required=False)
    recipient = forms.EmailField(label=_("Recipient's e-mail"), help_text=_(
        "Without a Terroir account, they receive a one-time code by e-mail and give it at delivery to sign."
    ))  # fmt: skip
    day = forms.DateField(label=_("Day"), widget=date_input())
    ready_at = forms.TimeField(label=_("Ready from"), widget=time_input())
    due_by = forms.TimeField(label=_("To deliver by"), widget=time_input())
    kg = forms.DecimalField(label=_("Weight (kg)"), min_value=Decimal("0.01"), max_value=FREE_KG_MAX, max_digits=7,
                            decimal_places=2)  # fmt: skip
    litres = forms.DecimalField(label=_("Volume (litres)"), min_value=Decimal("0.1"), max_value=FREE_LITRES_MAX,
                                max_digits=7, decimal_places=1)  # fmt: skip
    condition = forms.ChoiceField(label=_("Cold chain needed"), choices=Condition.choices)
    value = forms.DecimalField(label=_("Value of the goods (€)"), min_value=Decimal(0), max_digits=9,
                               decimal_places=2)  # fmt: skip

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"] = _organisations(user)
        number_limits(self)  # "0,01", not "0.01"
        _from_today(self, "day")

    def clean_origin(self) -> CommuneChoice:
        return _commune(self.cleaned_data["origin"])

    def clean_destination(self) -> CommuneChoice:
        return _commune(self.cleaned_data["destination"])

    def clean_recipient(self) -> Any:
        """Their account, or the address itself for a recipient without one (services.recipient_for)."""
        address = self.cleaned_data["recipient"]
        found = get_user_model().objects.filter(email__iexact=address, is_active=True).first()
        return found if found is not None else address

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ready_at") and data.get("due_by") and data["due_by"] <= data["ready_at"]:
            self.add_error("due_by", _("The delivery comes after the parcel is ready."))
        return data

    def parcel_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            **_ends(data), "day": data["day"], "ready_at": data["ready_at"],
            "due_by": data["due_by"], "kg": data["kg"], "litres": data["litres"], "condition": data["condition"],
            "value": data["value"], "description": data["description"],
        }  # fmt: skip


class HandoverForm(forms.Form):
    kind = forms.ChoiceField(label=_("Handover"), choices=HandoverKind.choices)
    taker = forms.EmailField(label=_("Taker's e-mail (for a transfer at a relay)"), required=False)
    place = forms.CharField(label=_("Where"), max_length=200)
    state = forms.ChoiceField(label=_("Condition of the goods"), choices=GoodsState.choices)
    celsius = forms.DecimalField(label=_("Temperature (°C)"), required=False, max_digits=4, decimal_places=1,
                                 min_value=Decimal(-40), max_value=Decimal(60))  # fmt: skip
    photo = forms.ImageField(label=_("Photo (optional)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class AcceptForm(forms.Form):
    state = forms.ChoiceField(label=_("Condition of the goods"), choices=GoodsState.choices)
    celsius = forms.DecimalField(label=_("Temperature (°C)"), required=False, max_digits=4, decimal_places=1,
                                 min_value=Decimal(-40), max_value=Decimal(60))  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class CodeForm(AcceptForm):
    """The person delivering types the code the recipient without an account gives them."""

    code = forms.CharField(label=_("Code given by the recipient"), max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))  # fmt: skip
    field_order = ["code", "state", "celsius", "note"]


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Incident"), choices=IncidentKind.choices)
    celsius = forms.DecimalField(label=_("Temperature (°C)"), required=False, max_digits=4, decimal_places=1,
                                 min_value=Decimal(-40), max_value=Decimal(60))  # fmt: skip
    note = forms.CharField(label=_("What happened"), max_length=300, required=False)


class EligibilityForm(forms.ModelForm):
    class Meta:
        model = Eligibility
        fields = ["allowed", "condition", "temperature_record", "max_celsius"]


class EligibilityNewForm(forms.Form):
    category = CategoryChoice(label=_("Product family"), queryset=Category.objects.order_by("path"))
    condition = forms.ChoiceField(label=_("Least condition"), choices=Condition.choices)
