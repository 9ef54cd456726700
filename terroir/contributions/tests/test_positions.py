"""A position is a pair (latitude and longitude, or neither), for producers as for places, whatever the way
in: the owner's form, the API, a suggestion."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from terroir.accounts.models import ApiToken
from terroir.accounts.services import api_token_create
from terroir.contributions import revisions, suggestions
from terroir.contributions.models import Revision, Suggestion
from terroir.directory.models import Actor

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("changes", [{"lat": None}, {"lon": None}, {"lat": None, "lon": 3.77}])
def test_a_producer_is_not_given_half_a_position(territory: Any, people: Any, changes: dict[str, Any]) -> None:
    farm = territory.cheese_farm
    with pytest.raises(ValidationError) as refused:
        revisions.entry_edit(entry=farm, changes=changes, by=people.claire, version=None)
    assert refused.value.message_dict == {"lat": ["Indiquez la latitude et la longitude ensemble."]}
    farm = Actor.objects.get(pk=farm.pk)
    assert (farm.lat, farm.lon) == (45.5601, 3.7702)
    assert not Revision.objects.exists()


def test_a_producer_may_drop_its_whole_position_or_get_one(territory: Any, people: Any) -> None:
    farm = territory.cheese_farm
    revisions.entry_edit(entry=farm, changes={"lat": None, "lon": None}, by=people.claire, version=None)
    assert (Actor.objects.get(pk=farm.pk).lat, Actor.objects.get(pk=farm.pk).lon) == (None, None)
    revisions.entry_edit(entry=farm, changes={"lat": 45.56, "lon": 3.77}, by=people.claire, version=None)
    assert (Actor.objects.get(pk=farm.pk).lat, Actor.objects.get(pk=farm.pk).lon) == (45.56, 3.77)


def test_the_owner_s_form_refuses_a_latitude_without_longitude(territory: Any, people: Any) -> None:
    farm = territory.cheese_farm
    client = Client()
    client.force_login(people.claire)
    form = client.get(f"/edit/actor/{farm.pk}/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    response = client.post(f"/edit/actor/{farm.pk}/", {**data, "lat": "45.56", "lon": ""})
    assert response.status_code == 400
    assert response.context["form"].errors["lat"] == ["Indiquez la latitude et la longitude ensemble."]
    assert Actor.objects.get(pk=farm.pk).lon == 3.7702


def test_the_api_refuses_a_null_latitude_with_a_longitude(territory: Any, people: Any) -> None:
    _token, key = api_token_create(user=people.claire, name="Site", scope=ApiToken.Scope.WRITE)
    api = Client(headers={"authorization": f"Bearer {key}"})
    url = f"/api/v1/producers/{territory.cheese_farm.pk}"
    response = api.patch(
        url, {"lat": None, "lon": 3.8}, content_type="application/json", headers={"if-match": api.get(url)["ETag"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "lat"
    assert api.get(url).json()["lat"] == 45.5601


def test_a_suggestion_of_half_a_position_is_refused_before_it_is_stored(territory: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        suggestions.suggestion_submit(
            entry=territory.honey_farm, proposal=suggestions.SuggestionInput(changes={"lat": ""}), by=None
        )
    assert "lat" in refused.value.message_dict
    assert not Suggestion.objects.exists()
