"""Text normalisation for French search: case, accents, punctuation, ligatures."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

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


class _Marks(dict[int, int | None]):
    """str.translate's table removing combining marks (the accents NFKD splits off), filled as characters
    are met: a Python test per character cost an import of 100,000 rows seconds (fold runs on every name)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_MARKS = _Marks()


def fold(text: str) -> str:
    """Lower-case ASCII form: "Fromagerie du Pré" -> "fromagerie du pre"."""
    if text.isascii():
        # Nothing to decompose or strip: the same result without the Unicode work.
        return _NON_WORD.sub(" ", text.lower()).strip()
    text = text.translate(_LIGATURES)
    stripped = unicodedata.normalize("NFKD", text).translate(_MARKS)
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


# Characters that break a line or a header (C0 controls, DEL, C1 controls, Unicode's line and paragraph
# separators), and those a multi-line text may keep (tab, line feed, carriage return).
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_MULTILINE_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def has_control(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a character that has no place in one line (or, `multiline`, in a text)."""
    return bool((_MULTILINE_CONTROL if multiline else CONTROL_CHARACTERS).search(text))


def one_line(text: str, *, no_break: bool = False) -> str:
    """The text on one line: every control character becomes a space, spaces are collapsed (for e-mail
    subjects and other headers, which must never carry a line break). `no_break` keeps the no-break spaces
    of French typography ("à jour ?" with a narrow one) instead of making them plain."""
    text = CONTROL_CHARACTERS.sub(" ", text)
    if no_break:
        return _SPACES_BREAKING.sub(" ", text).strip(" ")
    return " ".join(text.split())


_SPACES_BREAKING = re.compile(r"[^\S\u00a0\u202f]+")


# Words whose h is aspirated: French says "de Haute-Loire", "de houblon", never "d'Haute-Loire".
_ASPIRATED_H = ("hach", "haie", "hall", "ham", "hang", "hare", "hari", "haut", "havr", "hêtr", "héri", "hib",
                "hom", "hong", "hon", "houb", "hous", "hur")  # fmt: skip
_VOWELS = "aeiouyàâäéèêëîïôöùûüœæ"


def french_elides(noun: str) -> bool:
    """True when French elides before `noun`: a vowel or a mute h ("d’Ambert", "l’huile"), not an aspirated
    h ("de Haute-Loire") nor a digit or a sign ("de 8 km")."""
    first = noun[:1].lower()
    return bool(first) and (first in _VOWELS or (first == "h" and not noun.lower().startswith(_ASPIRATED_H)))


def french_of(noun: str, apostrophe: str = "’") -> str:
    """French "de" before a noun, elided before a vowel or a mute h and contracted with a name's own article:
    "d’AMAP", "d’Ambert", "d’huile", "de Thiers", "de Haute-Loire", "du Vernet" (Le Vernet), "des Martres"
    (Les Martres). The one place that writes it (names the platform makes, prose); `apostrophe` is "'" in
    names that people type and search with the plain one."""
    if noun.startswith(("Le ", "Les ")):
        article, rest = noun.split(" ", 1)
        return f"{'du' if article == 'Le' else 'des'} {rest}"
    return f"d{apostrophe}{noun}" if french_elides(noun) else f"de {noun}"


def french_of_the(noun: str, *, feminine: bool = False, apostrophe: str = "’") -> str:
    """French "of the" before a common noun: "du Moulin", "de la Fontaine", "de l’Estive", "des Monts"
    (a noun ending in s or x is taken as plural)."""
    if noun.endswith(("s", "x")):
        return f"des {noun}"
    if french_elides(noun):
        return f"de l{apostrophe}{noun}"
    return f"de la {noun}" if feminine else f"du {noun}"


def french_the(noun: str, *, feminine: bool = False, apostrophe: str = "’") -> str:
    """French "the" before a common noun, capitalised as in a name: "Le Moulin", "La Fontaine", "L’Estive",
    "Les Monts"."""
    if noun.endswith(("s", "x")):
        return f"Les {noun}"
    if french_elides(noun):
        return f"L{apostrophe}{noun}"
    return f"La {noun}" if feminine else f"Le {noun}"


_GLUED = ("de", "De", "du", "Du", "le", "Le", "la", "La", "à", "À")


def french_elided(text: str, values: Iterable[str], apostrophe: str = "’") -> str:
    """A French text with "de", "du", "le" and "la" elided before the values glued into it: a translated
    "Historique de %(name)s" filled with "Albert" reads "Historique d’Albert", "Produits de %(name)s" with
    "Le Panier" reads "Produits du Panier", "la part du %(word)s" with "estive" reads "la part de l’estive";
    "à" is contracted with a name's own article ("Livré à %(name)s" with "Le Panier": "Livré au Panier").
    Only the given values are looked at, where they follow the word: the rest of the text is the
    catalogue's, already right."""
    for value in dict.fromkeys(values):
        if not value or not (french_elides(value) or value.startswith(("Le ", "Les "))):
            continue
        if not any(f"{word} {value}" in text for word in _GLUED):
            continue  # no word to elide before it: no pattern built (an import's report names thousands)
        escaped = re.escape(value)

        def of(match: re.Match[str], value: str = value) -> str:
            said = french_of(value, apostrophe)
            return said[0].upper() + said[1:] if match.group(1) == "D" else said

        text = re.sub(rf"(?<!\w)([Dd])e {escaped}(?!\w)", of, text)
        if value.startswith(("Le ", "Les ")):
            # "à Le Panier" -> "au Panier", "à Les Martres" -> "aux Martres"
            article, rest = value.split(" ", 1)
            contracted = "u" if article == "Le" else "ux"
            for said, written in (("à", "a"), ("À", "A")):
                text = re.sub(
                    rf"(?<!\w){said} {escaped}(?!\w)", f"{written}{contracted} {rest}".replace("\\", r"\\"), text
                )
        if french_elides(value):
            # "du Estive" -> "de l’Estive", "la huile" -> "l’huile"
            text = re.sub(rf"(?<!\w)([Dd])u (?={escaped}(?!\w))", rf"\1e l{apostrophe}", text)
            text = re.sub(rf"(?<!\w)([Ll])[ea] (?={escaped}(?!\w))", rf"\1{apostrophe}", text)
    return text


def matching_ratio(a: str, b: str, *, autojunk: bool = True) -> float:
    """`difflib.SequenceMatcher(None, a, b).ratio()`, the very same number, for less: the same longest
    matching blocks found the same way (its `find_longest_match`, its "popular" characters of a text of
    200 or more), summed without the objects SequenceMatcher makes for each block (a named tuple per
    block searched, a list of blocks sorted and joined, that only the sum of their sizes is needed of).
    Still most of the merge rules' time: 40 % less than difflib's on the candidate pairs' names. `autojunk`:
    difflib's own (False: every character of a long text searched for too)."""
    len_a, len_b = len(a), len(b)
    if not len_a + len_b:
        return 1.0
    positions: dict[str, list[int]] = {}
    for j, char in enumerate(b):
        positions.setdefault(char, []).append(j)
    if autojunk and len_b >= 200:
        # difflib's autojunk: a character more frequent than 1 % of b (and once) is not searched for.
        most = len_b // 100 + 1
        for char in [char for char, found in positions.items() if len(found) > most]:
            del positions[char]
    nothing: list[int] = []
    matches = 0
    pending = [(0, len_a, 0, len_b)]
    while pending:
        a_lo, a_hi, b_lo, b_hi = pending.pop()
        best_i, best_j, size = a_lo, b_lo, 0
        lengths: dict[int, int] = {}
        for i in range(a_lo, a_hi):
            previous = lengths.get
            lengths = {}
            for j in positions.get(a[i], nothing):
                if j < b_lo:
                    continue
                if j >= b_hi:
                    break
                k = lengths[j] = previous(j - 1, 0) + 1
                if k > size:
                    best_i, best_j, size = i - k + 1, j - k + 1, k
        # Extended over the characters not searched for, as difflib does (none is junk here).
        while best_i > a_lo and best_j > b_lo and a[best_i - 1] == b[best_j - 1]:
            best_i, best_j, size = best_i - 1, best_j - 1, size + 1
        while best_i + size < a_hi and best_j + size < b_hi and a[best_i + size] == b[best_j + size]:
            size += 1
        if size:
            matches += size
            if a_lo < best_i and b_lo < best_j:
                pending.append((a_lo, best_i, b_lo, best_j))
            if best_i + size < a_hi and best_j + size < b_hi:
                pending.append((best_i + size, a_hi, best_j + size, b_hi))
    return 2.0 * matches / (len_a + len_b)
