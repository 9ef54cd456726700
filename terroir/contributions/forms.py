"""Forms of the contribution pages. They only collect and shape input: the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from terroir.directory.editing import Entry, values_of, version_of
from terroir.directory.forms import form_field_of, form_initial_of, json_value
from terroir.directory.french import elided
from terroir.directory.models import Actor, Entity, Place

from .models import Suggestion
from .suggestions import SUGGESTIBLE


class SuggestionForm(forms.Form):
    """A visitor's correction: the entry's public fields prefilled, a comment, an optional address."""

    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    email = forms.EmailField(label=_("Your e-mail (optional, to hear about the decision)"), required=False)
    closed = forms.BooleanField(label=_("This place has closed"), required=False)
    # A field people do not see: robots fill it in.
    website_url = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    # The entry's version when the page was made: with each field's value then (its hidden initial), what
    # the suggestion is made against.
    version = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, entry: Entry, **kwargs: Any):
        self.entry = entry
        entity = Entity.PLACE if isinstance(entry, Place) else Entity.ACTOR
        self.names = tuple(n for n in SUGGESTIBLE[entity] if n != "closed_at")
        current = values_of(entry, self.names)
        kwargs["initial"] = {name: form_initial_of(name, v) for name, v in current.items()}
        kwargs["initial"]["version"] = version_of(entry)
        super().__init__(*args, **kwargs)
        for name in self.names:
            self.fields[name] = form_field_of(name)
            self.fields[name].required = False
            self.fields[name].show_hidden_initial = True
        if not isinstance(entry, Place):
            del self.fields["closed"]

    def clean_website_url(self) -> str:
        if self.cleaned_data.get("website_url"):
            raise ValidationError(_("Leave this field empty."))
        return ""

    def kind(self) -> str:
        return Suggestion.Kind.CLOSED if self.cleaned_data.get("closed") else Suggestion.Kind.CORRECTION

    def against(self) -> dict[str, Any] | None:
        """The values the page showed (sent back in its hidden initial fields), None from an older page."""
        seen: dict[str, Any] = {}
        for name in self.names:
            key = self.add_initial_prefix(name)
            if key not in self.data:
                continue
            try:
                seen[name] = json_value(name, self.fields[name].to_python(self.data[key]))
            except ValidationError:
                continue  # a value the page showed that no longer reads (a commune renamed): taken as it is now
        return seen or None

    def changes(self) -> dict[str, Any]:
        """The fields the visitor sent (the page sends them all, prefilled: an emptied field is a
        suggestion to clear it); a name or a kind cannot be cleared."""
        values = {}
        for name in self.names:
            if self.add_prefix(name) not in self.data:
                continue
            value = self.cleaned_data.get(name)
            if name in ("name", "kind") and not value:
                continue
            values[name] = json_value(name, value)
        return values


class ClaimForm(forms.Form):
    message = forms.CharField(
        label=_("A word for whoever checks your request (who you are in this organisation)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DeleteForm(forms.Form):
    """The password, and for each organisation the person is the only member of: who takes over."""

    password = forms.CharField(label=_("Your password, to confirm"), widget=forms.PasswordInput)

    def __init__(self, *args: Any, alone_in: list[Actor], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.alone_in = alone_in
        for actor in alone_in:
            self.fields[f"successor_{actor.pk}"] = forms.EmailField(
                label=elided(
                    gettext("Who takes over %(name)s? The e-mail of their account") % {"name": actor.name}, actor.name
                ),
                required=False,
            )
            self.fields[f"handover_{actor.pk}"] = forms.BooleanField(
                label=gettext("Nobody: hand %(name)s over to the territory's coordinators") % {"name": actor.name},
                required=False,
            )

    def successors(self) -> dict[int, str]:
        return {a.pk: self.cleaned_data.get(f"successor_{a.pk}") or "" for a in self.alone_in}

    def hand_over(self) -> list[int]:
        return [a.pk for a in self.alone_in if self.cleaned_data.get(f"handover_{a.pk}")]
