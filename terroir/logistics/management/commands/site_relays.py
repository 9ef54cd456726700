"""Site relay platforms: PROBLEM.json (docs/logistics.md) or an OR-Library capacitated facility location file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from terroir.logistics.relays import RelayProblemError, from_json, from_orlib, siting_to_json, translated
from terroir.logistics.siting import SitingError, site


class Command(BaseCommand):
    help = "Site relay platforms (capacitated facility location, HiGHS): PROBLEM.json or --orlib FILE."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("problem", nargs="?", help="a siting problem in Terroir's JSON format")
        parser.add_argument("--orlib", help="an OR-Library capacitated facility location file (cap41…, capa)")
        parser.add_argument("--capacity", type=float, help='every site\'s capacity where the file says "capacity"')
        parser.add_argument("--single-source", action="store_true", help="each customer served by one site")
        parser.add_argument("--max-open", type=int, help="open at most N sites")
        parser.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
        parser.add_argument("--gap", type=float, default=0.0, help="stop within this relative gap (0.001 = 0.1 %%)")
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        given = [k for k in ("problem", "orlib") if options[k]]
        if len(given) != 1:
            raise CommandError(_("give one problem: PROBLEM.json or --orlib FILE"))
        if options["time_limit"] <= 0 or not 0 <= options["gap"] < 1:
            raise CommandError(_("--time-limit is a number of seconds > 0, --gap a share between 0 and 1"))
        if options["capacity"] is not None and (options["problem"] or not options["capacity"] > 0):
            raise CommandError(_("--capacity N (N > 0) goes with --orlib"))
        path = Path(options[given[0]])
        if not path.is_file():
            raise CommandError(_("%(path)s: no such file") % {"path": path})
        site_ids = customer_ids = None
        single_source, max_open = options["single_source"], options["max_open"]
        try:
            if options["orlib"]:
                problem = from_orlib(path, capacity=options["capacity"])
            else:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
                    raise RelayProblemError(_("not a UTF-8 JSON file (%(error)s)") % {"error": exc}) from None
                problem, site_ids, customer_ids, from_file, most = from_json(data)
                single_source = single_source or from_file
                max_open = max_open if max_open is not None else most
            result = site(problem, single_source=single_source, max_open=max_open, time_limit=options["time_limit"],
                          gap=options["gap"])  # fmt: skip
        except RelayProblemError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        except SitingError as exc:
            raise CommandError(f"{path.name}: {translated(exc)}") from None
        document = siting_to_json(result, site_ids, customer_ids)
        if options["json"]:
            self.stdout.write(json.dumps(document, ensure_ascii=False))
            return
        names = [site_ids[i] for i in result.open] if site_ids else [str(i) for i in result.open]
        verdict = (
            _("proven optimal")
            if result.optimal
            else _("within %(gap)s%% of the optimum (lower bound %(bound)s)")
            % {"gap": number_format(result.gap * 100, 3), "bound": number_format(result.bound, 2)}
        )
        self.stdout.write(
            _("cost %(cost)s, %(count)s sites open: %(sites)s; %(verdict)s, %(seconds)s s")
            % {
                "cost": number_format(result.cost, 2),
                "count": len(result.open),
                "sites": ", ".join(names),
                "verdict": verdict,
                "seconds": number_format(result.seconds, 1),
            }
        )
