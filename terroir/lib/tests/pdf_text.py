"""The text a PDF drawn by fpdf2 shows, for tests: each string its content streams draw, decoded from
Windows-1252 (the core fonts' encoding). fpdf2 compresses the streams with zlib and writes text as
literal strings, `(…) Tj`; no PDF reader is needed for that."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_SHOWN = re.compile(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", re.S)
_ESCAPE = re.compile(rb"\\([nrtbf()\\]|[0-7]{1,3})")
_ESCAPED = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f", b"(": b"(", b")": b")", b"\\": b"\\"}


def pdf_strings(pdf: bytes) -> list[str]:
    found = []
    for stream in _STREAM.finditer(pdf):
        try:
            content = zlib.decompress(stream.group(1))
        except zlib.error:
            continue  # an image or a font, not a page's text
        for shown in _SHOWN.finditer(content):
            raw = _ESCAPE.sub(lambda m: _ESCAPED.get(m.group(1)) or bytes([int(m.group(1), 8)]), shown.group(1))
            found.append(raw.decode("cp1252"))
    return found
