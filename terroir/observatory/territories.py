"""Territories: named sets of communes built from départements, EPCIs, INSEE codes or a PAT of the
national list, with their coordinators. `territory_create` is their one writer."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from terroir.directory.models import Commune

from .models import CanteenDeclaration, Territory

# ma-cantine's national list of PATs (code, name): see data/PROVENANCE.md.
PATS_FILE = Path(__file__).resolve().parent / "data" / "pats.json"

# The municipal arrondissements of Paris, Lyon and Marseille are in the communes reference beside their
# commune, each with its population: a territory counts the commune, not both.
ARRONDISSEMENTS = {("75101", "75120"): "75056", ("69381", "69389"): "69123", ("13201", "13216"): "13055"}


class TerritoryError(ValueError):
    """A territory that cannot be built as asked; the message says why, in the reader's language."""


@functools.cache
def pats() -> dict[str, str]:
    """PAT code → name, from the national list."""
    return {str(p["code"]): str(p["nom"]) for p in json.loads(PATS_FILE.read_text(encoding="utf-8"))}


def pat_known(code: str) -> bool:
    """In the national list, or named by an imported declaration (the list lags behind the declarations)."""
    return code in pats() or CanteenDeclaration.objects.filter(pat_codes__contains=f",{code},").exists()


def municipality_of(code: str) -> str:
    """The commune of an arrondissement of Paris, Lyon or Marseille; any other code as it is."""
    for (first, last), commune in ARRONDISSEMENTS.items():
        if first <= code <= last:
            return commune
    return code


def _no_arrondissements() -> Q:
    exclude = Q()
    for first, last in ARRONDISSEMENTS:
        exclude |= Q(code__range=(first, last))
    return ~exclude


def _unknown(asked: Iterable[str], found: Iterable[str]) -> list[str]:
    return sorted(set(asked) - set(found))


def pat_epcis(code: str) -> list[str]:
    """The EPCIs of the canteens that declare being in the PAT (the national list gives no perimeter)."""
    rows = CanteenDeclaration.objects.filter(pat_codes__contains=f",{code},").exclude(epci_code="")
    return sorted(set(rows.values_list("epci_code", flat=True)))


def communes_select(
    *, departments: Sequence[str] = (), epcis: Sequence[str] = (), codes: Sequence[str] = (), pat_code: str = ""
) -> list[str]:
    """The INSEE codes of the communes of every département, EPCI and code given, and of a PAT: the
    communes of the EPCIs its canteens declare (when no other source is given)."""
    chosen: set[str] = set()
    communes = Commune.objects.filter(_no_arrondissements())
    if departments:
        found = set(communes.filter(department__in=departments).values_list("department", flat=True))
        if missing := _unknown(departments, found):
            raise TerritoryError(_("unknown départements: %(codes)s") % {"codes": ", ".join(missing)})
        chosen |= set(communes.filter(department__in=departments).values_list("code", flat=True))
    if epcis:
        found = set(communes.filter(epci_code__in=epcis).values_list("epci_code", flat=True))
        if missing := _unknown(epcis, found):
            raise TerritoryError(_("unknown EPCIs: %(codes)s") % {"codes": ", ".join(missing)})
        chosen |= set(communes.filter(epci_code__in=epcis).values_list("code", flat=True))
    if codes:
        found = set(Commune.objects.filter(code__in=codes).values_list("code", flat=True))
        if missing := _unknown(codes, found):
            raise TerritoryError(_("unknown INSEE codes: %(codes)s") % {"codes": ", ".join(missing)})
        chosen |= found
    if pat_code and not (departments or epcis or codes):
        if not pat_known(pat_code):
            raise TerritoryError(_("unknown PAT %(code)s") % {"code": pat_code})
        from_canteens = pat_epcis(pat_code)
        if not from_canteens:
            raise TerritoryError(
                _("no canteen declaration names the PAT %(code)s: import the canteen declarations first, "
                  "or give the PAT's EPCIs or départements") % {"code": pat_code}
            )  # fmt: skip
        chosen |= set(communes.filter(epci_code__in=from_canteens).values_list("code", flat=True))
    if not chosen:
        raise TerritoryError(_("a territory needs communes: give départements, EPCIs, INSEE codes or a PAT"))
    return sorted(chosen)


@transaction.atomic
def territory_create(
    *,
    slug: str,
    name: str = "",
    departments: Sequence[str] = (),
    epcis: Sequence[str] = (),
    codes: Sequence[str] = (),
    pat_code: str = "",
    coordinators: Sequence[Any] = (),
    local_radius_km: float | None = None,
) -> Territory:
    """A new territory with its communes and coordinators; a PAT's name is the list's when none is given."""
    if Territory.objects.filter(slug=slug).exists():
        raise TerritoryError(_("a territory %(slug)s already exists") % {"slug": slug})
    if pat_code and not pat_known(pat_code):
        raise TerritoryError(_("unknown PAT %(code)s") % {"code": pat_code})
    chosen = communes_select(departments=departments, epcis=epcis, codes=codes, pat_code=pat_code)
    name = name or pats().get(pat_code, "") or slug
    sources = {"departments": list(departments), "epcis": list(epcis), "codes": list(codes), "pat": pat_code}
    territory = Territory(slug=slug, name=name, pat_code=pat_code, sources=sources)
    if local_radius_km is not None:
        if not 1 <= local_radius_km <= 1000:
            raise TerritoryError(_("the local radius must be between 1 and 1,000 km"))
        territory.local_radius_km = local_radius_km
    territory.save()
    territory.communes.set(Commune.objects.filter(code__in=chosen))
    territory.coordinators.set(coordinators)
    territory_created(territory)
    return territory


# What follows a territory's creation: the snapshots register their first computation (apps.ready). A
# hook because the snapshots read this module (the PAT list) and this module cannot import them.
_created_hooks: list[Callable[[Territory], None]] = []


def created_hook_register(hook: Callable[[Territory], None]) -> None:
    if hook not in _created_hooks:
        _created_hooks.append(hook)


def territory_created(territory: Territory) -> None:
    """Run what follows a territory's creation; territory_create and the admin call it."""
    for hook in _created_hooks:
        hook(territory)
