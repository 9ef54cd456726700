"""French prose schedules read into OpenStreetMap opening_hours (terroir/imports/schedules.py), measured on the
real lists of ../shared/data/real: the share of distinct schedule strings of each list from which hours are read
(and read whole, nothing left as a note), and the accuracy on the hand-checked labels of bench/schedules_labels.tsv
(hours and pickup place both right; a label without hours is right when no hours are read).

    .venv/bin/python bench/schedules.py [--data ../shared/data/real] [--show-failures]

The last line starts with "SUMMARY schedules:". Without the real files, only the labels are measured.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from terroir.imports.schedules import schedule_parse  # noqa: E402

REAL = ROOT.parent / "shared" / "data" / "real"
LABELS_PATH = Path(__file__).resolve().parent / "schedules_labels.tsv"
# (name, file under the real data, delimiter, schedule column)
CORPORA = (
    ("jourdemarche", "markets/jourdemarche_extract_2023-02_odd_departements.csv", ",", "horaires"),
    ("nosmarches", "markets/nosmarches_markets_odd_departements.csv", ";", "horaires"),
    ("amap", "amap/avenirbio_amap_odd_departements_no_mail.csv", ";", "Infos"),
)


def distinct_schedules(path: Path, delimiter: str, column: str) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as source:
        return sorted(
            {row[column] for row in csv.DictReader(source, delimiter=delimiter) if (row[column] or "").strip()}
        )


def labels_read(path: Path = LABELS_PATH) -> list[tuple[str, str, str, str]]:
    """(source, schedule, expected opening_hours, expected place) per label line."""
    labels = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            source, text, expected_hours, expected_place = line.split("\t")
            labels.append((source, text, expected_hours, expected_place))
    return labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=REAL, help="the real data folder (default ../shared/data/real)")
    parser.add_argument("--show-failures", action="store_true", help="print the strings from which no hours are read")
    args = parser.parse_args()
    figures: list[str] = []
    if args.data.exists():
        print(f"{'list':<14}{'distinct':>9}{'hours':>8}{'whole':>8}{'no hours':>10}  µs/string")
        for name, relative, delimiter, column in CORPORA:
            texts = distinct_schedules(args.data / relative, delimiter, column)
            schedule_parse.cache_clear()
            start = time.perf_counter()
            results = [schedule_parse(text) for text in texts]
            micros = (time.perf_counter() - start) / len(texts) * 1e6
            read = sum(1 for r in results if r.opening_hours)
            whole = sum(1 for r in results if r.understood)
            print(f"{name:<14}{len(texts):>9}{read:>8}{whole:>8}{len(texts) - read:>10}  {micros:.0f}")
            figures += [f"{name}_hours={read / len(texts):.3f}", f"{name}_whole={whole / len(texts):.3f}"]
            if args.show_failures:
                for text, result in zip(texts, results, strict=True):
                    if not result.opening_hours:
                        print(f"    {text[:150]}")
    else:
        print(f"{args.data} is missing: only the labels are measured")
    right, wrong = 0, []
    labels = labels_read()
    for source, text, expected_hours, expected_place in labels:
        result = schedule_parse(text)
        place = result.place if result.opening_hours else ""
        if (result.opening_hours, place) == (expected_hours, expected_place):
            right += 1
        else:
            wrong.append((source, text, expected_hours, expected_place, result.opening_hours, place))
    for source, text, expected_hours, expected_place, hours, place in wrong:
        print(f"label wrong ({source}): {text[:90]!r}\n    expected {expected_hours!r} {expected_place!r}\n"
              f"    read     {hours!r} {place!r}")  # fmt: skip
    accuracy = right / len(labels)
    print(f"labels: {right}/{len(labels)} right")
    print(f"SUMMARY schedules: {' '.join(figures)} labels_accuracy={accuracy:.3f} labels={len(labels)}")


if __name__ == "__main__":
    main()
