"""The coordinators' import form: a source, its file and how to read it."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from terroir.lib.text import fold

from .models import SavedMapping
from .services import SAVED
from .sources import shipped_mappings


def mapping_choices() -> list[tuple[str, Any]]:
    return (
        [("", _("The source's last mapping, or the ready-made one of its name"))]
        + [(name, _("Ready-made: %(name)s") % {"name": name}) for name in shipped_mappings()]
        + [
            (SAVED + name, _("Saved: %(name)s") % {"name": name})
            for name in SavedMapping.objects.values_list("name", flat=True)
        ]
    )


class UploadForm(forms.Form):
    source = forms.SlugField(label=_("Source"), max_length=50, help_text=_("Short name: agence-bio, osm, amap-63…"))
    file = forms.FileField(label=_("File (CSV, XLSX, ODS, JSON, GeoJSON)"))
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


ENCODINGS = [
    ("", _("Found from the file")),
    ("utf-8", "UTF-8"),
    ("cp1252", _("Windows (cp1252, Excel in French)")),
    ("latin-1", "Latin-1 (ISO-8859-1)"),
    ("utf-16", "UTF-16"),
]


def saved_choices() -> list[tuple[str, Any]]:
    return [("", _("None: suggestions from the file"))] + [
        (name, name) for name in SavedMapping.objects.values_list("name", flat=True)
    ]


class MappingUploadForm(forms.Form):
    """The file whose columns a coordinator maps, and how to read it."""

    file = forms.FileField(label=_("File (CSV, XLSX, ODS, JSON, GeoJSON)"))
    encoding = forms.ChoiceField(label=_("Characters"), choices=ENCODINGS, required=False)
    start = forms.ChoiceField(label=_("Start from a saved mapping"), choices=saved_choices, required=False)


class ColumnsForm(forms.Form):
    """The mapping's options, a target per column (`col-N`) and a meaning per word of each value table
    (`val-TABLE-KEY`, KEY from the word: a word keeps its choice when the tables change): the fields are
    made from the file's profile and the tables shown."""

    name = forms.SlugField(
        label=_("Name of the mapping and of the source"), max_length=50,
        help_text=_("Lower-case letters, digits and dashes: chambre-63, amap-puy-de-dome…"),
    )  # fmt: skip
    label = forms.CharField(
        label=_("Source's name, for people"), max_length=200, required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. Chamber of agriculture of Puy-de-Dôme")}),
    )  # fmt: skip
    record = forms.ChoiceField(
        label=_("Each row describes"),
        choices=[
            ("place", _("a place to buy (market, shop, AMAP…)")),
            ("producer", _("a producer")),
            ("producer+place", _("a producer and its farm, where it sells")),
        ],
    )
    kind = forms.ChoiceField(label=_("Kind of place of every row, when no column gives it"), required=False)
    group = forms.BooleanField(label=_("Rows repeating the same name and commune are one record"), required=False)
    header_row = forms.IntegerField(label=_("Row naming the columns"), min_value=1, max_value=20, required=False)
    encoding = forms.ChoiceField(label=_("Characters"), choices=ENCODINGS, required=False)
    geocode = forms.BooleanField(label=_("Geocode addresses with the address service"), required=False, initial=True)
    replace = forms.BooleanField(label=_("Replace the saved mapping of this name"), required=False)
    tables = forms.CharField(widget=forms.HiddenInput, required=False)
    layout = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, columns: list[str], targets: list[tuple[str, Any]],
        tables: dict[str, list[str]], table_choices: dict[str, list[tuple[str, str]]], kinds: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.column_names = columns
        kind = self.fields["kind"]
        assert isinstance(kind, forms.ChoiceField)
        kind.choices = [("", _("none")), *kinds]
        ignore: list[tuple[str, Any]] = [("", _("— ignore —"))]
        for position, column in enumerate(columns):
            self.fields[f"col-{position}"] = forms.ChoiceField(
                label=column, choices=ignore + [(n, str(label)) for n, label in targets], required=False
            )
        for table, words in tables.items():
            for word in words:
                self.fields[value_key(table, word)] = forms.ChoiceField(
                    label=word, choices=[("", _("— unknown —")), *table_choices[table]], required=False
                )

    def column_field(self, position: int) -> forms.BoundField:
        return self[f"col-{position}"]

    def value_field(self, table: str, word: str) -> forms.BoundField:
        return self[value_key(table, word)]


def value_key(table: str, word: str) -> str:
    """The name of a word's field: from the word as the loader reads it (case and accents aside)."""
    return f"val-{table}-{hashlib.sha1(fold(word).encode()).hexdigest()[:10]}"
