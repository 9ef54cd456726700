"""Names and other one-line fields hold one line: a line break there would reach e-mail subjects (headers)
and one-line exports. Entries that already hold one (written before this rule) still get their e-mails."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client

from terroir.accounts.models import ApiToken
from terroir.accounts.services import api_token_create
from terroir.conftest import person
from terroir.contributions.claims import claim_request
from terroir.contributions.models import Claim, Revision, Suggestion
from terroir.directory import editing
from terroir.directory.models import Actor, Place

pytestmark = pytest.mark.django_db

BAD_NAMES = ["Ferme\nBcc: victim@example.org", "Ferme\r\nX", "Ferme\x0bdu\x1fPuy", "Ferme\x7f", "Ferme\u2028du Puy"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_it_refuses_a_name_with_a_line_break_or_a_control_character(territory: Any, name: str) -> None:
    with pytest.raises(ValidationError) as refused:
        editing.value_clean(territory.cheese_farm, "name", name)
    assert list(refused.value.message_dict) == ["name"]


def test_a_description_keeps_its_lines_but_not_other_control_characters(territory: Any) -> None:
    farm = territory.cheese_farm
    assert editing.value_clean(farm, "description", "Fourme d'Ambert.\r\n\tAu lait cru.") == (
        "Fourme d'Ambert.\r\n\tAu lait cru."
    )
    with pytest.raises(ValidationError) as refused:
        editing.value_clean(farm, "description", "Fourme\x1b[31m d'Ambert")
    assert "description" in refused.value.message_dict


def test_the_owner_s_form_shows_the_error_under_the_name_in_french(territory: Any, people: Any) -> None:
    shop = territory.farm_shop
    client = Client()
    client.force_login(people.claire)
    data = {
        "version": editing.version_of(shop), "name": "Vente\nà la ferme", "kind": shop.kind, "lat": str(shop.lat),
        "lon": str(shop.lon), "commune": shop.commune_id, "opening_hours": shop.opening_hours,
    }  # fmt: skip
    response = client.post(f"/edit/place/{shop.pk}/", data, headers={"accept-language": "fr"})
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == [
        "Retirez les retours à la ligne et les caractères de contrôle\u202f: ce champ tient sur une ligne."
    ]
    shop.refresh_from_db()
    assert shop.name == "Vente à la ferme des Monts du Forez"
    assert not Revision.objects.exists()


def test_a_suggested_name_with_a_line_break_is_refused_and_nothing_is_stored(territory: Any, people: Any) -> None:
    response = Client().post(
        f"/suggest/actor/{territory.honey_farm.pk}/",
        {"name": "Rucher\nSubject: gagné", "comment": "", "website_url": ""},
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Suggestion.objects.exists()
    assert mail.outbox == []


def test_the_api_refuses_a_name_with_a_line_break_saying_which_field(territory: Any, people: Any) -> None:
    _token, key = api_token_create(user=people.claire, name="Site", scope=ApiToken.Scope.WRITE)
    api = Client(headers={"authorization": f"Bearer {key}"})
    url = f"/api/v1/producers/{territory.cheese_farm.pk}"
    response = api.patch(
        url, {"name": "GAEC\ndes Monts"}, content_type="application/json", headers={"if-match": api.get(url)["ETag"]}
    )
    assert response.status_code == 400
    assert response.json()["error"]["parameter"] == "name"
    suggestion = Client().post(
        "/api/v1/suggestions",
        {"entity": "place", "id": territory.ambert_market.pk, "changes": {"name": "Marché\u2029d'Ambert"}},
        content_type="application/json",
    )
    assert suggestion.status_code == 400 and suggestion.json()["error"]["parameter"] == "name"
    assert not Suggestion.objects.exists()


def test_an_entry_that_already_holds_a_line_break_still_gets_its_e_mails(
    territory: Any, people: Any, django_capture_on_commit_callbacks: Any
) -> None:
    # Written before the rule (or by an import): the e-mails about it must still go out, on one line.
    Actor.objects.filter(pk=territory.cheese_farm.pk).update(name="GAEC des Monts\ndu Forez")
    Place.objects.filter(pk=territory.farm_shop.pk).update(name="Vente à la ferme\r\nBcc: victim@example.org")
    response = Client().post(
        f"/suggest/place/{territory.farm_shop.pk}/", {"address": "Le Bourg", "comment": "", "website_url": ""}
    )
    assert response.status_code == 200
    assert Suggestion.objects.count() == 1
    suggested = mail.outbox[-1]
    assert suggested.to == [people.claire.email]
    assert suggested.subject == ("[Terroir] Une correction est proposée pour Vente à la ferme Bcc: victim@example.org")
    assert "victim@example.org" not in suggested.message().get_all("Bcc", [])
    with django_capture_on_commit_callbacks(execute=True):
        claim = claim_request(
            user=person("lea@example.org"), entry=Actor.objects.get(pk=territory.cheese_farm.pk), message="",
            link=lambda token: f"https://terroir.example.org/{token}",
        )  # fmt: skip
    assert Claim.objects.filter(pk=claim.pk).exists()
    # The farm has a member (Claire): she is asked, in a subject on one line.
    assert mail.outbox[-1].subject == "[Terroir] lea@example.org demande à gérer GAEC des Monts du Forez"


def test_a_new_organisation_s_name_with_a_line_break_is_refused(territory: Any) -> None:
    client = Client()
    client.force_login(person("jules@epicerie-thiers.example.org"))
    response = client.post(
        "/account/space/organisations/new/",
        {"name": "Épicerie\r\nsolidaire", "role": "producer", "commune": "Thiers"},
    )
    assert response.status_code == 400
    assert "name" in response.context["form"].errors
    assert not Actor.objects.filter(name__startswith="Épicerie").exists()
