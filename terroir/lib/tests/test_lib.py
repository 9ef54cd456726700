from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from terroir.lib import hours
from terroir.lib.geo import Point, bbox_around, haversine_km
from terroir.lib.messages import Message
from terroir.lib.text import (
    fold,
    french_elided,
    french_of,
    french_of_the,
    french_the,
    one_line,
    prefix_upper_bound,
    terms,
)

PARIS = ZoneInfo("Europe/Paris")


def test_fold_removes_accents_case_ligatures_and_punctuation() -> None:
    assert fold("Fromagerie du Pré-Vert") == "fromagerie du pre vert"
    assert fold("ŒUFS & Bœuf") == "oeufs boeuf"
    assert terms("Le Marché d'Ambert, le marché") == ["marche", "ambert"]


def test_prefix_upper_bound_closes_the_prefix_range() -> None:
    upper = prefix_upper_bound("fromage")
    assert "fromage" < "fromagerie" < upper
    assert upper <= "fromagf"


def test_clermont_to_ambert_is_about_58_km_as_the_crow_flies() -> None:
    assert haversine_km(45.78594, 3.11535, 45.55576, 3.75689) == pytest.approx(55.6, abs=0.5)


@given(
    lat=st.floats(min_value=-80, max_value=80),
    lon=st.floats(min_value=-179, max_value=179),
    radius=st.floats(min_value=0.1, max_value=500),
    bearing_lat=st.floats(min_value=-1, max_value=1),
    bearing_lon=st.floats(min_value=-1, max_value=1),
)
def test_every_point_within_the_radius_lies_inside_the_bounding_box(
    lat: float, lon: float, radius: float, bearing_lat: float, bearing_lon: float
) -> None:
    box = bbox_around(Point(lat, lon), radius)
    other_lat = max(-90.0, min(90.0, lat + bearing_lat * radius / 111.0))
    other_lon = lon + bearing_lon * radius / 20.0
    if -180 <= other_lon <= 180 and haversine_km(lat, lon, other_lat, other_lon) <= radius:
        assert box.contains(other_lat, other_lon)


def test_a_market_on_thursday_mornings_is_open_then_and_only_then() -> None:
    expression = "Th 07:00-13:00"
    assert hours.is_open_at(expression, dt.datetime(2026, 11, 26, 8, 0, tzinfo=PARIS), PARIS)
    assert not hours.is_open_at(expression, dt.datetime(2026, 11, 26, 14, 0, tzinfo=PARIS), PARIS)
    assert hours.is_open_on(expression, dt.date(2026, 11, 26), PARIS)
    assert not hours.is_open_on(expression, dt.date(2026, 11, 27), PARIS)
    assert hours.recurring_weekdays(expression, dt.date(2026, 11, 24), PARIS) == [3]


def test_open_now_converts_utc_to_local_time() -> None:
    # 06:30 UTC is 07:30 in Paris in winter: the market has opened.
    assert hours.is_open_at("Th 07:00-13:00", dt.datetime(2026, 11, 26, 6, 30, tzinfo=dt.UTC), PARIS)


def test_every_other_week_and_public_holidays_follow_the_osm_syntax() -> None:
    expression = "week 01-53/2 Sa 08:00-12:00"
    saturdays = [dt.date(2026, 11, 28) + dt.timedelta(weeks=i) for i in range(4)]
    opened = [hours.is_open_on(expression, day, PARIS) for day in saturdays]
    assert opened in ([True, False, True, False], [False, True, False, True])
    week = hours.week_schedule("Mo-Fr 09:00-12:00,14:00-18:00; Sa 09:00-12:00", dt.date(2026, 11, 25), PARIS)
    assert [len(slots) for _, slots in week] == [2, 2, 2, 2, 2, 1, 0]
    assert week[0][0] == dt.date(2026, 11, 23)


def test_invalid_hours_are_reported_with_the_reason() -> None:
    with pytest.raises(hours.InvalidOpeningHours, match="invalid opening_hours 'tous les jours'"):
        hours.validate("tous les jours")
    assert hours.validate("Mo-Fr 08:00-12:00") == "Mo-Fr 08:00-12:00"
    assert not hours.is_open_at("garbage", dt.datetime(2026, 11, 26, 8, tzinfo=PARIS), PARIS)


def test_market_occurrences_give_one_interval_per_market_day() -> None:
    start = dt.datetime(2026, 11, 24, 0, 0, tzinfo=PARIS)
    found = hours.occurrences("Tu,Fr 07:00-13:00", start, 14, PARIS)
    assert [i.start.strftime("%a %d %H:%M") for i in found] == [
        "Tue 24 07:00", "Fri 27 07:00", "Tue 01 07:00", "Fri 04 07:00",
    ]  # fmt: skip


def test_a_cell_a_spreadsheet_would_read_as_a_formula_gets_an_apostrophe() -> None:
    from terroir.lib.spreadsheet import cell_safe

    for text in ('=HYPERLINK("http://evil")', "+33 4 73", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"):
        assert cell_safe(text) == "'" + text
    assert cell_safe("GAEC des Monts du Forez") == "GAEC des Monts du Forez"
    assert cell_safe("a=b") == "a=b"


def test_numbers_stay_numbers_in_a_safe_cell() -> None:
    from decimal import Decimal

    from terroir.lib.spreadsheet import cell_safe

    assert [cell_safe(v) for v in (-3, -1.5, Decimal("-2.50"), 0)] == [-3, -1.5, Decimal("-2.50"), 0]
    assert [cell_safe(v) for v in ("-1,234567", "+12", "-3.5")] == ["-1,234567", "+12", "-3.5"]
    assert cell_safe(None) == "" and cell_safe(True) == "True"


@pytest.mark.parametrize(("noun", "said"), [
    ("AMAP", "d’AMAP"), ("Ambert", "d’Ambert"), ("Issoire", "d’Issoire"), ("œufs", "d’œufs"), ("huile", "d’huile"),
    ("Yssingeaux", "d’Yssingeaux"), ("Thiers", "de Thiers"), ("lait", "de lait"), ("Haute-Loire", "de Haute-Loire"),
    ("houblon", "de houblon"), ("", "de "),
])  # fmt: skip
def test_de_is_elided_before_a_vowel_or_a_mute_h_and_kept_before_a_consonant_or_an_aspirated_h(
    noun: str, said: str
) -> None:
    assert french_of(noun) == said
    assert french_of(noun, apostrophe="'") == said.replace("’", "'")


def test_de_contracts_with_a_names_own_article_and_of_the_follows_gender_number_and_elision() -> None:
    assert french_of("Le Vernet-la-Varenne") == "du Vernet-la-Varenne"
    assert french_of("Les Martres-de-Veyre") == "des Martres-de-Veyre"
    assert french_of("La Chaise-Dieu") == "de La Chaise-Dieu"
    assert [french_of_the(word) for word in ("Moulin", "Estive", "Monts", "Houblon")] == [
        "du Moulin", "de l’Estive", "des Monts", "du Houblon"]  # fmt: skip
    assert french_of_the("Combe", feminine=True) == "de la Combe"
    assert french_of_the("Estive", feminine=True, apostrophe="'") == "de l'Estive"
    assert [french_the("Moulin"), french_the("Estive"), french_the("Combe", feminine=True)] == [
        "Le Moulin", "L’Estive", "La Combe"]  # fmt: skip


def test_french_elided_elides_only_before_the_values_it_is_given() -> None:
    said = "Historique de Albert. Produits de Le Panier. De Estive. Ferme du Estive. Le orge. De Alors de 8 km."
    assert french_elided(said, ["Albert", "Le Panier", "Estive", "orge", "8 km"]) == (
        "Historique d’Albert. Produits du Panier. D’Estive. Ferme de l’Estive. L’orge. De Alors de 8 km."
    )
    # A value is matched whole: "de Albertine" is not "de Albert"; an aspirated h keeps "de".
    assert french_elided("de Albertine, de Haute-Loire", ["Albert", "Haute-Loire"]) == "de Albertine, de Haute-Loire"
    assert french_elided("Historique de Albert", ["Albert"], apostrophe="'") == "Historique d'Albert"
    # "à" with a name's own article: "au", "aux"; a name without one, or "à" inside a word, untouched.
    assert french_elided("Livré à Le Panier, À Les Martres, à Lempdes", ["Le Panier", "Les Martres", "Lempdes"]) == (
        "Livré au Panier, Aux Martres, à Lempdes"
    )
    assert french_elided("voilà Le Panier", ["Le Panier"]) == "voilà Le Panier"


def test_one_line_keeps_the_no_break_spaces_of_french_typography_when_asked() -> None:
    assert one_line("Votre fiche est-elle à jour\u202f?\n  Oui\u00a0: 2") == "Votre fiche est-elle à jour ? Oui : 2"
    assert one_line(" Votre fiche est-elle à jour\u202f?\n  Oui\u00a0: 2\t", no_break=True) == (
        "Votre fiche est-elle à jour\u202f? Oui\u00a0: 2"
    )


def test_a_message_gives_the_texts_filled_in_nested_ones_included() -> None:
    reason = Message(
        "%(reason)s; replaced by the centre of %(commune)s",
        {"reason": Message("no position for %(name)s", {"name": "Atelier"}), "commune": "Ambert"},
    )
    assert reason.texts() == ["Atelier", "Ambert"]
