"""The observatory's forms: an objective, a producer's isolation flag."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from . import registry
from .objectives import FIRST_YEAR, LAST_YEAR


class ObjectiveForm(forms.Form):
    indicator = forms.ChoiceField(label=_("Indicator"), required=False)
    target = forms.FloatField(label=_("Target value"), required=False, localize=True,
                              help_text=_("In the indicator's unit: 20 for 20%."))  # fmt: skip
    year = forms.IntegerField(label=_("By the end of"), min_value=FIRST_YEAR, max_value=LAST_YEAR)
    text = forms.CharField(
        label=_("The objective in words"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("As the PAT's text says it; alone for a goal no indicator measures."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        indicator = self.fields["indicator"]
        assert isinstance(indicator, forms.ChoiceField)
        indicator.choices = [("", _("— none: a goal in words only —")), *registry.choices()]


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is the producer isolated?"), max_length=300, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("For instance: the dairy no longer collects; no outlet left for the lambs."),
    )  # fmt: skip
