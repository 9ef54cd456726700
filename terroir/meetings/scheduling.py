"""Producer–buyer "speed dating": which meetings take place, in which slot, at which table. Pure.

Participants mark whom they want to meet; a pair is a wish, mutual when both sides asked. The event
has `slots` rounds and `tables` tables. A schedule never puts anybody in two meetings at once nor more
meetings in a round than there are tables.

1. Which wishes: all of them when they fit — every participant has at most `slots` of them and there are
   at most `slots × tables` — which, for a bipartite graph, is also sufficient (below). Otherwise the
   largest set that fits, mutual wishes first (a small integer programme, HiGHS through SciPy); each
   wish left out says why (the producer's or the buyer's rounds are full, or the event is).
2. In which round: a proper edge colouring of the bipartite graph of kept wishes with
   k = max(Δ, ⌈E / tables⌉) colours — the lower bound: someone with Δ meetings needs Δ rounds, and
   E meetings need E / tables rounds. König's theorem gives a colouring with Δ colours (alternating-path
   algorithm); any k ≥ Δ colouring can then be made equitable (de Werra: swap colours along an alternating
   path until class sizes differ by at most one), so every round holds ≤ ⌈E / k⌉ ≤ tables meetings.
   The number of rounds used is therefore optimal whenever all wishes fit.
3. Tables: a producer keeps the same table from round to round when it can (buyers move).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

PRODUCER_FULL = "producer_full"
BUYER_FULL = "buyer_full"
EVENT_FULL = "event_full"


@dataclass(frozen=True)
class Wish:
    producer: int
    buyer: int
    mutual: bool = False


@dataclass(frozen=True)
class Pairing:
    """A producer and a buyer at one table in one round (stored as a terroir.meetings.models.Meeting)."""

    producer: int
    buyer: int
    slot: int  # 0-based round
    table: int  # 0-based
    mutual: bool


@dataclass(frozen=True)
class Unplaced:
    producer: int
    buyer: int
    mutual: bool
    reason: str  # PRODUCER_FULL, BUYER_FULL or EVENT_FULL


@dataclass
class Schedule:
    pairings: list[Pairing]
    unplaced: list[Unplaced]
    slots_used: int
    lower_bound: int  # for the meetings kept: max(most meetings of one participant, ⌈meetings / tables⌉)


class ScheduleError(ValueError):
    pass


def wishes_from(marks: Iterable[tuple[str, int, int]]) -> list[Wish]:
    """Marks ("producer", producer, buyer) or ("buyer", producer, buyer) -> one wish per pair."""
    sides: dict[tuple[int, int], set[str]] = defaultdict(set)
    for who, producer, buyer in marks:
        if who not in ("producer", "buyer"):
            raise ScheduleError(f"unknown side {who!r}")
        sides[(producer, buyer)].add(who)
    return [Wish(p, b, mutual=len(s) == 2) for (p, b), s in sorted(sides.items())]


def schedule(wishes: Sequence[Wish], *, slots: int, tables: int) -> Schedule:
    if slots < 1 or tables < 1:
        raise ScheduleError("an event needs at least one round and one table")
    mutual: dict[tuple[int, int], bool] = {}
    for wish in wishes:
        key = (wish.producer, wish.buyer)
        mutual[key] = mutual.get(key, False) or wish.mutual
    unique = sorted((Wish(p, b, m) for (p, b), m in mutual.items()), key=lambda w: (not w.mutual, w.producer, w.buyer))
    kept, unplaced = _select(unique, slots=slots, tables=tables)
    if not kept:
        return Schedule([], unplaced, 0, 0)
    degree = _degrees(kept)
    lower = max(max(degree.values()), math.ceil(len(kept) / tables))
    colour = _edge_colouring(kept, lower)
    _equalise(colour, lower)
    pairings = _seat(kept, colour, tables)
    return Schedule(pairings, unplaced, slots_used=lower, lower_bound=lower)


def _degrees(wishes: Sequence[Wish]) -> dict[tuple[str, int], int]:
    degree: dict[tuple[str, int], int] = defaultdict(int)
    for wish in wishes:
        degree[("p", wish.producer)] += 1
        degree[("b", wish.buyer)] += 1
    return degree


def _fits(wishes: Sequence[Wish], slots: int, tables: int) -> bool:
    return len(wishes) <= slots * tables and max(_degrees(wishes).values(), default=0) <= slots


def _select(wishes: list[Wish], *, slots: int, tables: int) -> tuple[list[Wish], list[Unplaced]]:
    """All wishes when they fit; else the most that fit, mutual ones weighing more than all one-sided."""
    if _fits(wishes, slots, tables):
        return wishes, []
    n = len(wishes)
    producers = {p: i for i, p in enumerate(sorted({w.producer for w in wishes}))}
    buyers = {b: i + len(producers) for i, b in enumerate(sorted({w.buyer for w in wishes}))}
    rows = [producers[w.producer] for w in wishes] + [buyers[w.buyer] for w in wishes]
    columns = list(range(n)) * 2
    degree = coo_matrix((np.ones(2 * n), (rows, columns)), shape=(len(producers) + len(buyers), n)).tocsr()
    one_sided = sum(1 for w in wishes if not w.mutual)
    value = np.array([one_sided + 1.0 if w.mutual else 1.0 for w in wishes])
    result = milp(
        -value,
        constraints=[
            LinearConstraint(degree, -np.inf, slots),
            LinearConstraint(np.ones((1, n)), -np.inf, slots * tables),
        ],
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    if result.x is None:  # pragma: no cover - the empty selection is always feasible
        raise ScheduleError(f"the selection of meetings failed: {result.message}")
    chosen = result.x > 0.5
    kept = [w for w, c in zip(wishes, chosen, strict=True) if c]
    used = _degrees(kept)
    unplaced = []
    for wish, taken in zip(wishes, chosen, strict=True):
        if taken:
            continue
        if used[("p", wish.producer)] >= slots:
            reason = PRODUCER_FULL
        elif used[("b", wish.buyer)] >= slots:
            reason = BUYER_FULL
        else:
            reason = EVENT_FULL
        unplaced.append(Unplaced(wish.producer, wish.buyer, wish.mutual, reason))
    return kept, unplaced


def _edge_colouring(wishes: Sequence[Wish], colours: int) -> dict[tuple[int, int], int]:
    """A proper colouring of the bipartite multigraph-free graph of wishes with `colours` ≥ Δ colours."""
    at: dict[tuple[str, int], dict[int, tuple[str, int]]] = defaultdict(dict)
    for wish in wishes:
        u, v = ("p", wish.producer), ("b", wish.buyer)
        alpha = next(c for c in range(colours) if c not in at[u])
        if alpha in at[v]:
            beta = next(c for c in range(colours) if c not in at[v])
            # Flip the alpha/beta path from v: it cannot reach u (bipartite), and frees alpha at v.
            path = []
            x, c = v, alpha
            while c in at[x]:
                y = at[x][c]
                path.append((x, y, c))
                x, c = y, (beta if c == alpha else alpha)
            for x, y, c in path:
                del at[x][c], at[y][c]
            for x, y, c in path:
                other = beta if c == alpha else alpha
                at[x][other], at[y][other] = y, x
        at[u][alpha], at[v][alpha] = v, u
    colour = {}
    for node, edges in at.items():
        if node[0] == "p":
            for c, buyer in edges.items():
                colour[(node[1], buyer[1])] = c
    return colour


def _equalise(colour: dict[tuple[int, int], int], colours: int) -> None:
    """Swap colours along alternating paths until the classes differ in size by at most one."""
    while True:
        sizes = [0] * colours
        for c in colour.values():
            sizes[c] += 1
        big = max(range(colours), key=sizes.__getitem__)
        small = min(range(colours), key=sizes.__getitem__)
        if sizes[big] - sizes[small] <= 1:
            return
        at: dict[tuple[str, int], dict[int, tuple[str, int]]] = defaultdict(dict)
        for (producer, buyer), c in colour.items():
            if c in (big, small):
                at[("p", producer)][c] = ("b", buyer)
                at[("b", buyer)][c] = ("p", producer)
        # A path starting and ending with `big` exists since `big` has more edges: start from a node
        # that has a `big` edge and no `small` one, walk, and check the balance.
        for start in list(at):
            if big not in at[start] or small in at[start]:
                continue
            path, x, c = [], start, big
            while c in at[x]:
                y = at[x][c]
                path.append((x, y))
                x, c = y, (small if c == big else big)
            if len(path) % 2 == 1:  # big, small, …, big: swapping moves one edge from big to small
                for i, (x, y) in enumerate(path):
                    producer, buyer = (x[1], y[1]) if x[0] == "p" else (y[1], x[1])
                    colour[(producer, buyer)] = small if i % 2 == 0 else big
                break
        else:  # pragma: no cover - impossible by the counting argument above
            raise ScheduleError("could not balance the rounds")


def _seat(wishes: Sequence[Wish], colour: dict[tuple[int, int], int], tables: int) -> list[Pairing]:
    """Tables in each round; a producer keeps the table it had in its previous round when it is free."""
    by_slot: dict[int, list[Wish]] = defaultdict(list)
    for wish in wishes:
        by_slot[colour[(wish.producer, wish.buyer)]].append(wish)
    home: dict[int, int] = {}
    pairings = []
    for slot in sorted(by_slot):
        taken: set[int] = set()
        waiting = []
        for wish in sorted(by_slot[slot], key=lambda w: w.producer):
            table = home.get(wish.producer)
            if table is not None and table not in taken:
                taken.add(table)
                pairings.append(Pairing(wish.producer, wish.buyer, slot, table, wish.mutual))
            else:
                waiting.append(wish)
        free = (t for t in range(tables) if t not in taken)
        for wish in waiting:
            table = next(free)
            home.setdefault(wish.producer, table)
            pairings.append(Pairing(wish.producer, wish.buyer, slot, table, wish.mutual))
    return sorted(pairings, key=lambda m: (m.slot, m.table))
