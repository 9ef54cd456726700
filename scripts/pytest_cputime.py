"""Processor time per test, an opt-in pytest plugin, and its summary per module and per test.

On a loaded machine a test's wall time is mostly its queue for the processor; this plugin records what
each test cost the processor: the test process's own time (user + system), that of the children it
reaped, and (since round 13) the growth of its living descendants' time read from /proc — Chromium and
its renderers under Playwright's driver, each with what it reaped itself — from set-up to teardown, one
JSON line per test (with its kind: browser, fuzz or plain) appended to a file as each test ends (so a run
stopped half-way still leaves its profile; xdist processes append to the same file). Since round 14 each
line also says where the time went (`parts`): the test process's main thread (`test`: pytest, the fixtures,
the flush, Playwright's client) and its other threads (`threads`: the live server), the children it reaped,
Playwright's `driver`, and Chromium's `browser`, `renderer` (with its zygotes), `gpu` and `utility` processes,
told apart by their command lines; the summary sums them per kind and per module.

    PYTHONPATH=scripts TERROIR_CPUTIME_FILE=/tmp/cpu.jsonl .venv/bin/pytest -p pytest_cputime -n 2 -m "not browser"
    python3 scripts/pytest_cputime.py /tmp/cpu.jsonl [MODULES] [TESTS]

Caveats: a child's time is credited to the test that reaps it (Python's `subprocess` reaps a finished
child when the next one starts: round 7 saw 44 s credited to a module that costs 3.5 s); a descendant
that ends and is reaped by init takes its time away (Chromium when a process's browser closes); a
daemon's never counts (the PostgreSQL server's: wrap the run in `scripts/cputime.py` for the whole tree);
the first test of a process carries the test database's set-up (its copy, or its migration when the kept
one is stale).
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


TICK = os.sysconf("SC_CLK_TCK")


def _role(pid: int) -> str:
    """Which part of the browser machinery a descendant is, from its command line: Playwright's `driver`
    (node), Chromium's `browser` process, its `renderer`s (with the zygotes that fork them and reap the
    closed ones), its `gpu` process, its `utility` processes (network, storage, audio), or `other`."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            # Chromium's children rewrite their title into one line of words separated by spaces.
            arguments = cmdline.read().replace(b"\0", b" ").split()
    except OSError:
        return "other"
    kind = next((a.split(b"=", 1)[1] for a in arguments if a.startswith(b"--type=")), None)
    if kind in (b"renderer", b"zygote"):
        return "renderer"
    if kind == b"gpu-process":
        return "gpu"
    if kind is not None:
        return "utility"
    if any(b"chromium" in a or b"chrome" in a for a in arguments[:1]):
        return "browser"
    if any(a == b"run-driver" for a in arguments):
        return "driver"
    return "other"


ROLES: dict[int, str] = {}  # a descendant's role, read once per process id


def _descendants() -> dict[str, float]:
    """Processor time of this process's living descendants (Chromium and its renderers under Playwright's
    driver), each with the children it reaped itself (a renderer closed with its context), from /proc,
    summed by role (`_role`)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = sum(int(value) for value in fields[11:15]) / TICK
    below: set[int] = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, parent in parents.items():
            if parent in below and pid not in below:
                below.add(pid)
                changed = True
    below.discard(os.getpid())
    roles: dict[str, float] = defaultdict(float)
    for pid in below:
        role = ROLES.get(pid) or _role(pid)
        if role != "other":  # one whose command line could not be read yet is read again next time
            ROLES[pid] = role
        roles[role] += times[pid]
    return roles


def _main_thread() -> float:
    """Processor time of this process's main thread (the test itself: pytest, Playwright's client and its
    routes' callbacks, the flush, the fixtures); the rest of the process's own time is its other threads
    (the live server's and its request threads, counted with the process when they end)."""
    with open(f"/proc/self/task/{os.getpid()}/stat", "rb") as stat:
        fields = stat.read().rsplit(b")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _processor() -> tuple[float, float, dict[str, float]]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    descendants = _descendants()
    main = _main_thread()
    parts = {"test": main, "threads": own.ru_utime + own.ru_stime - main,
             "reaped": children.ru_utime + children.ru_stime, **descendants}  # fmt: skip
    return own.ru_utime + own.ru_stime, parts["reaped"] + sum(descendants.values()), parts


def _kind(item: pytest.Item) -> str:
    """browser (the marker), fuzz (a Hypothesis or Schemathesis test) or plain."""
    if item.get_closest_marker("browser"):
        return "browser"
    test = getattr(item, "obj", None)
    if getattr(test, "is_hypothesis_test", False) or "schemathesis" in type(item).__module__:
        return "fuzz"
    return "plain"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    own, children, parts = _processor()
    started = time.perf_counter()
    yield
    own_after, children_after, parts_after = _processor()
    line = {
        "id": item.nodeid,
        "self": round(own_after - own, 4),
        "children": round(children_after - children, 4),
        "wall": round(time.perf_counter() - started, 3),
        "kind": _kind(item),
        "worker": os.environ.get("PYTEST_XDIST_WORKER", "-"),
        "load": os.getloadavg()[0],
        "parts": {name: round(parts_after.get(name, 0.0) - parts.get(name, 0.0), 3) for name in {*parts, *parts_after}},
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
    per_kind: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        per_kind[row.get("kind", "?")].append(cost(row))
    print("\nkind | tests | processor | share")
    for kind, costs in sorted(per_kind.items(), key=lambda kv: -sum(kv[1])):
        print(f"{kind} | {len(costs)} | {sum(costs):.1f} s | {sum(costs) / total:.0%}")
    per_module: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        per_module[row["id"].split("::")[0]].append(cost(row))
    print("\nmodule | tests | processor | per test")
    for module, costs in sorted(per_module.items(), key=lambda kv: -sum(kv[1]))[:modules]:
        print(f"{module} | {len(costs)} | {sum(costs):.1f} s | {sum(costs) / len(costs):.3f} s")
    print("\ntest | processor (children)")
    for row in sorted(rows, key=cost, reverse=True)[:tests]:
        print(f"{row['id']} | {cost(row):.2f} s ({row['children']:.2f} s)")
    parted(rows, per_module, modules)


PARTS = ("test", "threads", "reaped", "driver", "browser", "renderer", "gpu", "utility", "other")


def parted(rows: list[dict[str, Any]], per_module: dict[str, list[float]], modules: int) -> None:
    """Where the processor went, by part (rows recorded since round 14): the test process's main thread
    (`test`) and its other threads (`threads`: the live server), the children it reaped, Playwright's
    driver, and Chromium's browser, renderer, GPU and utility processes."""
    rows = [row for row in rows if "parts" in row]
    if not rows:
        return
    print("\nkind | " + " | ".join(PARTS))
    for kind in sorted({row["kind"] for row in rows}):
        sums = [sum(row["parts"].get(part, 0.0) for row in rows if row["kind"] == kind) for part in PARTS]
        print(f"{kind} | " + " | ".join(f"{value:.1f}" for value in sums))
    print("\nmodule | " + " | ".join(PARTS))
    for module, _costs in sorted(per_module.items(), key=lambda kv: -sum(kv[1]))[:modules]:
        mine = [row for row in rows if row["id"].split("::")[0] == module]
        if mine:
            sums = [sum(row["parts"].get(part, 0.0) for row in mine) for part in PARTS]
            print(f"{module} | " + " | ".join(f"{value:.1f}" for value in sums))


if __name__ == "__main__":
    summary(sys.argv[1], *(int(arg) for arg in sys.argv[2:4]))
