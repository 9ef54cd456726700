"""A group's distributions as an iCalendar feed: public as the group's page, the times in Europe/Paris, a
stable UID, a moved distribution at its own place, a cancelled one kept as cancelled."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from terroir.directory.services import place_create
from terroir.groups import services

from .conftest import Amap

pytestmark = pytest.mark.django_db


def test_the_groups_distributions_come_as_icalendar_without_signing_in(
    amap: Amap, territory: Any, settings: Any, monkeypatch: Any
) -> None:
    settings.TERROIR_SITE_URL = "https://terroir.example.org"
    monkeypatch.setattr(services, "current_day", lambda: dt.date(2026, 3, 20))
    services.distributions_generate(group=amap.group, start=dt.date(2026, 4, 1), end=dt.date(2026, 4, 30),
                                    by=amap.agnes)  # fmt: skip
    distributions = list(amap.group.distributions.order_by("date"))
    services.distribution_cancel(distribution=distributions[1], reason="Jeudi de l'Ascension", by=amap.agnes)
    school = place_create(name="École Jules-Ferry", kind="amap", commune=territory.clermont, lat=45.77, lon=3.08)
    services.distribution_update(distribution=distributions[2], by=amap.agnes, place=school,
                                 starts_at=dt.time(17), ends_at=dt.time(18))  # fmt: skip
    response = Client().get(reverse("groups:calendar", args=[amap.group.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = list(Calendar.from_ical(response.content).walk("VEVENT"))
    assert [e.decoded("dtstart").date() for e in events] == [d.date for d in distributions]
    first = events[0]
    assert str(first["summary"]) == "Distribution — AMAP des Volcans"
    assert (first.decoded("dtstart").hour, str(first.decoded("dtstart").tzinfo)) == (18, "Europe/Paris")
    assert str(first["location"]).startswith("Salle de quartier des Salins")
    assert str(first["uid"]) == f"terroir-distribution-{distributions[0].pk}@terroir.example.org"
    assert [str(e["status"]) for e in events[:3]] == ["CONFIRMED", "CANCELLED", "CONFIRMED"]
    assert str(events[1]["description"]) == "Jeudi de l'Ascension"
    assert str(events[2]["location"]).startswith("École Jules-Ferry") and events[2].decoded("dtstart").hour == 17


def test_the_groups_page_links_to_its_calendar_feed(amap: Amap) -> None:
    services.distributions_generate(group=amap.group, start=services.current_day(),
                                    end=services.current_day() + dt.timedelta(days=14), by=amap.agnes)  # fmt: skip
    page = Client().get(reverse("groups:group", args=[amap.group.pk])).content.decode()
    assert reverse("groups:calendar", args=[amap.group.pk]) in page
