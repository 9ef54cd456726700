"""The communes reference (version 2, loaded by the migrations): official names with their article,
département codes, former communes, and lookups that never guess between homonyms."""

from __future__ import annotations

import pytest

from terroir.directory import communes
from terroir.directory.communes import commune_find, commune_resolve
from terroir.directory.models import Commune

pytestmark = pytest.mark.django_db


def code(**query: str) -> str | None:
    found = commune_resolve(**query).commune
    return found.code if found else None


def test_every_commune_of_france_comes_with_the_migrations_with_its_article_and_department_code() -> None:
    assert Commune.objects.count() > 34_000
    assert Commune.objects.get(code="72181").name == "Le Mans"
    rochelle = Commune.objects.get(code="17300")
    assert (rochelle.name, rochelle.department) == ("La Rochelle", "17")
    assert Commune.objects.get(code="2A004").department == "2A"  # Ajaccio
    clermont = Commune.objects.get(code="63113")
    assert clermont.epci_code == "246300701" and clermont.epci_name == "Clermont Auvergne Métropole"
    found = commune_find("La Rochelle")
    assert found is not None and found.code == "17300"


def test_names_are_found_with_or_without_their_article_and_in_any_case() -> None:
    assert code(name="Le Mans") == code(name="MANS (LE)") == code(name="le-mans", postcode="72000") == "72181"
    assert code(name="L'Isle-Jourdain", postcode="32600") == "32160"
    assert code(name="St Amant Roche Savine") == "63314"


def test_a_homonym_is_chosen_by_its_postcode_or_department_and_reported_ambiguous_without() -> None:
    assert code(name="Nozay", postcode="44170") == "44113"
    assert code(name="Nozay", department="91") == "91458"
    alone = commune_resolve(name="Nozay")
    assert alone.commune is None and alone.ambiguous
    assert {c[:2] for c in alone.candidates} == {"10", "44", "91"}


def test_a_former_commune_leads_to_the_commune_it_merged_into() -> None:
    assert code(name="Cordieux", postcode="01120") == "01262"  # Montluel
    assert code(code="01120") == "01262"


def test_a_postcode_alone_is_enough_when_one_commune_has_it_and_a_cedex_is_not_a_commune() -> None:
    assert code(postcode="72000") == "72181"
    shared = commune_resolve(postcode="63600")  # Ambert and nine villages around it
    assert shared.ambiguous and "63003" in shared.candidates and len(shared.candidates) == 10
    assert code(name="CLERMONT FERRAND CEDEX 1", postcode="63001") == "63113"
    assert code(name="Lyon 3e") == "69383"


def test_refreshing_the_communes_writes_only_what_changed_in_the_reference() -> None:
    from terroir.directory.communes import communes_load
    from terroir.directory.models import CommuneName

    assert communes_load(departments={"63"}) == 0  # the table already matches the file: nothing written
    Commune.objects.filter(code="63003").update(population=1, name="Ambert-le-Vieux")
    CommuneName.objects.filter(commune_id="63113").delete()
    CommuneName.objects.create(key="clermont wrong", commune_id="63113")
    assert communes_load(departments={"63"}) == 1
    ambert = Commune.objects.get(code="63003")
    assert (ambert.name, (ambert.population or 0) > 1000) == ("Ambert", True)
    assert set(CommuneName.objects.filter(commune_id="63113").values_list("key", flat=True)) == {"clermont ferrand"}
    assert code(name="Clermont-Ferrand") == "63113"


def test_a_misspelt_name_is_found_among_the_communes_of_its_postcode_or_department() -> None:
    # As the HVE list writes them (an official publication): title case, accents and hyphens lost, typos.
    assert code(name="St Genes Champanelle", postcode="63122") == "63345"
    assert code(name="Cebazat", postcode="63118") == "63063"
    assert code(name="Montmerle-Sur-Saone", postcode="01090") == "01263"
    assert code(name="Saint Nicolas De Bourgeuil", postcode="37140") == "37228"
    assert code(name="Vernou S/ Brenne", postcode="37210") == "37270"
    assert code(name="Lalande Pomerol", postcode="33500") == "33222"
    assert code(name="Clementsat", department="63") == "63111"  # within the département when no postcode


def test_a_misspelling_close_to_several_communes_stays_ambiguous_and_nothing_is_guessed_without_a_place() -> None:
    close = commune_resolve(name="St-Sernin-De-Duras", postcode="47120")  # Saint-Sernin? Saint-Astier? (Duras)
    assert close.commune is None and close.ambiguous and len(close.candidates) == 2
    assert commune_resolve(name="Cebazatt").commune is None  # no postcode, no département: no fuzzy match
    assert commune_resolve(name="Nozay").ambiguous


def test_a_held_index_is_not_rebuilt_by_age_until_the_last_run_holding_it_ends(monkeypatch) -> None:
    monkeypatch.setattr(communes, "INDEX_TTL_S", -1.0)  # every index is older than its age
    monkeypatch.setattr(communes, "_index", None)
    with communes.commune_index_held() as held:
        assert communes.commune_index() is held
        with communes.commune_index_held() as inner:  # a second run of the process, at the same time
            assert inner is held
        assert communes.commune_index() is held
        assert communes.commune_resolve(name="Ambert", postcode="63600").commune is not None
        assert communes.commune_index() is held
        communes.index_forget()  # the table changed in this process: dropped at once
        again = communes.commune_index()
        assert again is not held and communes.commune_index() is again
    assert communes.commune_index() is not again


def test_a_refresh_updates_the_changed_communes_through_the_one_writer_of_plain_updates(monkeypatch) -> None:
    """`index.rows_update` (UPDATE … FROM VALUES on SQLite, pipelined prepared UPDATEs on PostgreSQL), not a
    writer of the communes' own beside it."""
    from terroir.directory.communes import communes_load
    from terroir.directory.index import rows_update

    written: list[tuple[str, ...]] = []

    def spied(model, columns, rows, **options) -> None:
        written.extend(row[0] for row in rows)
        rows_update(model, columns, rows, **options)

    monkeypatch.setattr(communes, "rows_update", spied)
    Commune.objects.filter(code__in=["63003", "63113"]).update(population=1, lat=None, epci_name="")
    assert communes_load(departments={"63"}) == 2
    assert sorted(written) == ["63003", "63113"]
    ambert, clermont = Commune.objects.get(code="63003"), Commune.objects.get(code="63113")
    assert (ambert.population or 0) > 1000 and (clermont.population or 0) > 100_000
    assert ambert.lat is not None and clermont.epci_name
    assert communes_load(departments={"63"}) == 0  # the table matches the file again


def test_a_misspelt_communes_likeness_is_difflibs_ratio_of_its_letters() -> None:
    """`name_similarity` through lib.text's matching ratio: difflib's very number (without its "popular"
    characters, as the communes' matching asked it), names of every length."""
    from difflib import SequenceMatcher

    from terroir.directory.communes import _core, name_similarity

    names = ["saint amant roche savine", "st amant roche savine", "la chapelle de guinchay", "guinchay",
             "lalande pomerol", "lalande de pomerol", "vernou s brenne", "vernou sur brenne", "clermont ferrand",
             "clermond ferand", "chatel guyon", "chatelguyon", "le puy en velay", "puy en velay", "",
             "a" * 210 + " b", "ab" * 120 + " de la"]  # fmt: skip
    for asked in names:
        for known in names:
            (a, a_words), (b, b_words) = _core(asked), _core(known)
            expected = SequenceMatcher(None, a, b, autojunk=False).ratio() if a and b else 0.0
            if a and b and (a_words <= b_words or b_words <= a_words):
                expected = max(expected, 0.9)
            assert name_similarity(asked, known) == expected, (asked, known)
