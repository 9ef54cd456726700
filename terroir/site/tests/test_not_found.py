"""An address that leads to no page answers in the reader's language, on the site's page, where Django's
default said "Not Found — The requested resource was not found on this server." in English to everyone
(an unknown territory's observatory, a mistyped link)."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "said"),
    [("fr", "Page introuvable"), ("en", "Page not found")],
)
def test_an_address_of_no_page_is_said_in_the_reader_s_language(client: Any, language: str, said: str) -> None:
    response = client.get("/observatory/nowhere/", headers={"accept-language": language})
    assert response.status_code == 404
    page = response.content.decode()
    assert f"<h1>{said}</h1>" in page and f'lang="{language}"' in page
    assert "requested resource" not in page
