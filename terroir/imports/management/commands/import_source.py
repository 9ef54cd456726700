"""python manage.py import_source FILE --mapping MAPPING [--report PROBLEMS.csv] [--no-geocode]

Imports a source file through its mapping (a path, or the name of a ready-made one: osm, gogocarto,
agence-bio, terroir-csv, terroir-geojson). Use import_preview first to see how it will be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terroir.imports.mapping import MappingError, mapping_load
from terroir.imports.models import ImportRun
from terroir.imports.services import ImportBusy, source_import
from terroir.imports.sources import shipped_mappings


class Command(BaseCommand):
    help = "Import a source file (CSV, XLSX, JSON, GeoJSON) through its mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--mapping", required=True, help="mapping file, or a ready-made mapping's name")
        parser.add_argument("--report", type=Path, help="write every problem, with its row, to this CSV file")
        parser.add_argument("--no-geocode", action="store_true", help="place addresses from the communes table only")

    def handle(self, *args: Any, **options: Any) -> None:
        given = str(options["mapping"])
        mapping_path = shipped_mappings().get(given) or Path(given)
        try:
            mapping = mapping_load(mapping_path)
        except MappingError as error:
            raise CommandError(f"mapping {error}") from None
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no file at {path}")
        try:
            run = source_import(
                path=path,
                mapping=mapping,
                mapping_text=mapping_path.read_text(encoding="utf-8"),
                geocode=not options["no_geocode"],
                progress=lambda message: self.stdout.write(f"  {message}"),
            )
        except ImportBusy as error:
            raise CommandError(str(error)) from None
        if options["report"] and run.report:
            Path(options["report"]).write_text(run.report, encoding="utf-8")
        if run.status == ImportRun.Status.FAILED:
            raise CommandError(f"{path.name}: {run.error} (nothing was imported)")
        self.stdout.write(
            f"{run.rows} rows: {run.created} new, {run.updated} updated, {run.unchanged} unchanged, "
            f"{run.rejected} rejected; {run.missing} no longer in the source (flagged); "
            f"{run.commune_level} placed at their commune's centre only"
        )
