"""The directory's entries a consumer group keeps records of are not deleted from under it (registered with
the directory's delete services in apps.ready, terroir.directory.services.deletion_guard_register): the
foreign keys are PROTECT, and a refusal with its reason reads better than the database's error page."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.directory.models import Actor, Place

from .models import Contract, Group, OrderProduct


def directory_deletion_refusals(model: type[Actor] | type[Place], ids: Sequence[int]) -> list[str]:
    """Why producers or organisations cannot be deleted while a group keeps their contracts, its orders or
    its organiser. A group's pickup place is left empty when its place goes (SET_NULL): no refusal."""
    if model is not Actor:
        return []
    reasons = [
        _("%(name)s organises the group %(group)s: it cannot be deleted. Give the group another organising "
          "organisation first.") % {"name": g.organiser.name, "group": g.name}
        for g in Group.objects.filter(organiser_id__in=ids).select_related("organiser").order_by("name")
    ]  # fmt: skip
    contracts = (
        Contract.objects.filter(producer_id__in=ids).values("producer_id", "producer__name")
        .annotate(n=Count("id")).order_by("producer__name")
    )  # fmt: skip
    for row in contracts:
        reasons.append(ngettext(
            "%(name)s has %(n)s contract with a consumer group, whose subscriptions and payments are kept: it "
            "cannot be deleted. If it duplicates another entry, merging them moves the contracts to the entry kept.",
            "%(name)s has %(n)s contracts with consumer groups, whose subscriptions and payments are kept: it "
            "cannot be deleted. If it duplicates another entry, merging them moves the contracts to the entry kept.",
            row["n"],
        ) % {"name": row["producer__name"], "n": row["n"]})  # fmt: skip
    offered = (
        OrderProduct.objects.filter(producer_id__in=ids).values("producer_id", "producer__name")
        .annotate(n=Count("round", distinct=True)).order_by("producer__name")
    )  # fmt: skip
    for row in offered:
        reasons.append(ngettext(
            "%(name)s takes part in %(n)s one-off order of a consumer group, whose members' lines are kept: it "
            "cannot be deleted. If it duplicates another entry, merging them moves the products to the entry kept.",
            "%(name)s takes part in %(n)s one-off orders of consumer groups, whose members' lines are kept: it "
            "cannot be deleted. If it duplicates another entry, merging them moves the products to the entry kept.",
            row["n"],
        ) % {"name": row["producer__name"], "n": row["n"]})  # fmt: skip
    return reasons
