"""The French catalogue covers every string of the code, the templates and the scripts.

The extraction runs Django's makemessages on a temporary copy of the sources and of the French
catalogue, so the real locale file is never rewritten (its order is kept by hand: several people
append to it at once). A string wrapped in gettext without a French msgstr, or one that msgmerge
could only match approximately (fuzzy), makes the test fail with the list of them.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
from itertools import takewhile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

REPO = Path(settings.BASE_DIR)
SOURCES = ("terroir", "templates", "static")
# Tests and migrations carry no user-facing strings; the vendored scripts are not ours to translate.
SKIPPED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.gz", "*.png", "*.jpg", "*.svg", "tests", "migrations", "vendor", "data"
)

pytestmark = pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools are not installed")


def _entries(po: Path) -> list[tuple[str, str, bool]]:
    """(msgid, where, complete) for each entry but the header, read as msgmerge writes it (no wrap)."""
    entries: list[tuple[str, str, bool]] = []
    for block in po.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line and not line.startswith("#~")]
        if not any(line.startswith("msgid ") for line in lines):
            continue
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in lines)
        where = " ".join(line[3:] for line in lines if line.startswith("#: "))
        msgid = "".join(_string(line) for line in _section(lines, "msgid "))
        if not msgid:
            continue
        keys = ["msgstr[0] ", "msgstr[1] "] if _section(lines, "msgid_plural ") else ["msgstr "]
        translations = [_section(lines, key) for key in keys]
        complete = not fuzzy and all("".join(_string(line) for line in t) for t in translations)
        entries.append((msgid, where, complete))
    return entries


def _section(lines: list[str], keyword: str) -> list[str]:
    """The line starting with keyword and its continuation lines (those starting with a quote)."""
    for i, line in enumerate(lines):
        if line.startswith(keyword):
            return [line[len(keyword) :], *takewhile(lambda more: more.startswith('"'), lines[i + 1 :])]
    return []


def _string(line: str) -> str:
    return line.strip()[1:-1]


def _made_messages(folder: Path, domain: str) -> Path:
    """The French catalogue of a domain as `make messages` would rewrite it, made in a copy of the sources
    and of the real catalogue under folder (the real one is never touched)."""
    for name in SOURCES:
        shutil.copytree(REPO / name, folder / name, ignore=SKIPPED)
    catalogue = folder / "locale" / "fr" / "LC_MESSAGES"
    catalogue.mkdir(parents=True)
    po = catalogue / f"{domain}.po"
    if domain == "django":
        shutil.copy(REPO / "locale" / "fr" / "LC_MESSAGES" / "django.po", po)
    with pytest.MonkeyPatch.context() as patch, override_settings(LOCALE_PATHS=[str(folder / "locale")]):
        patch.chdir(folder)
        call_command("makemessages", locale=["fr"], domain=domain, no_obsolete=True, no_wrap=True, verbosity=0)
    return po


@pytest.fixture(scope="module")
def made_django_po(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The django domain's catalogue, made once for the two tests that read it (a makemessages run is
    several seconds of xgettext over every source)."""
    return _made_messages(tmp_path_factory.mktemp("messages"), "django")


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_every_string_of_the_code_has_a_french_translation(
    domain: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    po = request.getfixturevalue("made_django_po") if domain == "django" else _made_messages(tmp_path, domain)
    if not po.exists():
        return  # no string to translate in this domain
    missing = [f"{msgid!r} ({where})" for msgid, where, complete in _entries(po) if not complete]
    assert not missing, f"{len(missing)} strings lack a French translation or are fuzzy:\n" + "\n".join(missing)


def test_the_check_reports_an_empty_or_fuzzy_entry(tmp_path: Path) -> None:
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: fr\\n"\n\n'
        '#: a.py:1\nmsgid "Done"\nmsgstr "Fait"\n\n'
        '#: a.py:2\nmsgid "Open"\nmsgstr ""\n\n'
        '#: a.py:3\n#, fuzzy\nmsgid "Closed"\nmsgstr "Fermé"\n\n'
        '#: a.py:4\nmsgid "%(n)s row"\nmsgid_plural "%(n)s rows"\nmsgstr[0] "%(n)s ligne"\nmsgstr[1] ""\n\n'
        '#: a.py:5\nmsgid ""\n"A long "\n"one"\nmsgstr ""\n"Une longue"\n',
        encoding="utf-8",
    )
    assert [(msgid, complete) for msgid, _, complete in _entries(po)] == [
        ("Done", True),
        ("Open", False),
        ("Closed", False),
        ("%(n)s row", False),
        ("A long one", True),
    ]


def test_make_messages_keeps_every_translated_string_the_code_uses_and_guesses_none(made_django_po: Path) -> None:
    """`make messages` rewrites the real catalogue: a string the code still uses must not fall out of it
    (a gettext under another name was dropped), and msgmerge must not mark a guess fuzzy."""
    from terroir.site.management.commands.makemessages import Command

    assert "--no-fuzzy-matching" in Command.msgmerge_options
    real = REPO / "locale" / "fr" / "LC_MESSAGES" / "django.po"
    kept = {msgid for msgid, _, _ in _entries(made_django_po)}
    code = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "terroir").rglob("*.py") if "tests" not in p.parts)
    used = {msgid for msgid, _, complete in _entries(real) if complete and f'("{msgid}")' in code}
    assert used - kept == set()


def _typography() -> Any:
    spec = importlib.util.spec_from_file_location("po_french_typography", REPO / "scripts" / "po_french_typography.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_french_catalogue_writes_the_typographic_apostrophe_never_the_straight_one() -> None:
    real = (REPO / "locale" / "fr" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    straight, in_msgstr = [], False
    for line in real.splitlines():
        in_msgstr = line.startswith("msgstr") or (in_msgstr and line.startswith('"'))
        if in_msgstr and re.search(r"[^\W\d_]'", line):
            straight.append(line)
    assert not straight, f"{len(straight)} French strings with a straight apostrophe:\n" + "\n".join(straight[:20])


def test_the_typography_script_curls_the_apostrophes_of_the_text_only_and_once() -> None:
    po = (
        'msgid ""\nmsgstr "Language: fr\\n"\n\n'
        'msgid "The offer\'s end"\nmsgstr ""\n"La fin de l\'offre d\'%(place)s, aujourd\'"\n"hui"\n\n'
        "msgid \"<a class='x' href='%(url)s'>%(name)s</a>\"\n"
        "msgstr \"<a class='x' href='%(url)s'>l'%(name)s</a>\"\n"
    )
    fixed, changed = _typography().fixed(po)
    assert changed == 2
    assert 'msgid "The offer\'s end"' in fixed  # the English is left as it is
    assert '"La fin de l’offre d’%(place)s, aujourd’"\n"hui"' in fixed  # a msgstr's lines keep their wrapping
    assert "<a class='x' href='%(url)s'>l’%(name)s</a>" in fixed  # an attribute's quotes are not apostrophes
    assert _typography().fixed(fixed) == (fixed, 0)
