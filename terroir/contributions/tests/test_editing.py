"""Editing services: revisions, conflicts, reverts, suggestions and moderation, closed places."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from terroir.contributions import revisions, suggestions, verification
from terroir.contributions.models import AuditEntry, Revision, Suggestion
from terroir.directory import editing
from terroir.directory.filters import parse_place_query
from terroir.directory.models import MapCell
from terroir.directory.search import places_search

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def _english() -> Any:
    """Messages are asserted in English here; the pages' French is tested with the pages."""
    from django.utils import translation

    with translation.override("en"):
        yield


def found(**params: str) -> list[str]:
    return [hit.place.name for hit in places_search(parse_place_query(params)).hits]


def test_an_owner_edit_records_who_what_and_when(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    revision = revisions.entry_edit(
        entry=shop,
        changes={"opening_hours": "Fr 15:00-19:00; Sa 09:00-12:00", "name": shop.name},
        by=people.claire,
        version=editing.version_of(shop),
    )
    assert revision is not None
    assert revision.by == people.claire
    assert revision.changes == {"opening_hours": ["Fr 16:00-19:00; Sa 09:00-12:00", "Fr 15:00-19:00; Sa 09:00-12:00"]}
    shop.refresh_from_db()
    assert shop.opening_hours == "Fr 15:00-19:00; Sa 09:00-12:00"


def test_an_edit_that_changes_nothing_records_nothing(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    assert revisions.entry_edit(entry=shop, changes={"name": shop.name}, by=people.claire, version=None) is None
    assert not Revision.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("commune", "99999", "Unknown commune"),
        ("lat", 123.0, "outside -90..90"),
        ("lon", "east", "Expected a number"),
        ("opening_hours", "whenever we feel like it", "Opening hours not understood"),
        ("phone", "12", "not a valid phone number"),
        ("website", "javascript:alert(1)", "http"),
        ("kind", "casino", "Unknown kind of place"),
        ("name", "   ", "required"),
        ("postcode", "6300", "five digits"),
        ("closed_at", "2999-01-01", "future"),
    ],
)
def test_it_refuses_bad_values_saying_which_field_and_why(
    territory: Any, people: Any, field: str, value: Any, says: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        revisions.entry_edit(entry=territory.farm_shop, changes={field: value}, by=people.claire, version=None)
    assert field in caught.value.message_dict
    assert says in " ".join(caught.value.message_dict[field])
    assert not Revision.objects.exists()


def test_nobody_edits_what_is_not_theirs(territory: Any, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        revisions.entry_edit(entry=territory.farm_shop, changes={"name": "Chez Hugo"}, by=people.hugo, version=None)
    with pytest.raises(PermissionDenied):
        revisions.entry_edit(
            entry=territory.honey_farm, changes={"name": "Chez Claire"}, by=people.claire, version=None
        )


def test_the_second_of_two_concurrent_editors_is_told_and_nothing_is_overwritten(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    opened = editing.version_of(shop)  # Claire and Camille both open the form
    revisions.entry_edit(entry=shop, changes={"opening_hours": "Fr 16:00-20:00"}, by=people.camille, version=opened)
    with pytest.raises(revisions.EditConflict) as caught:
        revisions.entry_edit(entry=shop, changes={"opening_hours": "Sa 09:00-12:00"}, by=people.claire, version=opened)
    assert caught.value.changed == ["opening_hours"]
    assert caught.value.current["opening_hours"] == "Fr 16:00-20:00"
    shop.refresh_from_db()
    assert shop.opening_hours == "Fr 16:00-20:00"


def test_a_revert_writes_the_old_values_back_as_a_new_revision(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    revision = revisions.entry_edit(entry=shop, changes={"name": "La ferme du Forez"}, by=people.claire, version=None)
    assert revision is not None
    undo = revisions.revision_revert(revision=revision, by=people.camille)
    assert undo is not None and undo.reverts == revision and undo.origin == Revision.Origin.REVERT
    shop.refresh_from_db()
    assert shop.name == "Vente à la ferme des Monts du Forez"
    assert AuditEntry.objects.filter(action="revision_revert", by=people.camille).exists()


def test_a_revert_is_refused_when_the_field_changed_again_since(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    first = revisions.entry_edit(entry=shop, changes={"name": "La ferme du Forez"}, by=people.claire, version=None)
    revisions.entry_edit(entry=shop, changes={"name": "Ferme du Forez"}, by=people.claire, version=None)
    assert first is not None
    with pytest.raises(revisions.RevertRefused) as caught:
        revisions.revision_revert(revision=first, by=people.claire)
    assert caught.value.fields == ["name"]


def test_products_are_edited_as_one_list_and_searchable_at_once(territory: Any, people: Any) -> None:
    farm = territory.cheese_farm
    assert "Vente à la ferme des Monts du Forez" not in found(category="honey")
    revisions.entry_edit(
        entry=farm,
        changes={"products": [*editing.products_of(farm), {"category": "honey", "months": 4095, "labels": ["ab"]}]},
        by=people.claire,
        version=editing.version_of(farm),
    )
    assert "Vente à la ferme des Monts du Forez" in found(category="honey")
    with pytest.raises(ValidationError) as caught:
        revisions.entry_edit(entry=farm, changes={"products": [{"category": "caviar"}]}, by=people.claire, version=None)
    assert "unknown category caviar" in caught.value.message_dict["products"][0]


def test_a_visitor_suggests_a_correction_and_the_owner_accepts_it(territory: Any, people: Any) -> None:
    market = territory.ambert_market
    suggestion = suggestions.suggestion_submit(
        entry=market,
        proposal=suggestions.SuggestionInput(
            changes={"opening_hours": "Th 07:00-12:30", "name": market.name}, email="a@b.fr"
        ),
        by=None,
    )
    assert suggestion.changes == {"opening_hours": ["Th 07:00-13:00", "Th 07:00-12:30"]}
    assert suggestion.status == Suggestion.Status.PENDING
    market.refresh_from_db()
    assert market.opening_hours == "Th 07:00-13:00"  # nothing public before moderation
    with pytest.raises(PermissionDenied):
        suggestions.suggestion_accept(suggestion=suggestion, by=people.hugo)  # sells there, does not run it
    revision = suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    assert revision is not None and revision.suggestion == suggestion
    market.refresh_from_db()
    assert market.opening_hours == "Th 07:00-12:30"
    assert AuditEntry.objects.filter(action="suggestion_accepted").count() == 1


def test_a_suggestion_that_changes_nothing_and_says_nothing_is_refused(territory: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        suggestions.suggestion_submit(
            entry=territory.ambert_market,
            proposal=suggestions.SuggestionInput(changes={"name": territory.ambert_market.name}),
            by=None,
        )
    assert "Nothing differs" in caught.value.messages[0]


def test_a_visitor_cannot_suggest_the_owner_s_consent(territory: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        suggestions.suggestion_submit(
            entry=territory.honey_farm, proposal=suggestions.SuggestionInput(changes={"contact_public": True}), by=None
        )
    assert "contact_public" in caught.value.message_dict


def test_a_closed_place_reported_and_accepted_leaves_the_search_and_the_map(territory: Any, people: Any) -> None:
    from terroir.directory.index import map_cells_rebuild

    map_cells_rebuild()
    shop = territory.le_local
    before = sum(MapCell.objects.filter(level=0).values_list("count", flat=True))
    assert "Le Local, magasin de producteurs" in found(q="local")
    suggestion = suggestions.suggestion_submit(
        entry=shop,
        proposal=suggestions.SuggestionInput(kind=Suggestion.Kind.CLOSED, comment="Fermé depuis mars"),
        by=None,
    )
    suggestions.suggestion_reject(suggestion=suggestion, by=people.camille, note="Still open, I called them.")
    assert "Le Local, magasin de producteurs" in found(q="local")
    suggestion = suggestions.suggestion_submit(
        entry=shop, proposal=suggestions.SuggestionInput(kind=Suggestion.Kind.CLOSED), by=None
    )
    suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    assert "Le Local, magasin de producteurs" not in found(q="local")
    assert sum(MapCell.objects.filter(level=0).values_list("count", flat=True)) == before - 1


def test_the_suggester_hears_about_the_decision(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    suggestion = suggestions.suggestion_submit(
        entry=territory.ambert_market,
        proposal=suggestions.SuggestionInput(
            changes={"address": "Place Charles de Gaulle"}, email="voisine@example.org"
        ),
        by=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        suggestions.suggestion_reject(suggestion=suggestion, by=people.camille, note="La place a été renommée.")
    assert mail.outbox[-1].to == ["voisine@example.org"]
    assert "La place a été renommée." in mail.outbox[-1].body


def test_entries_unchecked_for_twelve_months_are_due_and_a_check_clears_them(territory: Any, people: Any) -> None:
    farm = territory.cheese_farm  # verified on 2026-06-01
    assert not editing.verification_due(farm, today=dt.date(2027, 5, 31))
    assert editing.verification_due(farm, today=dt.date(2027, 6, 2))
    assert editing.verification_due(territory.honey_farm)  # never verified
    verification.entry_verify(entry=territory.honey_farm, by=people.hugo)
    assert not editing.verification_due(territory.honey_farm)


def test_a_stale_suggestion_is_not_accepted_over_the_owner_s_newer_edit_without_confirmation(
    territory: Any, people: Any
) -> None:
    market = territory.ambert_market
    suggestion = suggestions.suggestion_submit(
        entry=market, proposal=suggestions.SuggestionInput(changes={"opening_hours": "Th 07:00-12:30"}), by=None
    )
    revisions.entry_edit(entry=market, changes={"opening_hours": "Th 06:30-13:00"}, by=people.camille, version=None)
    with pytest.raises(suggestions.SuggestionStale) as caught:
        suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    assert caught.value.rows == [("opening_hours", "Th 07:00-13:00", "Th 06:30-13:00", "Th 07:00-12:30")]
    market.refresh_from_db()
    suggestion.refresh_from_db()
    assert market.opening_hours == "Th 06:30-13:00" and suggestion.status == Suggestion.Status.PENDING

    suggestions.suggestion_accept(suggestion=suggestion, by=people.camille, confirm=True)
    market.refresh_from_db()
    assert market.opening_hours == "Th 07:00-12:30"
