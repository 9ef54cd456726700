"""Import a file of ma-cantine's canteen declarations (campagne_td_YYYY.csv): each year it holds replaces
that year's declarations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from terroir.imports.read import source_error_text
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
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        try:
            run = canteens_import(path=path)
        except SourceError as error:
            raise CommandError(f"{path}: {source_error_text(error)}") from None
        except CanteenFileError as error:
            raise CommandError(f"{path}: {error.said.text(_)}") from None
        # Printed in the site's language, as the other import commands.
        years = ", ".join(str(y) for y in run.years) or pgettext("years", "none")
        summary = _("%(rows)s, %(kept)s (years: %(years)s); %(reported)s.") % {
            "rows": ngettext("%(n)s row read", "%(n)s rows read", run.rows) % {"n": run.rows},
            "kept": ngettext("%(n)s declaration kept", "%(n)s declarations kept", run.kept) % {"n": run.kept},
            "years": years,
            "reported": ngettext("%(n)s row reported", "%(n)s rows reported", run.problems_count)
            % {"n": run.problems_count},
        }
        self.stdout.write(summary)
        for line, code, value in run.problems[: options["problems"]]:
            reason = reason_text(code, value)
            self.stdout.write("  " + _("line %(line)s: %(reason)s") % {"line": line, "reason": reason})
