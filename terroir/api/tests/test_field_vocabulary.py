"""One value, one stored form: a phone, a SIRET or a postcode typed by an owner in the edit form, sent by a
partner site through the API, suggested by a visitor, read from an imported spreadsheet or passed to the
directory's services is stored the same way, or refused the same way (issue 13: phones were stored E.164
by imports and "04 73 …" by edits in the same column; SIRETs were checked with their checksum by imports
only)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from terroir.accounts.services import api_token_create
from terroir.contributions import suggestions
from terroir.contributions.models import Suggestion
from terroir.directory import editing
from terroir.directory.forms import EntryForm, commune_text
from terroir.directory.models import Actor, Place
from terroir.directory.services import place_create
from terroir.imports.mapping import mapping_parse
from terroir.imports.read import records_read
from terroir.imports.tests.test_read import FARMS_MAPPING, ROWS, write_csv

pytestmark = pytest.mark.django_db

PHONES = [
    ("04 73 12 34 56", "+33473123456"),
    ("+33 4 73 12 34 56", "+33473123456"),
    ("0033 4 73 12 34 56", "+33473123456"),
    ("06.12.34.56.78", "+33612345678"),
    ("0590 81 23 45", "+590590812345"),
    ("+32 2 511 12 34", "+3225111234"),
]


def _form_data(entry: Actor | Place, **changes: str) -> dict[str, Any]:
    """What the edit page posts: every field as the page shows it, with the person's changes."""
    form = EntryForm(entry=entry)
    data: dict[str, Any] = {"version": editing.version_of(entry)}
    for name in form.names:
        value = form.initial.get(name)
        if name == "commune":
            value = commune_text(entry.commune_id) if entry.commune_id else ""
        if isinstance(value, bool):
            if value:
                data[name] = "on"
            continue
        data[name] = "" if value is None else value
    return {**data, **changes}


def _through_the_form(people: Any, entry: Actor | Place, name: str, typed: str) -> Any:
    client = Client()
    client.force_login(people.claire)
    entity = "place" if isinstance(entry, Place) else "actor"
    response = client.post(f"/edit/{entity}/{entry.pk}/", _form_data(entry, **{name: typed}))
    entry.refresh_from_db()
    return response.status_code, getattr(entry, name)


def _through_the_api(people: Any, entry: Actor | Place, name: str, typed: str) -> Any:
    _token, key = api_token_create(user=people.claire, name="Site de la ferme", scope="write")
    api = Client(headers={"authorization": f"Bearer {key}"})
    url = f"/api/v1/places/{entry.pk}" if isinstance(entry, Place) else f"/api/v1/producers/{entry.pk}"
    with translation.override("en"):
        etag = api.get(url)["ETag"]
        response = api.patch(url, {name: typed}, content_type="application/json", headers={"if-match": etag})
    entry.refresh_from_db()
    return response.status_code, getattr(entry, name)


def _through_an_import(tmp_path: Path, column: int, typed: str) -> tuple[str, list[str]]:
    row = list(ROWS[0])
    row[column] = typed
    (record,) = records_read(write_csv(tmp_path / "source.csv", [row]), mapping_parse(FARMS_MAPPING))
    field = {9: "phone", 11: "siret", 5: "postcode"}[column]
    return getattr(record, field), [p.field for p in record.problems]


@pytest.mark.parametrize(("typed", "stored"), PHONES)
def test_a_phone_is_stored_the_same_way_whoever_writes_it(
    territory: Any, people: Any, tmp_path: Path, typed: str, stored: str
) -> None:
    shop, farm = territory.farm_shop, territory.cheese_farm
    assert _through_the_form(people, shop, "phone", typed) == (302, stored)
    Place.objects.filter(pk=shop.pk).update(phone="")
    assert _through_the_api(people, Place.objects.get(pk=shop.pk), "phone", typed) == (200, stored)
    assert _through_the_form(people, farm, "phone", typed) == (302, stored)
    assert _through_an_import(tmp_path, 9, typed) == (stored, [])
    created = place_create(name="Marché de Cunlhat", kind="market", lat=45.63, lon=3.56, phone=typed)
    assert created.phone == stored
    suggestion = suggestions.suggestion_submit(
        entry=territory.ambert_market, proposal=suggestions.SuggestionInput(changes={"phone": typed}), by=None
    )
    assert suggestion.changes["phone"] == ["", stored]


def test_a_siret_is_checked_with_its_checksum_whoever_writes_it(territory: Any, people: Any, tmp_path: Path) -> None:
    farm = territory.cheese_farm
    wrong = "732 829 320 00075"  # one digit off
    status, kept = _through_the_form(people, farm, "siret", wrong)
    assert (status, kept) == (400, "73282932000074")  # the form is shown again with the error
    assert _through_the_api(people, Actor.objects.get(pk=farm.pk), "siret", wrong) == (400, "73282932000074")
    assert _through_an_import(tmp_path, 11, wrong) == ("", ["siret"])
    # La Poste's establishments follow their own rule, known to python-stdnum.
    assert _through_the_form(people, Actor.objects.get(pk=farm.pk), "siret", "356 000 000 00048") == (
        302,
        "35600000000048",
    )
    assert _through_an_import(tmp_path, 11, "356 000 000 00048") == ("35600000000048", [])


@pytest.mark.parametrize(("typed", "stored"), [("63 600", "63600"), ("97110", "97110")])
def test_a_postcode_is_stored_the_same_way_whoever_writes_it(
    territory: Any, people: Any, tmp_path: Path, typed: str, stored: str
) -> None:
    assert _through_the_form(people, territory.farm_shop, "postcode", typed) == (302, stored)
    Place.objects.filter(pk=territory.farm_shop.pk).update(postcode="")
    assert _through_the_api(people, Place.objects.get(pk=territory.farm_shop.pk), "postcode", typed)[1] == stored
    assert _through_an_import(tmp_path, 5, typed) == (stored, [])


def test_a_suggested_contact_address_follows_the_e_mail_rule(territory: Any) -> None:
    suggestion = suggestions.suggestion_submit(
        entry=territory.ambert_market,
        proposal=suggestions.SuggestionInput(changes={"email": "Marche@Ambert.FR"}, email="Visiteur@Exemple.FR"),
        by=None,
    )
    assert suggestion.changes["email"] == ["", "Marche@ambert.fr"]
    assert Suggestion.objects.get(pk=suggestion.pk).email == "Visiteur@exemple.fr"
