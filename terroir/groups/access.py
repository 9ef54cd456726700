"""Who may do what in a consumer group.

- Its organisers: the people who act for the organising organisation, the members the group names
  organisers, and the territory's coordinators: every page of the group, its members and what they buy.
- Its members: the group's pages and their own subscriptions, absences and transfers.
- Anybody: the group's public page (name, pickup place, description, calendar), never its members.
"""

from __future__ import annotations

from typing import Any

from terroir.accounts.permissions import actor_ids_of, is_coordinator

from .models import Group, GroupMember


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def is_organiser(user: Any, group: Group) -> bool:
    if not _signed_in(user):
        return False
    if is_coordinator(user) or group.organiser_id in actor_ids_of(user):
        return True
    return GroupMember.objects.filter(group=group, user_id=user.pk, role=GroupMember.Role.ORGANISER).exists()


def is_member(user: Any, group: Group) -> bool:
    """A member of the group (an organiser named in the group is one too)."""
    return _signed_in(user) and GroupMember.objects.filter(group=group, user_id=user.pk).exists()


def membership_of(user: Any, group: Group) -> GroupMember | None:
    if not _signed_in(user):
        return None
    return GroupMember.objects.filter(group=group, user_id=user.pk).first()
