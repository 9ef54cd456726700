"""Le Local as the personas know it: the shop of a SAS of farms in Ambert, the cheese farm an associate
(Claire staffs it), the honey farm a depositor at the default 25 % (Hugo reads his statement), Florent
of the SAS managing it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from terroir.accounts.models import Membership
from terroir.conftest import person
from terroir.directory.models import Actor
from terroir.directory.services import place_create
from terroir.shops import services
from terroir.shops.models import CommissionRate, Product, RotaMember, Seller, Shop


@dataclass
class LeLocal:
    shop: Shop
    sas: Actor
    florent: Any  # manager: member of the SAS
    associate: Seller  # the cheese farm
    depositor: Seller  # the honey farm
    fourme: Product
    butter: Product
    honey: Product
    claire: RotaMember


def le_local_build(territory: Any, people: Any) -> LeLocal:
    sas = Actor.objects.create(name="SAS Le Local", is_organisation=True, legal_form="sas", commune=territory.ambert)
    florent = person("florent@le-local.example.org")
    Membership.objects.create(user=florent, actor=sas, how="coordinator")
    shop = services.shop_create(place=territory.le_local, owner=sas)
    associate = services.seller_add(shop=shop, actor=territory.cheese_farm, kind="associate")
    depositor = services.seller_add(shop=shop, actor=territory.honey_farm, kind="depositor")
    fourme = services.product_save(shop=shop, seller=associate, code="FOURME-250", name="Fourme d'Ambert AOP 250 g",
                                   unit_price=Decimal("6.40"))  # fmt: skip
    butter = services.product_save(shop=shop, seller=associate, code="BEURRE-250", name="Beurre cru 250 g",
                                   unit_price=Decimal("3.90"))  # fmt: skip
    honey = services.product_save(shop=shop, seller=depositor, code="MIEL-500", name="Miel de châtaignier 500 g",
                                  unit_price=Decimal("8.50"))  # fmt: skip
    claire = services.rota_member_save(shop=shop, seller=associate, name="Claire", user=people.claire)
    return LeLocal(shop, sas, florent, associate, depositor, fourme, butter, honey, claire)


@pytest.fixture
def other_shop_seller(territory: Any) -> Any:
    """Paul of the market gardener's farm, who sells at another producers' shop (in Clermont)."""
    coop = Actor.objects.create(name="SCIC Paysans de Limagne", is_organisation=True)
    place = place_create(name="Boutique paysanne de Limagne", kind="producers_shop", commune=territory.clermont,
                         lat=45.78, lon=3.09, operator=coop, producers=[territory.market_gardener])  # fmt: skip
    shop = services.shop_create(place=place)
    services.seller_add(shop=shop, actor=territory.market_gardener, kind="depositor")
    paul = person("paul@jardins-limagne.example.org")
    Membership.objects.create(user=paul, actor=territory.market_gardener, how="coordinator")
    return paul


@pytest.fixture
def le_local(territory: Any, people: Any) -> LeLocal:
    return le_local_build(territory, people)


MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture
def today_is(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the shop's today (`timezone.localdate()` without a value): `today_is(dt.date(2026, 3, 10))`."""
    real = timezone.localdate

    def set_day(day: dt.date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda value=None, zone=None: real(value, zone) if value else day)

    return set_day


def opened_on(shop: Shop, day: dt.date) -> None:
    """Date the shop's creation and the start of its rates' history back to `day` (fixtures are made today)."""
    Shop.objects.filter(pk=shop.pk).update(created_at=dt.datetime.combine(day, dt.time(9), tzinfo=dt.UTC))
    CommissionRate.objects.filter(shop=shop).update(valid_from=day)
    shop.refresh_from_db()
    assert timezone.localdate(shop.created_at) == day


def spaced(text: str) -> str:
    """Text with its no-break spaces alike: French writes "25 %" and "17,00 €" with a no-break space, narrow
    or not (the typography of the catalogue's strings may choose either); the tests read one."""
    return text.replace("\u202f", "\u00a0")
