"""Relay siting problems as `site_relays` reads them: Terroir's JSON format (docs/logistics.md) and
OR-Library's capacitated facility location files, and the result written back. Every error says what is
wrong and where (the site, customer or line), in the user's language.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from terroir.lib.messages import formatted

from .siting import Siting, SitingError, SitingProblem, problem


class RelayProblemError(ValueError):
    """A problem file that cannot be read as given (the message is translated)."""


def translated(exc: SitingError) -> str:
    return _(exc.template) % exc.params


def _shown(value: Any) -> str:
    """A value of the file as its author wrote it in JSON (a text as itself), to be quoted the reader's way
    (lib.messages.quoted: « x », “x”), never as Python writes it ('x', True)."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:59] + "…"


def _number(value: Any, where: str, *, allow_null: bool = False) -> float:
    if value is None and allow_null:
        return math.inf
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        message = _("%(where)s: a number ≥ 0 expected, not %(value)r")
        raise RelayProblemError(formatted(message, {"where": where, "value": _shown(value)}, _))
    return float(value)


def from_json(data: Any) -> tuple[SitingProblem, list[str], list[str], bool, int | None]:
    """(problem, site ids, customer ids, single_source, max_open) from the documented JSON object."""
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("sites"), list)
        or not isinstance(data.get("customers"), list)
    ):
        raise RelayProblemError(_("the problem is a JSON object with lists of sites and customers"))
    customers, sites = data["customers"], data["sites"]
    if not customers or not sites:
        raise RelayProblemError(_("the problem needs at least one site and one customer"))
    customer_ids, demand = [], []
    for j, customer in enumerate(customers):
        where = _("customer %(index)s") % {"index": j}
        if not isinstance(customer, dict):
            raise RelayProblemError(_('%(where)s: a customer is {"id": …, "demand": …}') % {"where": where})
        customer_ids.append(str(customer.get("id", j)))
        where = f"{where} ({customer_ids[-1]})"
        demand.append(_number(customer.get("demand"), f"{where}, demand"))
    site_ids, fixed, capacity, costs = [], [], [], []
    for i, row in enumerate(sites):
        where = _("site %(index)s") % {"index": i}
        if not isinstance(row, dict):
            raise RelayProblemError(
                _('%(where)s: a site is {"id": …, "fixed_cost": …, "capacity": …, "costs": […]}') % {"where": where}
            )
        site_ids.append(str(row.get("id", i)))
        where = f"{where} ({site_ids[-1]})"
        fixed.append(_number(row.get("fixed_cost"), f"{where}, fixed_cost"))
        capacity.append(_number(row.get("capacity"), f"{where}, capacity"))
        line = row.get("costs")
        if not isinstance(line, list) or len(line) != len(customers):
            raise RelayProblemError(
                _("%(where)s, costs: one number (or null) per customer expected, %(count)s customers")
                % {"where": where, "count": len(customers)}
            )
        costs.append([_number(v, f"{where}, costs[{j}]", allow_null=True) for j, v in enumerate(line)])
    single_source = data.get("single_source", False)
    if not isinstance(single_source, bool):
        message = _("single_source: true or false, not %(value)r")
        raise RelayProblemError(formatted(message, {"value": _shown(single_source)}, _))
    max_open = data.get("max_open")
    if max_open is not None and (isinstance(max_open, bool) or not isinstance(max_open, int) or max_open < 1):
        message = _("max_open: a whole number of sites ≥ 1, not %(value)r")
        raise RelayProblemError(formatted(message, {"value": _shown(max_open)}, _))
    for ids, what in ((site_ids, _("site")), (customer_ids, _("customer"))):
        if len(set(ids)) != len(ids):
            twice = next(x for x in ids if ids.count(x) > 1)
            raise RelayProblemError(
                formatted(_("two %(what)s entries have the id %(id)r"), {"what": what, "id": twice}, _)
            )
    try:
        built = problem(fixed=fixed, capacity=capacity, demand=demand, cost=costs)
    except SitingError as exc:
        raise RelayProblemError(translated(exc)) from None
    return built, site_ids, customer_ids, single_source, max_open


def from_orlib(path: Path, *, capacity: float | None = None) -> SitingProblem:
    """OR-Library's capacitated warehouse location format (Beasley 1988): "m n"; m lines "capacity fixed";
    then for each customer its demand and the m costs of serving all of its demand from each site. A
    capacity written as the word "capacity" (capa, capb, capc) takes `capacity`."""
    try:
        text = path.read_text(encoding="ascii")
    except UnicodeDecodeError as exc:
        raise RelayProblemError(
            _("not an OR-Library text file (byte %(at)s is not plain text)") % {"at": exc.start}
        ) from None
    tokens = [(word, number) for number, line in enumerate(text.splitlines(), 1) for word in line.split()]
    at = 0

    def take(what: str) -> tuple[str, int]:
        nonlocal at
        if at >= len(tokens):
            raise RelayProblemError(_("the file ends before %(what)s") % {"what": what})
        at += 1
        return tokens[at - 1]

    def number(what: str, word: str, line: int, *, integer: bool = False) -> float:
        try:
            value = int(word) if integer else float(word)
        except ValueError:
            value = -1
        if value < 0 or not math.isfinite(value):
            raise RelayProblemError(
                formatted(
                    _("line %(line)s: %(what)s should be a number ≥ 0, not %(word)r"),
                    {"line": line, "what": what, "word": word},
                    _,
                )
            )
        return value

    word, line = take(_("the number of sites"))
    m = int(number(_("the number of sites"), word, line, integer=True))
    word, line = take(_("the number of customers"))
    n = int(number(_("the number of customers"), word, line, integer=True))
    if not m or not n:
        raise RelayProblemError(_("no sites or no customers"))
    if m * n > 10_000_000:
        raise RelayProblemError(
            _("%(sites)s sites × %(customers)s customers is too large") % {"sites": m, "customers": n}
        )
    fixed, capacities, words_seen = [], [], False
    for i in range(m):
        what = _("the capacity of site %(index)s") % {"index": i}
        word, line = take(what)
        if word.lower() == "capacity":
            words_seen = True
            if capacity is None:
                raise RelayProblemError(
                    _('line %(line)s: the capacity is the word "capacity": give it with --capacity N') % {"line": line}
                )
            capacities.append(capacity)
        else:
            capacities.append(number(what, word, line))
        what = _("the fixed cost of site %(index)s") % {"index": i}
        fixed.append(number(what, *take(what)))
    if capacity is not None and not words_seen:
        raise RelayProblemError(
            _('--capacity is for files whose capacities are the word "capacity"; this one gives numbers')
        )
    demand, costs = [], [[0.0] * n for _i in range(m)]
    for j in range(n):
        what = _("the demand of customer %(index)s") % {"index": j}
        demand.append(number(what, *take(what)))
        for i in range(m):
            what = _("the cost of serving customer %(customer)s from site %(site)s") % {"customer": j, "site": i}
            costs[i][j] = number(what, *take(what))
    if at < len(tokens):
        raise RelayProblemError(
            _("line %(line)s: more numbers than %(sites)s sites and %(customers)s customers need")
            % {"line": tokens[at][1], "sites": m, "customers": n}
        )
    try:
        return problem(fixed=fixed, capacity=capacities, demand=demand, cost=costs)
    except SitingError as exc:
        raise RelayProblemError(translated(exc)) from None


def siting_to_json(result: Siting, site_ids: list[str] | None = None, customer_ids: list[str] | None = None) -> dict:
    """`cost`, `open` (0-based indices), `optimal`, `bound`, `gap`, times and the assignment (each customer's
    sites with the share of its demand); the ids beside them when the problem had some."""
    document: dict[str, Any] = {
        "cost": round(result.cost, 6),
        "open": result.open,
        "optimal": result.optimal,
        "bound": round(result.bound, 6),
        "gap": round(result.gap, 9),
        "seconds": round(result.seconds, 3),
        "cpu_seconds": round(result.cpu_seconds, 3),
        "assignment": [[[i, round(share, 9)] for i, share in served] for served in result.assignment],
    }
    if site_ids is not None:
        document["open_ids"] = [site_ids[i] for i in result.open]
    if customer_ids is not None and site_ids is not None:
        document["served_by"] = {
            customer_ids[j]: {site_ids[i]: round(share, 9) for i, share in served}
            for j, served in enumerate(result.assignment)
        }
    return document
