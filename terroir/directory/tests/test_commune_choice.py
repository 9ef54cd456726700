"""The commune of a search as a person types it: the autocomplete's suggestions, the territory's
communes first, an ambiguous name asked about, a misspelling answered with suggestions (issue 15)."""

from __future__ import annotations

import pytest

from terroir.directory.communes import CommuneAmbiguous, CommuneNotFound, commune_choose, communes_suggest

pytestmark = pytest.mark.django_db


def test_saint_just_is_the_territorys_saint_just_not_the_most_populated_one() -> None:
    # Saint-Just (34, Hérault) has 3,255 inhabitants, Saint-Just (63) 157: the territory's wins.
    assert commune_choose("Saint-Just").code == "63371"
    assert commune_choose("st just").code == "63371"
    assert commune_choose("SAINT JUST").code == "63371"


def test_a_name_of_several_communes_outside_the_territory_asks_which_one() -> None:
    with pytest.raises(CommuneAmbiguous) as raised:
        commune_choose("Clermont")
    labels = [c.label for c in raised.value.candidates]
    # Clermont-Ferrand, in the territory, first; then the four Clermont of France.
    assert labels[0] == "Clermont-Ferrand (63)"
    assert {"Clermont (60)", "Clermont (09)", "Clermont (40)", "Clermont (74)"} <= set(labels)


def test_the_autocompletes_label_and_a_postcode_choose_one_commune() -> None:
    assert commune_choose("Clermont (60)").code == "60157"
    assert commune_choose("Saint-Just (34)").code == "34272"
    assert commune_choose("Saint-Just 34400").code == "34272"
    assert commune_choose("63600").name == "Ambert"
    assert commune_choose("63003").name == "Ambert"  # INSEE code


def test_a_misspelt_name_comes_with_suggestions_in_french(settings) -> None:
    from django.utils import translation

    with pytest.raises(CommuneNotFound) as raised:
        commune_choose("Ambret")
    assert next(c.label for c in raised.value.suggestions) == "Ambert (63)"
    with translation.override("fr"):
        assert raised.value.message.startswith("aucune commune ne s’appelle « Ambret ». Voulez-vous dire Ambert (63)")


def test_the_autocomplete_puts_the_territorys_communes_first_and_ignores_accents_and_st() -> None:
    assert next(c.label for c in communes_suggest("clermont")) == "Clermont-Ferrand (63)"
    found = communes_suggest("St-Just")
    assert found[0].label == "Saint-Just (63)" and found[0].in_territory
    assert "Saint-Just (34)" in [c.label for c in found]
    # A word inside the name: "just" finds the territory's Saint-Just… after the names starting so.
    assert any(c.name.startswith("Saint-Just") and c.in_territory for c in communes_suggest("just"))
    assert next(c.name for c in communes_suggest("thiers")) == "Thiers"
    assert "Ambert" in [c.name for c in communes_suggest("636")]
    assert communes_suggest("   ") == []


def test_the_autocomplete_ranks_the_territory_then_the_exact_name_then_the_prefix_then_the_population() -> None:
    # "just": the territory's Saint-Just… (a word of their name) before Justine-Herbigny (08), whose name
    # starts so but is far away.
    found = communes_suggest("just")
    assert found[0].in_territory and found[0].name.startswith("Saint-Just")
    assert [c.in_territory for c in found] == sorted((c.in_territory for c in found), reverse=True)
    # Within the territory, the name typed in full, then by population.
    mont = communes_suggest("mont")
    assert mont[0].name == "Mont"
    territory = [c.population for c in mont[1:] if c.in_territory and c.name.lower().startswith("mont")]
    assert territory == sorted(territory, reverse=True)
