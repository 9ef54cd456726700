"""Tasks in a child process under limits: each limit ends the task with its reason, the worker lives on."""

from __future__ import annotations

import gc
import os
import time

import pytest

from terroir.lib.tasks import (
    CPU,
    MEMORY,
    TIME,
    Limits,
    TaskError,
    TaskLimitExceeded,
    collector_relaxed,
    run_limited,
    worker_alive,
)

ROOMY = Limits(memory_mb=512, cpu_s=30, wall_s=30)


def _square(n: int) -> int:
    return n * n


def _hog_memory() -> int:
    chunks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB if nothing stopped it
    return len(chunks)


def _spin() -> None:
    while True:
        pass


def _sleep() -> None:
    time.sleep(60)


def _fail() -> None:
    raise ValueError("no order to plan")


def test_it_returns_the_value_computed_in_the_child() -> None:
    ticks: list[int] = []
    assert run_limited(_square, 12, limits=ROOMY, tick=lambda: ticks.append(1)) == 144


def test_a_task_that_takes_too_much_memory_fails_with_the_memory_limit() -> None:
    with pytest.raises(TaskLimitExceeded) as stopped:
        run_limited(_hog_memory, limits=Limits(memory_mb=256, cpu_s=30, wall_s=30))
    assert stopped.value.reason == MEMORY


def test_a_task_that_spins_fails_with_the_processor_limit() -> None:
    with pytest.raises(TaskLimitExceeded) as stopped:
        run_limited(_spin, limits=Limits(memory_mb=256, cpu_s=1, wall_s=30))
    assert stopped.value.reason == CPU


def test_a_task_that_waits_too_long_fails_with_the_time_limit_and_beats_meanwhile() -> None:
    ticks: list[float] = []
    started = time.monotonic()
    with pytest.raises(TaskLimitExceeded) as stopped:
        run_limited(_sleep, limits=Limits(memory_mb=256, cpu_s=30, wall_s=1.0), tick=lambda: ticks.append(1),
                    tick_every=0.2)  # fmt: skip
    assert stopped.value.reason == TIME
    assert time.monotonic() - started < 10
    assert len(ticks) >= 3


def test_what_the_task_raised_comes_back_with_its_type_and_message() -> None:
    with pytest.raises(TaskError, match="ValueError: no order to plan"):
        run_limited(_fail, limits=ROOMY)


def test_a_dead_process_is_told_apart_from_a_live_one_and_another_host_is_unknown() -> None:
    import socket

    host = socket.gethostname()[:40]
    assert worker_alive(f"{host}:{os.getpid()}") is True
    assert worker_alive(f"{host}:{2**22 + 12345}") is False
    assert worker_alive("elsewhere.example.org:1") is None


def test_bulk_work_sets_the_live_objects_aside_from_the_collector_and_gives_them_back_after() -> None:
    threshold = gc.get_threshold()
    with collector_relaxed(young=40_000):
        assert gc.get_threshold()[0] == max(threshold[0], 40_000)
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with collector_relaxed():  # nested: the outer one's settings hold until it ends
            pass
        # Still frozen (an unfreeze would empty it); a frozen object freed by its count meanwhile leaves it.
        assert gc.get_threshold()[0] == max(threshold[0], 40_000) and 0 < gc.get_freeze_count() <= frozen
        cycle: list[object] = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1  # cyclic garbage is still found
    assert gc.get_threshold() == threshold and gc.get_freeze_count() == 0
