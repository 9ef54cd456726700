"""Text normalisation for French search: case, accents, punctuation, ligatures."""

from __future__ import annotations

import re
import unicodedata

_NON_WORD = re.compile(r"[^0-9a-z]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss", "’": "'"})

# Words too common to narrow a search; they are still shown, only not indexed.
STOP_WORDS = frozenset(
    [
        "a",
        "au",
        "aux",
        "d",
        "de",
        "des",
        "du",
        "en",
        "et",
        "l",
        "la",
        "le",
        "les",
        "sur",
        "un",
        "une",
        "the",
        "of",
        "and",
    ]
)
MAX_TERM_LENGTH = 40


def fold(text: str) -> str:
    """Lower-case ASCII form: "Fromagerie du Pré" -> "fromagerie du pre"."""
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NON_WORD.sub(" ", stripped.lower()).strip()


def terms(text: str) -> list[str]:
    """Distinct searchable words of a text, in order, folded and without stop words."""
    seen: dict[str, None] = {}
    for word in fold(text).split():
        if word in STOP_WORDS:
            continue
        seen.setdefault(word[:MAX_TERM_LENGTH], None)
    return list(seen)


def slugify_fr(text: str) -> str:
    return fold(text).replace(" ", "-")[:80] or "x"


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (ASCII prefix)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
