from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from terroir.directory.communes import communes_load


class Command(BaseCommand):
    help = "Load or refresh the French communes from the shipped reference file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--departments", default="", help="comma-separated department codes (default: all)")

    def handle(self, *args: Any, departments: str, **options: Any) -> None:
        wanted = {d.strip() for d in departments.split(",") if d.strip()} or None
        count = communes_load(departments=wanted)
        self.stdout.write(self.style.SUCCESS(f"{count} communes loaded"))
