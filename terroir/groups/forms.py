"""The groups' forms: they collect and shape input; the services check and write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from terroir.accounts.permissions import actor_ids_of
from terroir.directory.forms import WEEKDAYS, date_input
from terroir.directory.models import Actor, Category, Place

from .baskets import member_name, members_named
from .models import Contract, ContractOption, Group, GroupMember
from .payments import monthly

OPTION_ROWS = 4  # basket sizes a contract offers at most through the page
NEAR_DEGREES = 0.4  # about 30–45 km around the pickup place: the producers a contract is likely made with


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class GroupForm(forms.Form):
    organiser = forms.ModelChoiceField(label=_("Organised by"), queryset=Actor.objects.none())
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Group.Kind.choices)
    place = forms.ModelChoiceField(label=_("Pickup place"), queryset=Place.objects.none(), required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    frequency = forms.ChoiceField(label=_("Distributions"), choices=Group.Frequency.choices)
    week_of_month = forms.TypedChoiceField(label=_("Week of the month (once a month)"), required=False, coerce=int,
                                           empty_value=None,
                                           choices=[("", "—"), *Group.WeekOfMonth.choices])  # fmt: skip
    weekday = forms.TypedChoiceField(label=_("Day"), choices=WEEKDAYS, coerce=int)
    starts_at = forms.TimeField(label=_("Starts at"), widget=_time_input())
    ends_at = forms.TimeField(label=_("Ends at"), widget=_time_input())
    starts_on = forms.DateField(label=_("Calendar starts on"), widget=date_input())

    def __init__(self, *args: Any, user: Any, group: Group | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mine = actor_ids_of(user)
        organisers = self.fields["organiser"]
        if group is not None:  # the organising organisation stays: it is who manages the group
            del self.fields["organiser"]
        else:
            organisers.queryset = Actor.objects.filter(pk__in=mine).order_by("name")  # type: ignore[attr-defined]
            organisers.empty_label = None  # type: ignore[attr-defined]
        self.fields["place"].queryset = _places_for(user, group)  # type: ignore[attr-defined]


class GenerateForm(forms.Form):
    first_day = forms.DateField(label=_("From"), widget=date_input())
    last_day = forms.DateField(label=_("Until"), widget=date_input())


def _places_for(user: Any, group: Group | None) -> Any:
    """The pickup places a person may choose: those their organisations run, AMAP pickups, and the group's."""
    mine = actor_ids_of(user)
    places = Place.objects.filter(Q(operator_id__in=mine) | Q(kind="amap") | Q(pk=group.place_id if group else 0))
    # A form's choices cannot be a sliced queryset (it is filtered again when the form is checked).
    kept = list(places.distinct().order_by("name").values_list("pk", flat=True)[:500])
    return Place.objects.filter(pk__in=kept).order_by("name")


class DistributionForm(forms.Form):
    starts_at = forms.TimeField(label=_("Starts at"), widget=_time_input())
    ends_at = forms.TimeField(label=_("Ends at"), widget=_time_input())
    place = forms.ModelChoiceField(label=_("Place"), queryset=Place.objects.none(), required=False,
                                   empty_label=_("the group's pickup place"))  # fmt: skip

    def __init__(self, *args: Any, user: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = _places_for(user, group)  # type: ignore[attr-defined]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Why"), max_length=255)


def _producers_for(group: Group, contract: Contract | None) -> Any:
    """The producers the pickup place lists, those the group already has contracts with, and those near."""
    near = Q(pk__in=group.place.producers.values("pk")) if group.place else Q(pk=0)
    near |= Q(pk__in=group.contracts.values("producer_id"))
    place = group.place
    if place is not None and place.lat is not None and place.lon is not None:
        near |= Q(lat__range=(place.lat - NEAR_DEGREES, place.lat + NEAR_DEGREES),
                  lon__range=(place.lon - NEAR_DEGREES * 1.4, place.lon + NEAR_DEGREES * 1.4))  # fmt: skip
    if contract is not None:
        near |= Q(pk=contract.producer_id)
    kept = list(Actor.objects.filter(near, is_producer=True).order_by("name").values_list("pk", flat=True)[:400])
    return Actor.objects.filter(pk__in=kept).order_by("name")


class ContractForm(forms.Form):
    producer = forms.ModelChoiceField(label=_("Producer"), queryset=Actor.objects.none())
    product = forms.ModelChoiceField(label=_("Product"), queryset=Category.objects.all())
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Season starts on"), widget=date_input())
    ends_on = forms.DateField(label=_("Season ends on"), widget=date_input())
    instalments = forms.IntegerField(label=_("Number of instalments"), min_value=1, max_value=12, initial=1)
    first_payment = forms.DateField(label=_("First payment on (then monthly)"), widget=date_input())
    terms = forms.CharField(label=_("Terms"), required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, group: Group, contract: Contract | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["producer"].queryset = _producers_for(group, contract)  # type: ignore[attr-defined]
        if contract is not None:  # who and what a contract is with stay: other contracts' overlaps are checked on them
            del self.fields["producer"], self.fields["product"]
        for row in range(1, OPTION_ROWS + 1):
            first = row == 1
            self.fields[f"option_{row}"] = forms.CharField(
                label=_("Option %(row)d") % {"row": row}, max_length=80, required=first,
                help_text=_("e.g. “petit panier”") if first else "",
            )  # fmt: skip
            self.fields[f"size_{row}"] = forms.CharField(label=_("Contents"), max_length=200, required=False)
            self.fields[f"price_{row}"] = forms.DecimalField(
                label=_("Price per distribution (€)"), min_value=Decimal(0), max_digits=8, decimal_places=2,
                required=first,
            )  # fmt: skip

    def options(self) -> list[tuple[str, str, Decimal]]:
        data = self.cleaned_data
        rows = []
        for row in range(1, OPTION_ROWS + 1):
            label = (data.get(f"option_{row}") or "").strip()
            if label:
                rows.append((label, data.get(f"size_{row}") or "", data.get(f"price_{row}") or Decimal(0)))
        return rows

    def payment_dates(self) -> list[dt.date]:
        return monthly(self.cleaned_data["first_payment"], self.cleaned_data["instalments"])


def contract_initial(contract: Contract) -> dict[str, Any]:
    dates = [p.due_on for p in contract.payment_dates.all()]
    initial: dict[str, Any] = {"title": contract.title, "starts_on": contract.starts_on, "ends_on": contract.ends_on,
                               "terms": contract.terms, "instalments": len(dates) or 1,
                               "first_payment": dates[0] if dates else contract.starts_on}  # fmt: skip
    for row, option in enumerate(contract.options.all()[:OPTION_ROWS], start=1):
        initial |= {f"option_{row}": option.label, f"size_{row}": option.size, f"price_{row}": option.price}
    return initial


def _option_label(option: ContractOption) -> str:
    price = formats.number_format(option.price, 2, use_l10n=True)
    return f"{option.label} — {price} €" + (f" ({option.size})" if option.size else "")


class SubscribeForm(forms.Form):
    option = forms.ModelChoiceField(label=_("Option"), queryset=Contract.objects.none(), widget=forms.RadioSelect,
                                    empty_label=None)  # fmt: skip
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=20, initial=1)

    def __init__(self, *args: Any, contract: Contract, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        option = self.fields["option"]
        option.queryset = contract.options.all()  # type: ignore[attr-defined]
        option.label_from_instance = _option_label  # type: ignore[attr-defined]


class AbsenceForm(forms.Form):
    transfer_to = forms.ModelChoiceField(label=_("Give my baskets to the member"), required=False,
                                         queryset=GroupMember.objects.none())  # fmt: skip
    transfer_to_name = forms.CharField(label=_("or to (name)"), required=False, max_length=120)

    def __init__(self, *args: Any, member: GroupMember, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = GroupMember.objects.filter(group_id=member.group_id).exclude(pk=member.pk).select_related("user")
        field = self.fields["transfer_to"]
        field.queryset = others.order_by("user__last_name", "user__username")  # type: ignore[attr-defined]
        field.label_from_instance = _member_labels(field.queryset)  # type: ignore[attr-defined]
        field.empty_label = _("— nobody: leave them to the group —")  # type: ignore[attr-defined]


def _member_labels(members: Any) -> Callable[[GroupMember], str]:
    """A choice's label for each of `members`: the name the others read (baskets.member_name, never a
    login), all read at once when the choices are first shown."""
    names: dict[int, str] = {}

    def label(member: GroupMember) -> str:
        if not names:
            listed = list(members)
            members_named(listed)
            names.update((m.pk, member_name(m)) for m in listed)
        return names.get(member.pk) or member_name(member)

    return label


class MemberAbsenceForm(forms.Form):
    """An organiser records a member's absence (a phone call, a word at the last distribution)."""

    member = forms.ModelChoiceField(label=_("Member away"), queryset=GroupMember.objects.none())
    transfer_to = forms.ModelChoiceField(label=_("Their baskets go to the member"), required=False,
                                         queryset=GroupMember.objects.none())  # fmt: skip
    transfer_to_name = forms.CharField(label=_("or to (name)"), required=False, max_length=120)

    def __init__(self, *args: Any, group: Group, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = GroupMember.objects.filter(group=group).select_related("user")
        members = members.order_by("user__last_name", "user__first_name", "user__username")
        labels = _member_labels(members)
        for name in ("member", "transfer_to"):
            field = self.fields[name]
            field.queryset = members  # type: ignore[attr-defined]
            field.label_from_instance = labels  # type: ignore[attr-defined]
        self.fields["member"].empty_label = _("— choose the member —")  # type: ignore[attr-defined]
        self.fields["transfer_to"].empty_label = _("— nobody: leave them to the group —")  # type: ignore[attr-defined]
