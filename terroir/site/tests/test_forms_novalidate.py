"""Every form of the site whose fields the browser could check itself (a Django form's fields, which carry
`required`, `min`, `max`, `step`; a number, a date, a file, a required field) is `novalidate`: the page's own
message, in the page's language and saying what to change, is the one a person reads — not Chromium's
bubble, in the browser's language ("Please enter a valid value. The two nearest valid values are 2 and 3"),
shown before the form is even sent. (The group order form's case is in groups' test_browser_orders.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S)
# A Django form or field rendered whole (its widgets carry the field's constraints as attributes).
RENDERED = re.compile(r"\{\{ ?[\w.]*\.as_(?:div|p|table|ul)\b|\{\{ ?(?:field|[\w]*form\.\w+|f\.\w+) ?\}\}")
INPUT = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
CHECKED_BY_BROWSER = re.compile(
    r'\btype="(?:number|date|time|datetime-local|month|week|email|url|tel|file)"|\brequired\b|\b(?:min|max|'
    r"minlength|pattern|step)="
)


def forms_checked_by_the_browser() -> list[str]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text()
        for form in FORM.finditer(text):
            attributes, body = form.group(1), form.group(2)
            if "novalidate" in attributes:
                continue
            constrained = [tag for tag in INPUT.findall(body) if CHECKED_BY_BROWSER.search(tag)]
            rendered = [tag for tag in RENDERED.findall(body) if "management_form" not in tag]
            if constrained or rendered:
                line = text[: form.start()].count("\n") + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line} {(constrained + rendered)[0]}")
    return found


def test_every_form_the_browser_would_check_leaves_it_to_the_page() -> None:
    assert forms_checked_by_the_browser() == []


def test_the_scan_finds_a_form_the_browser_would_check() -> None:
    """The check itself: a form as the group order form was (its fields rendered, no `novalidate`)."""
    assert RENDERED.search("{% for field in order_form %}{{ field }}{% endfor %}")
    assert RENDERED.search("{{ form.as_div }}") and RENDERED.search("{{ form.max_celsius }}")
    assert CHECKED_BY_BROWSER.search('<input type="number" name="q" min="0">')
    assert not CHECKED_BY_BROWSER.search('<input type="checkbox" name="pairs" value="1">')
