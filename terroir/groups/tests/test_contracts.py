"""Season contracts and subscriptions through the services: overlaps refused, totals and instalments to the
cent (hand-computed), subscriptions within the season only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from terroir.directory.models import Category
from terroir.directory.references import entry_merge
from terroir.directory.services import place_create, producer_create
from terroir.groups import services
from terroir.groups.models import Contract

from .conftest import BEFORE, SPRING, Season

D = Decimal


def _contract(season: Season, *, starts_on: dt.date, ends_on: dt.date, product: str = "vegetables",
              producer: Any = None) -> Contract:  # fmt: skip
    return services.contract_create(
        group=season.amap.group, by=season.amap.agnes, producer=producer or season.contract.producer,
        product=Category.objects.get(slug=product), title="Légumes d'été 2026", starts_on=starts_on, ends_on=ends_on,
        options=[("panier", "", D("15.00"))], payment_dates=[starts_on],
    )  # fmt: skip


def test_a_contract_overlapping_another_for_the_same_producer_and_product_is_refused_naming_it(season: Season) -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        _contract(season, starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 9, 30))
    message = refused.value.message_dict["starts_on"][0]
    assert "« Légumes de saison 2026 »" in message or "“Légumes de saison 2026”" in message
    assert "01/04/2026 – 30/06/2026" in message  # the other contract's season
    assert "du 01/06/2026 au 30/06/2026" in message  # the days both would run


def test_the_next_season_another_product_or_another_producer_do_not_overlap(season: Season, territory: Any) -> None:
    _contract(season, starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))
    _contract(season, starts_on=SPRING[0], ends_on=SPRING[1], product="eggs")
    _contract(season, starts_on=SPRING[0], ends_on=SPRING[1], producer=territory.cheese_farm)


def test_a_contract_with_no_option_a_free_option_or_the_season_upside_down_is_refused(season: Season) -> None:
    with pytest.raises(ValidationError) as refused:
        services.contract_create(
            group=season.amap.group, by=season.amap.agnes, producer=season.contract.producer,
            product=Category.objects.get(slug="eggs"), title="Œufs", starts_on=dt.date(2026, 9, 1),
            ends_on=dt.date(2026, 8, 1), options=[], payment_dates=[],
        )  # fmt: skip
    assert set(refused.value.message_dict) == {"ends_on", "options", "payment_dates"}
    summer = _contract(season, starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))
    with pytest.raises(ValidationError) as refused:
        services.contract_update(contract=summer, by=season.amap.agnes, title="x", starts_on=dt.date(2026, 7, 1),
                                 ends_on=dt.date(2026, 9, 30), options=[("panier", "", D("0"))],
                                 payment_dates=[dt.date(2026, 7, 1)])  # fmt: skip
    assert "options" in refused.value.message_dict


def test_a_member_subscribing_before_the_season_pays_twelve_deliveries_in_three_equal_instalments(
    season: Season,
) -> None:
    # 13 Thursdays from April to June, less Ascension: 12 deliveries × 18.75 € = 225.00 €, three times 75.00 €.
    subscription = services.subscription_create(contract=season.contract, by=season.bernard.user, option=season.grand,
                                                quantity=1, today=BEFORE)  # fmt: skip
    assert (subscription.deliveries, subscription.total) == (12, D("225.00"))
    assert [(i.due_on.isoformat(), i.amount) for i in subscription.instalments.all()] == [
        ("2026-04-01", D("75.00")), ("2026-05-01", D("75.00")), ("2026-06-01", D("75.00")),
    ]  # fmt: skip


def test_two_small_baskets_cost_twice_and_the_cents_left_over_go_on_the_first_instalment(season: Season) -> None:
    # 2 × 12.55 € × 12 = 301.20 € = 3 × 100.40 €: even. A late subscriber (from 20 April: 9 deliveries, the May
    # and June payment dates left): 12.55 × 9 = 112.95 € → 56.48 € + 56.47 €.
    two = services.subscription_create(contract=season.contract, by=season.chloe.user, option=season.petit,
                                       quantity=2, today=BEFORE)  # fmt: skip
    assert [i.amount for i in two.instalments.all()] == [D("100.40")] * 3
    late = services.subscription_create(contract=season.contract, by=season.denis.user, option=season.petit,
                                        quantity=1, today=dt.date(2026, 4, 20))  # fmt: skip
    assert (late.starts_on, late.deliveries, late.total) == (dt.date(2026, 4, 20), 9, D("112.95"))
    assert [(i.due_on.isoformat(), i.amount) for i in late.instalments.all()] == [
        ("2026-05-01", D("56.48")), ("2026-06-01", D("56.47")),
    ]  # fmt: skip


def test_a_subscription_outside_the_contracts_dates_is_refused_with_both_periods(season: Season) -> None:
    with translation.override("fr"), pytest.raises(ValidationError) as refused:
        services.subscription_create(contract=season.contract, by=season.bernard.user, option=season.petit,
                                     quantity=1, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 7, 31),
                                     today=BEFORE)  # fmt: skip
    message = refused.value.message_dict["starts_on"][0]
    assert "01/05/2026 – 31/07/2026" in message and "01/04/2026 – 30/06/2026" in message


def test_only_a_member_subscribes_once_to_an_open_contract(season: Season, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.subscription_create(contract=season.contract, by=people.sophie, option=season.petit, quantity=1)
    services.subscription_create(contract=season.contract, by=season.bernard.user, option=season.petit, quantity=1,
                                 today=BEFORE)  # fmt: skip
    with pytest.raises(ValidationError, match="déjà souscrit"):
        services.subscription_create(contract=season.contract, by=season.bernard.user, option=season.grand,
                                     quantity=1, today=BEFORE)  # fmt: skip
    services.contract_set_state(contract=season.contract, state="closed", by=season.amap.agnes)
    with pytest.raises(ValidationError, match="pas ouvert"):
        services.subscription_create(contract=season.contract, by=season.chloe.user, option=season.petit,
                                     quantity=1, today=BEFORE)  # fmt: skip


def test_an_open_contract_is_no_longer_changed_and_a_draft_cannot_be_closed(season: Season) -> None:
    with pytest.raises(ValidationError):
        services.contract_update(contract=season.contract, by=season.amap.agnes, title="x", starts_on=SPRING[0],
                                 ends_on=SPRING[1], options=[("petit panier", "", D("1"))],
                                 payment_dates=[SPRING[0]])  # fmt: skip
    draft = _contract(season, starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))
    with pytest.raises(ValidationError):
        services.contract_set_state(contract=draft, state="closed", by=season.amap.agnes)


def test_a_contract_is_opened_only_once_the_calendar_has_distributions_in_its_season(season: Season) -> None:
    draft = _contract(season, starts_on=dt.date(2026, 7, 1), ends_on=dt.date(2026, 9, 30))
    with pytest.raises(ValidationError, match="aucune distribution"):
        services.contract_set_state(contract=draft, state="open", by=season.amap.agnes)


def test_only_the_groups_organisers_create_contracts(season: Season, people: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.contract_create(
            group=season.amap.group, by=people.claire, producer=season.contract.producer,
            product=Category.objects.get(slug="eggs"), title="Œufs", starts_on=SPRING[0], ends_on=SPRING[1],
            options=[("6 œufs", "", D("2.40"))], payment_dates=[SPRING[0]],
        )  # fmt: skip


def test_merging_two_directory_entries_moves_the_contracts_and_the_pickup_place(season: Season, territory: Any) -> None:
    twin = producer_create(name="Les Jardins de Limagne (EARL)", commune=territory.clermont)
    entry_merge(entry=season.contract.producer, into=twin)
    hall = place_create(name="Salle des Salins", kind="amap", commune=territory.clermont, lat=45.77, lon=3.09)
    entry_merge(entry=season.amap.hall, into=hall)
    season.contract.refresh_from_db()
    season.amap.group.refresh_from_db()
    assert season.contract.producer == twin and season.amap.group.place == hall
