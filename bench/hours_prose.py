"""Opening hours said in words (terroir/lib/hours_prose.py), measured on real expressions: the share of
distinct expressions put into prose (the rest is shown as the OSM code), on the hand-checked labels of
bench/schedules_labels.tsv and on the expressions that terroir/imports/schedules.py reads from each real list
of ../shared/data/real (jours-de-marche.fr, nosmarches.com, avenir-bio.fr AMAP). Speed: microseconds per
expression for the French prose, against a floor measured in the same run (parsing the expression with
opening-hours-py, which the prose needs anyway).

    .venv/bin/python bench/hours_prose.py [--data ../shared/data/real] [--show-fallbacks]

The last line starts with "SUMMARY hours_prose:". Without the real files, only the labels are measured.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.schedules import CORPORA, REAL, distinct_schedules, labels_read  # noqa: E402
from terroir.imports.schedules import schedule_parse  # noqa: E402
from terroir.lib import hours, hours_prose  # noqa: E402


def _timed(function: object, expressions: list[str], rounds: int = 5) -> float:
    """Median over rounds of the microseconds per expression, caches cleared each round."""
    samples = []
    for _ in range(rounds):
        hours.parse.cache_clear()
        hours_prose._rules.cache_clear()
        start = time.perf_counter()
        for expression in expressions:
            function(expression)  # type: ignore[operator]
        samples.append((time.perf_counter() - start) / len(expressions) * 1e6)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REAL, help="the real data folder (default ../shared/data/real)")
    parser.add_argument("--show-fallbacks", action="store_true", help="print the expressions left as code")
    args = parser.parse_args()
    sets: dict[str, set[str]] = {"labels": {expected for _s, _t, expected, _p in labels_read() if expected}}
    if args.data.exists():
        for name, relative, delimiter, column in CORPORA:
            texts = distinct_schedules(args.data / relative, delimiter, column)
            read = (schedule_parse(text).opening_hours for text in texts)
            sets[name] = {hours.validate(expression) for expression in read if expression}
    else:
        print(f"{args.data} is missing: only the labels are measured")
    figures = []
    print(f"{'expressions':<14}{'distinct':>9}{'prose':>8}{'share':>8}")
    for name, expressions in sets.items():
        said = [e for e in expressions if hours_prose.prose_lines(e, "fr") is not None]
        print(f"{name:<14}{len(expressions):>9}{len(said):>8}{len(said) / len(expressions):>8.3f}")
        figures.append(f"{name}_prose={len(said) / len(expressions):.3f}")
        if args.show_fallbacks:
            for expression in sorted(expressions - set(said)):
                print(f"    {expression}")
    everything = sorted(set().union(*sets.values()))
    floor = _timed(hours.parse, everything)
    spent = _timed(lambda e: hours_prose.prose(e, "fr"), everything)
    print(f"prose: {spent:.1f} µs per expression, parsing alone (floor) {floor:.1f} µs, ratio {spent / floor:.2f}")
    print(f"SUMMARY hours_prose: {' '.join(figures)} us_per_expression={spent:.1f} floor_us={floor:.1f} "
          f"ratio={spent / floor:.2f} expressions={len(everything)}")  # fmt: skip


if __name__ == "__main__":
    main()
