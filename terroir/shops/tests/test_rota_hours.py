"""A rota people were given keeps the hours it was computed with when the weekly opening changes later (its
page, its iCalendar, the API); a rota still waiting for the worker takes the new hours."""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Any

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from terroir.shops import services
from terroir.shops.models import OpeningSlot, Rota, RotaStatus, Shift

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def tuesday(le_local: Any) -> OpeningSlot:
    """Tuesday 15 h–19 h, one person: Claire, the only one on the rota, staffs it."""
    return services.opening_slot_add(shop=le_local.shop, weekday=1, starts=dt.time(15), ends=dt.time(19), needed=1)


def computed(le_local: Any) -> Rota:
    rota = services.rota_request(shop=le_local.shop, first_day=MONDAY, weeks=1, by=le_local.florent)
    services.rota_execute(rota.pk, time_limit_s=20)
    rota.refresh_from_db()
    assert rota.status == RotaStatus.OPTIMAL
    return rota


def test_a_computed_rota_keeps_its_hours_when_the_opening_changes(le_local: Any, tuesday: OpeningSlot) -> None:
    rota = computed(le_local)
    services.opening_slot_update(slot=tuesday, weekday=1, starts=dt.time(9), ends=dt.time(12, 30), needed=1)
    shift = Shift.objects.get(rota=rota)
    assert (shift.date, shift.starts, shift.ends, shift.minutes) == (dt.date(2026, 3, 3), dt.time(15), dt.time(19), 240)
    client = Client()
    client.force_login(le_local.florent)
    page = client.get(rota.get_absolute_url()).content.decode()
    assert "15 h–19 h" in page and "9 h–12 h 30" not in page
    assert "Claire\u202f: 4 h 00" in page
    calendar = client.get(reverse("shops:rota_calendar", args=[le_local.shop.pk, rota.pk])).content.decode()
    assert "DTSTART;TZID=Europe/Paris:20260303T150000" in calendar
    assert "DTEND;TZID=Europe/Paris:20260303T190000" in calendar


def test_a_rota_waiting_for_the_worker_takes_the_new_hours(le_local: Any, tuesday: OpeningSlot) -> None:
    rota = services.rota_request(shop=le_local.shop, first_day=MONDAY, weeks=1, by=le_local.florent)
    services.opening_slot_update(slot=tuesday, weekday=1, starts=dt.time(9), ends=dt.time(12, 30), needed=1)
    services.rota_execute(rota.pk, time_limit_s=20)
    shift = Shift.objects.get(rota=rota)
    assert (shift.starts, shift.ends) == (dt.time(9), dt.time(12, 30))


def test_the_migration_gives_the_shifts_computed_before_their_openings_hours(le_local: Any,
                                                                            tuesday: OpeningSlot) -> None:  # fmt: skip
    rota = computed(le_local)
    Shift.objects.filter(rota=rota).update(starts=dt.time(0), ends=dt.time(1))  # as if unknown
    migration = importlib.import_module("terroir.shops.migrations.0003_shift_hours")
    migration.hours_copy(apps, None)
    assert list(Shift.objects.values_list("starts", "ends")) == [(dt.time(15), dt.time(19))]


def test_the_rota_s_hours_read_as_the_opening_hours_do_on_its_pages_and_in_its_e_mails(
    le_local: Any, tuesday: OpeningSlot, people: Any, mailoutbox: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """ "15 h–19 h" as every opening hour of the platform, not "15:00–19:00"."""
    rota = computed(le_local)
    florent = services.rota_member_save(shop=le_local.shop, seller=le_local.associate, name="Florent",
                                        user=le_local.florent)  # fmt: skip
    client = Client()
    client.force_login(le_local.florent)
    home = client.get(reverse("shops:rota_home", args=[le_local.shop.pk])).content.decode()
    assert "mardi 15 h–19 h" in home and "15:00" not in home
    shift = Shift.objects.get(rota=rota)
    with django_capture_on_commit_callbacks(execute=True):
        services.swap_ask(shift=shift, to=florent, by=people.claire)
    assert "sa permanence du 03/03/2026 à 15 h " in mailoutbox[-1].body
    page = client.get(rota.get_absolute_url()).content.decode()
    assert "Claire vous demande de prendre sa permanence du 3 mars 2026 à 15 h." in page
