"""Send producers the digest of new needs around them (run it weekly from cron): the worker sends them."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.directory.background import command_run
from terroir.needs.tasks import digests_send_task


class Command(BaseCommand):
    help = "E-mail each producer's alert the open needs published since its last digest (a week at most)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", action="store_true", help="Send them from this process, not the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        finished, sent = command_run(digests_send_task, self.stdout, now=options["now"])
        if finished:
            self.stdout.write(f"{sent} digests sent.")
