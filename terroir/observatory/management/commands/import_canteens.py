"""Import a file of ma-cantine's canteen declarations (campagne_td_YYYY.csv): each year it holds replaces
that year's declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terroir.lib.tabular import SourceError
from terroir.observatory.canteens import CanteenFileError, canteens_import, reason_text


class Command(BaseCommand):
    help = "Import canteen declarations (ma-cantine open data CSV); rows reported with their line and reason."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--problems", type=int, default=20, help="how many reported rows to print (default 20)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            run = canteens_import(path=path)
        except (CanteenFileError, SourceError) as error:
            raise CommandError(f"{path}: {error}") from None
        years = ", ".join(str(y) for y in run.years) or "none"
        self.stdout.write(f"{run.rows} rows read, {run.kept} declarations kept (years: {years}); "
                          f"{run.problems_count} rows reported.")  # fmt: skip
        for line, code, value in run.problems[: options["problems"]]:
            self.stdout.write(f"  line {line}: {reason_text(code, value)}")
