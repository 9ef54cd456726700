"""Coordinators' back office. Saving a place or an offer here refreshes the search tables, like the
services, and records a revision (with an audit entry) so that admin edits can be undone like others."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest
from django.utils.text import capfirst

from . import fields
from .editing import entity_of, values_of
from .index import actors_reindex, map_cells_refresh, places_reindex
from .models import Actor, Category, Commune, Label, Offer, Photo, Place, Revision, Suggestion
from .services import actor_place_ids


class Versioned(admin.ModelAdmin):
    """Admin changes become revisions of the entry, like any other edit."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        entry = form.instance
        before = getattr(self, "_before", None)
        super().save_related(request, form, formsets, change)
        if before is None:
            return
        after = values_of(type(entry).objects.get(pk=entry.pk))
        diff = {name: [before[name], after[name]] for name in after if before.get(name) != after[name]}
        if diff:
            from terroir.accounts.audit import audit_record

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
        super().save_model(request, obj, form, change)


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

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        actor = form.instance
        actors_reindex(actor_ids=[actor.pk])
        places_reindex(place_ids=actor_place_ids(actor))


@admin.register(Place)
class PlaceAdmin(Versioned):
    list_display = ["name", "kind", "commune", "opening_hours", "source", "verified_at"]
    list_filter = ["kind", "source"]
    search_fields = ["name"]
    autocomplete_fields = ["commune", "operator", "producers"]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        place = form.instance
        places_reindex(place_ids=[place.pk])
        old = (form.initial.get("lat"), form.initial.get("lon"))
        map_cells_refresh(positions=[old, (place.lat, place.lon)])


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "department", "postcodes", "population"]
    search_fields = ["name", "code", "postcodes"]
    list_filter = ["department"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["path", "name_fr", "name_en"]
    search_fields = ["slug", "name_fr", "name_en"]


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_fr", "name_en", "egalim"]


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


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["image", "actor", "place", "created_at", "removed_at"]
    raw_id_fields = ["actor", "place"]
    readonly_fields = ["image", "width", "height", "uploaded_by", "created_at"]
