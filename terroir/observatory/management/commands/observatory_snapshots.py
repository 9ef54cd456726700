"""Store this month's snapshot of every territory that has none yet (the worker does it by itself every
minute; this command is for a site that prefers cron, or to see it done: `--now`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.directory.background import command_run
from terroir.observatory.snapshots import snapshots_schedule_task


class Command(BaseCommand):
    help = "Queue this month's snapshot of the observatory's indicators for every territory that has none yet."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Queue them from this process, not the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        finished, queued = command_run(snapshots_schedule_task, self.stdout, now=options["now"])
        if finished:
            self.stdout.write(f"{queued} territories queued for their snapshot.")
