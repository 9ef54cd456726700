"""Send producers the digest of new needs around them (run it weekly from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from terroir.needs.services import digests_send


class Command(BaseCommand):
    help = "E-mail each producer's alert the open needs published since its last digest (a week at most)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{digests_send()} digests sent.")
