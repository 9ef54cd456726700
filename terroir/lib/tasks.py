"""Long work on the worker: each heavy task runs in a child process with its own memory and CPU limits,
so that one hostile file or problem ends as a failed run with its reason instead of taking the worker (or
the machine) down; and runs whose worker died are found and failed instead of staying "running" forever.

Pure standard library (Linux): the Django side (which connections to close, what a "run" is) comes in as
callables from the apps.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import logging
import multiprocessing
import os
import resource
import signal
import socket
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# Reasons a task ends without its own answer; the pages translate them (they are stored on run rows).
MEMORY = "memory limit exceeded"
CPU = "processor time limit exceeded"
TIME = "time limit exceeded"
CRASH = "the computation stopped unexpectedly"
WORKER_LOST = "the worker computing it stopped"

_PR_SET_PDEATHSIG = 1
_reapers: list[Callable[[], int]] = []
_periodic: list[Callable[[], object]] = []


class TaskLimitExceeded(RuntimeError):
    """The child computing a task was stopped: `reason` is one of the constants above."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}{f' ({detail})' if detail else ''}")
        self.reason = reason
        self.detail = detail


class TaskError(RuntimeError):
    """The task raised in its child process: the exception's type, message and traceback."""

    def __init__(self, kind: str, message: str, trace: str) -> None:
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.trace = trace


_relaxed = 0


@contextlib.contextmanager
def collector_relaxed(*, young: int = 50_000) -> Iterator[None]:
    """For bulk work that makes millions of objects living until its end (an import's rows, records and
    their data): the objects alive before it (Django, the libraries loaded) are kept out of the cyclic
    garbage collector's passes (`gc.freeze`), and young objects are looked at every `young` allocations
    instead of 700. Otherwise the collector walks the same live objects again and again: 8.2 s of
    processor in 10,473 collections (6.5 s in full ones) for a 20,000-row import's process. Nothing is
    freed later than it would be but cyclic garbage, which the passes still find."""
    global _relaxed
    threshold = gc.get_threshold()
    if not _relaxed:
        gc.freeze()
        gc.set_threshold(max(threshold[0], young), *threshold[1:])
    _relaxed += 1
    try:
        yield
    finally:
        _relaxed -= 1
        if not _relaxed:
            gc.set_threshold(*threshold)
            gc.unfreeze()


@dataclass(frozen=True)
class Limits:
    memory_mb: int  # address space the child may add to what it inherits
    cpu_s: int  # processor seconds
    wall_s: float  # seconds on the clock


def worker_label() -> str:
    """Names this process among the workers: host and process id (the reaper checks the process)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}"


def worker_alive(label: str) -> bool | None:
    """Whether the worker named `label` still runs; None when it runs on another host (unknown here)."""
    host, _, pid = label.rpartition(":")
    if not host or not pid.isdigit():
        return None
    if host != socket.gethostname()[:40]:
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _virtual_memory_bytes() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _child(conn: Any, func: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> None:
    # Die with the worker: a killed worker leaves no orphan computing for nobody.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    memory = _virtual_memory_bytes() + limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_s, limits.cpu_s + 5))
    try:
        conn.send(("ok", func(*args)))
    except MemoryError:
        conn.send(("limit", MEMORY, ""))
    except BaseException as exc:
        conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
    finally:
        conn.close()


def run_limited(
    func: Callable[..., Any], *args: Any, limits: Limits, before_fork: Callable[[], None] | None = None,
    tick: Callable[[], None] | None = None, tick_every: float = 5.0,
) -> Any:  # fmt: skip
    """`func(*args)` in a forked child under `limits`; returns its value, raises TaskError with what it
    raised, or TaskLimitExceeded when a limit stopped it. `tick` runs every `tick_every` seconds while
    waiting (the run's heartbeat). `before_fork` closes what must not be shared (database connections)."""
    if before_fork is not None:
        before_fork()
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sending, func, args, limits), daemon=True)
    started = time.monotonic()
    child.start()
    sending.close()
    answer: Any = None
    try:
        while True:
            if receiving.poll(min(tick_every, max(0.05, limits.wall_s - (time.monotonic() - started)))):
                try:
                    answer = receiving.recv()
                except EOFError:  # the child died without a word
                    answer = None
                break
            if time.monotonic() - started >= limits.wall_s:
                child.kill()
                raise TaskLimitExceeded(TIME, f"{limits.wall_s:.0f} s")
            if tick is not None:
                tick()
        child.join(10)
    finally:
        if child.is_alive():
            child.kill()
            child.join(5)
        receiving.close()
    if answer is None:
        code = child.exitcode
        if code == -signal.SIGXCPU:
            raise TaskLimitExceeded(CPU, f"{limits.cpu_s} s")
        if code == -signal.SIGKILL:  # the kernel's out-of-memory killer, or somebody
            raise TaskLimitExceeded(MEMORY, "killed")
        raise TaskLimitExceeded(CRASH, f"exit code {code}")
    if answer[0] == "ok":
        return answer[1]
    if answer[0] == "limit":
        raise TaskLimitExceeded(answer[1], answer[2])
    raise TaskError(answer[1], answer[2], answer[3])


def reaper_register(reap: Callable[[], int]) -> None:
    """An app's function that fails its runs whose worker died; returns how many it failed."""
    if reap not in _reapers:
        _reapers.append(reap)


def reap_all() -> int:
    return sum(reap() for reap in list(_reapers))


def periodic_register(duty: Callable[[], object]) -> None:
    """An app's function the worker calls when it starts and every minute: it queues the work that is due
    (monthly snapshots…) and returns at once when nothing is, so a site needs no cron for it."""
    if duty not in _periodic:
        _periodic.append(duty)


def periodic_run_all() -> None:
    """Every duty, each on its own: one that fails (a locked database) is logged and tried again next
    time, and does not keep the others from running."""
    for duty in list(_periodic):
        try:
            duty()
        except Exception:
            logging.getLogger(__name__).exception("periodic duty %s failed", getattr(duty, "__qualname__", duty))
