"""Safe moderation: a suggestion records the values it was made against (those the person saw), so that
the owner's newer edit is never overwritten without the moderator seeing both and confirming — from the
suggestion page, the API and the moderation page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from terroir.accounts.models import Membership
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Suggestion
from terroir.directory import editing
from terroir.directory.models import Actor, Place

pytestmark = pytest.mark.django_db


def page_form(page: str) -> dict[str, str]:
    """The suggestion page's inputs as the browser would send them back (text inputs and hidden ones)."""
    data = {}
    for tag in re.findall(r"<input [^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and 'type="checkbox"' not in tag:
            data[name.group(1)] = value.group(1).replace("&#x27;", "'").replace("&amp;", "&") if value else ""
    return data


def owner_edits(place: Place, by: Any, **changes: Any) -> None:
    revisions.entry_edit(entry=place, changes=changes, by=by, version=None)
    place.refresh_from_db()


def test_a_value_sent_back_unchanged_while_the_owner_edited_it_is_no_suggestion_to_undo_the_edit(
    territory: Any, people: Any
) -> None:
    shop = territory.le_local
    visitor = Client()
    form = page_form(visitor.get(f"/suggest/place/{shop.pk}/").content.decode())
    assert form["initial-opening_hours"] == "Tu-Sa 09:00-12:30,15:00-19:00" and form["version"]
    # Meanwhile its people change the hours; the visitor only corrects the website.
    owner_edits(shop, people.camille, opening_hours="Tu-Sa 09:00-19:00")
    sent = visitor.post(f"/suggest/place/{shop.pk}/", {**form, "website": "https://le-local.example.org"})
    assert sent.status_code == 200
    suggestion = Suggestion.objects.get()
    assert list(suggestion.changes) == ["website"] and suggestion.version == form["version"]
    suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    shop.refresh_from_db()
    assert shop.opening_hours == "Tu-Sa 09:00-19:00" and shop.website == "https://le-local.example.org"


def test_a_suggestion_records_the_value_the_person_saw_and_asks_before_replacing_a_newer_one(
    territory: Any, people: Any
) -> None:
    shop = territory.le_local
    visitor = Client()
    form = page_form(visitor.get(f"/suggest/place/{shop.pk}/").content.decode())
    owner_edits(shop, people.camille, opening_hours="Tu-Sa 09:00-19:00")
    visitor.post(f"/suggest/place/{shop.pk}/", {**form, "opening_hours": "Tu-Sa 09:00-12:00"})
    suggestion = Suggestion.objects.get()
    # Made against the value the visitor saw, not the owner's, which came after.
    assert suggestion.changes == {"opening_hours": ["Tu-Sa 09:00-12:30,15:00-19:00", "Tu-Sa 09:00-12:00"]}
    with pytest.raises(suggestions.SuggestionStale) as caught:
        suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    assert caught.value.rows == [
        ("opening_hours", "Tu-Sa 09:00-12:30,15:00-19:00", "Tu-Sa 09:00-19:00", "Tu-Sa 09:00-12:00")
    ]
    shop.refresh_from_db()
    assert shop.opening_hours == "Tu-Sa 09:00-19:00"


def test_a_confirmation_given_on_a_page_holds_only_while_the_entry_is_as_that_page_showed_it(
    territory: Any, people: Any
) -> None:
    market = territory.ambert_market
    suggestion = suggestions.suggestion_submit(
        entry=market, proposal=suggestions.SuggestionInput(changes={"opening_hours": "Th 07:00-12:30"}), by=None
    )
    owner_edits(market, people.camille, opening_hours="Th 06:30-13:00")
    shown = editing.version_of(market)
    owner_edits(market, people.camille, opening_hours="Th 06:00-13:00")  # after the page was shown
    with pytest.raises(suggestions.SuggestionStale):
        suggestions.suggestion_accept(suggestion=suggestion, by=people.camille, confirm=True, confirmed_version=shown)
    market.refresh_from_db()
    assert market.opening_hours == "Th 06:00-13:00"
    now = editing.version_of(market)
    suggestions.suggestion_accept(suggestion=suggestion, by=people.camille, confirm=True, confirmed_version=now)
    market.refresh_from_db()
    assert market.opening_hours == "Th 07:00-12:30"


def test_through_the_api_a_suggestion_is_made_against_the_values_the_client_read(
    client: Client, territory: Any, people: Any
) -> None:
    shop = territory.le_local
    read = client.get(f"/api/v1/places/{shop.pk}")
    etag = read["ETag"]
    owner_edits(shop, people.camille, opening_hours="Tu-Sa 09:00-19:00")
    body = {
        "entity": "place", "id": shop.pk, "changes": {"opening_hours": "Tu-Sa 10:00-19:00", "name": shop.name},
        "against": {"opening_hours": "Tu-Sa 09:00-12:30,15:00-19:00", "name": shop.name}, "version": etag,
    }  # fmt: skip
    assert client.post("/api/v1/suggestions", body, content_type="application/json").status_code == 201
    suggestion = Suggestion.objects.get()
    assert suggestion.changes == {"opening_hours": ["Tu-Sa 09:00-12:30,15:00-19:00", "Tu-Sa 10:00-19:00"]}
    assert suggestion.version == etag.strip('"')
    with pytest.raises(suggestions.SuggestionStale):
        suggestions.suggestion_accept(suggestion=suggestion, by=people.camille)
    # Without `against`: the entry's values when the suggestion arrives, as before.
    body = {"entity": "place", "id": shop.pk, "changes": {"website": "https://le-local.example.org"}}
    assert client.post("/api/v1/suggestions", body, content_type="application/json").status_code == 201
    latest = Suggestion.objects.latest("created_at")
    assert latest.changes == {"website": ["", "https://le-local.example.org"]}
    assert latest.version == editing.version_of(Place.objects.get(pk=shop.pk))


def stale_suggestion(territory: Any, people: Any) -> Suggestion:
    shop = territory.farm_shop  # run by the cheese farm (Claire)
    form = page_form(Client().get(f"/suggest/place/{shop.pk}/").content.decode())
    owner_edits(shop, people.claire, opening_hours="Fr 15:00-19:00; Sa 09:00-12:00")
    Client().post(f"/suggest/place/{shop.pk}/", {**form, "opening_hours": "Fr 16:00-20:00"})
    return Suggestion.objects.get()


@pytest.mark.parametrize(
    ("who", "decides"), [("outsider", False), ("other_organisation", False), ("own", True), ("coordinator", True)]
)
def test_the_moderation_page_shows_the_value_then_now_and_suggested_and_asks_before_replacing(
    territory: Any, people: Any, who: str, decides: bool
) -> None:
    suggestion = stale_suggestion(territory, people)
    outsider = Actor.objects.create(name="Association des amis du marché")
    Membership.objects.create(user=people.hugo, actor=outsider, how="created")
    Membership.objects.filter(user=people.hugo).exclude(actor=outsider).delete()
    user = {"outsider": people.hugo, "other_organisation": people.sophie, "own": people.claire,
            "coordinator": people.camille}[who]  # fmt: skip
    client = Client()
    client.force_login(user)
    page = client.get("/moderation/").content.decode()
    shown = f'id="suggestion-{suggestion.pk}"' in page
    assert shown is decides
    accept = client.post(f"/moderation/{suggestion.pk}/accept/")
    shop = Place.objects.get(pk=territory.farm_shop.pk)
    assert shop.opening_hours == "Fr 15:00-19:00; Sa 09:00-12:00"  # never replaced without confirming
    if not decides:
        assert accept.status_code == 403
        return
    assert accept.status_code == 409
    text = accept.content.decode()
    # In words, as the public pages say them.
    assert "vendredi 16 h–19 h\u202f; samedi 9 h–12 h" in text  # the value it was made against
    assert "<strong>vendredi 15 h–19 h\u202f; samedi 9 h–12 h</strong>" in text  # the value now, marked as changed
    assert "<ins>vendredi 16 h–20 h</ins>" in text  # the suggested one
    version = re.search(r'name="version" value="([^"]+)"', text)
    assert version is not None and 'name="confirm" value="1"' in text
    client.post(f"/moderation/{suggestion.pk}/accept/", {"confirm": "1", "version": version.group(1)})
    shop.refresh_from_db()
    assert shop.opening_hours == "Fr 16:00-20:00"
