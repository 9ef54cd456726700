"""The demo command loads every app's part of the demo territory, from the bottom layer up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management import call_command

from terroir.carpool.models import Handover, Trip
from terroir.conftest import shared_in_module
from terroir.directory.demo import demo_load
from terroir.directory.models import Place
from terroir.events.models import Event
from terroir.logistics.models import DeliveryOrder, Depot
from terroir.observatory.models import Territory
from terroir.solidarity.models import Programme


def snapshot() -> list[tuple[str, str, float | None, float | None]]:
    """The directory's demo places (the upper apps' demos add their own, such as a solidarity grocery)."""
    places = Place.objects.filter(source_ref__startswith="demo-place-")
    return list(places.order_by("source_ref").values_list("name", "kind", "lat", "lon"))


@shared_in_module
def demo_loaded(folder: Path, territory: Any) -> None:
    """The whole demo as `load_demo` leaves it (over the personas, which it leaves alone), loaded once for the
    tests below, each of which loads it again in its savepoint to check what a second load keeps."""
    call_command("load_demo", verbosity=0)


def test_the_demo_is_deterministic_and_loading_it_twice_replaces_it(db) -> None:
    demo_load()
    first = snapshot()
    call_command("load_demo", verbosity=0)
    assert snapshot() == first
    assert len(snapshot()) == 600


def test_the_demo_command_loads_the_directory_then_the_pooled_rounds_over_it(demo_loaded: Any) -> None:
    orders = DeliveryOrder.objects.filter(producer__source="demo")
    assert orders.exists() and Depot.objects.filter(operator__source="demo").count() == 1
    call_command("load_demo", verbosity=0)
    assert DeliveryOrder.objects.filter(producer__source="demo").count() == orders.count()
    assert Trip.objects.count() == 2 and Handover.objects.count() == 2  # carpool's demo, kept (append-only)


def test_the_demo_has_an_observatory_territory_over_its_communes_kept_when_loaded_again(demo_loaded: Any) -> None:
    territory = Territory.objects.get(slug="grand-clermont-livradois-forez")
    assert territory.communes.count() == 21 + 30 + 58  # the three EPCIs' communes
    assert territory.communes.filter(name="Ambert").exists()
    # Every app's demo lies inside it, the solidarity grocery and its producers too.
    programme = Programme.objects.get(funder__source="demo")
    communes = {*programme.groceries.values_list("commune_id", flat=True),
                *programme.producers.values_list("commune_id", flat=True)}  # fmt: skip
    assert communes <= set(territory.communes.values_list("pk", flat=True))
    call_command("load_demo", verbosity=0)
    assert Territory.objects.get(slug="grand-clermont-livradois-forez").pk == territory.pk


def test_the_demo_command_loads_coming_events_replaced_at_each_load(demo_loaded: Any) -> None:
    first = list(Event.objects.values_list("title", flat=True))
    assert len(first) == 9
    call_command("load_demo", verbosity=0)
    assert list(Event.objects.values_list("title", flat=True)) == first
