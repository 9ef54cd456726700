"""Remind owners of entries nobody confirmed for TERROIR_VERIFY_MONTHS months (run it daily from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.accounts.services import verification_reminders_send


class Command(BaseCommand):
    help = "E-mail the owners of directory entries overdue for a check (at most once every 30 days each)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count the people to remind; send nothing.")

    def handle(self, *args: Any, **options: Any) -> None:
        count = verification_reminders_send(dry_run=options["dry_run"])
        verb = "would be reminded" if options["dry_run"] else "reminded"
        self.stdout.write(f"{count} people {verb}.")
