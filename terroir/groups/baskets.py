"""The baskets of a distribution and what a producer brings, read from the subscriptions (selectors).

A basket is made for each active subscription of a contract delivering at the distribution (open or closed:
a closed contract takes no new subscription but still delivers) whose dates hold its date. An absence does
not change what the producer brings: it changes who collects the basket (the member, another member or a
named person it is given to, or the group when it is left to the group).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from terroir.accounts.people import name_of, names_of
from terroir.directory.models import Actor
from terroir.lib.text import fold

from .models import Absence, Contract, Distribution, GroupMember, Subscription

DELIVERING = (Contract.State.OPEN, Contract.State.CLOSED)


def member_name(member: GroupMember) -> str:
    """A member as the group's other people read them (accounts.people.name_of): the name they gave, else
    their organisation, else their address masked — never their login, made from their e-mail address."""
    return name_of(member.user)


def members_named(members: Iterable[GroupMember | None]) -> None:
    """Reads the names of many members at once (one query at most, names_of): member_name, a template's
    `|person` or a form's choices then ask nothing more of the database for them."""
    names_of(member.user for member in members if member is not None)


@dataclass(frozen=True)
class Basket:
    subscription: Subscription
    contract: Contract
    option: str
    size: str
    quantity: int
    member: GroupMember
    absence: Absence | None

    @property
    def producer(self) -> Actor:
        return self.contract.producer

    @property
    def left_to_group(self) -> bool:
        return self.absence is not None and self.absence.left_to_group

    @property
    def collected_by(self) -> str:
        """Who picks the basket up; empty when it is left to the group."""
        if self.absence is None:
            return member_name(self.member)
        if self.absence.transfer_to is not None:
            return member_name(self.absence.transfer_to)
        return self.absence.transfer_to_name


def _delivering_contracts(**where: Any) -> list[Contract]:
    return list(
        Contract.objects.filter(state__in=DELIVERING, **where)
        .select_related("producer", "product", "group")
        .prefetch_related("skipped")
    )


def _subscriptions(contracts: list[Contract], start: dt.date, end: dt.date) -> list[Subscription]:
    return list(
        Subscription.objects.filter(contract__in=contracts, state=Subscription.State.ACTIVE, starts_on__lte=end,
                                    ends_on__gte=start)
        .select_related("option", "member__user")
        .order_by("member__user__last_name", "member__user__username", "contract__producer__name", "pk")
    )  # fmt: skip


def baskets_of(distribution: Distribution) -> list[Basket]:
    """The distribution's baskets (none when it is cancelled), by member then producer."""
    if distribution.cancelled:
        return []
    day = distribution.date
    contracts = [
        c for c in _delivering_contracts(group_id=distribution.group_id, starts_on__lte=day, ends_on__gte=day)
        if distribution.pk not in {d.pk for d in c.skipped.all()}
    ]  # fmt: skip
    by_pk = {c.pk: c for c in contracts}
    absences = {
        a.member_id: a for a in Absence.objects.filter(distribution=distribution).select_related("transfer_to__user")
    }
    baskets = [
        Basket(subscription=s, contract=by_pk[s.contract_id], option=s.option.label, size=s.option.size,
               quantity=s.quantity, member=s.member, absence=absences.get(s.member_id))
        for s in _subscriptions(contracts, day, day)
    ]  # fmt: skip
    members_named([b.member for b in baskets] + [a.transfer_to for a in absences.values()])
    return baskets


@dataclass(frozen=True)
class ProducerBaskets:
    producer: Actor
    totals: list[tuple[str, str, int]]  # (contract's title, option, quantity)
    baskets: list[Basket]


def per_producer(baskets: list[Basket]) -> list[ProducerBaskets]:
    grouped: dict[int, list[Basket]] = defaultdict(list)
    for basket in baskets:
        grouped[basket.producer.pk].append(basket)
    rows = []
    for group in grouped.values():
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for basket in group:
            totals[(basket.contract.title, basket.option)] += basket.quantity
        rows.append(ProducerBaskets(group[0].producer, [(t, o, q) for (t, o), q in totals.items()], group))
    return sorted(rows, key=lambda row: row.producer.name)


def per_member(baskets: list[Basket]) -> list[tuple[GroupMember, list[Basket]]]:
    """The baskets by member, in the order of the names the page shows (not of logins nobody sees)."""
    grouped: dict[int, list[Basket]] = defaultdict(list)
    for basket in baskets:
        grouped[basket.member.pk].append(basket)
    rows = [(group[0].member, group) for group in grouped.values()]
    return sorted(rows, key=lambda row: (fold(member_name(row[0])), row[0].pk))


@dataclass(frozen=True)
class Quantity:
    """What the producer brings to one distribution for one option of a contract."""

    date: dt.date
    distribution: Distribution
    contract: Contract
    option: str
    size: str
    quantity: int
    subscribers: int


def producer_quantities(producer: Actor, start: dt.date, end: dt.date) -> list[Quantity]:
    """Per distribution date, per contract and option: the baskets the producer brings (absent members' too)."""
    contracts = _delivering_contracts(producer=producer, starts_on__lte=end, ends_on__gte=start)
    if not contracts:
        return []
    subscriptions = _subscriptions(contracts, start, end)
    distributions = Distribution.objects.filter(
        Q(group_id__in={c.group_id for c in contracts}), date__range=(start, end), cancelled=False
    ).select_related("group", "place", "group__place")
    rows: list[Quantity] = []
    for distribution in distributions.order_by("date", "group__name"):
        for contract in contracts:
            skipped = {d.pk for d in contract.skipped.all()}
            if contract.group_id != distribution.group_id or distribution.pk in skipped:
                continue
            if not contract.starts_on <= distribution.date <= contract.ends_on:
                continue
            totals: dict[tuple[str, str], list[int]] = {}
            for s in subscriptions:
                if s.contract_id == contract.pk and s.starts_on <= distribution.date <= s.ends_on:
                    total = totals.setdefault((s.option.label, s.option.size), [0, 0])
                    total[0] += s.quantity
                    total[1] += 1
            rows.extend(Quantity(distribution.date, distribution, contract, option, size, quantity, count)
                        for (option, size), (quantity, count) in totals.items())  # fmt: skip
    return rows
