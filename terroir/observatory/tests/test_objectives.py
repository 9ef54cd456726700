"""Objectives: written by the territory's coordinators and the site's only (role matrix), checked, and
measured against the indicators' snapshots."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from terroir.conftest import person
from terroir.contributions.models import AuditEntry
from terroir.observatory import objectives
from terroir.observatory.models import Objective
from terroir.observatory.territories import territory_create


@pytest.fixture
def two(territory, people):
    """Two territories: Ambert's, coordinated by Léa (not staff), and Thiers', coordinated by Paul."""
    lea, paul = person("lea@pat-livradois.example.org"), person("paul@pat-thiers.example.org")
    ambert = territory_create(slug="ambert", name="Ambert", codes=["63003"], coordinators=[lea])
    thiers = territory_create(slug="thiers", name="Thiers", codes=["63430"], coordinators=[paul])
    return {"ambert": ambert, "thiers": thiers, "lea": lea, "paul": paul, "people": people}


def who(two, name):
    return {"outsider": two["people"].claire, "other_coordinator": two["paul"], "own_coordinator": two["lea"],
            "staff": two["people"].camille}[name]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "allowed"), [("outsider", False), ("other_coordinator", False), ("own_coordinator", True), ("staff", True)]
)
def test_only_the_territory_s_coordinators_and_staff_write_its_objectives(two, name, allowed) -> None:
    by = who(two, name)
    kept = Objective.objects.create(territory=two["ambert"], indicator="canteens.organic_share", target=20, year=2027)
    if not allowed:
        with pytest.raises(PermissionDenied):
            objectives.objective_create(territory=two["ambert"], by=by, indicator="canteens.organic_share",
                                        target=20, year=2027)  # fmt: skip
        with pytest.raises(PermissionDenied):
            objectives.objective_update(objective=kept, by=by, indicator="canteens.organic_share", target=30, year=2030)
        with pytest.raises(PermissionDenied):
            objectives.objective_delete(objective=kept, by=by)
        assert Objective.objects.count() == 1 and Objective.objects.get().target == 20
        return
    created = objectives.objective_create(
        territory=two["ambert"], by=by, indicator="access.communes_10km.market", target=100, year=2030,
        text="Chaque commune à moins de 10 km d’un marché en 2030",
    )  # fmt: skip
    assert created.created_by == by and created.territory == two["ambert"]
    objectives.objective_update(objective=kept, by=by, indicator="canteens.organic_share", target=25, year=2028)
    assert Objective.objects.get(pk=kept.pk).target == 25
    objectives.objective_delete(objective=kept, by=by)
    assert list(Objective.objects.values_list("pk", flat=True)) == [created.pk]
    assert AuditEntry.objects.filter(action__startswith="objective_").count() == 3


def test_a_goal_in_words_needs_no_indicator(two) -> None:
    goal = objectives.objective_create(territory=two["ambert"], by=two["lea"], year=2028,
                                       text="Un magasin de producteurs à Clermont-Ferrand")  # fmt: skip
    assert goal.indicator == "" and goal.target is None


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"indicator": "canteens.nothing", "target": 20.0}, "indicator"),
        ({"indicator": "canteens.organic_share", "target": None}, "target"),
        ({"indicator": "canteens.organic_share", "target": 120.0}, "target"),
        ({"indicator": "", "target": 20.0}, "indicator"),
        ({"indicator": "", "target": None}, "text"),
        ({"indicator": "access.communes_beyond", "target": -1.0}, "target"),
    ],
)
def test_an_objective_that_means_nothing_is_refused_naming_the_field(two, values, field) -> None:
    with pytest.raises(ValidationError) as refused:
        objectives.objective_create(territory=two["ambert"], by=two["lea"], year=2027, **values)
    assert field in refused.value.message_dict
    assert not Objective.objects.exists()


def history(*values):
    return [(dt.date(2026, month, 1), value) for month, value in enumerate(values, start=9)]


def test_progress_is_the_distance_from_the_latest_value_to_the_target(two) -> None:
    organic = Objective(territory=two["ambert"], indicator="canteens.organic_share", target=20.0, year=2027)
    progress = objectives.progress_of(organic, history(10.0, None, 12.5))
    assert progress.value == 12.5 and progress.as_of == dt.date(2026, 11, 1)
    assert progress.gap == 7.5 and progress.reached is False
    assert progress.fraction == pytest.approx(0.25)  # from 10 to 20, at 12.5


def test_for_an_indicator_where_lower_is_better_the_target_is_reached_from_above(two) -> None:
    beyond = Objective(territory=two["ambert"], indicator="access.communes_beyond", target=0.0, year=2030)
    assert objectives.progress_of(beyond, history(4.0, 2.0)).gap == 2.0
    reached = objectives.progress_of(beyond, history(4.0, 0.0))
    assert reached.reached is True and reached.gap == 0.0 and reached.fraction == 1.0


def test_without_a_snapshot_the_progress_is_unknown_not_zero(two) -> None:
    organic = Objective(territory=two["ambert"], indicator="canteens.organic_share", target=20.0, year=2027)
    progress = objectives.progress_of(organic, history(None))
    assert progress.value is None and progress.gap is None and progress.reached is None
