"""The admin shows programmes, agreed prices and orders read-only: their writes go through the services,
which keep the rules (a changed price is a new row, shares to the cent, the budget never exceeded)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AgreedPrice, Order, OrderLine, Programme


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Programme)
class ProgrammeAdmin(ReadOnly):
    list_display = ["name", "funder", "share_kind", "share_rate", "share_amount", "share_cap", "budget", "starts",
                    "ends"]  # fmt: skip
    search_fields = ["name", "funder__name"]


@admin.register(AgreedPrice)
class AgreedPriceAdmin(ReadOnly):
    list_display = ["product", "unit", "price", "producer", "programme", "grocery", "valid_from", "valid_until"]
    list_filter = ["unit"]
    search_fields = ["product", "producer__name"]


class LineInline(admin.TabularInline):
    model = OrderLine
    fields = ("product", "unit", "unit_price", "quantity", "delivered", "amount", "partner_share", "grocery_share")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(ReadOnly):
    list_display = ["pk", "grocery", "producer", "programme", "status", "ordered_on", "delivered_on", "amount",
                    "partner_share"]  # fmt: skip
    list_filter = ["status"]
    inlines = [LineInline]
