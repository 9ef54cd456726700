"""Work on the worker, for every app: a task's heavy part runs in a child process under the limits of
the settings (terroir.lib.tasks), with the run's heartbeat while it computes. Apps register the function
that fails their runs whose worker died (`reaper_register`); the worker calls them when it starts and
every minute, the pages when they read a run."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy

from terroir.lib import tasks
from terroir.lib.messages import Message, gettext_noop
from terroir.lib.tasks import (
    WORKER_LOST,
    Limits,
    periodic_register,
    periodic_run_all,
    reap_all,
    reaper_register,
    run_limited,
    worker_alive,
    worker_label,
)

__all__ = [
    "dead_runs_fail", "error_stored", "periodic_register", "periodic_run_all", "reap_all", "reaper_register",
    "stored_message", "supervised", "task_error_text", "unexpected_stored", "worker_alive", "worker_label",
]  # fmt: skip

# The reasons a run ends without its own answer (stored in English on the run), for the reader.
REASONS = {
    tasks.MEMORY: gettext_lazy("it needed more memory than a task may take (TERROIR_TASK_MEMORY_MB)"),
    tasks.CPU: gettext_lazy("it needed more processor time than a task may take (TERROIR_TASK_CPU_S)"),
    tasks.TIME: gettext_lazy("it took longer than its time limit"),
    tasks.CRASH: gettext_lazy("the computation stopped unexpectedly"),
    tasks.WORKER_LOST: gettext_lazy("the worker computing it stopped (restarted or killed); start it again"),
}


# Why a computation stopped on an error nobody foresaw (Python's own words, kept for whoever mends it).
UNEXPECTED = gettext_noop("an unexpected error stopped the computation (%(error)s)")


def error_stored(message: Message) -> str:
    """What a run keeps in its `error` when it fails: the message's template and values (its JSON), not
    its text. The worker runs in the site's language (or the language of whoever queued the run), and
    the run is read later by people of either: `task_error_text` says it in the reader's. A value JSON
    cannot keep (none is expected) has the message kept as its English text."""
    try:
        return message.json()
    except (TypeError, ValueError):
        return Message.plain(message.text()).json()


def unexpected_stored(error: BaseException) -> str:
    """`error_stored` of an exception nobody foresaw (`TaskError`: the child's; else its type and text)."""
    said = str(error) if isinstance(error, tasks.TaskError) else f"{type(error).__name__}: {error}"
    return error_stored(Message(UNEXPECTED, {"error": said[:1800]}))


def stored_message(error: str) -> Message | None:
    """The message a run keeps as JSON (`error_stored`), or None for an error kept as text (a task
    reason, or a row stored before messages were kept)."""
    if not error.startswith("{"):
        return None
    try:
        data = json.loads(error)
    except ValueError:
        return None
    return Message.of(data) if isinstance(data, dict) and isinstance(data.get("t"), str) else None


def task_error_text(error: str) -> str:
    """A run's stored error in the reader's language: a message kept by `error_stored`, one of the task
    reasons (with its detail), or else the text as it was stored."""
    message = stored_message(error)
    if message is not None:
        return message.text(gettext, lambda number: number_format(number, force_grouping=True))
    for reason, text in REASONS.items():
        if error.startswith(reason):
            return gettext("%(reason)s%(detail)s") % {"reason": text, "detail": error[len(reason) :]}
    return error


def supervised(func: Callable[..., Any], *args: Any, wall_s: float, tick: Callable[[], None] | None = None) -> Any:
    """`func(*args)` in a child process with the memory, processor and clock limits (TaskLimitExceeded
    says which one stopped it), or in this process when TERROIR_TASK_ISOLATION is off."""
    if not settings.TERROIR_TASK_ISOLATION:
        return func(*args)
    limits = Limits(memory_mb=settings.TERROIR_TASK_MEMORY_MB, cpu_s=settings.TERROIR_TASK_CPU_S, wall_s=wall_s)
    # The child opens its own connections: a connection shared across a fork is corrupted by both.
    return run_limited(func, *args, limits=limits, before_fork=connections.close_all, tick=tick)


def dead_runs_fail(running: QuerySet[Any], *, alive_at: Sequence[str], before: datetime.datetime, **failed: Any) -> int:
    """Fail the runs of `running` (an app's runs still running) whose worker died: its process is gone
    (same host), or the run's last sign of life — the first of the fields `alive_at` that is set — is older
    than `before`. `failed` sets the app's own failed status. They would otherwise say "running" forever;
    an app's reaper (`reaper_register`) calls this with its model, its fields and its time limit."""
    dead = []
    for run in running.only("pk", "worker", *alive_at):
        last = next((value for value in (getattr(run, name) for name in alive_at) if value is not None), None)
        if (run.worker and worker_alive(run.worker) is False) or (last is not None and last < before):
            dead.append(run.pk)
    if not dead:
        return 0
    return running.filter(pk__in=dead).update(stage="failed", error=WORKER_LOST, finished_at=timezone.now(), **failed)


def tasks_reap() -> int:
    """Fail the queue's tasks whose worker process died while running them (same host only: the queue
    keeps no heartbeat of its own; the runs' reapers cover the other hosts through their heartbeats)."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    dead = [
        result.pk
        for result in DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).only("pk", "worker_ids")
        if result.worker_ids and worker_alive(str(result.worker_ids[-1])) is False
    ]
    if not dead:
        return 0
    return DBTaskResult.objects.filter(pk__in=dead, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.FAILED, finished_at=timezone.now(),
        exception_class_path="terroir.lib.tasks.TaskLimitExceeded", traceback=WORKER_LOST,
    )  # fmt: skip


def runs_reap_started(model: Any, *, max_s: float) -> int:
    """Fail the runs of `model` (rows with `status`, `worker`, `started_at`, `error`, `finished_at`) still
    running whose worker died, or that outlived `max_s` and the lease: their work went with their worker,
    and a run must not stay "running" forever. The reaper of an app whose runs are timed by start."""
    late = timezone.now() - datetime.timedelta(seconds=max_s + settings.TERROIR_TASK_LEASE_S)
    running = model.objects.filter(status=model.Status.RUNNING).only("pk", "worker", "started_at")
    dead = [run.pk for run in running if (run.worker and worker_alive(run.worker) is False) or run.started_at < late]
    if not dead:
        return 0
    return int(
        model.objects.filter(pk__in=dead, status=model.Status.RUNNING).update(
            status=model.Status.FAILED, error=WORKER_LOST, finished_at=timezone.now()
        )
    )


def command_run(task: Any, out: Any, *, now: bool = False, **kwargs: Any) -> tuple[bool, Any]:
    """What a cron command does with its task: queue it for the worker (now=False) or run it in this
    process. Returns (finished, its value): a backend that runs tasks at once (tests) finishes here too."""
    if now:
        return True, task.call(**kwargs)
    result = task.enqueue(**kwargs)
    if result.is_finished:
        return True, result.return_value
    out.write(f"Queued as task {result.id}: `manage.py worker` runs it.")
    return False, None
