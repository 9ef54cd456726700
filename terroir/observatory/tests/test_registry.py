"""The indicator registry: what each indicator says about itself, and its value on small territories
computed by hand (the trio Ambert, Thiers, Clermont-Ferrand of the personas)."""

from typing import Any

import pytest

from terroir.observatory import activity, geo_page, indicators, isolation, producers, registry
from terroir.observatory.canteens import canteens_import
from terroir.observatory.territories import territory_create

from .test_canteens import EXCERPT


def get(key: str) -> registry.Indicator:
    found = registry.indicator_get(key)
    assert found is not None
    return found


def calls_of(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[Any]:
    """The territories `module.name` is called with from now on (the function still runs)."""
    calls: list[Any] = []
    real = getattr(module, name)

    def counted(territory: Any) -> Any:
        calls.append(territory)
        return real(territory)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.fixture
def trio(territory):
    return territory_create(slug="trio", name="Ambert, Thiers, Clermont", codes=["63003", "63430", "63113"])


def test_every_indicator_says_its_label_definition_unit_direction_and_theme() -> None:
    found = registry.all_indicators()
    assert len({i.key for i in found}) == len(found) >= 12
    for indicator in found:
        assert str(indicator.label) and str(indicator.definition)
        assert indicator.unit in (registry.PERCENT, registry.COUNT, registry.KM)
        assert indicator.theme in registry.THEMES and callable(indicator.compute)
    assert get("access.communes_beyond").higher_is_better is False
    assert get("canteens.organic_share").higher_is_better is True


def test_an_indicator_cannot_be_registered_twice_nor_in_an_unknown_theme() -> None:
    existing = get("canteens.organic_share")
    with pytest.raises(ValueError, match="already registered"):
        registry.register(existing)
    with pytest.raises(ValueError, match="unknown theme"):
        registry.register(registry.Indicator("x.y", "x", "x", registry.COUNT, True, "nowhere", lambda t: None))
    assert registry.indicator_get("x.y") is None


def test_labels_follow_the_reader_s_language() -> None:
    from django.utils import translation

    indicator = get("access.population_10km")
    with translation.override("fr"):
        assert str(indicator.label) == "Population à moins de 10 km d’un lieu"
        assert indicator.format(92.71) == "92,7\u00a0%"
    with translation.override("en"):
        assert str(indicator.label) == "Population within 10 km of a place"


def test_the_access_indicators_of_the_trio_computed_by_hand(trio) -> None:
    values = registry.compute_all(trio)
    # Ambert 6,671 and Clermont-Ferrand 143,886 inhabitants within 5 km of a public place; Thiers 11,847 beyond.
    assert values["access.population_10km"] == pytest.approx(100 * 150557 / 162404, abs=0.01)
    assert values["access.communes_beyond"] == 1.0
    # A market within 10 km: Ambert only, of three communes.
    assert values["access.communes_10km.market"] == pytest.approx(100 / 3, abs=0.001)
    # No AMAP in the directory: unknown, not "no commune within reach".
    assert values["access.communes_10km.amap"] is None


def test_a_territory_without_canteen_declarations_has_no_value_not_zero(trio) -> None:
    values = registry.compute_all(trio)
    assert values["canteens.organic_share"] is None and values["canteens.declaring"] is None


def test_the_canteen_indicators_are_the_canteen_figures_in_percent(territory) -> None:
    canteens_import(path=EXCERPT)
    ambert = territory_create(slug="ambert-livradois", name="Ambert Livradois Forez", epcis=["200070761"])
    values = registry.compute_all(ambert)
    assert values["canteens.declaring"] == 11
    assert values["canteens.organic_share"] == pytest.approx(14.8918, abs=1e-3)
    assert values["canteens.egalim_share"] == pytest.approx(28.55, abs=1e-3)
    assert values["canteens.meeting_organic"] == 4 and values["canteens.meeting_egalim"] == 0
    assert values["canteens.meeting_organic_share"] == pytest.approx(100 * 4 / 11, abs=1e-3)


def test_the_figures_several_indicators_share_are_computed_once_a_snapshot(trio, monkeypatch) -> None:
    calls = calls_of(monkeypatch, indicators, "territory_access")
    registry.compute_all(trio)
    assert len(calls) == 1


def test_the_producer_local_and_activity_indicators_are_the_dashboard_s_figures(trio, monkeypatch) -> None:
    found = producers.territory_producers(trio)
    doings = activity.territory_activity(trio)
    calls = calls_of(monkeypatch, geo_page, "geo_figures")
    values = registry.compute_all(trio)
    assert len(calls) == 1  # access compared, producers and local read once for all their indicators
    assert values["producers.count"] == found["producers"] > 0
    assert values["producers.direct_sale_share"] == pytest.approx(100 * found["direct_sale_share"])
    assert values["producers.isolated"] == len(isolation.isolated_producers(trio))
    assert values["activity.verified_share"] == pytest.approx(100 * doings["verified"]["share"])
    assert values["activity.needs_published"] == doings["needs"]["published"]


def test_a_territory_without_producers_nor_activity_has_no_value_not_zero(territory) -> None:
    far = territory_create(slug="far", name="Far away", codes=["29019"])
    values = registry.compute_all(far)
    for key in (
        "producers.count",
        "producers.direct_sale_share",
        "producers.isolated",
        "local.supermarkets_share",
        "activity.needs_published",
        "activity.rounds_km_saved",
        "activity.verified_share",
    ):
        assert values[key] is None, key
