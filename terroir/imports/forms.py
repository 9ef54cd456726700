"""The coordinators' import form: a source, its file and how to read it."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .sources import shipped_mappings


def mapping_choices() -> list[tuple[str, Any]]:
    return [("", _("The source's last mapping, or the ready-made one of its name"))] + [
        (name, _("Ready-made: %(name)s") % {"name": name}) for name in shipped_mappings()
    ]


class UploadForm(forms.Form):
    source = forms.SlugField(label=_("Source"), max_length=50, help_text=_("Short name: agence-bio, osm, amap-63…"))
    file = forms.FileField(label=_("File (CSV, XLSX, JSON, GeoJSON)"))
    mapping = forms.ChoiceField(label=_("Mapping"), required=False, choices=mapping_choices)
    mapping_file = forms.FileField(
        label=_("…or a mapping file (TOML or YAML)"), required=False, help_text=_("Takes precedence when given.")
    )
    geocode = forms.BooleanField(label=_("Geocode addresses with the address service"), required=False, initial=True)

    MAPPING_MAX_BYTES = 200_000

    def clean_mapping_file(self) -> str:
        upload = self.cleaned_data.get("mapping_file")
        if not upload:
            return ""
        if upload.size and upload.size > self.MAPPING_MAX_BYTES:
            raise forms.ValidationError(_("A mapping file is a few kilobytes; this one is too big."))
        try:
            return bytes(upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(
                _("The mapping file is not UTF-8 text (byte %(position)d).") % {"position": error.start}
            ) from None
