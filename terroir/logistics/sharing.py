"""Sharing a pooled round's cost fairly among the producers who use it. Pure.

`cost(coalition)` is what serving that set of producers together would cost (the caller plans it, or
estimates it); the grand coalition's cost is what is shared.

- Proportional: each pays in proportion to what serving them alone would cost.
- Shapley value: each pays their average extra cost over every order in which producers could join the
  round — the only sharing that is efficient (shares add up to the total), symmetric (two producers who
  change every coalition's cost alike pay alike), gives nothing to a producer who adds nothing, and is
  additive. Exact by the subset formula up to EXACT_MAX producers (2^n coalitions); beyond, estimated from
  random orders of arrival (fixed seed, so that a plan is reproducible), then scaled to stay efficient.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

EXACT_MAX = 12


@dataclass(frozen=True)
class Share:
    player: Hashable
    amount: float
    explanation: str


CostFunction = Callable[[frozenset[Hashable]], float]


def proportional(
    players: Sequence[Hashable], cost: CostFunction, *, alone: Mapping[Hashable, float] | None = None
) -> list[Share]:
    """`alone`: what each player's stand-alone service costs, when known better than cost({player})
    (e.g. the producer's own rounds today)."""
    total = cost(frozenset(players))
    alone = {p: (alone[p] if alone is not None else cost(frozenset([p]))) for p in players}
    weight = sum(alone.values())
    shares = []
    for p in players:
        amount = total * alone[p] / weight if weight > 0 else total / len(players)
        shares.append(Share(p, amount, f"alone {alone[p]:.2f} of {weight:.2f} → {amount:.2f}"))
    return shares


def shapley(players: Sequence[Hashable], cost: CostFunction, *, samples: int = 2000, seed: int = 1) -> list[Share]:
    """Each player's Shapley value of the cost game (exact up to EXACT_MAX players)."""
    if len(set(players)) != len(players):
        raise ValueError("players must be distinct")
    if not players:
        return []
    cached: Callable[[frozenset[Hashable]], float] = lru_cache(maxsize=None)(cost)
    total = cached(frozenset(players))
    if len(players) <= EXACT_MAX:
        values = _exact(players, cached)
        how = "exact"
    else:
        values = _sampled(players, cached, samples=samples, seed=seed)
        found = sum(values.values())
        # Sampling error would make the shares miss the total by a little: scale them back onto it.
        values = {p: v * total / found for p, v in values.items()} if found else values
        how = f"estimated from {samples} random orders"
    shares = []
    for p in players:
        alone = cached(frozenset([p]))
        text = f"average extra cost when joining ({how}): {values[p]:.2f}; alone: {alone:.2f}"
        shares.append(Share(p, values[p], text))
    return shares


def _exact(players: Sequence[Hashable], cost: CostFunction) -> dict[Hashable, float]:
    n = len(players)
    weights = [math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n) for k in range(n)]
    values = dict.fromkeys(players, 0.0)
    for mask in range(1 << n):
        members = [players[i] for i in range(n) if mask & (1 << i)]
        base = cost(frozenset(members))
        k = len(members)
        for i in range(n):
            if mask & (1 << i):
                continue
            values[players[i]] += weights[k] * (cost(frozenset([*members, players[i]])) - base)
    return values


def _sampled(players: Sequence[Hashable], cost: CostFunction, *, samples: int, seed: int) -> dict[Hashable, float]:
    rng = random.Random(seed)
    values = dict.fromkeys(players, 0.0)
    order = list(players)
    for _ in range(samples):
        rng.shuffle(order)
        before = cost(frozenset())
        joined: list[Hashable] = []
        for p in order:
            joined.append(p)
            after = cost(frozenset(joined))
            values[p] += after - before
            before = after
    return {p: v / samples for p, v in values.items()}
