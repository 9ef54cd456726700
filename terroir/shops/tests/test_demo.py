"""The demo's producers' shop: loaded on the directory's demo, replaced when loaded again."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from terroir.directory.demo import demo_load
from terroir.shops import services
from terroir.shops.demo import shops_demo_clear, shops_demo_load
from terroir.shops.models import RotaMember, Sale, Seller, Shop

pytestmark = pytest.mark.django_db


def test_the_demo_shop_has_associates_depositors_a_year_of_seasonal_sales_and_a_rota(
    territory: Any, directory_demo: Any
) -> None:
    shop = shops_demo_load(today=dt.date(2026, 11, 30))
    assert shop is not None
    kinds = set(Seller.objects.filter(shop=shop).values_list("kind", flat=True))
    assert "associate" in kinds
    assert Sale.objects.filter(shop=shop).count() > 100
    assert RotaMember.objects.filter(shop=shop).exists()
    season = services.seasonal(shop=shop, last=dt.date(2026, 11, 30))
    assert sum(season.totals) > 0
    # Loaded again, it replaces itself; cleared, the directory's demo can replace its places.
    again = shops_demo_load(today=dt.date(2026, 11, 30))
    assert Shop.objects.count() == 1 and again is not None and again.pk != shop.pk
    shops_demo_clear()
    assert not Shop.objects.exists()
    demo_load(seed=63, producers=60, places=120)
