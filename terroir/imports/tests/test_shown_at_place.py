"""An import writes the producers it creates with the `shown_at_place` flag its links will give them
(`merging._shown_expected`), instead of writing each row a second time after the links (on PostgreSQL a
new version of the row in every index of the actors' table: 16 s of the server for 37,869 producers of a
100,000-row file). The flag still follows the rule of every other write — an actor is shown at a place
when it runs or supplies an open place (its ProducerPlace rows) — and the places' indexing corrects it
where the merge of places made the expectation wrong. The rows are synthetic."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Exists, OuterRef

from terroir.directory import index
from terroir.directory.models import Actor, Place, ProducerPlace
from terroir.directory.services import place_update
from terroir.imports.models import ImportRun
from terroir.imports.services import mapping_for, source_import

from .files import DIRECTORY, mapping_text

pytestmark = pytest.mark.django_db

HEADER = ("code", "type", "nom", "cp", "commune", "lat", "lon", "fournit")
MARKET = ("m1", "Marché", "Marché Saint-Genès", "63600", "Ambert", "45.5500", "3.7400", "")
ANNUAIRE = [
    # Runs its farm (the row gives the producer and the farm, linked as operator).
    ("1", "Producteur", "GAEC du Moulin", "63600", "Ambert", "45.5600", "3.7500", ""),
    MARKET,
    ("m2", "Marché", "Marché du Pont", "63300", "Thiers", "45.8550", "3.5450", ""),
    # Supplies a market of the file by its reference, one by its name, one of another source: no farm.
    ("2", "Producteur sans vente", "Rucher des Bois Noirs", "63300", "Thiers", "45.8600", "3.5500", "m1"),
    ("3", "Producteur sans vente", "Ferme Brun", "63300", "Thiers", "45.8610", "3.5510", "Marché du Pont"),
    ("4", "Producteur sans vente", "Les Vergers Roux", "63600", "Ambert", "45.5610", "3.7510", "marches:v1"),
    # Supplies nothing, or a place no record gives: shown nowhere.
    ("5", "Producteur sans vente", "Chèvrerie Vidal", "63600", "Ambert", "45.5620", "3.7520", ""),
    ("6", "Producteur sans vente", "Domaine Faure", "63300", "Thiers", "45.8620", "3.5520", "m9"),
]
MARCHES = [("v1", "Marché", "Marché de la Vallée", "63600", "Ambert", "45.5700", "3.7600", "")]


def load(tmp_path: Path, name: str, rows: Sequence[tuple[str, ...]]) -> ImportRun:
    path = tmp_path / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)
    text = mapping_text(
        DIRECTORY, source={"name": name, "label": name, "split": ","}, fields={"supplies": "fournit"},
        records={"Producteur sans vente": "producer"}, kinds={"Producteur sans vente": "farm"},
    )  # fmt: skip
    mapping, _same = mapping_for(source=name, text=text)
    run = source_import(path=path, mapping=mapping, mapping_text=text)
    assert run.status == ImportRun.Status.DONE, run.error
    return run


def flags() -> dict[str, tuple[bool, bool]]:
    """Each actor's name -> (its flag, whether it has ProducerPlace rows: what the flag must say)."""
    shown = Exists(ProducerPlace.objects.filter(actor_id=OuterRef("pk")))
    return {name: (flag, rows) for name, flag, rows in Actor.objects.values_list("name", "shown_at_place", shown)}


@pytest.fixture
def refreshed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many flags each refresh by the places' indexing wrote after the entries."""
    written: list[int] = []
    refresh = index.shown_at_place_refresh

    def counted(*args: Any, **kwargs: Any) -> int:
        written.append(refresh(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(index, "shown_at_place_refresh", counted)
    return written


def test_new_producers_are_written_with_the_flag_their_links_give_and_it_stays_right_on_reimport(
    tmp_path: Path, refreshed: list[int]
) -> None:
    load(tmp_path, "marches", MARCHES)
    refreshed.clear()
    load(tmp_path, "annuaire", ANNUAIRE)
    assert flags() == {
        "GAEC du Moulin": (True, True),
        "Rucher des Bois Noirs": (True, True),
        "Ferme Brun": (True, True),
        "Les Vergers Roux": (True, True),
        "Chèvrerie Vidal": (False, False),
        "Domaine Faure": (False, False),
    }
    # Written with the rows: the places' indexing found no flag to change (the code before wrote four).
    assert refreshed and sum(refreshed) == 0

    refreshed.clear()
    load(tmp_path, "annuaire", ANNUAIRE)
    assert all(flag == rows for flag, rows in flags().values())
    assert flags()["GAEC du Moulin"] == (True, True)
    assert sum(refreshed) == 0


def test_a_producer_expected_at_a_place_the_merge_takes_to_a_closed_one_is_written_again_unshown(
    tmp_path: Path, refreshed: list[int]
) -> None:
    # The market is known and closed; another source gives it again (the same market: its record merges
    # into the closed entry) with a producer supplying it.
    load(tmp_path, "marches", [MARKET])
    (market,) = Place.objects.all()
    place_update(place=market, values={"closed_at": dt.date(2026, 1, 1)})
    rows = [
        MARKET,
        ("2", "Producteur sans vente", "Rucher des Bois Noirs", "63300", "Thiers", "45.8600", "3.5500", "m1"),
    ]
    refreshed.clear()
    load(tmp_path, "annuaire", rows)
    assert Place.objects.count() == 1, "the market given again is the same entry"
    # Expected shown (its market was a new record), shown nowhere: the indexing wrote the flag back.
    assert flags() == {"Rucher des Bois Noirs": (False, False)}
    assert sum(refreshed) == 1
