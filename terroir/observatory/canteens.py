"""The national canteen declarations (ma-cantine's open data, "Résultats de campagnes de
télédéclaration des cantines", Licence Ouverte): reading a file, importing it by year, and the rows
reported.

A row whose INSEE code is empty or names no commune is kept for the figures of its PAT, EPCI and
département as the file gives them, and left out of every commune's (and so every territory's) figures.
A row without a year or with a share that is not a number between 0 and 1 is left out altogether. Each
is reported with its line and why. Importing a year again replaces that year's declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from terroir.directory.models import Commune, CommuneName
from terroir.lib.messages import Message, gettext_noop
from terroir.lib.tabular import Limits, number_parse, rows_read

from .models import CanteenDeclaration, CanteenImport
from .territories import municipality_of

# The columns read (the file has 28; see docs/observatory.md).
COLUMNS = (
    "id", "year", "canteen_id", "canteen_siret", "canteen_name", "canteen_city_insee_code", "canteen_epci",
    "canteen_pat_list", "canteen_department", "canteen_sector_list", "teledeclaration_ratio_bio",
    "teledeclaration_ratio_egalim_hors_bio",
)  # fmt: skip
PROBLEMS_KEPT = 1000  # problems stored on the run; all are counted

MISSING_COLUMNS = gettext_noop("the file lacks the columns %(value)s")
# Why a row is reported: kept out of the commune figures, or out of every figure.
REASONS = {
    "no_insee": _("no INSEE code: kept out of the commune figures"),
    "unknown_insee": _("INSEE code %(value)s names no commune: kept out of the commune figures"),
    "insee_padded": _("INSEE code %(value)s read with its leading zero"),
    "insee_former": _("INSEE code %(value)s is a former commune's: counted for the commune it belongs to today"),
    "no_year": _("no year or not a year (%(value)s): row left out"),
    "bad_ratio": _("share %(value)s is not a number between 0 and 1: row left out"),
    "no_canteen": _("no canteen id: row left out"),
    "duplicate": _("the canteen %(value)s declared twice for this year: the first declaration is kept"),
    "missing_columns": _(MISSING_COLUMNS),
}
OUT_OF_FIGURES = {"no_year", "bad_ratio", "no_canteen", "duplicate"}


class CanteenFileError(ValueError):
    """A file that is not a canteen declarations file (its columns are missing): `said`, its message to be
    said in the reader's language (a failed import keeps it so: background.error_stored)."""

    def __init__(self, said: Message) -> None:
        super().__init__(said.text())
        self.said = said


@dataclass
class Outcome:
    rows: int = 0
    kept: int = 0
    years: list[int] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)


def reason_text(code: str, value: str = "") -> str:
    template = REASONS.get(code)
    return str(template) % {"value": value} if template is not None else code


def _ratio(value: Any) -> float | None:
    if value is None or str(value).strip() == "":
        return None
    ratio = number_parse(str(value))
    return ratio if ratio is not None and 0.0 <= ratio <= 1.0 else None


def _year(value: Any) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100 else None


def _integer(value: str) -> int:
    """The file's declaration id, 0 when it is none (it is kept for reference only)."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 18 else 0


def _commune_code(raw: str, known: set[str], former: dict[str, str]) -> tuple[str | None, str]:
    """The commune an INSEE code names and the problem code, if any: spreadsheets drop the leading zero
    of the départements 01–09 (1053 for 01053); a former commune's code (merged since) names the commune
    it belongs to today. An arrondissement of Paris, Lyon or Marseille counts for its commune."""
    if not raw:
        return None, "no_insee"
    if raw in known:
        return municipality_of(raw), ""
    if raw.isascii() and raw.isdigit() and len(raw) == 4 and f"0{raw}" in known:
        return municipality_of(f"0{raw}"), "insee_padded"
    if raw in former:
        return municipality_of(former[raw]), "insee_former"
    return None, "unknown_insee"


def _pats(raw: str) -> str:
    codes = [code.strip() for code in raw.split(",") if code.strip()]
    return f",{','.join(codes)}," if codes else ""


def declarations_read(path: Path) -> tuple[list[CanteenDeclaration], Outcome]:
    """The declarations of a file (not saved) and what was reported."""
    communes = {code: (department, epci) for code, department, epci in
                Commune.objects.values_list("code", "department", "epci_code")}  # fmt: skip
    known = set(communes)
    former = dict(CommuneName.objects.exclude(former_code="").values_list("former_code", "commune_id"))
    outcome = Outcome()
    found: list[CanteenDeclaration] = []
    seen: set[tuple[int, str]] = set()
    for number, row in enumerate(rows_read(path, limits=Limits.of(settings), format="csv")):
        values = {k: str(v if v is not None else "").strip() for k, v in row.values.items()}
        if number == 0:
            missing = [c for c in COLUMNS if c not in values]
            if missing:
                raise CanteenFileError(Message(MISSING_COLUMNS, {"value": ", ".join(missing)}))
        outcome.rows += 1

        def report(code: str, value: str = "", line: int = row.line) -> None:
            outcome.problems.append((line, code, value))

        year = _year(values["year"])
        if year is None:
            report("no_year", values["year"])
            continue
        canteen = values["canteen_id"]
        if not canteen:
            report("no_canteen")
            continue
        organic, other = (
            _ratio(values["teledeclaration_ratio_bio"]),
            _ratio(values["teledeclaration_ratio_egalim_hors_bio"]),
        )
        if organic is None or other is None:
            report(
                "bad_ratio",
                values["teledeclaration_ratio_bio"]
                if organic is None
                else values["teledeclaration_ratio_egalim_hors_bio"],
            )
            continue
        if (year, canteen) in seen:
            report("duplicate", canteen)
            continue
        seen.add((year, canteen))
        code, problem = _commune_code(values["canteen_city_insee_code"], known, former)
        if problem:
            report(problem, values["canteen_city_insee_code"])
        department, epci = communes[code] if code else (values["canteen_department"][:3], values["canteen_epci"][:9])
        found.append(CanteenDeclaration(
            year=year, declaration_id=_integer(values["id"]), canteen_id=canteen[:20],
            siret=values["canteen_siret"][:14], name=values["canteen_name"][:255],
            insee_code=values["canteen_city_insee_code"][:12], commune_id=code, department=department,
            epci_code=epci, pat_codes=_pats(values["canteen_pat_list"])[:300],
            sector=values["canteen_sector_list"][:300], ratio_organic=organic, ratio_egalim_other=other,
        ))  # fmt: skip
    outcome.years = sorted({d.year for d in found})
    outcome.kept = len(found)
    return found, outcome


def canteens_import(*, path: Path, run: CanteenImport | None = None, by: Any = None) -> CanteenImport:
    """Import a declarations file: each year it holds replaces the declarations of that year. The run
    records the rows read, kept and reported; a file that cannot be read fails its run with the reason."""
    if run is None:
        run = CanteenImport.objects.create(file_name=path.name, by=by)
    CanteenImport.objects.filter(pk=run.pk).update(status=CanteenImport.Status.RUNNING)
    declarations, outcome = declarations_read(path)
    with transaction.atomic():
        CanteenDeclaration.objects.filter(year__in=outcome.years).delete()
        for declaration in declarations:
            declaration.run = run
        CanteenDeclaration.objects.bulk_create(declarations, batch_size=2000)
        run.status = CanteenImport.Status.DONE
        run.rows, run.kept, run.years = outcome.rows, outcome.kept, outcome.years
        run.problems = [list(p) for p in outcome.problems[:PROBLEMS_KEPT]]
        run.problems_count = len(outcome.problems)
        run.finished_at = timezone.now()
        run.save()
    return run
