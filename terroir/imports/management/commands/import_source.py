"""python manage.py import_source FILE --source NAME [--mapping MAPPING] [--preview] [--dry-run]
                                  [--report PROBLEMS.csv] [--no-geocode] [--no-merge]

Imports a file of a source through its mapping, then merges its records into the directory. The
mapping is a file, or the name of a ready-made one (osm, gogocarto, agence-bio, terroir-csv,
terroir-geojson); without --mapping, the one the source was last imported with, else the ready-made
mapping of the source's name. --preview shows how the file will be read and writes nothing; --dry-run
does the whole import and merge, reports it, and leaves the database as it was.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from terroir.directory.background import task_error_text
from terroir.imports.mapping import Mapping, MappingError
from terroir.imports.models import ImportRun
from terroir.imports.read import report_text, source_error_text, source_opened
from terroir.imports.services import ImportBusy, mapping_for, source_import
from terroir.lib.progress import Progress
from terroir.lib.tabular import SourceError

from .import_preview import preview_show


class Command(BaseCommand):
    help = "Import a source file (CSV, XLSX, JSON, GeoJSON) through its mapping and merge it into the directory."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--source", required=True, help="the source's short name (agence-bio, osm, amap-63…)")
        parser.add_argument("--mapping", help="mapping file, or a ready-made mapping's name")
        parser.add_argument("--preview", action="store_true", help="show how the file will be read; write nothing")
        parser.add_argument("--rows", type=int, default=10, help="records shown by --preview (default 10)")
        parser.add_argument("--dry-run", action="store_true", help="import and merge, report, then undo it all")
        parser.add_argument("--report", type=Path, help="write every problem, with its row, to this CSV file")
        parser.add_argument("--no-geocode", action="store_true", help="place addresses from the communes table only")
        parser.add_argument("--no-merge", action="store_true", help="keep the records without merging them")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("no file at %(path)s") % {"path": path})
        try:
            mapping, text = mapping_for(source=options["source"], name=options["mapping"] or "")
        except MappingError as error:
            raise CommandError(_("mapping %(error)s") % {"error": error}) from None
        try:
            with source_opened(path) as readable:
                self._import(readable, mapping, text, options)
        except SourceError as error:
            raise CommandError(f"{path.name}: {source_error_text(error)}") from None

    def _import(self, path: Path, mapping: Mapping, text: str, options: dict[str, Any]) -> None:
        if options["preview"]:
            preview_show(self.stdout, path, mapping, rows=options["rows"], report=options["report"])
            return
        try:
            run = source_import(
                path=path,
                mapping=mapping,
                mapping_text=text,
                geocode=not options["no_geocode"],
                merge=not options["no_merge"],
                dry_run=options["dry_run"],
                progress=self._progress,
            )
        except ImportBusy as error:
            raise CommandError(error.said.text(_)) from None
        finally:
            self._progress_end()
        if options["report"] and run.report:
            Path(options["report"]).write_text(report_text(run.report), encoding="utf-8")
        if run.status == ImportRun.Status.FAILED:
            message = _("%(name)s: %(error)s (nothing was imported)")
            raise CommandError(message % {"name": path.name, "error": task_error_text(run.error)})
        self.stdout.write(_summary(run))
        if options["dry_run"]:
            self.stdout.write(_("dry run: nothing was kept"))

    _shown = False

    def _progress(self, progress: Progress) -> None:
        # A bar redrawn in place on a terminal; one line per step otherwise (logs, CI).
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[2K" + progress.bar())
            sys.stderr.flush()
            self._shown = True
        else:
            self.stderr.write(f"  {progress.bar()}")

    def _progress_end(self) -> None:
        if self._shown:
            sys.stderr.write("\n")


def _summary(run: ImportRun) -> str:
    """What the run did, each count agreeing with its noun ("1 rejetée", "2 rejetées")."""
    said = {
        # The file's rows (a producer's row gives two records: the producer and its farm); the rest counts records.
        "rows": ngettext("%(n)s row read", "%(n)s rows read", run.rows if run.lines is None else run.lines),
        "created": ngettext("%(n)s new record", "%(n)s new records", run.created),
        "updated": ngettext("%(n)s updated", "%(n)s updated", run.updated),
        "unchanged": ngettext("%(n)s unchanged", "%(n)s unchanged", run.unchanged),
        "rejected": ngettext("%(n)s rejected", "%(n)s rejected", run.rejected),
        "missing": ngettext("%(n)s no longer in the source (flagged)", "%(n)s no longer in the source (flagged)",
                            run.missing),
        "commune_level": ngettext("%(n)s placed at its commune's centre only",
                                  "%(n)s placed at their commune's centre only", run.commune_level),
        "entries_created": ngettext("%(n)s entry created", "%(n)s entries created", run.entries_created),
        "entries_updated": ngettext("%(n)s updated", "%(n)s updated", run.entries_updated),
        "merged": ngettext("%(n)s record merged into another source's entry",
                           "%(n)s records merged into another source's entry", run.merged),
        "review": ngettext("%(n)s pair to review", "%(n)s pairs to review", run.review),
    }  # fmt: skip
    counts = {key: getattr(run, key) for key in said}
    counts["rows"] = run.rows if run.lines is None else run.lines
    parts = {key: text % {"n": counts[key]} for key, text in said.items()}
    return "\n".join([
        _("%(rows)s: %(created)s, %(updated)s, %(unchanged)s, %(rejected)s; %(missing)s; %(commune_level)s") % parts,
        _("directory: %(entries_created)s, %(entries_updated)s, %(merged)s, %(review)s") % parts,
    ])  # fmt: skip
