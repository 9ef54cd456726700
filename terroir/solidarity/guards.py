"""The directory's entries a solidarity programme keeps records of are not deleted from under it (registered
with the directory's delete services in apps.ready, terroir.directory.services.deletion_guard_register): the
foreign keys are PROTECT, and a refusal with its reason reads better than the database's error page."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.directory.models import Actor, Place

from .models import AgreedPrice, Order, Programme


def _orders_refusals(field: str, ids: Sequence[int]) -> list[str]:
    rows = (
        Order.objects.filter(**{f"{field}_id__in": ids}).values(f"{field}_id", f"{field}__name")
        .annotate(n=Count("id")).order_by(f"{field}__name")
    )  # fmt: skip
    return [
        ngettext(
            "%(name)s has %(n)s solidarity order, kept for the funder's totals: it cannot be deleted. If it "
            "duplicates another entry, merging them moves the orders to the entry kept.",
            "%(name)s has %(n)s solidarity orders, kept for the funder's totals: it cannot be deleted. If it "
            "duplicates another entry, merging them moves the orders to the entry kept.",
            row["n"],
        ) % {"name": row[f"{field}__name"], "n": row["n"]}
        for row in rows
    ]  # fmt: skip


def _prices_refusals(field: str, ids: Sequence[int], with_orders: set[int]) -> list[str]:
    rows = (
        AgreedPrice.objects.filter(**{f"{field}_id__in": ids}).exclude(**{f"{field}_id__in": with_orders})
        .values(f"{field}_id", f"{field}__name").annotate(n=Count("id")).order_by(f"{field}__name")
    )  # fmt: skip
    return [
        ngettext(
            "%(name)s has %(n)s agreed price in a solidarity programme, kept with the programme: it cannot be "
            "deleted. If it duplicates another entry, merging them moves the prices to the entry kept.",
            "%(name)s has %(n)s agreed prices in a solidarity programme, kept with the programme: it cannot be "
            "deleted. If it duplicates another entry, merging them moves the prices to the entry kept.",
            row["n"],
        ) % {"name": row[f"{field}__name"], "n": row["n"]}
        for row in rows
    ]  # fmt: skip


def directory_deletion_refusals(model: type[Actor] | type[Place], ids: Sequence[int]) -> list[str]:
    """Why groceries, producers or funders cannot be deleted while a solidarity programme keeps their orders,
    prices or funding. A grocery only named in a programme (no order, no price) leaves the programme."""
    field = "grocery" if model is Place else "producer"
    with_orders = set(Order.objects.filter(**{f"{field}_id__in": ids}).values_list(f"{field}_id", flat=True))
    reasons = _orders_refusals(field, ids) + _prices_refusals(field, ids, with_orders)
    if model is Actor:
        reasons += [
            _("%(name)s funds the solidarity programme %(programme)s, whose orders and budget are kept: it "
              "cannot be deleted.") % {"name": p.funder.name, "programme": p.name}
            for p in Programme.objects.filter(funder_id__in=ids).select_related("funder").order_by("name")
        ]  # fmt: skip
    return reasons
