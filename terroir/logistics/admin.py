from django.contrib import admin

from .models import DeliveryOrder, Depot, PlanningRun, RelayCandidate, SitingStudy, Vehicle


@admin.register(Depot)
class DepotAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "opens", "closes"]
    raw_id_fields = ["operator"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "depot", "vehicle_type", "capacity_kg", "cold_kg", "per_km", "per_hour", "active"]
    list_filter = ["active", "vehicle_type"]
    raw_id_fields = ["owner"]


@admin.register(DeliveryOrder)
class DeliveryOrderAdmin(admin.ModelAdmin):
    list_display = ["week", "owner", "producer", "customer", "kind", "kg", "value", "cold"]
    list_filter = ["week", "kind", "cold"]
    raw_id_fields = ["owner", "producer", "customer", "delivery_place", "created_by"]


@admin.register(PlanningRun)
class PlanningRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "week", "owner", "status", "created_at", "created_by"]
    raw_id_fields = ["owner"]
    readonly_fields = ["problem", "plan", "report", "labels", "error"]


@admin.register(RelayCandidate)
class RelayCandidateAdmin(admin.ModelAdmin):
    list_display = ["name", "owner", "fixed_cost_week", "capacity_kg_day", "cold_room", "opening_hours"]
    list_filter = ["cold_room"]
    raw_id_fields = ["owner", "place", "depot", "commune"]


@admin.register(SitingStudy)
class SitingStudyAdmin(admin.ModelAdmin):
    list_display = ["pk", "week", "owner", "status", "created_at", "created_by"]
    raw_id_fields = ["owner"]
    readonly_fields = ["problem", "result", "labels", "error"]
