"""The demo's producers' shop: loaded on the directory's demo, replaced when loaded again."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
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
    # A depositor went from 25 % to 20 % on 15 October: October's statement has both rates, each on its sales.
    changed = Seller.objects.get(shop=shop, commission_rate=Decimal("0.2000"))
    october = services.statement_of(seller=changed, first=dt.date(2026, 10, 1), last=dt.date(2026, 10, 31))
    assert [part.rate for part in october.parts] == [Decimal("0.2500"), Decimal("0.2000")]
    assert services.rate_history(changed) == [(dt.date(2025, 11, 30), Decimal("0.2500")),
                                              (dt.date(2026, 10, 15), Decimal("0.2000"))]  # fmt: skip
    # A depositor left at the end of September: sales until then, none after; out of the current lists.
    left = Seller.objects.get(shop=shop, ended_on__isnull=False)
    assert left.ended_on == dt.date(2026, 9, 30) and left.kind == "depositor"
    assert Sale.objects.filter(seller=left, sold_on__lte=left.ended_on).exists()
    assert not Sale.objects.filter(seller=left, sold_on__gt=left.ended_on).exists()
    assert left not in services.sellers_current(shop, dt.date(2026, 11, 30))
    # Loaded again, it replaces itself; cleared, the directory's demo can replace its places.
    again = shops_demo_load(today=dt.date(2026, 11, 30))
    assert Shop.objects.count() == 1 and again is not None and again.pk != shop.pk
    shops_demo_clear()
    assert not Shop.objects.exists()
    demo_load(seed=63, producers=60, places=120)
