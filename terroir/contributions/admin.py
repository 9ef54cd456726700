"""Coordinators' back office for what people contribute. Actors, places and their offers are saved and
deleted through the directory's services (which keep the search tables right), and an admin edit becomes a
revision with an audit entry, so that it can be undone like others. Revisions and the audit log are only
read; claims are managed here too."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.actions import delete_selected
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst

from terroir.directory import fields
from terroir.directory.editing import entity_of, values_of
from terroir.directory.models import Actor, Offer, Place
from terroir.directory.services import (
    actor_delete,
    actor_save,
    actors_delete,
    deletion_refusals,
    offer_delete,
    offer_save,
    place_delete,
    place_producers_set,
    place_save,
    places_delete,
)

from .audit import audit_record
from .models import AuditEntry, Claim, Revision, Suggestion


class Versioned(admin.ModelAdmin):
    """Admin changes become revisions of the entry, like any other edit."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self._revision_record(request, form.instance)

    def _revision_record(self, request: HttpRequest, entry: Any) -> None:
        before = getattr(self, "_before", None)
        if before is None:
            return
        after = values_of(type(entry).objects.get(pk=entry.pk))
        diff = {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}
        if diff:
            by: Any = request.user
            Revision.objects.create(
                entity=entity_of(entry), entity_id=entry.pk, by=by, origin=Revision.Origin.EDIT, changes=diff
            )
            audit_record(by=request.user, action="admin_edit", target=f"{entity_of(entry)}:{entry.pk}",
                         summary=f"{entry.name}: " + ", ".join(sorted(diff)))  # fmt: skip

    def formfield_for_dbfield(self, db_field: models.Field, request: HttpRequest, **kwargs: Any) -> forms.Field | None:
        # Phone, SIRET, postcode, e-mail, website, opening hours: the registry's rule, as everywhere else.
        if db_field.name in fields.CLEANERS:
            label = capfirst(db_field.verbose_name)
            return fields.VocabularyField(db_field.name, required=not db_field.blank, label=label)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self._before = values_of(type(obj).objects.get(pk=obj.pk)) if change else None
        if isinstance(obj, Place):
            place_save(place=obj)
        else:
            actor_save(actor=obj)

    def _refused(self, request: HttpRequest, ids: list[int]) -> bool:
        """Tell why entries cannot be deleted (records kept by other apps: a shop's sales…), instead of
        Django's page of protected objects that says neither why nor what to do."""
        refusals = deletion_refusals(self.model, ids)
        for reason in refusals:
            self.message_user(request, reason, messages.ERROR)
        return bool(refusals)

    def delete_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> HttpResponse:
        if object_id.isdigit() and self._refused(request, [int(object_id)]):
            return redirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id]))
        return super().delete_view(request, object_id, extra_context)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions: dict[str, Any] = dict(super().get_actions(request))
        if actions.get("delete_selected"):
            _function, name, description = actions["delete_selected"]

            def checked(modeladmin: Any, request: HttpRequest, queryset: Any) -> HttpResponse | None:
                if self._refused(request, list(queryset.values_list("pk", flat=True))):
                    return None  # back to the list, with the reasons
                return delete_selected(modeladmin, request, queryset)

            actions["delete_selected"] = (checked, name, description)
        return actions

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if isinstance(obj, Place):
            place_delete(place=obj)
        else:
            actor_delete(actor=obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        if queryset.model is Place:
            places_delete(places=queryset)
        else:
            actors_delete(actors=queryset)


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    autocomplete_fields = ["category"]
    filter_horizontal = ["labels"]


@admin.register(Actor)
class ActorAdmin(Versioned):
    list_display = ["name", "legal_form", "commune", "is_producer", "is_buyer", "source", "verified_at"]
    list_filter = ["is_producer", "is_buyer", "is_carrier", "is_organisation", "legal_form", "source"]
    search_fields = ["name", "siret", "search_key"]
    autocomplete_fields = ["commune"]
    inlines = [OfferInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Offers through the services, each with its labels."""
        if formset.model is not Offer:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)  # nothing written: lists what changed, for the admin's log too
        for offer in formset.deleted_objects:
            offer_delete(offer=offer)
        for inline in formset.saved_forms:
            offer_save(offer=inline.instance, labels=inline.cleaned_data.get("labels") or [])


@admin.register(Place)
class PlaceAdmin(Versioned):
    list_display = ["name", "kind", "commune", "opening_hours", "source", "verified_at"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    autocomplete_fields = ["commune", "operator", "producers"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        # The producers through the service rather than the form's save_m2m: it re-indexes the place.
        place_producers_set(place=form.instance, producers=list(form.cleaned_data.get("producers") or []))
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)
        self._revision_record(request, form.instance)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["at", "entity", "entity_id", "origin", "by"]
    list_filter = ["entity", "origin"]
    readonly_fields = ["entity", "entity_id", "by", "at", "origin", "changes", "reverts", "suggestion"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    list_display = ["created_at", "entity", "entity_id", "kind", "status"]
    list_filter = ["status", "kind", "entity"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "actor", "place", "status"]
    list_filter = ["status"]
    raw_id_fields = ["user", "actor", "place", "decided_by"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "by_label", "action", "target", "summary"]
    list_filter = ["action"]
    search_fields = ["by_label", "target", "summary"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
