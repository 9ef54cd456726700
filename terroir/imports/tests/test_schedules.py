"""The French schedule parser (terroir/imports/schedules.py) on synthetic sentences.

Every sentence here is written for these tests in the exact formats of the sources (jours-de-marche.fr with its
double spaces, nosmarches.com, the avenir-bio AMAP list, GoGoCarto maps); none is copied from them: those lists
are scraped and carry no licence.
"""

from __future__ import annotations

import pytest

from terroir.imports.schedules import NO_TIME, Schedule, schedule_parse
from terroir.lib import hours

# (sentence, opening_hours, pickup place)
UNDERSTOOD = [
    # jours-de-marche.fr
    ("Ce marché a lieu de Juillet à Août le  dimanche de 8h à 13h", "Jul-Aug Su 08:00-13:00", ""),
    ("Ce marché a lieu toute l'année le  samedi de 8h à 13h", "Sa 08:00-13:00", ""),
    ("Ce marché a lieu toute l'année les jours suivants :  mardi, vendredi de 7h à 12h", "Tu,Fr 07:00-12:00", ""),
    (
        "Ce marché a lieu de Janvier à Janvier les jours suivants :  lundi, mardi, mercredi, jeudi, vendredi"
        " de 6h à 13h",
        "Mo-Fr 06:00-13:00",
        "",
    ),
    ("Ce marché a lieu de Janvier à Décembre le  jeudi de 16h à 19h", "Th 16:00-19:00", ""),
    ("Ce marché a lieu de Novembre à Mars le  mercredi de 9h à 12h", "Nov-Mar We 09:00-12:00", ""),
    ("Ce marché a lieu de Août à Août le  vendredi de 18h à 0h", "Aug Fr 18:00-24:00", ""),
    (
        "Ce marché a lieu de Avril à Octobre les jours suivants :  samedi, dimanche de 9h à 13h",
        "Apr-Oct Sa,Su 09:00-13:00",
        "",
    ),
    # nosmarches.com
    ("jeudi 07:30 - 12:30", "Th 07:30-12:30", ""),
    ("mercredi 08:00 - 13:00; samedi 08:00 - 13:00", "We,Sa 08:00-13:00", ""),
    (
        "lundi 08:00 - 12:00; lundi 14:00 - 18:00; samedi 08:00 - 12:00",
        "Mo 08:00-12:00,14:00-18:00; Sa 08:00-12:00",
        "",
    ),
    ("vendredi 19:00 - 01:00", "Fr 19:00-01:00", ""),
    ("samedi 16:00 - 24:00; dimanche 09:00 - 23:59", "Sa 16:00-24:00; Su 09:00-23:59", ""),
    # AMAP lists
    (
        "Distribution le mercredi de 18h30 à 20h à l'Ecole des Tilleuls - 4, rue des Tilleuls.",
        "We 18:30-20:00",
        "Ecole des Tilleuls - 4, rue des Tilleuls",
    ),
    (
        "Distribution le jeudi de 18h30à 19h45 au Foyer Rural - rue du Lavoir.",
        "Th 18:30-19:45",
        "Foyer Rural - rue du Lavoir",
    ),
    (
        "Livraison le mardi de 17h à 19h sur le parking de la salle des fêtes.",
        "Tu 17:00-19:00",
        "sur le parking de la salle des fêtes",
    ),
    ("Distribution le vendredi de 18 à 19h30 - 12, place du Marché.", "Fr 18:00-19:30", "12, place du Marché"),
    ("Distribution le mardi de de 18h à 19h à la ferme du Pré.", "Tu 18:00-19:00", "ferme du Pré"),
    ('Distribution le jeudi de 18h à 19h "La Grange du Bourg".', "Th 18:00-19:00", "La Grange du Bourg"),
    ("Distribution s le mardi et le vendredi de 18h à 19h à la Halle.", "Tu,Fr 18:00-19:00", "Halle"),
    (
        "Distribution s le vendredi de 16h à 19h et le samedi de 10h30 à 12h à la ferme - 3, route du Bois.",
        "Fr 16:00-19:00; Sa 10:30-12:00",
        "ferme - 3, route du Bois",
    ),
    ("Distribution le lundi de 18h à 19h au 5, av. du Dr. Roux.", "Mo 18:00-19:00", "5, av. du Dr. Roux"),
    ("Distribution le mercredi en semaine paire de 18h à 19h à la Grange.", "week 2-52/2 We 18:00-19:00", "Grange"),
    ("Distribution tous les premiers samedis du mois de 10h à 12h au local.", "Sa[1] 10:00-12:00", "local"),
    ("Distribution le jeudi à partir de 17h30 devant la mairie.", "Th 17:30+", "devant la mairie"),
    ("Distribution du lundi au vendredi de 17h à 19h à la boutique.", "Mo-Fr 17:00-19:00", "boutique"),
    # GoGoCarto maps
    ("Distribution chaque jeudi de 18h à 19h", "Th 18:00-19:00", ""),
    ("Distribution tous les mardis de 17h30 à 19h", "Tu 17:30-19:00", ""),
]


@pytest.mark.parametrize(("text", "expression", "place"), UNDERSTOOD)
def test_a_sentence_in_a_known_format_gives_its_hours_and_its_place(text: str, expression: str, place: str) -> None:
    schedule = schedule_parse(text)
    assert (schedule.opening_hours, schedule.place, schedule.note) == (expression, place, "")
    assert schedule.understood
    hours.validate(schedule.opening_hours)


@pytest.mark.parametrize(
    "text",
    [
        "samedi 0007: - 19:30",  # an impossible hour
        "Distribution le mardi ou le jeudi de 18h à 19h au local.",  # which day?
        "Distribution le mercredi de 18h à 19h (en hiver) et de 19h à 20h (en été) sur la place.",
        "Distribution 2 samedis par an de 10h à 12h à la ferme.",
        "Ce marché a lieu de Mai à Septembre les jours suivants :  de 8h à 13h",  # no weekday
        "Distribution le mercredi de 17h75 à 18h45 à la salle.",
        "Distribution le mardi de 19h45 à 19h15 à la salle des fêtes.",  # ends before it starts
        "Cette AMAP est en sommeil cette année.",
        "Distribution à la salle polyvalente - rue des Écoles.",
    ],
)
def test_a_sentence_not_understood_gives_no_hours_and_is_kept_whole_as_the_note(text: str) -> None:
    assert schedule_parse(text) == Schedule(note=" ".join(text.split()))


def test_what_follows_the_place_is_kept_as_the_note_next_to_the_hours() -> None:
    schedule = schedule_parse(
        "Distribution le jeudi de 19h à 20h au Foyer - 2, rue Haute. Fait partie du réseau des Paniers Bio."
    )
    assert (schedule.opening_hours, schedule.place) == ("Th 19:00-20:00", "Foyer - 2, rue Haute")
    assert schedule.note == "Fait partie du réseau des Paniers Bio."
    assert not schedule.understood


def test_text_before_the_distribution_is_kept_as_the_note() -> None:
    schedule = schedule_parse("Autres produits : tisanes Distribution le mardi de 18h à 19h à la ferme.")
    assert (schedule.opening_hours, schedule.place, schedule.note) == (
        "Tu 18:00-19:00",
        "ferme",
        "Autres produits : tisanes",
    )


def test_a_weekday_without_hours_is_open_at_unknown_hours() -> None:
    schedule = schedule_parse("Distribution le vendredi à la salle des fêtes.")
    assert schedule.opening_hours == f'Fr unknown "{NO_TIME}"'
    assert schedule.place == "salle des fêtes"


def test_every_other_week_without_its_parity_is_said_unknown_rather_than_every_week() -> None:
    assert schedule_parse("Distribution un jeudi sur deux de 18h à 19h.").opening_hours == (
        'Th 18:00-19:00 unknown "une semaine sur deux"'
    )
    assert schedule_parse("Distribution le jeudi tous les 15 jours de 18h à 19h.").opening_hours == (
        'Th 18:00-19:00 unknown "une semaine sur deux"'
    )


def test_a_form_left_at_midnight_to_midnight_says_the_days_with_unknown_hours() -> None:
    assert schedule_parse("lundi 00:00 - 00:00; mardi 00:00 - 00:00").opening_hours == f'Mo,Tu unknown "{NO_TIME}"'


def test_a_month_range_across_the_new_year_is_valid_opening_hours() -> None:
    schedule = schedule_parse("Ce marché a lieu de Décembre à Avril le  dimanche de 9h à 12h")
    assert schedule.opening_hours == "Dec-Apr Su 09:00-12:00"
    assert hours.validate(schedule.opening_hours) == "Jan-Apr,Dec Su 09:00-12:00"


def test_a_weekday_inside_a_place_name_is_not_read_as_a_day() -> None:
    schedule = schedule_parse("Distribution le jeudi de 19h à 20h à la salle de Courdimanche.")
    assert (schedule.opening_hours, schedule.place) == ("Th 19:00-20:00", "salle de Courdimanche")


def test_an_empty_schedule_is_nothing() -> None:
    assert schedule_parse("   ") == Schedule()
