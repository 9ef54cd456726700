"""Readers of the standard routing benchmark formats into terroir.logistics.routing problems.

Solomon VRPTW and Li & Lim PDPTW text files: one depot, identical vehicles. Coordinates are planar (not
latitude/longitude); travel time equals distance, at full precision as the best-known solutions count it;
times are read ×100 so that `plan(..., matrix_for=euclidean_exact, distance_scale=100)` keeps two decimals.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .distances import Matrix
from .routing import NO_LIMIT, Base, Fleet, Job, Kind, Problem, ProblemError, Site


def solomon(path: Path) -> Problem:
    lines = [line.split() for line in path.read_text().splitlines() if line.strip()]
    try:
        at = next(i for i, parts in enumerate(lines) if parts[:2] == ["NUMBER", "CAPACITY"])
        count, capacity = int(lines[at + 1][0]), int(lines[at + 1][1])
        rows = [parts for parts in lines[at + 2 :] if parts and parts[0].isdigit() and len(parts) >= 7]
    except (StopIteration, IndexError, ValueError):
        raise ProblemError(f"{path.name}: not a Solomon instance (no vehicle NUMBER/CAPACITY section)") from None
    depot_row, customers = rows[0], rows[1:]

    def place(row: list[str]) -> Site:
        return Site(lat=float(row[2]), lon=float(row[1]))  # x as longitude, y as latitude: planar

    def seconds(value: str) -> int:
        return round(float(value) * 100)

    depot = Base("depot", place(depot_row), opens_s=seconds(depot_row[4]), closes_s=seconds(depot_row[5]))
    vehicle = Fleet("vehicle", "depot", capacity_kg=capacity, count=count, start_s=depot.opens_s, end_s=depot.closes_s)
    orders = [
        Job(
            id=row[0],
            kind=Kind.DELIVERY,
            kg=float(row[3]),
            delivery=place(row),
            delivery_window=(seconds(row[4]), seconds(row[5])),
            service_s=seconds(row[6]),
        )
        for row in customers
    ]
    return Problem(depots=[depot], vehicles=[vehicle], orders=orders)


def euclidean_exact(points: list[tuple[float, float]]) -> Matrix:
    """Planar distances at full precision (Li & Lim's convention), travel time = distance."""
    xy = np.array([(lon, lat) for lat, lon in points])
    km = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2))
    return Matrix(km=km, seconds=km * 100, source="euclidean")


def li_lim(path: Path) -> Problem:
    """Li & Lim PDPTW text: "K Q S", then task lines "id x y demand early late service pickup delivery"."""
    rows = [line.split() for line in path.read_text().splitlines() if line.strip()]
    try:
        count, capacity = int(rows[0][0]), int(rows[0][1])
        tasks = {int(r[0]): r for r in rows[1:]}
        depot_row = tasks.pop(0)
    except (IndexError, ValueError, KeyError):
        raise ProblemError(f"{path.name}: not a Li & Lim instance") from None

    def place(row: list[str]) -> Site:
        return Site(lat=float(row[2]), lon=float(row[1]))

    def time(value: str) -> int:
        return round(float(value) * 100)

    depot = Base("depot", place(depot_row), opens_s=time(depot_row[4]), closes_s=time(depot_row[5]))
    vehicle = Fleet("vehicle", "depot", capacity_kg=capacity, count=count, start_s=depot.opens_s,
                      end_s=depot.closes_s)  # fmt: skip
    orders = []
    for task_id, row in sorted(tasks.items()):
        demand, delivery_id = float(row[3]), int(row[8])
        if demand <= 0:
            continue  # a delivery: read with its pickup
        if delivery_id not in tasks:
            raise ProblemError(f"{path.name}: task {task_id} delivers to unknown task {delivery_id}")
        other = tasks[delivery_id]
        orders.append(
            Job(
                id=str(task_id),
                kind=Kind.SHIPMENT,
                kg=demand,
                pickup=place(row),
                delivery=place(other),
                pickup_window=(time(row[4]), time(row[5])),
                delivery_window=(time(other[4]), time(other[5])),
                service_s=time(row[6]),
                delivery_service_s=time(other[6]),
            )
        )
    return Problem(depots=[depot], vehicles=[vehicle], orders=orders)


def euclidean_dimacs(points: list[tuple[float, float]]) -> Matrix:
    """Planar distances ×10, truncated (the "DIMACS" convention of the VRPLIB multi-trip instances and
    their optimal solutions); travel time = distance. Use with distance_scale=10."""
    xy = np.array([(lon, lat) for lat, lon in points])
    tenths = np.floor(np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(axis=2)) * 10)
    return Matrix(km=tenths / 10, seconds=tenths, source="euclidean")


def vrplib(path: Path) -> Problem:
    """A VRPLIB instance with planar coordinates (EUC_2D): CVRP, VRPTW, or the multi-trip MTVRPTWR
    (release dates, reloads at the depot). Times and quantities are read ×10 and truncated, like the
    distances of `euclidean_dimacs`; one depot."""
    import vrplib as reader  # PyVRP's own dependency for this format

    try:
        data = reader.read_instance(str(path))
    except Exception as exc:  # the package raises bare errors on malformed sections
        raise ProblemError(f"{path.name}: not a VRPLIB instance ({type(exc).__name__}: {exc})") from None
    if "node_coord" not in data or str(data.get("edge_weight_type", "")).upper() != "EUC_2D":
        raise ProblemError(f"{path.name}: only VRPLIB instances with EUC_2D coordinates are read")
    depots = [int(i) for i in np.atleast_1d(data.get("depot", [0]))]
    if len(depots) != 1:
        raise ProblemError(f"{path.name}: {len(depots)} depots; one is read")
    coords = np.asarray(data["node_coord"], dtype=float)
    count = len(coords)

    def column(name: str, default: float) -> np.ndarray:
        value = data.get(name, default)
        return np.floor(np.broadcast_to(np.asarray(value, dtype=float), (count,)) * 10).astype(np.int64)

    demand = np.asarray(data.get("demand", np.zeros(count)), dtype=float)
    service = column("service_time", 0)
    release = column("release_time", 0)
    windows = (
        np.floor(np.asarray(data["time_window"], dtype=float) * 10).astype(np.int64)
        if "time_window" in data
        else np.tile(np.array([0, NO_LIMIT // 4], dtype=np.int64), (count, 1))
    )
    depot_index = depots[0]

    def place(i: int) -> Site:
        return Site(lat=float(coords[i][1]), lon=float(coords[i][0]))

    depot = Base("depot", place(depot_index), opens_s=int(windows[depot_index][0]),
                  closes_s=int(windows[depot_index][1]))  # fmt: skip
    reloads = "vehicles_reload_depot" in data
    vehicle = Fleet(
        "vehicle", "depot", capacity_kg=float(np.atleast_1d(data.get("capacity", NO_LIMIT // 1000))[0]),
        count=int(data.get("vehicles", count - 1)), start_s=depot.opens_s, end_s=depot.closes_s,
        max_reloads=int(data.get("vehicles_max_reloads", 1000)) if reloads else 0,
    )  # fmt: skip
    orders = [
        Job(
            id=str(i),
            kind=Kind.DELIVERY,
            kg=float(demand[i]),
            delivery=place(i),
            delivery_window=(int(windows[i][0]), int(windows[i][1])),
            service_s=int(service[i]),
            release_s=int(release[i]),
        )
        for i in range(count)
        if i != depot_index
    ]
    return Problem(depots=[depot], vehicles=[vehicle], orders=orders)
