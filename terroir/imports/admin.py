"""Sources are tuned in the admin (their label and priority); runs and records are read there."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import ImportRun, RecordPair, Source, SourceRecord


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ("name", "label", "priority", "created_at")
    list_editable = ("priority",)
    readonly_fields = ("name", "mapping", "created_at")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ("source", "file_name", "status", "started_at", "rows", "rejected", "entries_created", "review")
    list_filter = ("status", "source")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SourceRecord)
class SourceRecordAdmin(admin.ModelAdmin):
    list_display = ("name", "source", "ref", "record_type", "missing", "place", "actor")
    list_filter = ("source", "record_type", "missing")
    search_fields = ("name", "ref")
    raw_id_fields = ("place", "actor", "first_run", "last_run")
    readonly_fields = ("last_given_by",)

    @admin.display(description=_("last run that gave it"))
    def last_given_by(self, record: SourceRecord) -> str:
        return str(record.last_given_by()) if record.pk else ""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(RecordPair)
class RecordPairAdmin(admin.ModelAdmin):
    list_display = ("first", "second", "probability", "status", "decided_by", "decided_at")
    list_filter = ("status",)
    raw_id_fields = ("first", "second")
    readonly_fields = ("first", "second", "probability", "status", "decided_by", "decided_at", "updated_at")
