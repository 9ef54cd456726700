"""Coordinators' back office. Saving a place or an offer here refreshes the search tables, like the services."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .index import actors_reindex, map_cells_refresh, places_reindex
from .models import Actor, Category, Commune, Label, Offer, Place
from .services import actor_place_ids


class OfferInline(admin.TabularInline):
    model = Offer
    extra = 0
    autocomplete_fields = ["category"]
    filter_horizontal = ["labels"]


@admin.register(Actor)
class ActorAdmin(admin.ModelAdmin):
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
class PlaceAdmin(admin.ModelAdmin):
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
