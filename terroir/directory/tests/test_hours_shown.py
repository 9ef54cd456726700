"""Opening hours are shown to people in words, in French and English, wherever they appear; the code stays
available (place page, API) for those who want it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.utils import timezone, translation

from terroir.directory.templatetags.hours import hours_clock

SATURDAY_6PM = dt.datetime(2026, 12, 5, 17, 0, tzinfo=dt.UTC)  # 18:00 in Paris


@pytest.fixture
def saturday_evening(monkeypatch: Any) -> None:
    monkeypatch.setattr(timezone, "now", lambda: SATURDAY_6PM)


def test_the_place_page_says_the_hours_in_french_with_the_code_aside(client, territory, saturday_evening) -> None:
    html = client.get(territory.le_local.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "mar.–sam. 9 h–12 h 30 et 15 h–19 h" in html
    assert "ouvert maintenant · ferme à 19 h" in html
    assert "<code>Tu-Sa 09:00-12:30,15:00-19:00</code>" in html  # inside "Code OpenStreetMap"


def test_the_place_page_says_the_hours_in_english(client, territory, saturday_evening) -> None:
    client.cookies["django_language"] = "en"
    html = client.get(territory.le_local.get_absolute_url()).content.decode()
    assert "Tue–Sat 9 am–12:30 pm and 3 pm–7 pm" in html
    assert "open now · closes at 7 pm" in html


def test_the_place_page_s_week_table_says_the_times_like_the_prose(client, territory, saturday_evening) -> None:
    html = client.get(territory.le_local.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    week = html[html.index('<table class="week">') :]
    week = week[: week.index("</table>")]
    assert "9 h–12 h 30, 15 h–19 h" in week and "09:00" not in week
    client.cookies["django_language"] = "en"
    html = client.get(territory.le_local.get_absolute_url()).content.decode()
    assert "9 am–12:30 pm, 3 pm–7 pm" in html


def test_search_results_and_producer_pages_show_words_not_code(client, territory, saturday_evening) -> None:
    results = client.get("/?commune=Ambert&radius_km=10").content.decode()
    assert "jeudi 7 h–13 h" in results and "Th 07:00-13:00" not in results
    producer = client.get(territory.cheese_farm.get_absolute_url()).content.decode()
    assert "vendredi 16 h–19 h\u202f; samedi 9 h–12 h" in producer and "Fr 16:00-19:00" not in producer


def test_the_widget_shows_the_hours_in_words(client, territory, saturday_evening) -> None:
    html = client.get("/widget/?commune=Ambert&radius_km=10").content.decode()
    assert "mar.–sam. 9 h–12 h 30 et 15 h–19 h" in html


def test_the_api_keeps_the_expression_and_adds_the_words(client, territory, saturday_evening) -> None:
    body = client.get("/api/v1/places?commune=Ambert&radius_km=10", HTTP_ACCEPT_LANGUAGE="en").json()
    local = next(r for r in body["results"] if r["id"] == territory.le_local.pk)
    assert local["opening_hours"] == "Tu-Sa 09:00-12:30,15:00-19:00"
    assert local["hours_text"] == "Tue–Sat 9 am–12:30 pm and 3 pm–7 pm"
    assert local["hours_status"] == "open now · closes at 7 pm"


def test_the_maps_markers_carry_todays_hours_and_status(client, territory, saturday_evening) -> None:
    body = client.get("/api/v1/map?bbox=3.5,45.4,3.9,45.7&zoom=12", HTTP_ACCEPT_LANGUAGE="fr").json()
    local = next(p for p in body["places"] if p["id"] == territory.le_local.pk)
    assert local["hours_today"] == "aujourd’hui 9 h–12 h 30 et 15 h–19 h"
    assert local["hours_status"] == "ouvert maintenant · ferme à 19 h"
    market = next(p for p in body["places"] if p["id"] == territory.ambert_market.pk)
    assert market["hours_today"] == "fermé aujourd’hui"


def test_the_csv_export_has_a_column_of_hours_in_words(client, territory, saturday_evening) -> None:
    text = client.get("/api/v1/places.csv?commune=Ambert&radius_km=10").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header, market = rows[0], next(r for r in rows if "Marché d'Ambert" in r)
    assert market[header.index("opening_hours")] == "Th 07:00-13:00"
    assert market[header.index("hours")] == "jeudi 7 h–13 h"


def test_every_time_of_day_is_said_by_one_filter_in_the_readers_language_and_zone() -> None:
    """`|hours_clock`: "18 h 30", a moment in the territory's zone with its day, nothing for nothing."""
    with translation.override("fr"):
        assert [hours_clock(dt.time(18, 30)), hours_clock(dt.time(9)), hours_clock(dt.time(0, 5))] == [
            "18 h 30", "9 h", "0 h 05"]  # fmt: skip
        # 17:00 UTC is 18 h in Paris (the site's zone), as Django's `date` filter says it.
        assert hours_clock(timezone.localtime(SATURDAY_6PM), "l j F Y") == "samedi 5 décembre 2026, 18 h"
        assert hours_clock(SATURDAY_6PM) == "18 h"
        assert hours_clock(dt.date(2026, 12, 5), "j F Y") == "5 décembre 2026"  # a day has no time
        assert hours_clock(None) == hours_clock("") == hours_clock(dt.date(2026, 12, 5)) == ""
    with translation.override("en"):
        assert [hours_clock(dt.time(18, 30)), hours_clock(dt.time(9))] == ["6:30 pm", "9 am"]
        assert hours_clock(timezone.localtime(SATURDAY_6PM), "l j F Y") == "Saturday 5 December 2026, 6 pm"
