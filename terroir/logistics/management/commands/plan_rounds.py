"""Plan rounds from a JSON problem (docs/logistics.md) or a standard benchmark file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from terroir.lib.progress import Progress
from terroir.logistics.problems import plan_to_json, problem_from_json
from terroir.logistics.readers import euclidean_dimacs, euclidean_exact, li_lim, solomon, vrplib
from terroir.logistics.routing import ProblemError, plan
from terroir.logistics.services import distances_provider


class Command(BaseCommand):
    help = "Plan pooled rounds: PROBLEM.json, or --solomon / --lilim / --vrplib FILE (benchmark formats)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("problem", nargs="?", help="a problem in Terroir's JSON format")
        parser.add_argument("--solomon", help="a Solomon VRPTW text file (distance objective)")
        parser.add_argument("--lilim", help="a Li & Lim PDPTW text file (fewest vehicles, then distance)")
        parser.add_argument("--vrplib", help="a VRPLIB file, e.g. multi-trip MTVRPTWR (distance objective)")
        parser.add_argument("--time-limit", type=float, default=10.0, help="seconds of search (default 10)")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--out", help="write the plan as JSON to this file")
        parser.add_argument("--json", action="store_true", help="print vehicles used and distance as JSON")

    def _bar(self, fraction: float) -> None:
        """The search's progress on a terminal (stderr, so that --json output stays clean)."""
        if self.stderr.isatty():
            bar = Progress("search", "searching…", done=round(fraction * 100), total=100).bar()
            self.stderr.write("\r" + bar, ending="")
            self.stderr.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        given = [k for k in ("problem", "solomon", "lilim", "vrplib") if options[k]]
        if len(given) != 1:
            raise CommandError("give one problem: PROBLEM.json, --solomon FILE, --lilim FILE or --vrplib FILE")
        path = Path(options[given[0]])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        kwargs: dict[str, Any]
        try:
            if options["solomon"]:
                problem, kwargs = solomon(path), {"matrix_for": euclidean_exact, "objective": "distance",
                                                  "distance_scale": 100}  # fmt: skip
            elif options["lilim"]:
                problem, kwargs = li_lim(path), {"matrix_for": euclidean_exact, "objective": "fleet",
                                                 "distance_scale": 100}  # fmt: skip
            elif options["vrplib"]:
                problem, kwargs = vrplib(path), {"matrix_for": euclidean_dimacs, "objective": "distance",
                                                 "distance_scale": 10}  # fmt: skip
            else:
                try:
                    data = json.loads(path.read_text(encoding="utf-8"))
                except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                    raise CommandError(f"{path}: not a UTF-8 JSON file ({exc})") from None
                except RecursionError:
                    raise CommandError(f"{path}: JSON nested too deep to be a problem") from None
                problem, kwargs = problem_from_json(data), {"matrix_for": distances_provider().matrix}
            result = plan(problem, seconds=options["time_limit"], seed=options["seed"], progress=self._bar, **kwargs)
            if self.stderr.isatty():
                self.stderr.write("")
        except ProblemError as exc:
            raise CommandError(f"{path.name}: {exc}") from None
        document = plan_to_json(result)
        if options["out"]:
            Path(options["out"]).write_text(json.dumps(document, ensure_ascii=False, indent=2), encoding="utf-8")
        if options["json"]:
            self.stdout.write(json.dumps({"vehicles_used": document["vehicles_used"], "distance": document["km"],
                                          "feasible": document["feasible"]}))  # fmt: skip
        else:
            self.stdout.write(
                f"{document['vehicles_used']} vehicles, {document['km']} km, {document['hours']} h; "
                f"{len(document['unserved'])} orders not served"
            )
            for item in document["unserved"]:
                self.stdout.write(f"  {item['order']}: {item['reason']}")
