"""Commune lookup benchmark: how long finding the commune of one imported row takes, on names and postcodes
as real files write them (drawn from the reference file: official name, without article, upper case,
"St" for "Saint", with or without postcode, former communes), against the floor of one dictionary read
measured in the same run, and the one-query-per-row way the importer used before (an indexed ORM query
on the folded name).

    .venv/bin/python bench/communes.py [--rows 20000] [--real] [--refresh] [--suggest] [--database-url URL]

`--real` also looks up the communes of the real files in ../shared/data/real (the HVE list: name and
postcode; the nosmarches market list: name and postcode; the jourdemarche market list: its postcode
alone, the leading zero restored) and prints how many are found, ambiguous or not found. `--refresh`
times `communes_load` on the loaded table: unchanged, then with 500 communes changed. `--suggest` times
the search page's autocomplete (`communes_suggest`, on the first 2 to 8 letters of the names asked, as
a person types them) and the search's `commune_choose` on whole names.

The last line starts with "SUMMARY communes:".
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.search import percentile, setup_django

TARGET_MS = 0.5
ROOT = Path(__file__).resolve().parent.parent
# ../shared beside the project (a clone), or beside the worktrees' parent.
REAL = next((p for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), ROOT.parent / "shared")
REAL = REAL / "data" / "real"


def real_queries() -> dict[str, list[dict[str, str]]]:
    """The commune columns of the real files, as written (scraped lists are only read here, never kept)."""
    sets: dict[str, list[dict[str, str]]] = {}
    for path in sorted((REAL / "directories").glob("hve_*.csv")):
        with path.open(encoding="utf-8") as raw:
            rows = list(csv.reader(raw))[2:]  # two header rows
        sets["hve"] = [{"name": r[5], "postcode": r[2]} for r in rows if len(r) > 5]
    for path in sorted((REAL / "markets").glob("nosmarches_*.csv")):
        with path.open(encoding="utf-8-sig") as raw:
            sets["nosmarches"] = [
                {"name": r["commune"], "postcode": r["code_postal"]} for r in csv.DictReader(raw, delimiter=";")
            ]
    for path in sorted((REAL / "markets").glob("jourdemarche_*.csv")):
        with path.open(encoding="utf-8") as raw:
            sets["jourdemarche_postcode"] = [{"postcode": r["Code Postal"].zfill(5)} for r in csv.DictReader(raw)]
    return sets


def real_measure() -> None:
    from terroir.directory.communes import commune_resolve

    sets = real_queries()
    if not sets:
        print(f"{REAL} is missing: no real files measured")
    for name, asked in sets.items():
        found = ambiguous = 0
        started = time.perf_counter()
        for query in asked:
            match = commune_resolve(**query)
            found += match.commune is not None
            ambiguous += match.ambiguous
        per_row = (time.perf_counter() - started) * 1000 / max(1, len(asked))
        share = found / max(1, len(asked))
        print(f"real {name}: {len(asked)} rows, found {found} ({share:.1%}), ambiguous {ambiguous}, "
              f"not found {len(asked) - found - ambiguous}, {per_row:.3f} ms per row")  # fmt: skip


def refresh_measure() -> None:
    from terroir.directory.communes import communes_load
    from terroir.directory.models import Commune

    started = time.perf_counter()
    communes_load()
    print(f"communes_load on the unchanged table: {time.perf_counter() - started:.1f} s")
    codes = list(Commune.objects.order_by("code").values_list("code", flat=True)[::70])
    Commune.objects.filter(code__in=codes).update(population=1, epci_name="changed")
    started = time.perf_counter()
    communes_load()
    print(f"communes_load with {len(codes)} communes changed: {time.perf_counter() - started:.1f} s")


def suggest_measure(names: list[str]) -> str:
    """The autocomplete on what a person types (2 to 8 first letters) and commune_choose on whole names;
    returns their fields for the SUMMARY line."""
    from terroir.directory.communes import CommuneAmbiguous, CommuneNotFound, commune_choose, communes_suggest

    rng = random.Random(7)
    typed, chosen = [], []
    for name in names:
        prefix = name[: rng.randint(2, 8)]
        start = time.perf_counter()
        communes_suggest(prefix)
        typed.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        with contextlib.suppress(CommuneAmbiguous, CommuneNotFound):
            commune_choose(name)
        chosen.append((time.perf_counter() - start) * 1000)
    t50, t95 = statistics.median(typed), percentile(typed, 0.95)
    c50, c95 = statistics.median(chosen), percentile(chosen, 0.95)
    print(f"communes_suggest p50 {t50:.3f} ms, p95 {t95:.3f} ms; commune_choose p50 {c50:.3f} ms, p95 {c95:.3f} ms")
    return f" suggest_p50_ms={t50:.3f} suggest_p95_ms={t95:.3f} choose_p50_ms={c50:.3f} choose_p95_ms={c95:.3f}"


def queries(rows: int) -> list[dict[str, str]]:
    from terroir.directory.communes import communes_rows

    reference = [r for r in communes_rows() if r["type"] in {"COM", "COMD", "COMA"}]
    random.seed(1)
    asked = []
    for row in random.sample(reference, rows):
        postcode = (row["codes_postaux"] or "").split(";")[0]
        name = random.choice([row["nom"], row["nom_sans_article"], row["nom"].upper(),
                              row["nom"].replace("Saint-", "St-")])  # fmt: skip
        shape = random.random()
        if shape < 0.5 and postcode:
            asked.append({"name": name, "postcode": postcode})
        elif shape < 0.8:
            asked.append({"name": name, "department": row["departement"]})
        else:
            asked.append({"name": name})
    return asked


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--real", action="store_true", help="also the real files of ../shared/data/real")
    parser.add_argument("--refresh", action="store_true", help="also time communes_load on a loaded table")
    parser.add_argument("--suggest", action="store_true", help="also time the autocomplete and commune_choose")
    parser.add_argument("--database-url", default="", help="default: a fresh SQLite file")
    options = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="terroir-communes-")
    setup_django(options.database_url or f"sqlite:///{folder}/bench.sqlite3")
    from django.core.management import call_command

    from terroir.directory.communes import commune_index, commune_resolve, name_key
    from terroir.directory.models import Commune

    started = time.perf_counter()
    call_command("migrate", verbosity=0)  # loads the communes reference
    print(f"migrate with the communes reference: {time.perf_counter() - started:.1f} s")
    asked = queries(options.rows)
    started = time.perf_counter()
    commune_index()
    print(f"index built in {(time.perf_counter() - started) * 1000:.0f} ms")

    samples, found, ambiguous = [], 0, 0
    for query in asked:
        start = time.perf_counter()
        match = commune_resolve(**query)
        samples.append((time.perf_counter() - start) * 1000)
        found += match.commune is not None
        ambiguous += match.ambiguous
    keys = {name_key(q["name"]): 1 for q in asked}
    floor = []
    for query in asked:
        start = time.perf_counter()
        keys.get(name_key(query["name"]))
        floor.append((time.perf_counter() - start) * 1000)
    orm = []
    for query in asked[:2000]:
        start = time.perf_counter()
        Commune.objects.filter(name_key=name_key(query["name"])).order_by("-population").first()
        orm.append((time.perf_counter() - start) * 1000)

    suggest = ""
    if options.suggest:
        suggest = suggest_measure([q["name"] for q in asked[:2000] if q["name"]])
    if options.real:
        real_measure()
    if options.refresh:
        refresh_measure()
    p50, p95 = statistics.median(samples), percentile(samples, 0.95)
    f50, o50 = statistics.median(floor), statistics.median(orm)
    print(f"lookups: {len(asked)}, found {found} ({found / len(asked):.1%}), ambiguous {ambiguous}")
    print(f"commune_resolve p50 {p50:.3f} ms, p95 {p95:.3f} ms, mean {statistics.fmean(samples):.3f} ms")
    print(f"floor (fold + dict read) p50 {f50:.4f} ms; one ORM query per row p50 {o50:.3f} ms")
    verdict = "met" if p95 <= TARGET_MS else "NOT met"
    print(f"SUMMARY communes: p50_ms={p50:.3f} p95_ms={p95:.3f} floor_p50_ms={f50:.4f} ratio_p50={p50 / f50:.0f} "
          f"orm_p50_ms={o50:.3f} found={found / len(asked):.3f} target_p95_ms={TARGET_MS} {verdict}"
          f"{suggest}")  # fmt: skip


if __name__ == "__main__":
    main()
