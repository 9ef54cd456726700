"""Which product families may ride, and in which condition: the coordinators' table (`Eligibility`), read up
the category tree, and what a parcel needs as a consequence."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from terroir.accounts.permissions import is_coordinator
from terroir.directory.models import Category

from .models import LEVEL, Condition, Eligibility, Parcel

AMBIENT_FAMILIES = ("bread-cereals", "vegetables", "fruit", "eggs", "honey", "drinks", "pantry", "plants-flowers")
COLD_FAMILIES = {"dairy": Decimal("4.0"), "meat": Decimal("4.0"), "fish": Decimal("2.0")}


def eligibility_seed() -> None:
    """The table as issue 17 gives it (what migration 0003 writes); for tests whose tables were flushed."""
    for category in Category.objects.filter(slug__in=AMBIENT_FAMILIES):
        Eligibility.objects.get_or_create(category=category, defaults={"condition": Condition.NONE})
    for category in Category.objects.filter(slug__in=COLD_FAMILIES):
        defaults = {"condition": Condition.REFRIGERATED, "temperature_record": True}
        Eligibility.objects.get_or_create(
            category=category, defaults=defaults | {"max_celsius": COLD_FAMILIES[category.slug]}
        )


def eligibility_of(category: Category) -> Eligibility | None:
    """The rule of the category's nearest family that has one (goat's cheese → cheese → dairy)."""
    slugs = [part for part in category.path.split("/") if part]
    rules = {rule.category.slug: rule for rule in Eligibility.objects.filter(category__slug__in=slugs)
             .select_related("category")}  # fmt: skip
    for slug in reversed(slugs):
        if slug in rules:
            return rules[slug]
    return None


def condition_needed(parcel: Parcel, rule: Eligibility | None = None) -> Condition:
    """The stricter of what the sender asked and what the family needs."""
    rule = rule if rule is not None else eligibility_of(parcel.category)
    asked = Condition(parcel.condition)
    family = Condition(rule.condition) if rule else Condition.NONE
    return asked if LEVEL[asked] >= LEVEL[family] else family


def temperature_required(parcel: Parcel) -> bool:
    rule = eligibility_of(parcel.category)
    return bool(rule and rule.temperature_record) or parcel.condition == Condition.REFRIGERATED


@transaction.atomic
def eligibility_save(*, category: Category, allowed: bool, condition: str, temperature_record: bool,
                     max_celsius: Decimal | None, by: Any) -> Eligibility:  # fmt: skip
    if not is_coordinator(by):
        raise PermissionDenied
    rule, _created = Eligibility.objects.update_or_create(category=category, defaults={
        "allowed": allowed, "condition": condition, "temperature_record": temperature_record,
        "max_celsius": max_celsius,
    })  # fmt: skip
    return rule
