"""python manage.py import_preview FILE --mapping MAPPING [--rows N] [--report PROBLEMS.csv]

Shows the first rows of a source as they will be read and every problem found, writing nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper
from django.utils.translation import gettext as _

from terroir.imports.mapping import Mapping, MappingError, Record, mapping_load
from terroir.imports.read import (
    preview,
    preview_summary,
    records_checked,
    report_write,
    source_error_text,
    source_opened,
)
from terroir.lib.tabular import SourceError

SHOWN_FIELDS = ("ref", "name", "kind", "legal_form", "siret", "address", "postcode", "commune", "lat", "lon",
                "phone", "email", "website", "categories", "labels", "opening_hours")  # fmt: skip


class Command(BaseCommand):
    help = "Show how a source file will be read through its mapping, and every problem in it; writes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", type=Path, required=True, help="TOML or YAML mapping file")
        parser.add_argument("--rows", type=int, default=10, help="records shown (default 10)")
        parser.add_argument("--report", type=Path, help="write every problem, with its row, to this CSV file")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            mapping = mapping_load(Path(options["mapping"]))
        except MappingError as error:
            raise CommandError(_("mapping %(error)s") % {"error": error}) from None
        path = Path(options["file"])
        try:
            with source_opened(path) as readable:
                preview_show(self.stdout, readable, mapping, rows=options["rows"], report=options["report"])
        except SourceError as error:
            raise CommandError(f"{path.name}: {source_error_text(error)}") from None


def describe(record: Record) -> str:
    values = {name: getattr(record, name) for name in SHOWN_FIELDS if getattr(record, name) not in ("", None, ())}
    status = _("rejected") if record.rejected else _("ok")
    return _("line %(line)s [%(status)s] ") % {"line": record.line, "status": status} + "; ".join(
        f"{k}={v}" for k, v in values.items()
    )


def preview_show(out: OutputWrapper, path: Path, mapping: Mapping, *, rows: int, report: Path | None) -> None:
    """The first records, the figures and the problems of the whole file (also import_source --preview)."""
    result = preview(path, mapping, rows=rows)
    for record in result.records:
        out.write(describe(record))
    if result.error is not None:
        raise CommandError(f"{path.name}: {result.error}")
    out.write(
        _("%(summary)s Problems by column: %(problems)s")
        % {"summary": preview_summary(result), "problems": dict(result.problem_counts) or _("none")}
    )
    for problem in result.problems[:50]:
        flag = _("REJECTED") + " " if problem.fatal else ""
        out.write("  " + _("line %(line)s: %(flag)s%(column)s: %(message)s") % {
            "line": problem.line, "flag": flag, "column": problem.where, "message": problem.message
        })  # fmt: skip
    if report:
        try:
            lines = report_write(records_checked(path, mapping), Path(report))
        except SourceError as error:
            raise CommandError(f"{path.name}: {source_error_text(error)}") from None
        out.write(_("%(lines)s problems written to %(report)s") % {"lines": lines, "report": report})
