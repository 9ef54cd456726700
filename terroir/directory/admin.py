"""Coordinators' back office for the reference tables and photos. Actors, places and their offers are
administered in terroir.contributions.admin: an admin edit there is a revision, with an audit entry."""

from __future__ import annotations

from django.contrib import admin

from .models import Category, Commune, Label, Photo


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


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ["image", "actor", "place", "created_at", "removed_at"]
    raw_id_fields = ["actor", "place"]
    readonly_fields = ["image", "width", "height", "uploaded_by", "created_at"]
