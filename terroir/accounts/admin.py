"""People's memberships are managed here too; keys and role requests are only read (claims and the audit
log: terroir.contributions.admin)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import ApiToken, Membership, RoleRequest


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "actor", "how", "created_at", "reminded_at"]
    list_filter = ["how"]
    search_fields = ["user__email", "actor__name"]
    raw_id_fields = ["user", "actor"]


@admin.register(RoleRequest)
class RoleRequestAdmin(admin.ModelAdmin):
    """Read only: a decision goes through the coordinators' page, which records it and tells the person."""

    list_display = ["created_at", "user", "actor", "role", "status", "decided_by"]
    list_filter = ["status", "role"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "scope", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["scope"]
    readonly_fields = ["user", "name", "scope", "prefix", "digest", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are made by their owners, who see them once
