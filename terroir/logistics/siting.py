"""Siting relay platforms: the capacitated facility location problem, solved with HiGHS. Pure.

Candidate sites each have a fixed cost (opening them for the period) and a capacity; customers each have a
demand; serving the whole demand of customer j from site i costs `cost[i, j]` (trunk transport to the site
plus the last mile, whatever the caller counts), and a part of it costs that share. Minimise fixed costs +
serving costs, each customer fully served, no site beyond its capacity. Demand may be split among sites
unless `single_source=True` (each customer served by one site). `cost[i, j] = inf` forbids the pair.

How (the result says whether the cost is proven optimal, or the gap to a proven lower bound):
1. A Lagrangian relaxation of the demand constraints (subgradient ascent): its bound decomposes into one
   continuous knapsack per site, plus the 0–1 covering knapsack "enough capacity opened" (its integrality
   is what makes the bound tight on the 100 × 1,000 samples), all in numpy. Each set of sites it opens
   (repaired to enough capacity) is evaluated exactly by a transportation LP (HiGHS), and the best one is
   improved by dropping and swapping sites: the incumbent.
2. Reduced-cost fixing: a site whose forced opening (or closing) lifts the Lagrangian bound above the
   incumbent is closed (opened) for good: no solution better than the incumbent is lost.
3. The strong formulation (x_ij ≤ y_i for every pair, Σ capacity·y ≥ Σ demand) of what is left goes to
   HiGHS through `scipy.optimize.milp` with the time that remains. SciPy's interface takes no starting
   solution: the incumbent of step 1 is kept beside it, and its bound is combined with HiGHS's.
Single sourcing keeps step 1's bound (a relaxation of it too) and takes the split solution's sites, each
customer then sent to one of them by HiGHS, as the incumbent that step 2 compares with.
On OR-Library's 16–50 × 50 samples HiGHS alone proves the optimum in well under a second; on the
100 × 1,000 ones it is still 30 % above the optimum after 100 s while its bound is already tight: steps 1–2
find the optimum and close 82–95 of the 100 sites, after which HiGHS proves it (bench/relays.py measures).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

# HiGHS's own default stops at 0.01 % ("optimal" would then not mean proven): ask for the real optimum,
# up to the floating-point tolerance of costs given to a few decimals.
PROVEN_GAP = 1e-9
# The subgradient ascent stops when its bound gained less than this share over this many iterations.
SLOW_WINDOW, SLOW_GAIN = 300, 1e-5


def gettext_noop(message: str) -> str:
    """Marks a message for the French catalogue (makemessages looks for this name) without importing Django."""
    return message


class SitingError(ValueError):
    """The problem cannot be solved as given. The message says what and where; `template` and `params`
    let the layer above translate it (`gettext(template) % params`): this module imports no Django."""

    def __init__(self, template: str, **params: object) -> None:
        super().__init__(template % params)
        self.template, self.params = template, params


@dataclass(frozen=True)
class SitingProblem:
    fixed: np.ndarray  # (sites,) fixed cost of opening each site
    capacity: np.ndarray  # (sites,) how much demand each site can serve
    demand: np.ndarray  # (customers,)
    cost: np.ndarray  # (sites, customers) cost of serving a customer's whole demand from a site; inf = never

    @property
    def sites(self) -> int:
        return len(self.fixed)

    @property
    def customers(self) -> int:
        return len(self.demand)


@dataclass
class Siting:
    cost: float
    open: list[int]  # site indices, 0-based, increasing
    # per customer: (site, share of its demand) pairs, shares adding up to 1
    assignment: list[list[tuple[int, float]]]
    bound: float  # a proven lower bound on the optimal cost
    optimal: bool  # proven optimal (to PROVEN_GAP: stopping early at a gap asked for is not a proof)
    seconds: float
    cpu_seconds: float
    steps: dict[str, float] = field(default_factory=dict)  # what each stage found, for benchmarks

    @property
    def gap(self) -> float:
        """(cost − bound) / cost: how far from optimal the cost can still be, 0 when proven."""
        return 0.0 if self.optimal else max(0.0, (self.cost - self.bound) / max(abs(self.cost), 1e-12))


def problem(*, fixed: object, capacity: object, demand: object, cost: object) -> SitingProblem:
    """Check shapes and values; the messages name the field and the index."""
    arrays = {}
    for name, value in (("fixed", fixed), ("capacity", capacity), ("demand", demand)):
        try:
            array = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise SitingError(gettext_noop("%(field)s: numbers expected"), field=name) from None
        if array.ndim != 1 or not len(array):
            raise SitingError(gettext_noop("%(field)s: a non-empty list of numbers expected"), field=name)
        bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
        if len(bad):
            raise SitingError(
                gettext_noop("%(field)s[%(index)s]: %(value)s is not a finite number ≥ 0"),
                field=name,
                index=bad[0],
                value=array[bad[0]],
            )
        arrays[name] = array
    if len(arrays["fixed"]) != len(arrays["capacity"]):
        raise SitingError(
            gettext_noop("fixed has %(fixed)s sites, capacity %(capacity)s"),
            fixed=len(arrays["fixed"]),
            capacity=len(arrays["capacity"]),
        )
    m, n = len(arrays["fixed"]), len(arrays["demand"])
    try:
        matrix = np.asarray(cost, dtype=float)
    except (TypeError, ValueError):
        raise SitingError(gettext_noop("cost: a table of numbers expected (one row per site)")) from None
    if matrix.shape != (m, n):
        raise SitingError(
            gettext_noop(
                "cost: %(sites)s rows (sites) of %(customers)s numbers (customers) expected, got shape %(shape)s"
            ),
            sites=m, customers=n, shape=matrix.shape,
        )  # fmt: skip
    bad_at = np.argwhere(np.isnan(matrix) | (matrix < 0) | (matrix == -np.inf))
    if len(bad_at):
        i, j = bad_at[0]
        raise SitingError(
            gettext_noop("cost[%(site)s][%(customer)s]: %(value)s is not a number ≥ 0"),
            site=i, customer=j, value=matrix[i, j],
        )  # fmt: skip
    unserved = np.flatnonzero(~np.isfinite(matrix).any(axis=0))
    if len(unserved):
        raise SitingError(gettext_noop("customer %(index)s: no site may serve it"), index=unserved[0])
    if arrays["capacity"].sum() < arrays["demand"].sum():
        raise SitingError(
            gettext_noop("the sites' capacity (%(capacity)g) is less than the demand (%(demand)g)"),
            capacity=arrays["capacity"].sum(), demand=arrays["demand"].sum(),
        )  # fmt: skip
    return SitingProblem(fixed=arrays["fixed"], capacity=arrays["capacity"], demand=arrays["demand"], cost=matrix)


def site(
    p: SitingProblem,
    *,
    single_source: bool = False,
    time_limit: float = 60.0,
    gap: float = 0.0,
    max_open: int | None = None,
    always_open: tuple[int, ...] = (),
    lagrangian: bool = True,
    strong: bool = True,
) -> Siting:
    """The cheapest sites to open and who they serve; proven optimal within `gap`, or the gap stated.

    `max_open`: open at most this many sites (comparing scenarios of 1, 2, 3… platforms); HiGHS solves it
    (the Lagrangian stage knows no such limit) beside a greedy start, which suits a territory's tens of
    candidates.
    `always_open`: sites that may always serve and that `max_open` does not count (with a zero fixed cost:
    "each producer delivers directly", beside 0, 1, 2… platforms).
    `lagrangian=False` hands the whole problem to HiGHS, `strong=False` leaves out the x_ij ≤ y_i links and
    the cover (the benchmark measures what each stage brings).
    """
    started, cpu = time.perf_counter(), time.process_time()
    deadline = started + time_limit
    tolerance = max(gap, PROVEN_GAP)
    steps: dict[str, float] = {}
    incumbent: tuple[float, np.ndarray] | None = None  # (cost, x as sites × customers)
    lower = -np.inf
    free = np.ones(p.sites, dtype=bool)
    fixed_open = np.zeros(p.sites, dtype=bool)
    if single_source:
        room = np.where(np.isfinite(p.cost), p.capacity[:, None], 0.0).max(axis=0)
        too_big = np.flatnonzero(p.demand > room)
        if len(too_big):
            raise SitingError(
                gettext_noop(
                    "customer %(index)s: its demand (%(demand)g) is more than any site that may serve it can take "
                    "(%(capacity)g): it can only be split among sites"
                ),
                index=too_big[0], demand=p.demand[too_big[0]], capacity=room[too_big[0]],
            )  # fmt: skip
    if max_open is not None:
        if isinstance(max_open, bool) or not isinstance(max_open, int) or max_open < 1:
            raise SitingError(gettext_noop("max_open: a whole number of sites ≥ 1, not %(value)s"), value=max_open)
        if max_open + len(set(always_open)) >= p.sites:
            max_open = None
        else:
            lagrangian = False
            max_open += len(set(always_open))
            fixed_open[list(always_open)] = True
            # HiGHS alone may not even find a solution on hundreds of customers in its time: start from a
            # greedy one (kept beside it, as the Lagrangian incumbent is).
            incumbent = _greedy(p, max_open, fixed_open, started + time_limit * 0.4)
            if incumbent is not None:
                steps["greedy_cost"] = incumbent[0]
    if lagrangian:
        heuristic = _Lagrangian(p, deadline=started + time_limit * (0.4 if single_source else 0.6))
        heuristic.run(tolerance)
        incumbent = heuristic.incumbent
        # A relaxation of both variants: the bound holds for single sourcing too.
        lower = heuristic.bound
        steps["lagrangian_bound"], steps["lagrangian_iterations"] = lower, heuristic.iterations
        steps["transport_lps"], steps["transport_lp_cpu"] = len(heuristic.tried), heuristic.lp_cpu
        if single_source and incumbent is not None:
            # The split solution's sites, each customer now sent to one of them (a generalised assignment,
            # HiGHS with a share of the time): a single-sourced incumbent, when those sites can take it.
            sites = incumbent[1].sum(axis=1) > 1e-9
            budget = max(0.5, (deadline - time.perf_counter()) * 0.3)
            incumbent, _, _ = _milp(p, sites, sites, single_source=True, strong=strong, seconds=budget,
                                    tolerance=tolerance)  # fmt: skip
        if incumbent is not None:
            steps["heuristic_cost"] = incumbent[0]
            steps["heuristic_seconds"] = time.perf_counter() - started
            free, fixed_open = heuristic.fixings(incumbent[0])
            steps["sites_closed_for_good"] = int((~free).sum())
            steps["sites_opened_for_good"] = int(fixed_open.sum())
    if incumbent is None or _gap(incumbent[0], lower) > tolerance:
        remaining = deadline - time.perf_counter()
        if remaining > 0.05 or incumbent is None:
            found, bound, proven = _milp(
                p,
                free,
                fixed_open,
                single_source=single_source,
                max_open=max_open,
                strong=strong,
                seconds=max(remaining, 1.0),
                tolerance=tolerance,
            )
            steps["milp_seconds"] = time.perf_counter() - started
            if found is not None:
                steps["milp_cost"] = found[0]
            if incumbent is None or (found is not None and found[0] < incumbent[0]):
                incumbent = found
            if incumbent is None:
                if proven and max_open is not None:
                    raise SitingError(
                        gettext_noop("no way to serve every customer with at most %(count)s sites"), count=max_open
                    )
                if proven:
                    raise SitingError(gettext_noop("no way to serve every customer within the sites' capacities"))
                raise SitingError(gettext_noop("no solution found in %(seconds)g s"), seconds=time_limit)
            # HiGHS's bound holds for what the fixings left, and the fixings only dropped solutions dearer
            # than the incumbent: the bound for the whole problem is the lesser of the two.
            lower = max(lower, min(bound, incumbent[0]))
    assert incumbent is not None
    cost, x = incumbent
    optimal = _gap(cost, lower) <= PROVEN_GAP
    opened = [int(i) for i in np.flatnonzero(x.sum(axis=1) > 1e-9)]
    assignment = [[(int(i), float(x[i, j])) for i in np.flatnonzero(x[:, j] > 1e-9)] for j in range(p.customers)]
    return Siting(
        cost=float(cost), open=opened, assignment=assignment, bound=float(min(lower, cost)), optimal=optimal,
        seconds=time.perf_counter() - started, cpu_seconds=time.process_time() - cpu, steps=steps,
    )  # fmt: skip


def solution_cost(p: SitingProblem, x: np.ndarray) -> float:
    """Fixed costs of the sites serving anything + serving costs (what every stage is compared on)."""
    used = x.sum(axis=1) > 1e-9
    finite = np.where(np.isfinite(p.cost), p.cost, 0.0)
    return float(p.fixed[used].sum() + (finite * x).sum())


def _gap(cost: float, bound: float) -> float:
    return (cost - bound) / max(abs(cost), 1e-12)


def transport(p: SitingProblem, sites: np.ndarray) -> tuple[float, np.ndarray] | None:
    """The cheapest split assignment of every customer to the given open sites (an LP), None if none fits."""
    index = np.flatnonzero(sites)
    if p.capacity[index].sum() < p.demand.sum() * (1 - 1e-12):
        return None
    sub = p.cost[index]
    rows, cols = np.nonzero(np.isfinite(sub))
    if len(np.unique(cols)) < p.customers:
        return None
    k = len(rows)
    served = sp.csr_matrix((np.ones(k), (cols, np.arange(k))), shape=(p.customers, k))
    load = sp.csr_matrix((p.demand[cols], (rows, np.arange(k))), shape=(len(index), k))
    result = linprog(
        sub[rows, cols], A_ub=load, b_ub=p.capacity[index], A_eq=served, b_eq=np.ones(p.customers),
        bounds=(0, 1), method="highs",
    )  # fmt: skip
    if result.status != 0:
        return None
    x = np.zeros((p.sites, p.customers))
    x[index[rows], cols] = np.clip(result.x, 0.0, 1.0)
    return solution_cost(p, x), x


GREEDY_SHORTLIST = 8  # sites tried exactly (a transportation LP each) per step of the greedy start


def _greedy(p: SitingProblem, count: int, opened: np.ndarray, deadline: float) -> tuple[float, np.ndarray] | None:
    """At most `count` sites, `opened` among them: add a site while one lowers the exact cost (fixed costs +
    the transportation LP, capacities included), then swap an open site for a closed one while that pays,
    until `deadline`. Only the few sites that lower the cost most with capacities aside (each customer from
    its cheapest open site: numpy, no LP) are tried exactly at each step."""
    big = np.where(np.isfinite(p.cost), p.cost, 1e30)
    chosen = opened.copy()
    best = transport(p, chosen) if chosen.any() else None

    def shortlist(mask: np.ndarray) -> np.ndarray:
        """The closed sites that would lower fixed + cheapest serving costs most if opened beside `mask`."""
        current = big[mask].min(axis=0) if mask.any() else np.full(p.customers, 1e30)
        closed = np.flatnonzero(~mask)
        value = p.fixed[closed] + np.minimum(current[None, :], big[closed]).sum(axis=1)
        return closed[np.argsort(value)[:GREEDY_SHORTLIST]]

    def exact(mask: np.ndarray) -> tuple[float, np.ndarray] | None:
        found = transport(p, mask)
        return found if found is not None and (best is None or found[0] < best[0] - 1e-9) else None

    while chosen.sum() < count and time.perf_counter() < deadline:
        tries = []
        for i in shortlist(chosen):
            mask = chosen.copy()
            mask[i] = True
            if (found := exact(mask)) is not None:
                tries.append((found[0], int(i), found))
        if not tries:
            break
        _, site_index, best = min(tries, key=lambda t: t[0])
        chosen[site_index] = True
    improved = best is not None
    while improved and time.perf_counter() < deadline:
        improved = False
        for i in np.flatnonzero(chosen & ~opened):
            others = chosen.copy()
            others[i] = False
            for other in shortlist(others):
                if other == i:
                    continue
                mask = others.copy()
                mask[other] = True
                if (found := exact(mask)) is not None:
                    chosen, best, improved = mask, found, True
                    break
            if improved or time.perf_counter() >= deadline:
                break
    return best


def cover(values: np.ndarray, capacity: np.ndarray, need: float, steps: int = 2000) -> np.ndarray:
    """The cheapest items (values ≥ 0) whose capacity adds up to `need` at least: which ones (a covering
    knapsack, by dynamic programming). Capacities are counted in `need / steps` units, rounded up and the
    need rounded down, so that every real cover stays a cover: the cost found is a lower bound (what the
    Lagrangian bound needs); the items chosen cover at least the rounded need (the caller repairs).
    """
    unit = need / steps
    weight = np.ceil(capacity / unit - 1e-9).astype(int)
    target = int(np.floor(need / unit + 1e-9))
    best = np.full(target + 1, np.inf)
    best[0] = 0.0
    take = np.zeros((len(values), target + 1), dtype=bool)
    index = np.arange(target + 1)
    for k, (value, w) in enumerate(zip(values, weight, strict=True)):
        with_it = value + best[np.maximum(index - w, 0)]
        take[k] = with_it < best
        best = np.where(take[k], with_it, best)
    chosen = np.zeros(len(values), dtype=bool)
    r = target
    for k in range(len(values) - 1, -1, -1):
        if r > 0 and take[k, r]:
            chosen[k] = True
            r = max(r - weight[k], 0)
    return chosen


class _Lagrangian:
    """Subgradient ascent on the demand constraints' multipliers, with an incumbent kept on the way."""

    def __init__(self, p: SitingProblem, *, deadline: float) -> None:
        self.p, self.deadline = p, deadline
        self.finite = np.isfinite(p.cost)
        self.cost = np.where(self.finite, p.cost, 0.0)
        self.bound, self.iterations = -np.inf, 0
        self.best_multipliers = np.zeros(p.customers)
        self.incumbent: tuple[float, np.ndarray] | None = None
        self.tried: set[bytes] = set()
        self.lp_cpu = 0.0  # CPU seconds in transportation LPs (the benchmark reports where time goes)
        self.history: list[tuple[int, float, float]] = []  # (iteration, bound, incumbent) when either moves

    def sites_values(self, multipliers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each site's value when opened (fixed cost + its best continuous knapsack) and that knapsack."""
        p = self.p
        reduced = np.where(self.finite, self.cost - multipliers[None, :], np.inf)
        ratio = np.where(reduced < 0, reduced / np.maximum(p.demand, 1e-12)[None, :], np.inf)
        order = np.argsort(ratio, axis=1, kind="stable")
        taken_demand = p.demand[order]
        before = np.cumsum(taken_demand, axis=1) - taken_demand
        room = p.capacity[:, None] - before
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(taken_demand > 0, np.clip(room / taken_demand, 0.0, 1.0), 1.0)
        share = np.where(np.take_along_axis(ratio, order, axis=1) < np.inf, share, 0.0)
        x = np.zeros_like(share)
        np.put_along_axis(x, order, share, axis=1)
        values = p.fixed + (np.where(x > 0, reduced, 0.0) * x).sum(axis=1)
        return values, x

    def relaxed(self, multipliers: np.ndarray) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
        """The bound for these multipliers, the sites opened (0/1), each site's knapsack x, values."""
        p = self.p
        values, x = self.sites_values(multipliers)
        opened = (values < 0).astype(float)
        short = p.demand.sum() - p.capacity[values < 0].sum()
        if short > 0:
            rest = np.flatnonzero(values >= 0)
            opened[rest[cover(values[rest], p.capacity[rest], short)]] = 1.0
        bound = float(multipliers.sum() + (values * opened).sum())
        return bound, opened, x, values

    def consider(self, sites: np.ndarray) -> None:
        key = np.packbits(sites).tobytes()
        if key in self.tried:
            return
        self.tried.add(key)
        began = time.process_time()
        found = transport(self.p, sites)
        self.lp_cpu += time.process_time() - began
        if found is not None and (self.incumbent is None or found[0] < self.incumbent[0] - 1e-9):
            self.incumbent = found

    def repaired(self, opened: np.ndarray, values: np.ndarray) -> np.ndarray:
        """The sites the relaxation opens, plus the next best by value until their capacity covers demand."""
        p = self.p
        sites = opened > 0
        short = p.demand.sum() - p.capacity[sites].sum()
        for i in np.argsort(values, kind="stable"):
            if short <= 0:
                break
            if not sites[i]:
                sites[i] = True
                short -= p.capacity[i]
        return sites

    def run(self, tolerance: float) -> None:
        p = self.p
        # Start from each customer's cheapest service: the bound of the uncapacitated, free-opening problem.
        multipliers = np.where(self.finite, self.cost, np.inf).min(axis=0)
        self.consider(np.ones(p.sites, dtype=bool))
        if self.incumbent is None:  # every site open and still no way: no set of sites does better
            raise SitingError(gettext_noop("no way to serve every customer within the sites' capacities"))
        step, stale = 2.0, 0
        patience = max(20, min(60, p.sites))
        bounds: list[float] = []
        while time.perf_counter() < self.deadline and step > 1e-4:
            self.iterations += 1
            # Subgradient ascent crawls at the end: past a point, reduced-cost fixing and HiGHS gain more
            # from the time than the last 0.001 % of bound.
            if len(bounds) > SLOW_WINDOW and self.bound - bounds[-SLOW_WINDOW] < SLOW_GAIN * abs(self.bound):
                break
            bounds.append(self.bound)
            bound, opened, x, values = self.relaxed(multipliers)
            if bound > self.bound + 1e-9 * abs(bound):
                self.bound, self.best_multipliers, stale = bound, multipliers.copy(), 0
                self.consider(self.repaired(opened, values))
                assert self.incumbent is not None
                self.history.append((self.iterations, bound, self.incumbent[0]))
            else:
                stale += 1
                if stale >= patience:
                    step, stale = step / 2, 0
            assert self.incumbent is not None
            if _gap(self.incumbent[0], self.bound) <= tolerance:
                return
            direction = 1.0 - (opened[:, None] * x).sum(axis=0)
            norm = float(direction @ direction)
            if norm < 1e-18:
                break
            multipliers = multipliers + step * (self.incumbent[0] - bound) / norm * direction
        self.improve()

    def improve(self) -> None:
        """Drop, then swap, open sites while the transportation cost says it pays (first improvement)."""
        assert self.incumbent is not None
        p = self.p
        values, _ = self.sites_values(self.best_multipliers)
        improved = True
        while improved and time.perf_counter() < self.deadline:
            improved = False
            current = self.incumbent[1].sum(axis=1) > 1e-9
            for i in np.flatnonzero(current)[np.argsort(-values[current])]:
                trial = current.copy()
                trial[i] = False
                before = self.incumbent[0]
                self.consider(trial)
                if self.incumbent[0] < before or time.perf_counter() > self.deadline:
                    improved = self.incumbent[0] < before
                    break
            if improved:
                continue
            # Swaps: each open site against the closed ones the relaxation likes best (a few: each try is an LP).
            closed = np.flatnonzero(~current)
            closed = closed[np.argsort(values[closed], kind="stable")][: max(3, p.sites // 10)]
            for i in np.flatnonzero(current):
                for k in closed:
                    trial = current.copy()
                    trial[i], trial[k] = False, True
                    before = self.incumbent[0]
                    self.consider(trial)
                    if self.incumbent[0] < before:
                        improved = True
                        break
                    if time.perf_counter() > self.deadline:
                        return
                if improved:
                    break

    def fixings(self, incumbent: float) -> tuple[np.ndarray, np.ndarray]:
        """(sites still free, sites opened for good): the bound recomputed with each site forced the other
        way than the relaxation chose, covering knapsack included (without it the cover binds and nothing
        is fixed on the 100 × 1,000 samples)."""
        p = self.p
        multipliers = self.best_multipliers
        values, _ = self.sites_values(multipliers)
        _, opened, _, _ = self.relaxed(multipliers)
        margin = 1e-9 * abs(incumbent)
        free, fixed_open = np.ones(p.sites, dtype=bool), np.zeros(p.sites, dtype=bool)
        for i in range(p.sites):
            forced = np.zeros(p.sites, dtype=bool)
            forced[i] = True
            if opened[i]:
                bound = self._bound_with(multipliers, values, closed=forced)
                fixed_open[i] = bound > incumbent + margin
            else:
                bound = self._bound_with(multipliers, values, opened=forced)
                free[i] = bound <= incumbent + margin
        return free, fixed_open

    def _bound_with(
        self,
        multipliers: np.ndarray,
        values: np.ndarray,
        *,
        opened: np.ndarray | None = None,
        closed: np.ndarray | None = None,
    ) -> float:
        p = self.p
        must = opened if opened is not None else np.zeros(p.sites, dtype=bool)
        banned = closed if closed is not None else np.zeros(p.sites, dtype=bool)
        take = (must | (values < 0)) & ~banned
        short = p.demand.sum() - p.capacity[take].sum()
        total = float(multipliers.sum() + values[take].sum())
        if short > 0:
            rest = np.flatnonzero(~take & ~banned)
            if p.capacity[rest].sum() < short:
                return np.inf
            total += float(values[rest][cover(values[rest], p.capacity[rest], short)].sum())
        return total


def _milp(
    p: SitingProblem,
    free: np.ndarray,
    fixed_open: np.ndarray,
    *,
    single_source: bool,
    strong: bool,
    seconds: float,
    tolerance: float,
    max_open: int | None = None,
) -> tuple[tuple[float, np.ndarray] | None, float, bool]:
    """The strong formulation over the sites still free: (best found, HiGHS's bound, proven)."""
    index = np.flatnonzero(free)
    m = len(index)
    sub = p.cost[index]
    rows, cols = np.nonzero(np.isfinite(sub))
    k = len(rows)
    # Variables: y for the m sites, then one x per allowed (site, customer) pair.
    objective = np.concatenate([p.fixed[index], sub[rows, cols]])
    pair = np.arange(k)
    served = sp.hstack([sp.csr_matrix((p.customers, m)), sp.csr_matrix((np.ones(k), (cols, pair)),
                                                                        shape=(p.customers, k))])  # fmt: skip
    load = sp.hstack([-sp.diags(p.capacity[index]), sp.csr_matrix((p.demand[cols], (rows, pair)), shape=(m, k))])
    link = sp.hstack([sp.csr_matrix((-np.ones(k), (pair, rows)), shape=(k, m)), sp.identity(k)])
    cover = sp.hstack([sp.csr_matrix(p.capacity[index][None, :]), sp.csr_matrix((1, k))])
    constraints = [LinearConstraint(served.tocsr(), 1, 1), LinearConstraint(load.tocsr(), -np.inf, 0)]
    if strong:
        constraints += [
            LinearConstraint(link.tocsr(), -np.inf, 0),
            LinearConstraint(cover.tocsr(), p.demand.sum(), np.inf),
        ]
    if max_open is not None:
        constraints.append(LinearConstraint(sp.hstack([sp.csr_matrix(np.ones((1, m))), sp.csr_matrix((1, k))]),
                                            0, max_open))  # fmt: skip
    lower = np.concatenate([fixed_open[index].astype(float), np.zeros(k)])
    integrality = np.concatenate([np.ones(m), np.full(k, 1 if single_source else 0)])
    result = milp(
        objective, constraints=constraints, integrality=integrality, bounds=Bounds(lower, np.ones(m + k)),
        options={"time_limit": seconds, "mip_rel_gap": tolerance, "disp": False},
    )  # fmt: skip
    bound = getattr(result, "mip_dual_bound", None)
    bound = -np.inf if bound is None or not np.isfinite(bound) else float(bound)
    proven = result.status == 0 or result.status == 2  # optimal, or proven infeasible
    if result.x is None:
        return None, bound, proven
    x = np.zeros((p.sites, p.customers))
    x[index[rows], cols] = np.clip(result.x[m:], 0.0, 1.0)
    return (solution_cost(p, x), x), bound, proven and result.status == 0
