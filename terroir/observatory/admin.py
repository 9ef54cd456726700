"""Territories are created and edited in the admin (communes from départements, EPCIs, codes or a PAT
through the form's fields); canteen imports are read there."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import CanteenImport, Territory, local_radius_default
from .territories import TerritoryError, communes_select, pat_known, territory_created


def _codes(text: str) -> list[str]:
    return [code for code in text.replace(",", " ").replace(";", " ").split() if code]


class TerritoryForm(forms.ModelForm):
    departments = forms.CharField(label=_("départements"), required=False, help_text=_("codes such as 63 43"))
    epcis = forms.CharField(label=_("EPCIs"), required=False, help_text=_("SIREN codes of intercommunalities"))
    codes = forms.CharField(label=_("INSEE codes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    class Meta:
        model = Territory
        fields = ("slug", "name", "pat_code", "local_radius_km", "coordinators")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Left empty, a territory takes the site's local radius (TERROIR_LOCAL_RADIUS_KM).
        self.fields["local_radius_km"].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("local_radius_km") is None:
            data["local_radius_km"] = local_radius_default()
        departments, epcis, codes = (_codes(data.get(k) or "") for k in ("departments", "epcis", "codes"))
        pat_code = (data.get("pat_code") or "").strip()
        if pat_code and not pat_known(pat_code):
            raise ValidationError({"pat_code": _("unknown PAT %(code)s") % {"code": pat_code}})
        if departments or epcis or codes or pat_code or not self.instance.pk:
            try:
                data["commune_codes"] = communes_select(
                    departments=departments, epcis=epcis, codes=codes, pat_code=pat_code
                )
            except TerritoryError as error:
                raise ValidationError(str(error)) from None
            data["sources"] = {"departments": departments, "epcis": epcis, "codes": codes, "pat": pat_code}
        return data


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    form = TerritoryForm
    list_display = ("name", "slug", "pat_code", "created_at")
    search_fields = ("name", "slug", "pat_code")
    filter_horizontal = ("coordinators",)

    def save_model(self, request: HttpRequest, obj: Territory, form: Any, change: bool) -> None:
        if "sources" in form.cleaned_data:
            obj.sources = form.cleaned_data["sources"]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        if "commune_codes" in form.cleaned_data:
            form.instance.communes.set(form.cleaned_data["commune_codes"])
        if not change:  # as territory_create: the first figures on the worker, not in the dashboard's request
            territory_created(form.instance)


@admin.register(CanteenImport)
class CanteenImportAdmin(admin.ModelAdmin):
    list_display = ("file_name", "status", "years", "rows", "kept", "problems_count", "started_at")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
