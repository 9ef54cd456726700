"""The Atom feed of needs carries buyers' words as text: a feed reader shows them, it never runs them."""

from __future__ import annotations

from typing import Any
from xml.etree import ElementTree

import pytest
from django.test import Client

from terroir.needs import services
from terroir.needs.tests.test_board import cheese_need

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
SCRIPT = "<script>alert('feed')</script>"


def test_the_feed_sends_a_buyers_markup_as_text_not_html(client: Client, territory: Any, people: Any) -> None:
    need = cheese_need(territory, people, title=f"Fromages {SCRIPT}", description=f"Livraison <b>mardi</b> {SCRIPT}")
    services.need_publish(need=need, by=people.sophie)
    feed = ElementTree.fromstring(client.get("/needs/feed.atom").content)
    entry = feed.find(f"{ATOM}entry")
    assert entry is not None
    summary, title = entry.find(f"{ATOM}summary"), entry.find(f"{ATOM}title")
    assert summary is not None and title is not None
    assert summary.get("type") == "text" and title.get("type", "text") == "text"
    # The reader gets the very characters the buyer typed, to show as they are.
    assert summary.text is not None and f"Livraison <b>mardi</b> {SCRIPT}" in summary.text
    assert title.text is not None and title.text.startswith(f"Fromages {SCRIPT}")
