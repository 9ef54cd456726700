"""Forms of the editing pages. They only collect and shape input: terroir.directory.editing validates
values through the field registry (terroir.directory.fields: the same rules for the web, the API,
suggestions and imports) and writes."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dates import MONTHS_AP
from django.utils.dates import WEEKDAYS as WEEKDAYS_NAMES
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .communes import CommuneAmbiguous, CommuneNotFound, commune_choose
from .editing import Entry, fields_of, values_of
from .fields import LIMITS, phone_display
from .models import BUYER_KINDS, Actor, Category, Commune, Label, LegalForm, PlaceKind, Unit
from .numbers import Number, figure
from .taxonomy import REQUIREMENT_CHOICES

WEEKDAYS = [
    (str(i), name)
    for i, name in enumerate(
        [_("Monday"), _("Tuesday"), _("Wednesday"), _("Thursday"), _("Friday"), _("Saturday"), _("Sunday")]
    )
]
MONTHS = [
    (str(i), name)
    for i, name in enumerate(
        [_("Jan"), _("Feb"), _("Mar"), _("Apr"), _("May"), _("Jun"), _("Jul"), _("Aug"), _("Sep"), _("Oct"),
         _("Nov"), _("Dec")]
    )
]  # fmt: skip


def date_input() -> forms.DateInput:
    """A browser date picker: it takes and gives ISO dates only, whatever the page's language (a French
    "30/11/2026" would leave it empty and the form refused)."""
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def commune_find(text: str) -> str | None:
    """An INSEE code from what a person typed, read as the search reads it (commune_choose): "63003",
    "63600", "Ambert", "Ambert (63)" as the autocomplete writes it, "St Just 63600"; a name several communes
    bear asks which one, a misspelling suggests the closest names."""
    text = text.strip()
    if not text:
        return None
    try:
        return commune_choose(text).code
    except (CommuneNotFound, CommuneAmbiguous) as exc:
        raise ValidationError(capfirst(exc.message)) from None


def commune_text(code: str | None) -> str:
    if not code:
        return ""
    found = Commune.objects.filter(code=code).values_list("name", "department").first()
    return f"{found[0]} ({found[1]})" if found else code  # as the autocomplete writes it


class CommuneField(forms.CharField):
    def to_python(self, value: Any) -> str | None:
        return commune_find(super().to_python(value) or "")


def _hours_grid_words() -> dict[str, Any]:
    """The words of the hours grid (static/terroir/hours.js), in the page's language."""
    return {
        "title": str(_("Opening hours, day by day")),
        "months": str(_("Months open")),
        # "juin", "juil.": the three-letter months (MONTHS_3) read "jui" and "jul" in French.
        "month_names": [str(MONTHS_AP[m]) for m in range(1, 13)],
        "day_names": [str(WEEKDAYS_NAMES[d]) for d in range(7)],
        "weeks": str(_("Weeks")),
        "every_week": str(_("every week")),
        "odd_weeks": str(_("every other week (odd weeks)")),
        "even_weeks": str(_("every other week (even weeks)")),
        "holidays_closed": str(_("closed on public holidays")),
        "closed": str(_("closed")),
        "from": str(_("slot start")),
        "until": str(_("slot end")),
        "add": str(_("add a slot")),
        "remove": str(_("remove slot")),
        "advanced": str(_("OpenStreetMap code (advanced)")),
        "advanced_only": str(
            _("These hours cannot be shown in the grid (the code says more than it can): edit the code below.")
        ),
    }


def form_field_of(name: str) -> forms.Field:
    fields: dict[str, forms.Field] = {
        "name": forms.CharField(label=_("Name"), max_length=200),
        "description": forms.CharField(
            label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
        ),
        "address": forms.CharField(label=_("Address"), required=False, max_length=255),
        "postcode": forms.CharField(label=_("Postcode"), required=False, max_length=LIMITS["postcode"]),
        "commune": CommuneField(
            label=_("Commune"), required=False, help_text=_("Its name, or its INSEE code (63003 for Ambert).")
        ),
        "lat": forms.FloatField(label=_("Latitude"), required=False),
        "lon": forms.FloatField(label=_("Longitude"), required=False),
        # Checked by the registry when saved, not here: a value imported before today's rules, sent back
        # unchanged, must not stop an owner from saving their other fields.
        "email": forms.CharField(
            label=_("E-mail"), required=False, max_length=LIMITS["email"], widget=forms.EmailInput
        ),
        "phone": forms.CharField(
            label=_("Phone"), required=False, max_length=LIMITS["phone"], widget=forms.TextInput(attrs={"type": "tel"})
        ),
        "website": forms.CharField(label=_("Website"), required=False, max_length=LIMITS["website"]),
        "order_url": forms.CharField(
            label=_("Where to order online"),
            required=False,
            max_length=LIMITS["order_url"],
            help_text=_("Your online shop, or your page on Open Food Network, Cagette or another ordering hub."),
        ),
        "contact_public": forms.BooleanField(label=_("Publish these contact details in the directory"), required=False),
        "kind": forms.ChoiceField(label=_("Kind of place"), choices=PlaceKind.choices),
        "opening_hours": forms.CharField(
            label=_("Opening hours"),
            required=False,
            max_length=255,
            help_text=_("OpenStreetMap syntax, for instance “Tu-Sa 09:00-12:30,15:00-19:00; Su off”."),
            widget=forms.TextInput(attrs={"data-hours-grid": json.dumps(_hours_grid_words(), ensure_ascii=False)}),
        ),
        "closed_at": forms.DateField(label=_("Closed since"), required=False, widget=date_input()),
        "legal_form": forms.ChoiceField(label=_("Legal form"), required=False, choices=[("", "—"), *LegalForm.choices]),
        "siret": forms.CharField(label=_("SIRET"), required=False, max_length=LIMITS["siret"]),
        "delivery_radius_km": forms.IntegerField(
            label=_("I deliver up to (km)"), required=False, min_value=0, max_value=1000
        ),
        "delivery_weekdays": forms.MultipleChoiceField(
            label=_("Days I deliver"), required=False, choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple
        ),
        "requirements": forms.MultipleChoiceField(
            label=_("Buyers' requirements I meet"),
            required=False,
            choices=REQUIREMENT_CHOICES,
            widget=forms.CheckboxSelectMultiple,
        ),
        "buyer_kind": forms.ChoiceField(
            label=_("Kind of buyer"),
            required=False,
            choices=[("", "—"), *[(k.value, k.label) for k in BUYER_KINDS]],
        ),
    }
    return fields[name]


def number_limits(form: forms.BaseForm, limits: dict[str, tuple[Number | None, Number | None]] | None = None) -> None:
    """Every number field of the form told its range in the reader's number format ("20 000", "0,01"), never
    Django's bare figures ("9223372036854775807", a SQLite integer's top, or "0.01"). `limits` gives fields
    real bounds (name: lowest, highest; None keeps the field's own). A model form's field also takes the
    bounds its model field declares, whose errors then read the same."""
    model = getattr(getattr(form, "_meta", None), "model", None)
    for name, field in form.fields.items():
        if not isinstance(field, forms.IntegerField):  # DecimalField and FloatField are IntegerFields
            continue
        lows: list[Number | None] = [field.min_value]
        highs: list[Number | None] = [field.max_value]
        declared = model._meta.get_field(name)._validators if model and name in _model_fields(model) else []
        lows += [v.limit_value for v in declared if isinstance(v, MinValueValidator)]
        highs += [v.limit_value for v in declared if isinstance(v, MaxValueValidator)]
        low = max((v for v in lows if v is not None), default=None)
        high = min((v for v in highs if v is not None), default=None)
        given_low, given_high = (limits or {}).get(name, (None, None))
        low = given_low if given_low is not None else low
        high = given_high if given_high is not None else high
        field.validators = [v for v in field.validators if not isinstance(v, MinValueValidator | MaxValueValidator)]
        field.min_value, field.max_value = low, high  # type: ignore[assignment]
        if low is not None:
            field.validators.append(MinValueValidator(low))
            field.widget.attrs["min"] = str(low)
            message = gettext("Ensure this value is greater than or equal to %(limit_value)s.")
            field.error_messages["min_value"] = _said(message, low)
        if high is not None:
            field.validators.append(MaxValueValidator(high))
            field.widget.attrs["max"] = str(high)
            message = gettext("Ensure this value is less than or equal to %(limit_value)s.")
            field.error_messages["max_value"] = _said(message, high)


def _said(message: str, limit: Number) -> str:
    # Said once the figure is in: a "%" left in would be read as a placeholder by ValidationError.
    return (message % {"limit_value": figure(Decimal(str(limit)))}).replace("%", "%%")


def _model_fields(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def form_errors_add(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form: under its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_initial_of(name: str, value: Any) -> Any:
    if name == "commune":
        return commune_text(value)
    if name == "phone":
        return phone_display(value)  # stored E.164, shown the way people write it
    if name == "delivery_weekdays":
        return [str(day) for day in range(7) if value & (1 << day)]
    return value


def json_value(name: str, value: Any) -> Any:
    if name == "delivery_weekdays":
        return sum(1 << int(day) for day in value or [])
    if name == "requirements":
        return sorted(value or [])
    if name == "closed_at":
        return value.isoformat() if value else None
    if name in ("lat", "lon", "delivery_radius_km"):
        return value
    if value is None:
        return "" if name not in ("commune",) else None
    return value


# An organisation's fields that only say something of a producer, or of a buyer: a canteen is not asked
# how far it delivers, nor a farm what kind of buyer it is.
PRODUCER_ONLY = ("order_url", "delivery_radius_km", "delivery_weekdays", "requirements")
BUYER_ONLY = ("buyer_kind",)


def form_names_of(entry: Entry) -> tuple[str, ...]:
    """The fields of an entry's form: an organisation's are those of its roles (all of them when it has
    none yet, so that nothing becomes unreachable)."""
    names = tuple(n for n in fields_of(entry) if n not in ("products", "photos"))
    if not isinstance(entry, Actor) or not (entry.is_producer or entry.is_buyer):
        return names
    hidden = (() if entry.is_producer else PRODUCER_ONLY) + (() if entry.is_buyer else BUYER_ONLY)
    return tuple(n for n in names if n not in hidden)


class EntryForm(forms.Form):
    """The owner's form: every editable field of the entry, and the version it was opened at."""

    version = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, entry: Entry, names: tuple[str, ...] | None = None, **kwargs: Any):
        self.entry = entry
        self.names = names or form_names_of(entry)
        kwargs.setdefault("initial", {})
        current = values_of(entry, self.names)
        initial = {name: form_initial_of(name, v) for name, v in current.items()}
        kwargs["initial"] = {**initial, **kwargs["initial"]}
        super().__init__(*args, **kwargs)
        for name in self.names:
            self.fields[name] = form_field_of(name)

    def changes(self) -> dict[str, Any]:
        return {name: json_value(name, self.cleaned_data.get(name)) for name in self.names}


class ProductForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Product"), queryset=Category.objects.order_by("path"), to_field_name="slug", required=False
    )
    months = forms.MultipleChoiceField(
        label=_("Months"), choices=MONTHS, required=False, widget=forms.CheckboxSelectMultiple
    )
    labels = forms.ModelMultipleChoiceField(
        label=_("Labels"),
        queryset=Label.objects.order_by("name_fr"),
        to_field_name="slug",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=255)
    monthly_volume = forms.DecimalField(
        label=_("I can sell per month"), required=False, min_value=Decimal("0.01"), max_digits=10, decimal_places=2
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=[("", "—"), *Unit.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        number_limits(self)  # "0,01", not "0.01"

    def product(self) -> dict[str, Any] | None:
        category = self.cleaned_data.get("category")
        if category is None or self.cleaned_data.get("DELETE"):
            return None
        months = sum(1 << int(m) for m in self.cleaned_data.get("months") or []) or 4095
        volume = self.cleaned_data.get("monthly_volume")
        return {
            "category": category.slug,
            "months": months,
            "labels": sorted(label.slug for label in self.cleaned_data.get("labels") or []),
            "note": self.cleaned_data.get("note") or "",
            "monthly_volume": None if volume is None else float(volume),
            "unit": (self.cleaned_data.get("unit") or "") if volume is not None else "",
        }


ProductFormSet = forms.formset_factory(ProductForm, extra=3, can_delete=True, max_num=200, absolute_max=250)


def product_initial(products: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "category": item["category"],
            "months": [str(i) for i in range(12) if item["months"] & (1 << i)] if item["months"] != 4095 else [],
            "labels": item["labels"],
            "note": item["note"],
            "monthly_volume": item.get("monthly_volume"),
            "unit": item.get("unit") or "",
        }
        for item in products
    ]


class PhotoForm(forms.Form):
    image = forms.FileField(label=_("Photo (JPEG, PNG or WebP)"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)
