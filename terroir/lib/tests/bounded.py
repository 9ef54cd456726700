"""Hostile files are read under a memory ceiling and a time limit, so that a regression fails its test
instead of taking the machine, and every other test running on it, down (a 200 KB file once needed
24 GB)."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
_CHILD = """
import importlib, json, resource, sys
limit = int(sys.argv[3]) * 1024 * 1024
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
if sys.argv[5] == "django":
    import django
    django.setup()
    from django.utils import translation
    translation.activate(sys.argv[4])
module, name = sys.argv[1].split(":")
function = getattr(importlib.import_module(module), name)
try:
    out = {"result": function(*json.loads(sys.argv[2]))}
except MemoryError:
    out = {"error": "MemoryError", "message": "over the memory ceiling"}
except Exception as error:
    out = {"error": type(error).__name__, "message": str(error)}
print(json.dumps(out, default=str))
"""


def run_bounded(
    function: str, *args: Any, memory_mb: int = 1024, timeout_s: float = 60, env: dict[str, str] | None = None,
    language: str = "en", django: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Calls `package.module:function(*args)` (arguments and result in JSON) in a new interpreter whose
    address space is capped at `memory_mb`, in `language`, with `env` added to the environment (settings
    come from it). With `django=False` the child does not set Django up (nor `language`): for a function
    that imports no Django (the tabular readers of `terroir.lib`), whose child then costs ~0.4 s of
    processor instead of ~2 s.
    Returns {"result": …} or {"error": exception class name, "message": …}; a child that dies or runs
    past `timeout_s` fails the test."""
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "terroir.settings", "OPENBLAS_NUM_THREADS": "1"}
    setup = "django" if django else "none"
    command = [sys.executable, "-c", _CHILD, function, json.dumps(args), str(memory_mb), language, setup]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout_s, env=environment | (env or {}), cwd=ROOT
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{function} ran for more than {timeout_s} s") from None
    assert done.returncode == 0 and done.stdout.strip(), f"{function} died ({done.returncode}): {done.stderr[-3000:]}"
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@contextmanager
def memory_ceiling(extra_mb: int = 1024) -> Iterator[None]:
    """This process may grow by `extra_mb` of address space, no more, while the block runs: past it an
    allocation raises MemoryError (the request then fails its test) instead of swapping the machine."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    status = Path("/proc/self/status").read_text()
    used_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmSize:"))
    ceiling = used_kb * 1024 + extra_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard), hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
