"""Where to order a producer's food online: a web address the owner edits, cleaned by the field registry,
shown on the producer's page whatever contact_public says."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from terroir.contributions import revisions
from terroir.directory import editing, fields
from terroir.directory.models import Actor

pytestmark = pytest.mark.django_db


def test_the_order_link_is_cleaned_by_the_registry_like_a_website() -> None:
    assert fields.clean("order_url", "openfoodfrance.org/ferme") == "https://openfoodfrance.org/ferme"
    with pytest.raises(fields.FieldInvalid) as refused:
        fields.clean("order_url", "javascript:alert(1)")
    assert refused.value.field == "order_url"


def test_the_owner_sets_the_order_link_on_the_form_and_the_page_shows_it(territory: Any, people: Any) -> None:
    farm = territory.honey_farm  # contact details not public: the order link is shown all the same
    owner = Client()
    owner.force_login(people.hugo)
    form = {"version": editing.version_of(farm), "name": farm.name, "commune": farm.commune_id,
            "lat": str(farm.lat), "lon": str(farm.lon), "order_url": "cagette.net/durolle"}  # fmt: skip
    assert owner.post(f"/edit/actor/{farm.pk}/", form).status_code == 302
    assert Actor.objects.get(pk=farm.pk).order_url == "https://cagette.net/durolle"
    page = Client().get(farm.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'href="https://cagette.net/durolle"' in page
    assert "Commander en ligne" in page and "cagette.net" in page
    assert "miel@durolle.example.org" not in page


def test_a_bad_order_link_is_refused_next_to_its_field(territory: Any, people: Any) -> None:
    farm = territory.honey_farm
    owner = Client()
    owner.force_login(people.hugo)
    form = {"version": editing.version_of(farm), "name": farm.name, "commune": farm.commune_id,
            "lat": str(farm.lat), "lon": str(farm.lon), "order_url": "ftp://durolle"}  # fmt: skip
    response = owner.post(f"/edit/actor/{farm.pk}/", form)
    assert response.status_code == 400
    assert "order_url" in response.context["form"].errors


def test_the_order_link_is_an_edit_like_any_other_recorded_and_undone(territory: Any, people: Any) -> None:
    farm = territory.cheese_farm
    revision = revisions.entry_edit(
        entry=farm, changes={"order_url": "https://openfoodfrance.org/monts-du-forez"}, by=people.claire, version=None
    )
    assert revision is not None and revision.changes == {"order_url": ["", "https://openfoodfrance.org/monts-du-forez"]}
