"""The audit log says what a coordinator did in words, in the reader's language, not as action codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from terroir.accounts.services import api_token_create
from terroir.contributions.audit import audit_record
from terroir.contributions.roles import api_token_withdraw

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "words"), [("fr", "a révoqué une clé d’API"), ("en", "revoked an API key")])
def test_the_audit_log_shows_actions_in_words_in_the_reader_s_language(
    people: Any, client: Any, language: str, words: str
) -> None:
    token, _key = api_token_create(user=people.claire, name="widget", scope="read")
    api_token_withdraw(token=token, by=people.camille)
    client.force_login(people.camille)
    page = client.get(reverse("accounts:audit"), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert words in page.replace("&#x27;", "'")
    assert "token_revoke" not in page


def test_an_action_unknown_to_this_version_is_shown_as_its_code(people: Any) -> None:
    assert audit_record(by=people.camille, action="future_thing").action_label == "future_thing"
