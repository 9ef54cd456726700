"""A source file read through its mapping: records, problems, the preview and the rejection report."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext

from terroir.lib import spreadsheet
from terroir.lib.tabular import Limits, SourceError, encoding_detect, format_of, header_read, rows_read

from .mapping import Mapping, Problem, Record, records_group


def limits() -> Limits:
    """What reading one source file may cost, from the settings."""
    return Limits.of(settings)


def source_error_text(error: SourceError) -> str:
    """Why a file cannot be read, in the reader's language, after its line when known."""
    message = error.text(gettext, lambda number: number_format(number, force_grouping=True))
    return f"line {error.line}: {message}" if error.line else message


def records_read(path: Path, mapping: Mapping) -> Iterator[Record]:
    """Every row of the file as a record, with its problems. Raises SourceError when the file cannot be
    read at all, or misses a column the mapping names."""
    options: dict[str, Any] = {
        "limits": limits(), "format": mapping.format, "encoding": mapping.encoding, "delimiter": mapping.delimiter
    }  # fmt: skip
    if path.exists() and path.stat().st_size > 0:
        if format_of(path, mapping.format) == "csv" and not mapping.encoding:
            # Told once: detecting it reads the whole file.
            options["encoding"] = encoding_detect(path)
        header = header_read(path, **options)
        if header is not None:
            missing = mapping.missing_columns(set(header))
            if missing:
                raise SourceError(
                    "the mapping names column(s) %(missing)s that the file lacks; its columns are %(columns)s",
                    {
                        "missing": ", ".join(map(repr, missing)),
                        "columns": ", ".join(map(repr, [h for h in header if h])),
                    },
                    line=1,
                )
    records = (record for row in rows_read(path, **options) for record in mapping.records_of(row))
    # Grouping holds the file's records until its end: only mappings that ask for it pay that.
    yield from records_group(records) if mapping.group else records


@dataclass
class Preview:
    """The first records as they will be read, and every problem of the whole file."""

    mapping: Mapping
    records: list[Record] = field(default_factory=list)
    rows: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    problem_counts: Counter[str] = field(default_factory=Counter)
    error: str | None = None  # why the file cannot be read, in the reader's language


def preview(path: Path, mapping: Mapping, *, rows: int = 20, problems: int = 1000) -> Preview:
    """Reads the whole file (streamed) and writes nothing."""
    result = Preview(mapping=mapping)
    try:
        for record in records_read(path, mapping):
            result.rows += 1
            result.rejected += record.rejected
            if len(result.records) < rows:
                result.records.append(record)
            for problem in record.problems:
                result.problem_counts[problem.where] += 1
                if len(result.problems) < problems:
                    result.problems.append(problem)
    except SourceError as error:
        result.error = source_error_text(error)
    return result


REPORT_COLUMNS = ("line", "rejected", "column", "problem", "row")


def report_lines(record: Record) -> Iterator[tuple[Any, ...]]:
    """The report's lines for one record: one per problem, naming the source's column, with the
    original row as JSON and whether the row was kept out."""
    rejected = "yes" if record.rejected else "no"
    row = json.dumps(record.raw, ensure_ascii=False, default=str)
    for problem in record.problems:
        yield (problem.line, rejected, problem.where, problem.message, row)


def report_write(records: Iterator[Record] | list[Record], path: Path) -> int:
    """Every problem of the records, in semicolon-separated UTF-8 with a BOM, as French spreadsheets
    open it. Returns the number of lines."""
    written = 0
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = spreadsheet.writer(out, delimiter=";")
        writer.writerow(REPORT_COLUMNS)
        for record in records:
            for line in report_lines(record):
                writer.writerow(line)
                written += 1
    return written
