"""Sign-up, log-in and reset (allauth, as configured here), claims, API keys, personal data, audit log."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from terroir.accounts import services
from terroir.accounts.models import ApiToken, Membership
from terroir.contributions import claims, revisions, suggestions
from terroir.contributions.models import AuditEntry, Claim, Revision, Suggestion
from terroir.site.tests.test_typography import shown_text

pytestmark = pytest.mark.django_db


def link_in(message: Any) -> str:
    match = re.search(r"https?://testserver(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_a_producer_signs_up_confirms_the_address_and_lands_in_their_space(client: Client) -> None:
    response = client.post(
        "/account/signup/",
        {"email": "lea@ferme-du-puy.example.org", "password1": "Saint-Nectaire-63", "password2": "Saint-Nectaire-63"},
    )
    assert response.status_code == 302
    assert client.get("/account/space/").status_code == 302  # not signed in before confirming
    confirm = link_in(mail.outbox[-1])
    assert mail.outbox[-1].to == ["lea@ferme-du-puy.example.org"]
    page = client.get(confirm)
    assert page.status_code == 200
    done = client.post(confirm)
    assert done.status_code == 302
    space = client.get("/account/space/")
    assert space.status_code == 200
    assert "Mon espace" in space.content.decode()


def test_allauths_pages_in_french_write_the_typographic_apostrophe(client: Client, people: Any) -> None:
    """allauth's own French says "n'avez", "l'adresse": our catalogue, read first, says "n’avez"."""
    straight = re.compile(r"[^\W\d_]'[^\W\d_]")
    login = shown_text(client.get("/account/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert "Si vous n’avez pas encore créé de compte" in login
    pages = {"login": login}
    for path in ("/account/signup/", "/account/password/reset/", "/account/confirm-email/"):
        pages[path] = shown_text(client.get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    client.force_login(people.claire)
    for path in ("/account/email/", "/account/password/change/", "/account/logout/"):
        pages[path] = shown_text(client.get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert {page: straight.findall(text) for page, text in pages.items() if straight.search(text)} == {}
    with translation.override("fr"):
        assert gettext("The email address is not assigned to any user account.") == (
            "Cette adresse e-mail n’est pas associée à un compte utilisateur."
        )


def test_log_in_does_not_tell_whether_an_address_has_an_account(client: Client, people: Any) -> None:
    wrong_password = client.post("/account/login/", {"login": people.claire.email, "password": "nope-nope-nope"})
    unknown = client.post("/account/login/", {"login": "nobody@example.org", "password": "nope-nope-nope"})
    assert wrong_password.status_code == unknown.status_code == 200

    def errors(response: Any) -> list[str]:
        return [str(e) for e in response.context["form"].non_field_errors()]

    assert errors(wrong_password) == errors(unknown) != []


def test_a_password_reset_answers_the_same_for_known_and_unknown_addresses(client: Client, people: Any) -> None:
    known = client.post("/account/password/reset/", {"email": people.claire.email})
    unknown = client.post("/account/password/reset/", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The known address gets a reset link, the unknown one a note that it has no account.
    assert {m.to[0] for m in mail.outbox} == {people.claire.email, "nobody@example.org"}
    reset = next(m for m in mail.outbox if m.to == [people.claire.email])
    assert "/account/password/reset/key/" in reset.body


def test_repeated_failed_log_ins_are_stopped_even_with_the_right_password(client: Client, people: Any) -> None:
    for _ in range(5):
        client.post("/account/login/", {"login": people.claire.email, "password": "wrong-guess-123"})
    response = client.post("/account/login/", {"login": people.claire.email, "password": people.password})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_a_claim_is_confirmed_through_the_address_on_file(
    client: Client, territory: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from terroir.conftest import person

    lea = person("lea@example.org")
    client.force_login(lea)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/account/space/claim/actor/{territory.cheese_farm.pk}/", {"message": "Associée"})
    assert response.status_code == 200
    assert "c•••@monts-du-forez.example.org" in response.content.decode()
    message = mail.outbox[-1]
    assert message.to == ["contact@monts-du-forez.example.org"]
    confirm = link_in(message)
    assert not Membership.objects.filter(user=lea).exists()
    other = Client()
    other.force_login(person("intruder@example.org"))
    assert other.post(confirm).status_code == 403  # the link alone is not enough
    assert client.post(confirm).status_code == 302
    assert Membership.objects.get(user=lea).actor == territory.cheese_farm
    assert client.get(f"/edit/actor/{territory.cheese_farm.pk}/").status_code == 200


def test_a_tampered_claim_link_is_refused(client: Client, territory: Any) -> None:
    from terroir.conftest import person

    lea = person("lea@example.org")
    client.force_login(lea)
    claim = Claim.objects.create(user=lea, actor=territory.cheese_farm)
    token = claims.claim_token(claim)
    response = client.post(f"/account/space/claim/confirm/{token[:-2]}xx/", follow=True)
    assert "Ce lien n’est pas valide." in response.content.decode() or "not valid" in response.content.decode()
    assert not Membership.objects.filter(user=lea).exists()


def test_a_coordinator_confirms_the_claim_of_a_place_without_anybody_behind_it(
    client: Client, territory: Any, people: Any
) -> None:
    from terroir.conftest import person

    marc = person("marc@marche-ambert.example.org")
    claim = claims.claim_request(user=marc, entry=territory.ambert_market, message="Placier", link=str)
    assert claim.sent_to == ""  # no address on file: coordinators decide
    client.force_login(people.camille)
    assert "marc@marche-ambert.example.org" in client.get("/account/space/claims/").content.decode()
    client.post(f"/account/space/claims/{claim.pk}/decide/", {"decision": "accept"})
    territory.ambert_market.refresh_from_db()
    operator = territory.ambert_market.operator
    assert operator is not None and operator.name == "Marché d'Ambert" and operator.is_organisation
    assert Membership.objects.filter(user=marc, actor=operator).exists()
    assert AuditEntry.objects.filter(action="claim_confirm", by=people.camille).exists()


def test_only_coordinators_see_the_claims_and_the_audit_log(client: Client, people: Any) -> None:
    client.force_login(people.claire)
    assert client.get("/account/space/claims/").status_code == 403
    assert client.get("/account/space/audit/").status_code == 403
    client.force_login(people.camille)
    assert client.get("/account/space/audit/").status_code == 200


def test_an_api_key_is_shown_once_kept_as_a_digest_and_revocable(client: Client, people: Any) -> None:
    client.force_login(people.claire)
    page = client.post("/account/space/tokens/", {"name": "Site de la ferme", "scope": "write"})
    key = re.search(r'id="new-key">([^<]+)<', page.content.decode())
    assert key
    token = ApiToken.objects.get(user=people.claire)
    assert key.group(1) not in (token.digest, token.prefix)
    assert services.api_token_authenticate(key.group(1)) == token
    assert key.group(1) not in client.get("/account/space/tokens/").content.decode()
    client.post(f"/account/space/tokens/{token.pk}/revoke/")
    assert services.api_token_authenticate(key.group(1)) is None


def test_a_person_downloads_everything_kept_about_them(client: Client, territory: Any, people: Any) -> None:

    revisions.entry_edit(entry=territory.cheese_farm, changes={"description": "Fourme"}, by=people.claire, version=None)
    client.force_login(people.claire)
    response = client.get("/account/space/data.json")
    assert response["Content-Disposition"].startswith("attachment")
    data = json.loads(response.content)
    assert data["account"]["email"] == people.claire.email
    assert data["organisations"][0]["entry"]["name"] == "GAEC des Monts du Forez"
    assert data["revisions"][0]["changes"] == {"description": ["", "Fourme"]}


def test_a_person_deletes_their_account_and_their_address_leaves_everything(
    client: Client, territory: Any, people: Any
) -> None:

    revisions.entry_edit(entry=territory.cheese_farm, changes={"description": "Fourme"}, by=people.claire, version=None)
    suggestions.suggestion_submit(
        entry=territory.ambert_market,
        proposal=suggestions.SuggestionInput(comment="Le marché a lieu aussi le samedi", email=people.claire.email),
        by=None,
    )
    client.force_login(people.claire)
    assert client.post("/account/space/delete/", {"password": "wrong"}).status_code == 400
    farm = f"handover_{territory.cheese_farm.pk}"  # she is its only member: she hands it to the coordinators
    response = client.post("/account/space/delete/", {"password": people.password, farm: "on"})
    assert response.status_code == 302
    assert not get_user_model().objects.filter(email=people.claire.email).exists()
    assert Revision.objects.get().by is None  # the change stays, signed by nobody
    assert Suggestion.objects.get().email == ""
    territory.cheese_farm.refresh_from_db()  # the farm's public entry stays
    assert not Membership.objects.filter(actor=territory.cheese_farm).exists()


def test_sign_ups_from_one_address_are_limited(client: Client, settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    statuses = [
        client.post(
            "/account/signup/",
            {"email": f"robot{n}@example.org", "password1": "Saint-Nectaire-63", "password2": "Saint-Nectaire-63"},
        ).status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert get_user_model().objects.filter(email__startswith="robot").count() == 2


def test_a_new_organisation_follows_the_directory_s_rules_for_its_name_and_postcode(
    territory: Any, people: Any
) -> None:
    # Clermont-Ferrand has two postcodes, "63000;63100" in the communes table: the first one, five digits.
    farm = services.organisation_create(
        user=people.hugo, name="  Ferme des Volcans ", role="producer", commune=territory.clermont
    )
    assert (farm.name, farm.postcode) == ("Ferme des Volcans", "63000")
    with pytest.raises(ValidationError) as caught:
        services.organisation_create(user=people.hugo, name="x" * 201, role="producer", commune=None)
    assert "name" in caught.value.message_dict  # refused, not silently cut to 200 characters
