"""The admin shows the chain of responsibility read-only: handovers, acceptances and incidents are
append-only (models.AppendOnly), so nobody adds, changes or deletes them here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Acceptance, Handover, Incident, Parcel, Ride, Trip


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ["pk", "origin", "destination", "day", "weekdays", "leaves", "condition", "driver"]
    list_filter = ["condition", "cancelled"]
    raw_id_fields = ["driver", "organisation"]


@admin.register(Parcel)
class ParcelAdmin(admin.ModelAdmin):
    list_display = ["pk", "description", "origin", "destination", "day", "status", "holder"]
    list_filter = ["status", "condition"]
    raw_id_fields = ["sender", "recipient", "holder", "organisation", "category"]
    readonly_fields = ["holder", "status"]


@admin.register(Ride)
class RideAdmin(admin.ModelAdmin):
    list_display = ["pk", "parcel", "trip", "date", "status", "added_minutes"]
    raw_id_fields = ["parcel", "trip"]


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Handover)
class HandoverAdmin(ReadOnly):
    list_display = ["parcel", "rank", "kind", "giver", "taker", "at", "state", "celsius"]


@admin.register(Acceptance)
class AcceptanceAdmin(ReadOnly):
    list_display = ["handover", "by", "at", "state", "celsius"]


@admin.register(Incident)
class IncidentAdmin(ReadOnly):
    list_display = ["parcel", "kind", "at", "by", "holder"]
