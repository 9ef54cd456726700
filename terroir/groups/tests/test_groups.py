"""Groups and their calendar of distributions, through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from terroir.groups import services
from terroir.groups.models import Distribution

from .conftest import Amap

APRIL = (dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def test_the_organiser_generates_a_month_of_thursday_distributions_at_the_groups_hours(amap: Amap) -> None:
    created = services.distributions_generate(group=amap.group, start=APRIL[0], end=APRIL[1], by=amap.agnes)
    assert [d.date.day for d in created] == [2, 9, 16, 23, 30]
    first = Distribution.objects.get(group=amap.group, date=dt.date(2026, 4, 2))
    assert (first.starts_at, first.ends_at) == (dt.time(18, 0), dt.time(19, 30))
    assert first.where == amap.hall  # no place of its own: the group's pickup place


def test_generating_again_keeps_cancelled_and_moved_distributions_and_adds_only_the_new_dates(amap: Amap) -> None:
    services.distributions_generate(group=amap.group, start=APRIL[0], end=dt.date(2026, 4, 15), by=amap.agnes)
    easter = Distribution.objects.get(group=amap.group, date=dt.date(2026, 4, 9))
    services.distribution_cancel(distribution=easter, reason="Salle fermée (vacances)", by=amap.agnes)
    created = services.distributions_generate(group=amap.group, start=APRIL[0], end=APRIL[1], by=amap.agnes)
    assert [d.date.day for d in created] == [16, 23, 30]
    easter.refresh_from_db()
    assert easter.cancelled and easter.cancel_reason == "Salle fermée (vacances)"


def test_a_monthly_group_takes_the_first_thursday(amap: Amap) -> None:
    group = amap.group
    services.group_update(
        group=group, by=amap.agnes, name=group.name, kind="neighbourhood", place=group.place, frequency="monthly",
        week_of_month=1, weekday=3, starts_on=group.starts_on, starts_at=group.starts_at, ends_at=group.ends_at,
    )  # fmt: skip
    created = services.distributions_generate(group=group, start=APRIL[0], end=dt.date(2026, 6, 30), by=amap.agnes)
    assert [d.date for d in created] == [dt.date(2026, 4, 2), dt.date(2026, 5, 7), dt.date(2026, 6, 4)]


def test_a_monthly_group_without_its_week_and_hours_upside_down_are_refused(amap: Amap) -> None:
    group = amap.group
    with pytest.raises(ValidationError) as refused:
        services.group_update(group=group, by=amap.agnes, name=group.name, kind="amap", place=group.place,
                              frequency="monthly", weekday=3, starts_on=group.starts_on, starts_at=dt.time(19),
                              ends_at=dt.time(18))  # fmt: skip
    assert set(refused.value.message_dict) == {"week_of_month", "ends_at"}


def test_nobody_but_the_organisers_generates_or_cancels(amap: Amap, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.distributions_generate(group=amap.group, start=APRIL[0], end=APRIL[1], by=people.claire)
    services.distributions_generate(group=amap.group, start=APRIL[0], end=APRIL[1], by=people.camille)  # coordinator
    with pytest.raises(PermissionDenied):
        services.distribution_cancel(
            distribution=amap.group.distributions.get(date=APRIL[0] + dt.timedelta(days=1)),
            reason="x",
            by=people.sophie,
        )


def test_a_range_longer_than_a_season_and_some_is_refused(amap: Amap) -> None:
    with pytest.raises(ValidationError):
        services.distributions_generate(group=amap.group, start=dt.date(2026, 1, 1), end=dt.date(2027, 6, 1),
                                        by=amap.agnes)  # fmt: skip
