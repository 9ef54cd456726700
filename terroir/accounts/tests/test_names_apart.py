"""People shown side by side are told apart (accounts.people.names_of): two members without a name whose
addresses mask alike (j•••@gmail.com twice) read each with as much more of the start of their address as
tells them apart, never more than half of it (nor their login, made from it), else with their member
number; two who act for one organisation read it with their masked addresses. The `|person` filter over
the list then says what names_of said."""

from __future__ import annotations

from typing import Any

import pytest
from django.template import Context, Template
from django.utils import translation

from terroir.accounts.models import Membership
from terroir.accounts.people import name_of, names_of
from terroir.conftest import person
from terroir.directory.models import Actor

pytestmark = pytest.mark.django_db

ADDRESSES = [
    "jean.martin@gmail.com", "julie.roux@gmail.com", "jean.morel@gmail.com",  # j… thrice, "jean.m" twice
    "jo@gmail.com", "joe@gmail.com",  # shorter than what would tell them apart: their number too
    "jm@orange.fr",  # another domain: told apart by it already
]  # fmt: skip


def test_members_whose_addresses_mask_alike_are_told_apart_without_showing_their_address() -> None:
    users = [person(address) for address in ADDRESSES]
    with translation.override("en"):
        names = names_of(users)
    said = [names[user.pk] for user in users]
    assert len(set(said)) == len(said), said
    for user, name in zip(users, said, strict=True):
        local = user.email.partition("@")[0]
        shown = name.partition("•••")[0]
        assert shown and local.startswith(shown) and len(shown) <= max(1, len(local) // 2), name
        assert user.email not in name and user.username not in name.replace(shown + "•••", ""), name
    by_address = dict(zip(ADDRESSES, said, strict=True))
    assert by_address["julie.roux@gmail.com"] == "ju•••@gmail.com"
    assert by_address["jm@orange.fr"] == "j•••@orange.fr"  # alone of its domain: as before
    # "jean.ma…" and "jean.mo…" differ at their 7th character, more than "jean.morel" may show (5 of 10).
    jean = users[0]
    assert by_address["jean.martin@gmail.com"] == f"jean.•••@gmail.com (member no. {jean.pk})"
    # The page's `|person` over the same objects says the same, asking the database nothing more.
    template = Template("{% load accounts %}{% for u in users %}{{ u|person }};{% endfor %}")
    with translation.override("fr"):
        text = template.render(Context({"users": users}))
    assert text.split(";")[:-1] == [name.replace("member no.", "membre n°") for name in said]


def test_a_person_alone_of_their_kind_reads_as_before() -> None:
    users = [person("claire@example.org"), person("hugo@example.org")]
    names = names_of(users)
    assert [names[user.pk] for user in users] == ["c•••@example.org", "h•••@example.org"]
    assert name_of(users[0]) == "c•••@example.org"


def test_two_people_of_one_organisation_read_it_with_their_masked_addresses() -> None:
    farm = Actor.objects.create(name="GAEC du Moulin", is_producer=True)
    users = [person("paul@moulin.fr"), person("pierre@moulin.fr")]
    for user in users:
        Membership.objects.create(user=user, actor=farm, how="member")
    names = names_of(users)
    assert [names[user.pk] for user in users] == [
        "GAEC du Moulin (pa•••@moulin.fr)",
        "GAEC du Moulin (pi•••@moulin.fr)",
    ]


def test_a_person_read_twice_on_a_page_is_named_alike_each_time(django_user_model: Any) -> None:
    chloe, cedric = person("chloe@example.org"), person("cedric@example.org")
    again = django_user_model.objects.get(pk=chloe.pk)  # the same person, another object (an absence's)
    names_of([chloe, cedric, again])
    assert name_of(chloe) == name_of(again) == "ch•••@example.org" and name_of(cedric) == "ce•••@example.org"
    names_of([again])  # a later list of the page, with her alone: never shorter, so never alike again
    assert name_of(again) == "ch•••@example.org"
