"""Create a territory from départements, EPCIs, INSEE codes or a PAT of the national list."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from terroir.observatory.territories import TerritoryError, territory_create


def _list(value: str | None) -> list[str]:
    return [code.strip() for code in (value or "").replace(";", ",").split(",") if code.strip()]


class Command(BaseCommand):
    help = (
        "Create a territory: SLUG with --departments 63,43, --epcis SIREN,…, --communes INSEE,… and/or --pat CODE "
        "(alone, a PAT's communes are those of the EPCIs its canteens declare: import the canteens first)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", default="", help="its name (a PAT's name by default)")
        parser.add_argument("--departments", help="département codes, comma-separated")
        parser.add_argument("--epcis", help="EPCI SIREN codes, comma-separated")
        parser.add_argument("--communes", help="INSEE codes, comma-separated")
        parser.add_argument("--pat", default="", help="a PAT code of the national list")
        parser.add_argument(
            "--local-radius-km", type=float, help="the local radius in km (TERROIR_LOCAL_RADIUS_KM by default)"
        )
        parser.add_argument("--coordinator", action="append", default=[], help="e-mail of a coordinator (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        coordinators = []
        for email in options["coordinator"]:
            user = users.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"no person with the e-mail {email}")
            coordinators.append(user)
        try:
            territory = territory_create(
                slug=options["slug"], name=options["name"], departments=_list(options["departments"]),
                epcis=_list(options["epcis"]), codes=_list(options["communes"]), pat_code=options["pat"].strip(),
                coordinators=coordinators, local_radius_km=options["local_radius_km"],
            )  # fmt: skip
        except TerritoryError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Territory {territory.slug} ({territory.name}): {territory.communes.count()} communes.")
