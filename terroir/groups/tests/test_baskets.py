"""Baskets per distribution from subscriptions, absences and transfers; what the producer brings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from terroir.groups import baskets, services
from terroir.groups.models import Distribution

from .conftest import ASCENSION, BEFORE, Season

APRIL_23 = dt.date(2026, 4, 23)


@pytest.fixture
def subscribed(season: Season) -> Season:
    """Bernard: a big basket all season; Chloé: two small ones; Denis: a small one from 20 April."""
    c = season.contract
    services.subscription_create(contract=c, by=season.bernard.user, option=season.grand, quantity=1, today=BEFORE)
    services.subscription_create(contract=c, by=season.chloe.user, option=season.petit, quantity=2, today=BEFORE)
    services.subscription_create(contract=c, by=season.denis.user, option=season.petit, quantity=1,
                                 today=dt.date(2026, 4, 20))  # fmt: skip
    return season


def _on(season: Season, day: dt.date) -> Distribution:
    return season.amap.group.distributions.get(date=day)


def test_each_subscription_makes_a_basket_from_its_first_day_on(subscribed: Season) -> None:
    early = baskets.baskets_of(_on(subscribed, dt.date(2026, 4, 16)))
    assert sorted((b.member.user.username, b.option, b.quantity) for b in early) == [
        ("bernard", "grand panier", 1), ("chloe", "petit panier", 2),
    ]  # fmt: skip
    assert len(baskets.baskets_of(_on(subscribed, APRIL_23))) == 3


def test_no_basket_at_a_distribution_the_contract_skips_or_that_is_cancelled(subscribed: Season) -> None:
    assert baskets.baskets_of(_on(subscribed, ASCENSION)) == []
    services.distribution_cancel(distribution=_on(subscribed, APRIL_23), reason="Grêle", by=subscribed.amap.agnes)
    assert baskets.baskets_of(_on(subscribed, APRIL_23)) == []


def test_an_absent_member_gives_the_basket_to_another_member_or_leaves_it_to_the_group(subscribed: Season) -> None:
    day = _on(subscribed, APRIL_23)
    services.absence_declare(distribution=day, by=subscribed.bernard.user, transfer_to=subscribed.chloe,
                             today=BEFORE)  # fmt: skip
    services.absence_declare(distribution=day, by=subscribed.denis.user, today=BEFORE)
    rows = {b.member.user.username: b for b in baskets.baskets_of(day)}
    assert rows["bernard"].collected_by == "c•••@example.org" and not rows["bernard"].left_to_group
    assert rows["denis"].left_to_group and rows["denis"].collected_by == ""
    assert rows["chloe"].collected_by == "c•••@example.org"
    # Denis finds a neighbour to take it after all: declaring again replaces the recipient.
    services.absence_declare(distribution=day, by=subscribed.denis.user, transfer_to_name="Mme Roux (voisine)",
                             today=BEFORE)  # fmt: skip
    assert {b.member.user.username: b for b in baskets.baskets_of(day)}["denis"].collected_by == "Mme Roux (voisine)"


def test_an_absence_changes_who_collects_not_what_the_producer_brings(subscribed: Season) -> None:
    day = _on(subscribed, APRIL_23)
    services.absence_declare(distribution=day, by=subscribed.denis.user, today=BEFORE)
    [producer] = baskets.per_producer(baskets.baskets_of(day))
    assert producer.producer == subscribed.contract.producer
    assert sorted(producer.totals) == [("Légumes de saison 2026", "grand panier", 1),
                                       ("Légumes de saison 2026", "petit panier", 3)]  # fmt: skip


def test_the_producers_quantities_per_date_follow_the_subscriptions(subscribed: Season) -> None:
    rows = baskets.producer_quantities(subscribed.contract.producer, dt.date(2026, 4, 16), dt.date(2026, 5, 14))
    got = [(r.date.isoformat(), r.option, r.quantity, r.subscribers) for r in rows]
    assert got == [
        ("2026-04-16", "grand panier", 1, 1), ("2026-04-16", "petit panier", 2, 1),
        ("2026-04-23", "grand panier", 1, 1), ("2026-04-23", "petit panier", 3, 2),
        ("2026-04-30", "grand panier", 1, 1), ("2026-04-30", "petit panier", 3, 2),
        ("2026-05-07", "grand panier", 1, 1), ("2026-05-07", "petit panier", 3, 2),
    ]  # fmt: skip
    # No row on Ascension (14 May): the contract skips it.


def test_absences_are_for_members_at_coming_distributions_and_transfers_within_the_group(
    subscribed: Season, people: Any
) -> None:
    day = _on(subscribed, APRIL_23)
    with pytest.raises(PermissionDenied):
        services.absence_declare(distribution=day, by=people.sophie, today=BEFORE)
    with pytest.raises(ValidationError):
        services.absence_declare(distribution=day, by=subscribed.bernard.user, today=dt.date(2026, 4, 24))
    with pytest.raises(ValidationError):
        services.absence_declare(distribution=day, by=subscribed.bernard.user, transfer_to=subscribed.bernard,
                                 today=BEFORE)  # fmt: skip
    with pytest.raises(ValidationError):
        services.absence_declare(distribution=day, by=subscribed.bernard.user, transfer_to=subscribed.chloe,
                                 transfer_to_name="Paul", today=BEFORE)  # fmt: skip
    # An organiser records a member's absence for them (a phone call); another member may not.
    services.absence_declare(distribution=day, by=subscribed.amap.agnes, member=subscribed.bernard, today=BEFORE)
    with pytest.raises(PermissionDenied):
        services.absence_declare(distribution=day, by=subscribed.chloe.user, member=subscribed.denis, today=BEFORE)
