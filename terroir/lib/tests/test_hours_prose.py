"""Opening hours said in words (terroir.lib.hours_prose): prose only when it is sure, the code otherwise."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from terroir.lib import hours
from terroir.lib.hours_prose import prose, prose_lines, status, today

PARIS = ZoneInfo("Europe/Paris")

SAID = [
    ("Tu-Sa 09:00-12:30,15:00-19:00", "mar.–sam. 9 h–12 h 30 et 15 h–19 h", "Tue–Sat 9 am–12:30 pm and 3 pm–7 pm"),
    (
        "Tu-Sa 09:00-12:30,15:00-19:00; PH off",
        "mar.–sam. 9 h–12 h 30 et 15 h–19 h\u202f; fermé les jours fériés",
        "Tue–Sat 9 am–12:30 pm and 3 pm–7 pm; closed on public holidays",
    ),
    (
        "Mo-Fr 08:00-12:00; PH closed",
        "lun.–ven. 8 h–12 h\u202f; fermé les jours fériés",
        "Mon–Fri 8 am–12 pm; closed on public holidays",
    ),  # the normalised form of "PH off"
    (
        "week01-53/2 Sa 08:00-12:00",
        "un samedi sur deux (semaines impaires) 8 h–12 h",
        "every other Saturday (odd weeks) 8 am–12 pm",
    ),
    (
        "week02-52/2 We,Fr 17:00-19:00",
        "une semaine sur deux (semaines paires)\u202f: mer. et ven. 17 h–19 h",
        "every other week (even weeks), Wed and Fri 5 pm–7 pm",
    ),
    ("Apr-Oct Sa 08:00-13:00", "d’avril à octobre, samedi 8 h–13 h", "from April to October, Saturday 8 am–1 pm"),
    ("Jul-Aug We 15:00-20:00", "en juillet et août, mercredi 15 h–20 h", "in July and August, Wednesday 3 pm–8 pm"),
    ("Mar-Dec Sa 08:00-13:00", "de mars à décembre, samedi 8 h–13 h", "from March to December, Saturday 8 am–1 pm"),
    (
        "Mo-Sa 09:00-18:00; Su 09:00-13:00",
        "lun.–sam. 9 h–18 h\u202f; dimanche 9 h–13 h",
        "Mon–Sat 9 am–6 pm; Sunday 9 am–1 pm",
    ),
    ("Tu,Th,Sa 07:00-13:00", "mar., jeu. et sam. 7 h–13 h", "Tue, Thu and Sat 7 am–1 pm"),
    ("07:00-14:00", "tous les jours 7 h–14 h", "every day 7 am–2 pm"),
    ("Mo-Su 08:00-24:00", "tous les jours 8 h–minuit", "every day 8 am–midnight"),
    ("Fr 17:30+", "vendredi à partir de 17 h 30", "Friday from 5:30 pm"),
    ("Th[-1] 18:00-20:00", "le dernier jeudi du mois 18 h–20 h", "the last Thursday of the month 6 pm–8 pm"),
    ("We[1] 16:00-19:00", "le 1er mercredi du mois 16 h–19 h", "the 1st Wednesday of the month 4 pm–7 pm"),
    ("Mo-Sa,PH 09:00-12:00", "lun.–sam. et jours fériés 9 h–12 h", "Mon–Sat and public holidays 9 am–12 pm"),
    ("Mo-Fr 08:00-12:00; Su off", "lun.–ven. 8 h–12 h\u202f; dimanche fermé", "Mon–Fri 8 am–12 pm; Sunday closed"),
    (
        'Fr unknown "horaire non précisé"',
        "vendredi (horaires à confirmer) « horaire non précisé »",
        "Friday (hours to be confirmed) “horaire non précisé”",
    ),
    ("24/7", "ouvert 24 h/24, 7 j/7", "open 24/7"),
    ('"sur rendez-vous"', "« sur rendez-vous »", "“sur rendez-vous”"),
    ('Tu "sur rendez-vous"', "mardi « sur rendez-vous »", "Tuesday “sur rendez-vous”"),
]


@pytest.mark.parametrize(("expression", "french", "english"), SAID)
def test_it_says_plain_hours_in_french_and_english(expression: str, french: str, english: str) -> None:
    hours.validate(expression)  # every example is valid OSM
    assert prose(expression, "fr") == french
    assert prose(expression, "en") == english


@pytest.mark.parametrize(
    "expression",
    [
        "Mo-Fr 09:00-12:00; We 14:00-18:00",  # the second rule replaces Wednesday: prose would hide it
        "Mo-Fr 09:00-18:00; Mo 12:00-14:00 off",
        "Mo-Fr 09:00-12:00 || PH unknown",
        "PH off; Mo-Fr 09:00-12:00",  # the later rule opens Christmas Day again if a Friday
        "sunrise-sunset",
        "Dec 25 off; Mo-Sa 08:00-12:00",
        "easter off",
        "2027 Mo 10:00-12:00",
        "week10-20 Mo 10:00-12:00",
        "Mo 10:00-12:00, We 14:00-16:00",
    ],
)
def test_it_leaves_the_code_when_prose_could_be_wrong(expression: str) -> None:
    hours.validate(expression)
    assert prose_lines(expression, "fr") is None
    assert prose(expression, "fr") == expression


def test_an_invalid_or_empty_expression_is_given_back_as_it_is() -> None:
    assert prose("Ma-Sa 9h-12h", "fr") == "Ma-Sa 9h-12h"
    assert prose("", "en") == ""
    assert status("Ma-Sa 9h-12h", dt.datetime(2026, 12, 5, 18, tzinfo=PARIS), PARIS) == ""


@pytest.mark.parametrize(
    ("moment", "french", "english"),
    [
        ("2026-12-05 18:00", "ouvert maintenant · ferme à 19 h", "open now · closes at 7 pm"),
        ("2026-12-05 19:30", "fermé · ouvre mardi à 9 h", "closed · opens on Tuesday at 9 am"),
        ("2026-12-08 12:40", "fermé · ouvre à 15 h", "closed · opens at 3 pm"),
        ("2026-12-24 20:00", "fermé · ouvre samedi à 9 h", "closed · opens on Saturday at 9 am"),
    ],
)
def test_the_status_says_whether_it_is_open_and_when_that_changes(moment: str, french: str, english: str) -> None:
    now = dt.datetime.fromisoformat(moment).replace(tzinfo=PARIS)
    expression = "Tu-Sa 09:00-12:30,15:00-19:00; PH off"
    assert status(expression, now, PARIS, "fr") == french
    assert status(expression, now, PARIS, "en") == english


def test_the_status_reads_the_clock_in_the_places_time_zone() -> None:
    # 17:30 UTC is 18:30 in Paris in winter: open until 19 h, local time.
    now = dt.datetime(2026, 12, 5, 17, 30, tzinfo=dt.UTC)
    assert status("Sa 09:00-19:00", now, PARIS, "fr") == "ouvert maintenant · ferme à 19 h"


def test_a_place_closed_on_public_holidays_is_closed_on_christmas_day() -> None:
    christmas = dt.datetime(2026, 12, 25, 10, tzinfo=PARIS)  # a Friday
    assert not hours.is_open_at("Mo-Sa 09:00-12:00; PH off", christmas, PARIS)
    assert status("Mo-Sa 09:00-12:00; PH off", christmas, PARIS, "fr") == "fermé · ouvre demain à 9 h"


def test_a_place_open_until_midnight_closes_at_midnight_not_tomorrow() -> None:
    now = dt.datetime(2026, 12, 6, 20, tzinfo=PARIS)
    assert status("Mo-Su 08:00-24:00", now, PARIS, "fr") == "ouvert maintenant · ferme à minuit"


def test_a_seasonal_market_says_the_date_it_opens_again() -> None:
    now = dt.datetime(2026, 12, 6, 20, tzinfo=PARIS)
    assert status("Jul-Aug We 15:00-20:00", now, PARIS, "fr") == "fermé · ouvre le 7 juillet à 15 h"


def test_today_says_the_slots_of_the_day_or_closed() -> None:
    saturday = dt.datetime(2026, 12, 5, 8, tzinfo=PARIS)
    expression = "Tu-Sa 09:00-12:30,15:00-19:00; PH off"

    assert today(expression, saturday, PARIS, "fr") == "aujourd’hui 9 h–12 h 30 et 15 h–19 h"
    assert today(expression, saturday, PARIS, "en") == "today 9 am–12:30 pm and 3 pm–7 pm"
    assert today(expression, saturday + dt.timedelta(days=1), PARIS, "fr") == "fermé aujourd’hui"
    assert today("Mo-Su 08:00-24:00", saturday, PARIS, "fr") == "aujourd’hui 8 h–minuit"
