"""The column-mapping screen on the real files of ../shared/data/real: how long profiling a file takes
(its first 1,000 rows read, every column's samples, empty cells and distinct values, a suggestion per
column), against a floor measured in the same run (the same rows read by lib/tabular alone), and what
it suggests for each file's columns.

    python bench/mapping_screen.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import gzip
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# ../shared beside the project (a clone), or beside the worktrees' parent.
REAL = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
REAL = REAL / "data" / "real"
FILES = (
    "directories/hve_annuaire_2022-01_odd_departements.csv",
    "gogocarto/gogocarto_pdcn_sample_elements.json",
    "amap/avenirbio_amap_odd_departements_no_mail.csv",
    "markets/jourdemarche_extract_2023-02_odd_departements.csv",
    "markets/nosmarches_markets_odd_departements.csv",
    "canteens/macantine_campagne_td_2023.csv",
    "osm/farmshops_eu_osm_outside_france.geojson.gz",
)


def _timed(work, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return times


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, round(0.95 * len(times)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    database = Path(tempfile.mkdtemp()) / "mapping-screen.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from terroir.imports.columns import SAMPLE_ROWS, profile_read
    from terroir.imports.read import limits
    from terroir.lib.tabular import HeaderAt, rows_read

    call_command("migrate", verbosity=0)  # the taxonomy and labels the value tables suggest from
    ratios = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in FILES:
            path = REAL / name
            if not path.exists():
                print(f"{name}: not under {REAL}, skipped")
                continue
            if path.suffix == ".gz":
                plain = Path(tmp) / path.name.removesuffix(".gz")
                with gzip.open(path, "rb") as raw, plain.open("wb") as out:
                    shutil.copyfileobj(raw, out)
                path = plain
            profile = profile_read(path, limits=limits())

            def floor(path: Path = path, header_row: int | None = profile.header_row) -> None:
                for position, _row in enumerate(rows_read(path, limits=limits(), header=HeaderAt(row=header_row))):
                    if position >= SAMPLE_ROWS:
                        break

            floor_times = _timed(floor, args.repeat)
            times = _timed(lambda path=path: profile_read(path, limits=limits()), args.repeat)
            ratio = statistics.median(times) / statistics.median(floor_times)
            ratios.append(ratio)
            suggested = [c for c in profile.columns if c.suggestion]
            print(f"{name}: {profile.rows} rows read of {'more' if profile.more else 'all'}, {len(profile.columns)} "
                  f"columns, {len(suggested)} suggested; profile median {statistics.median(times) * 1000:.0f} ms, "
                  f"p95 {_p95(times) * 1000:.0f} ms; floor (rows alone) {statistics.median(floor_times) * 1000:.0f} "
                  f"ms; ratio {ratio:.1f}")  # fmt: skip
            for column in suggested:
                print(f"    {column.name!r} -> {column.suggestion}")
    if not ratios:
        print(f"no real files under {REAL}")
        return 1
    print(f"SUMMARY mapping_screen: {len(ratios)} files, profile/floor median ratio {statistics.median(ratios):.1f}, "
          f"worst {max(ratios):.1f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
