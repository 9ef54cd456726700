"""French typography on the main pages (the browser tour's pages, through the test client): a narrow
no-break space before ":", ";", "?" and "!" — never a plain space, which lets the sign wrap alone to the
next line —, and "d’" before a vowel ("d’AMAP", "d’Ambert"), never "de AMAP"."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django import forms
from django.test import Client
from django.utils import translation

from terroir.api.tests.test_content_security_policy import SIGNED_IN, hostile_week, page_paths, superuser

pytestmark = pytest.mark.django_db

# What people read: the text, and the attributes a browser shows or reads aloud.
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "value"}
PLAIN_SPACE_BEFORE_SIGN = re.compile(r"\S( [:;?!])(?=\s|$)")
NOT_ELIDED = re.compile(r"\b[Dd]e ([AEIOUÉÈÊÂÎÔaeiouéèêâîô]\w*)")


class Shown(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self.hidden += 1
        # A field's value is what the person typed; a button's is its label.
        button = tag == "input" and dict(attrs).get("type") in ("submit", "button")
        self.texts += [value for name, value in attrs if value and name in SHOWN_ATTRIBUTES
                       and (name != "value" or button or tag not in ("input", "textarea", "option"))]  # fmt: skip

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self.hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.texts.append(data)


def shown_text(html: str) -> str:
    parser = Shown()
    parser.feed(html)
    # Text nodes of one line are read together ("Horaires" then " :" in the next node).
    return re.sub(r"[ \t\r\n]+", " ", " ".join(parser.texts).replace("> <", "><"))


def faults(text: str) -> list[str]:
    found = [text[max(0, m.start() - 30) : m.end() + 10] for m in PLAIN_SPACE_BEFORE_SIGN.finditer(text)]
    return found + [text[max(0, m.start() - 20) : m.end()] for m in NOT_ELIDED.finditer(text)]


def test_the_scan_finds_a_plain_space_before_a_colon_and_a_missing_elision() -> None:
    assert faults("Horaires : lundi") and faults("Liste de AMAP") and faults("Quand ? Demain")
    assert not faults("Horaires\u202f: lundi · Liste d’AMAP · Quand\u202f? de Thiers, 10:30, https://x.org")


def test_the_main_pages_in_french_have_no_plain_space_before_a_sign_and_elide_de(territory: Any, people: Any) -> None:
    week = hostile_week(territory, people)
    visitor, coordinator = Client(headers={"accept-language": "fr"}), Client(headers={"accept-language": "fr"})
    coordinator.force_login(superuser(people))
    found: dict[str, list[str]] = {}
    for page, path in page_paths(week).items():
        if page == "API docs":
            continue  # Swagger UI's page is drawn by its script
        response = (coordinator if page in SIGNED_IN else visitor).get(path)
        assert response.status_code == 200, page
        assert response.headers["Content-Language"] == "fr", page
        if mistakes := faults(shown_text(response.content.decode())):
            found[page] = mistakes
    assert found == {}, "\n".join(f"{page}: {m}" for page, m in found.items())


def test_a_forms_label_ends_with_a_narrow_no_break_space_and_a_colon_in_french_and_a_colon_in_english() -> None:
    """Django's label suffix is the catalogue's ":", the same the templates write between a label and a
    value ({% translate ":" %}): one place for both languages."""

    class Named(forms.Form):
        name = forms.CharField(label="Nom")

    with translation.override("fr"):
        assert Named()["name"].label_tag() == '<label for="id_name">Nom\u202f:</label>'
    with translation.override("en"):
        assert Named()["name"].label_tag() == '<label for="id_name">Nom:</label>'
