"""The account menu by role (docs/navigation.md): an app's entry in the menu's line for those it concerns —
the shops for the people of a shop's owner, its sellers and its rota, carpooling for those who already
drive a trip or send, receive or hold a parcel, the solidarity groceries for the people of a programme's
funder, groceries and producers —, under "More" for every other signed-in person; nothing of
it for a visitor."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from terroir.carpool import services as carpool
from terroir.carpool.tests.conftest import trip_fields
from terroir.directory.services import actor_update
from terroir.shops import services as shops
from terroir.solidarity.tests.conftest import panier_build

pytestmark = pytest.mark.django_db


def menu_of(user: Any) -> tuple[list[str], list[str]]:
    """(the account menu's line, what "More" holds), as link texts, in English."""
    client = Client()
    if user is not None:
        client.force_login(user)
    page = client.get("/needs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = page[page.index('<nav class="account-nav"') : page.index("</header>")]
    more = re.search(r'<details class="more-menu".*?</details>', nav, re.S)
    line = nav.replace(more.group(0), "") if more else nav
    texts = lambda html: re.findall(r"<a [^>]*>([^<]+)</a>", html)  # noqa: E731
    return texts(line), texts(more.group(0)) if more else []


def test_a_visitor_has_no_account_menu_of_apps(territory: Any) -> None:
    line, more = menu_of(None)
    assert line == ["Sign in", "Sign up"] and more == []


def test_nobody_uses_shops_or_carpool_yet_so_both_wait_under_more(territory: Any, people: Any) -> None:
    for who in (people.claire, people.sophie, people.camille):
        line, more = menu_of(who)
        assert "Shops" not in line and "Carpool" not in line, who
        assert {"Shops", "Carpool"} <= set(more), who
    assert menu_of(people.claire)[1] == ["Alerts", "Shops", "Solidarity groceries", "Carpool"]
    assert menu_of(people.camille)[1] == ["Meeting days", "Shops", "Solidarity groceries", "Carpool"]
    # The producer's and the coordinator's lines: their role's links, the inbox, their space.
    assert menu_of(people.claire)[0] == ["My entries", "Needs for me", "Inbox", "My space"]
    assert menu_of(people.camille)[0] == ["Coordination", "Moderation", "Imports", "Pooled rounds", "Inbox",
                                          "My space"]  # fmt: skip


def test_the_shops_entry_is_in_line_for_a_shops_owner_and_its_sellers_only(territory: Any, people: Any) -> None:
    actor_update(actor=territory.le_local, values={"operator": territory.honey_farm})
    shop = shops.shop_create(place=territory.le_local)
    assert "Shops" in menu_of(people.hugo)[0]  # the honey farm runs Le Local
    assert "Shops" in menu_of(people.claire)[1]
    shops.seller_add(shop=shop, actor=territory.cheese_farm, kind="depositor")
    assert "Shops" in menu_of(people.claire)[0] and "Shops" not in menu_of(people.claire)[1]
    assert "Shops" in menu_of(people.sophie)[1]  # the supermarket's company neither runs nor sells


def test_the_carpool_entry_is_in_line_for_those_who_carpool(territory: Any, people: Any) -> None:
    carpool.trip_offer(by=people.hugo, organisation=territory.honey_farm, **trip_fields())
    assert "Carpool" in menu_of(people.hugo)[0] and "Carpool" not in menu_of(people.hugo)[1]
    assert "Carpool" in menu_of(people.claire)[1]


def test_the_solidarity_entry_is_in_line_for_a_programmes_funder_groceries_and_producers(
    territory: Any, people: Any
) -> None:
    panier = panier_build(territory, people)
    for who in (panier.lucie, panier.nadia, people.claire, people.hugo):  # funder, grocery, two producers
        line, more = menu_of(who)
        assert "Solidarity groceries" in line and "Solidarity groceries" not in more, who
    for who in (people.sophie, people.camille):  # a supermarket's manager; the coordinator finds it under More
        assert "Solidarity groceries" in menu_of(who)[1], who
