"""Remind owners of entries nobody confirmed for TERROIR_VERIFY_MONTHS months (run it daily from cron):
the worker sends the e-mails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.contributions.tasks import verification_reminders_task
from terroir.directory.background import command_run


class Command(BaseCommand):
    help = "E-mail the owners of directory entries overdue for a check (at most once every 30 days each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the people to remind; send nothing.")
        parser.add_argument("--now", action="store_true", help="Send from this process, not the worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        finished, count = command_run(
            verification_reminders_task, self.stdout, now=options["now"] or dry_run, dry_run=dry_run
        )
        if finished:
            verb = "would be reminded" if dry_run else "reminded"
            self.stdout.write(f"{count} people {verb}.")
