"""Processor time per test, an opt-in pytest plugin, and its summary per module and per test.

On a loaded machine a test's wall time is mostly its queue for the processor; this plugin records what
each test cost the processor: the test process's own time (user + system) and that of the children it
reaped, from set-up to teardown, one JSON line per test appended to a file as each test ends (so a run
stopped half-way still leaves its profile; xdist processes append to the same file).

    PYTHONPATH=scripts TERROIR_CPUTIME_FILE=/tmp/cpu.jsonl .venv/bin/pytest -p pytest_cputime -n 2 -m "not browser"
    python3 scripts/pytest_cputime.py /tmp/cpu.jsonl [MODULES] [TESTS]

Caveats: a child's time is credited to the test that reaps it (Python's `subprocess` reaps a finished
child when the next one starts: round 7 saw 44 s credited to a module that costs 3.5 s), a daemon's
never (the PostgreSQL server's: wrap the run in `scripts/cputime.py` for the whole tree); the first test
of a process carries the test database's set-up (its copy, or its migration when the kept one is stale).
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

FILE = os.environ.get("TERROIR_CPUTIME_FILE", "/tmp/terroir-cputime.jsonl")


def _processor() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    own, children = _processor()
    started = time.perf_counter()
    yield
    own_after, children_after = _processor()
    line = {
        "id": item.nodeid,
        "self": round(own_after - own, 4),
        "children": round(children_after - children, 4),
        "wall": round(time.perf_counter() - started, 3),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "-"),
        "load": os.getloadavg()[0],
    }
    with open(FILE, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")


def summary(path: str, modules: int = 25, tests: int = 25) -> None:
    with open(path, encoding="utf-8") as lines:
        rows: list[dict[str, Any]] = [json.loads(line) for line in lines if line.strip()]

    def cost(row: dict[str, Any]) -> float:
        return float(row["self"] + row["children"])

    children, wall = sum(row["children"] for row in rows), sum(row["wall"] for row in rows)
    total = sum(map(cost, rows))
    print(f"{len(rows)} tests, {total:.1f} s of processor ({children:.1f} s of it children), {wall:.0f} s of wall")
    per_module: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        per_module[row["id"].split("::")[0]].append(cost(row))
    print("\nmodule | tests | processor | per test")
    for module, costs in sorted(per_module.items(), key=lambda kv: -sum(kv[1]))[:modules]:
        print(f"{module} | {len(costs)} | {sum(costs):.1f} s | {sum(costs) / len(costs):.3f} s")
    print("\ntest | processor (children)")
    for row in sorted(rows, key=cost, reverse=True)[:tests]:
        print(f"{row['id']} | {cost(row):.2f} s ({row['children']:.2f} s)")


if __name__ == "__main__":
    summary(sys.argv[1], *(int(arg) for arg in sys.argv[2:4]))
