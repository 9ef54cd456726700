"""Each test starts in the site's language, whatever language the test before it left active in its
process (terroir/conftest.py, `_site_language`). The two tests must run in this order in one process:
they do under `-n 0`, and under xdist whenever both go to the same worker."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation


@pytest.mark.django_db
def test_a_request_in_english_leaves_english_active_in_its_thread(client: Any) -> None:
    client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert translation.get_language() == "en"


def test_the_next_test_starts_in_french_again() -> None:
    assert translation.get_language() == "fr"
