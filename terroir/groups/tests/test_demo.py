"""The demo's AMAP of Grand Clermont: loaded on the directory's demo, replaced when loaded again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model

from terroir.directory.demo import demo_load
from terroir.groups import baskets
from terroir.groups.demo import DEMO_EMAIL, groups_demo_clear, groups_demo_load
from terroir.groups.models import Contract, Group, Subscription

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 30)


def test_the_demo_amap_has_a_calendar_two_producers_contracts_members_and_baskets(
    territory: Any, directory_demo: Any
) -> None:
    group = groups_demo_load(today=TODAY)
    assert group is not None and group.place is not None and group.place.kind == "amap"
    contracts = list(Contract.objects.filter(group=group, state="open"))
    assert len(contracts) == 2 and contracts[0].producer != contracts[1].producer
    assert group.members.count() == 12
    assert Subscription.objects.filter(contract__group=group).count() == 12 + 6
    coming = group.distributions.filter(date__gte=TODAY).order_by("date").first()
    assert coming is not None
    rows = baskets.baskets_of(coming)
    assert any(b.left_to_group for b in rows) and any(b.absence and b.absence.transfer_to for b in rows)
    # Loaded again, it replaces itself; cleared, the directory's demo can replace its producers and places.
    again = groups_demo_load(today=TODAY)
    assert Group.objects.count() == 1 and again is not None and again.pk != group.pk
    groups_demo_clear()
    assert not Group.objects.exists() and not get_user_model().objects.filter(email__endswith=DEMO_EMAIL).exists()
    demo_load(seed=63, producers=60, places=120)
