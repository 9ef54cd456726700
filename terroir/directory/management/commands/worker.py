"""The background worker: runs the queued tasks (imports, planning runs) one at a time, each heavy one in
a child process under the task limits. Run as many as the machine has cores to spare (docs/operations.md).
When it starts, and every minute, it fails the runs and tasks of workers that died, and queues the periodic
work that is due (the apps' `periodic_register`: the observatory's monthly snapshots)."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django_tasks_db.management.commands.db_worker import Worker

from terroir.directory.background import periodic_run_all, reap_all, tasks_reap, worker_label

REAP_EVERY_S = 60.0


class Command(BaseCommand):
    help = "Run the background worker (imports, planning runs)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--queue", default="default", help="Queues to run, comma-separated (default: default).")
        parser.add_argument("--interval", type=float, default=1.0, help="Seconds between looks at an empty queue.")
        parser.add_argument("--batch", action="store_true", help="Run what is queued, then stop.")

    def handle(self, *args: Any, queue: str, interval: float, batch: bool, **options: Any) -> None:
        logging.getLogger("django_tasks_db").setLevel(logging.INFO if options["verbosity"] else logging.WARNING)
        label = worker_label()
        failed = tasks_reap() + reap_all()
        self._periodic()
        self.stdout.write(f"Worker {label} started" + (f"; {failed} runs of stopped workers failed" if failed else ""))
        stop = threading.Event()
        reaper = threading.Thread(target=self._reap_every, args=(stop,), name="reaper", daemon=True)
        reaper.start()
        worker = Worker(
            queue_names=queue.split(","), interval=interval, batch=batch, backend_name="default",
            startup_delay=False, max_tasks=None, worker_id=label, excluded_queue_names=[],
        )  # fmt: skip
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
        worker.configure_signals()
        try:
            worker.run()
        finally:
            stop.set()
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    def _reap_every(self, stop: threading.Event) -> None:
        while not stop.wait(REAP_EVERY_S):
            try:
                tasks_reap()
                reap_all()
            except Exception:  # a locked database now and then: next time
                logging.getLogger(__name__).exception("reaping failed")
            self._periodic()
            connection.close()

    def _periodic(self) -> None:
        try:
            periodic_run_all()
        except Exception:  # a locked database now and then: next time
            logging.getLogger(__name__).exception("periodic work failed")
