"""What upper apps add to the directory's pages goes through `directory/extensions.py`: a section of a
producer's, a place's or the search page and a layer of the search map, registered by the app; the
directory's templates load no tag library of an app above them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.urls import reverse
from django.utils.html import format_html

from terroir.directory import extensions

pytestmark = pytest.mark.django_db


@pytest.fixture
def registered() -> Iterator[None]:
    """Sections of a made-up upper app, removed afterwards."""
    kept = {page: list(rows) for page, rows in extensions._sections.items()}
    extensions.section_register("producer", lambda producer: format_html("<p id='extra'>{} — extra</p>", producer.name))
    extensions.section_register("place", lambda place: "<b>not HTML</b>")
    yield
    extensions._sections.update(kept)


def test_a_registered_section_shows_on_the_producer_page_and_plain_text_stays_text(
    territory: Any, registered: None
) -> None:
    page = Client().get(territory.cheese_farm.get_absolute_url()).content.decode()
    assert f"<p id='extra'>{territory.cheese_farm.name} — extra</p>" in page
    place = Client().get(territory.le_local.get_absolute_url()).content.decode()
    assert "&lt;b&gt;not HTML&lt;/b&gt;" in place and "<b>not HTML</b>" not in place


def test_with_nothing_registered_the_pages_are_the_directorys_alone(territory: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(extensions, "_sections", {"producer": [], "place": [], "search": []})
    monkeypatch.setattr(extensions, "_map_layers", [])
    assert Client().get(territory.cheese_farm.get_absolute_url()).status_code == 200
    home = Client().get(reverse("directory:home")).content.decode()
    assert "events-coming" not in home and "&quot;layers&quot;: []" in home


# Tag libraries of the apps the directory's templates may load: Django's and the directory's own. accounts'
# (`may_edit`, producer.html) is an upper layer's too: known and left (see the closing note).
ALLOWED = ("django.", "terroir.directory.", "terroir.accounts.templatetags.accounts")


def test_the_directorys_templates_load_no_tag_library_of_an_upper_app() -> None:
    modules = engines["django"].engine.libraries  # type: ignore[attr-defined]  # name -> module path
    folder = Path(settings.BASE_DIR) / "templates" / "directory"
    loads = [(template.name, load) for template in folder.glob("*.html")
             for load in re.findall(r"{%\s*load\s+([^%]+?)\s*%}", template.read_text())]  # fmt: skip
    loaded = [(template, name) for template, load in loads for name in load.split()]
    assert loaded
    for template, name in loaded:
        assert modules[name].startswith(ALLOWED), (template, name, modules[name])
