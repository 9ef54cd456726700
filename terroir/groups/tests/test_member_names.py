"""A group's members are named to each other as the platform names people (accounts.people.name_of): the
name they gave on their space, else their organisation, else their address masked, else their number —
never their login, which allauth makes from their e-mail address ("chloe" of chloe@example.org)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from terroir.conftest import person
from terroir.groups import baskets, services, sheet
from terroir.groups.models import Distribution, GroupMember

from .conftest import BEFORE, Season

pytestmark = pytest.mark.django_db

LOGINS = ("bernard", "chloe", "cedric", "denis")


@dataclass
class Named:
    season: Season
    cedric: GroupMember
    distribution: Distribution


@pytest.fixture
def named(season: Season, monkeypatch: pytest.MonkeyPatch) -> Named:
    """Bernard gave his name; Chloé and Cédric did not (their addresses mask alike, c•••@example.org, and
    are told apart side by side: ch•••@example.org, ce•••@example.org); Denis has no address. All four
    subscribe; Bernard gives his baskets of 23 April to Chloé."""
    monkeypatch.setattr(services, "current_day", lambda: BEFORE)
    bernard = season.bernard.user
    bernard.first_name, bernard.last_name = "Bernard", "Lefort"
    bernard.save()
    denis = season.denis.user
    denis.email = ""
    denis.save()
    cedric = services.member_join(group=season.amap.group, by=person("cedric@example.org"))
    for member in (season.bernard, season.chloe, cedric, season.denis):
        services.subscription_create(contract=season.contract, by=member.user, option=season.petit, quantity=1,
                                     today=BEFORE)  # fmt: skip
    distribution = season.amap.group.distributions.get(date=dt.date(2026, 4, 23))
    services.absence_declare(distribution=distribution, by=bernard, transfer_to=season.chloe, today=BEFORE)
    return Named(season, cedric, distribution)


def page(client: Client, user: Any, url: str, language: str) -> str:
    client.force_login(user)
    response = client.get(url, headers={"accept-language": language})
    assert response.status_code == 200, url
    return response.content.decode()


def logins_in(text: str) -> list[str]:
    return [login for login in LOGINS if re.search(rf"\b{login}\b", text)]


@pytest.mark.parametrize(("language", "number"), [("fr", "membre n° {}"), ("en", "member no. {}")])
def test_the_organisers_pages_name_members_never_by_their_login(
    client: Client, named: Named, language: str, number: str
) -> None:
    season, organiser = named.season, named.season.amap.agnes
    denis = number.format(season.denis.user.pk)
    pages = {
        "manage": f"/groups/{season.amap.group.pk}/manage/",
        "distribution": f"/groups/distributions/{named.distribution.pk}/",
        "subscriptions": f"/groups/contracts/{season.contract.pk}/subscriptions/",
        "sheet": f"/groups/distributions/{named.distribution.pk}/sheet/",
    }
    for name, url in pages.items():
        text = page(client, organiser, url, language)
        assert logins_in(text) == [], name
        assert "Bernard Lefort" in text and denis in text, name
        # Chloé and Cédric side by side: each told apart by the start of their address, neither shown whole.
        assert "ch•••@example.org" in text and "ce•••@example.org" in text and "c•••@example.org" not in text, name
        assert "chloe@" not in text and "cedric@" not in text, name
    chloe = season.chloe.subscriptions.get()
    text = page(client, organiser, f"/groups/subscriptions/{chloe.pk}/", language)
    assert logins_in(text) == [] and "c•••@example.org" in text


def test_a_member_reads_whom_their_baskets_go_to_by_name(client: Client, named: Named) -> None:
    text = page(client, named.season.bernard.user, "/groups/mine/", "fr")
    assert "vont à c•••@example.org" in text.replace("\xa0", " ")
    assert logins_in(text) == []


def test_the_distribution_sheet_keeps_two_members_who_read_alike_apart(named: Named) -> None:
    with translation.override("en"):
        built = sheet.sheet_of(named.distribution)
    rows = [(row.name, len(row.items)) for row in built.members]
    # Chloé collects Bernard's basket and hers; Cédric his own, on a line of his own although read alike.
    assert sorted(rows) == sorted([("ch•••@example.org", 2), ("ce•••@example.org", 1),
                                   (f"member no. {named.season.denis.user.pk}", 1)])  # fmt: skip


def test_a_distribution_s_names_are_read_in_one_query(named: Named) -> None:
    rows = baskets.baskets_of(named.distribution)
    with CaptureQueriesContext(connection) as queries, translation.override("en"):
        names = sorted(b.collected_by for b in rows)
    assert len(queries) == 0
    assert names == sorted(["ch•••@example.org", "ch•••@example.org", "ce•••@example.org",
                            f"member no. {named.season.denis.user.pk}"])  # fmt: skip


def test_the_distribution_lists_members_in_the_order_of_their_names(named: Named) -> None:
    with translation.override("en"):
        rows = baskets.per_member(baskets.baskets_of(named.distribution))
        names = [baskets.member_name(member) for member, _rows in rows]
    denis = f"member no. {named.season.denis.user.pk}"
    assert names == ["Bernard Lefort", "ce•••@example.org", "ch•••@example.org", denis]
