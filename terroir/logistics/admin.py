from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from . import services
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


class DeliveryOrderAdminForm(forms.ModelForm):
    """Saves the order through the planner's service while it is validated: the apps following orders (a
    carpool parcel) may refuse it, and their reason must show on the form as on the planner's, not as an
    error page after the admin took the form as valid."""

    by: Any = None  # the person saving (set by DeliveryOrderAdmin.get_form)

    def _post_clean(self) -> None:  # Django's hook once the instance is built from the data
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return
        new = self.instance.pk is None
        try:
            services.order_save(order=self.instance, by=self.by)
        except ValidationError as exc:
            if new:  # the insert was undone: the form stays an add form
                self.instance.pk = None
                self.instance._state.adding = True
            errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
            for field, messages in errors.items():
                self.add_error(field if field in self.fields else None, messages)


@admin.register(DeliveryOrder)
class DeliveryOrderAdmin(admin.ModelAdmin):
    """Orders are written through the planner's services, so that the apps following them see every write."""

    form = DeliveryOrderAdminForm
    list_display = ["week", "owner", "producer", "customer", "kind", "kg", "value", "cold"]
    list_filter = ["week", "kind", "cold"]
    raw_id_fields = ["owner", "producer", "customer", "delivery_place", "created_by"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)
        form.by = request.user  # type: ignore[attr-defined]  # a class made for this request
        return form

    def save_model(self, request: HttpRequest, obj: DeliveryOrder, form: Any, change: bool) -> None:
        pass  # saved by the form's validation (DeliveryOrderAdminForm)

    def delete_model(self, request: HttpRequest, obj: DeliveryOrder) -> None:
        services.orders_delete(ids=[obj.pk])

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[DeliveryOrder]) -> None:
        services.orders_delete(ids=list(queryset.values_list("pk", flat=True)))


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
