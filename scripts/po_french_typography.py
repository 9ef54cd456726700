#!/usr/bin/env python3
"""French typography in the French catalogue: a narrow no-break space (U+202F) before ":", ";", "?" and "!"
in every msgstr — the plain or no-break space a translator typed becomes the narrow one, so that the sign
never wraps alone to the next line — and the typographic apostrophe (U+2019) for the straight one typed
between a letter and a letter or a placeholder ("l'offre", "d'%(place)s"), never a quote of HTML or of a
format string (those never follow a letter directly). Idempotent; run it after appending entries, then
compilemessages:

    python3 scripts/po_french_typography.py locale/fr/LC_MESSAGES/django.po

The header and msgids are left as they are; a msgstr's lines keep their wrapping (one character replaced
by one)."""

from __future__ import annotations

import re
import sys

_BEFORE_SIGN = re.compile(r"(?<=\S)[ \u00a0](?=[:;?!](?:\s|$|\\n|<|»|\)|\\\"))")
_LONE_SIGN = re.compile(r"^[ \u00a0](?=[:;?!] ?$)")  # the label suffix " :", the separator " ; "
_APOSTROPHE = re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_]|%\(|\{)")


def _content(line: str) -> str:
    return line[line.index('"') + 1 : line.rindex('"')]


def fixed(text: str) -> tuple[str, int]:
    lines, changed, header = text.split("\n"), 0, True
    i = 0
    while i < len(lines):
        if not lines[i].startswith("msgstr"):
            i += 1
            continue
        block = [i]
        while block[-1] + 1 < len(lines) and lines[block[-1] + 1].startswith('"'):
            block.append(block[-1] + 1)
        i = block[-1] + 1
        if header:  # the catalogue's header ("Plural-Forms: nplurals=2; ...")
            header = False
            continue
        parts = [_content(lines[k]) for k in block]
        joined = "".join(parts)
        new = _APOSTROPHE.sub("\u2019", _LONE_SIGN.sub("\u202f", _BEFORE_SIGN.sub("\u202f", joined)))
        if new == joined:
            continue
        changed += 1
        at = 0
        for k, part in zip(block, parts, strict=True):
            lines[k] = lines[k][: lines[k].index('"') + 1] + new[at : at + len(part)] + '"'
            at += len(part)
    return "\n".join(lines), changed


if __name__ == "__main__":
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as f:
            text, changed = fixed(f.read())
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        print(f"{path}: {changed} entries given a narrow no-break space or a typographic apostrophe")
