"""CSV written for spreadsheets, safe to open: every CSV the platform writes for people goes through here.

A cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel and
LibreOffice (CSV injection: a farm named `=HYPERLINK(...)` becomes a link, `=cmd|...` runs a program). The
OWASP rule: such a cell gets a leading apostrophe, which spreadsheets read as "this is text" and do not
show. Numbers stay numbers, negative ones included (a longitude west of Greenwich, a French "-1,5").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import IO, Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A number as written in a cell: "-1.5", "-1,5", "+33": nothing a spreadsheet could run.
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def cell_safe(value: Any) -> Any:
    """The value as a CSV cell that no spreadsheet reads as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float | Decimal):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer whose every cell goes through cell_safe."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell_safe(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    """Like csv.writer(out, **options), for a file people open in a spreadsheet."""
    return SafeWriter(out, **options)
