"""The linkage's cheaper work gives Splink's very answers: the u probabilities estimated with one query per
chunk for every comparison, and the comparison levels computed behind cheap guards."""

from __future__ import annotations

import logging
import math
import random
import sys
import types
from typing import Any

import duckdb
import pyarrow as pa
import pytest
import splink.comparison_level_library as cll
from splink.internals import database_api

from terroir.imports import linkage
from terroir.imports.merge import linkage_columns

FIRST = ("Ferme", "GAEC", "Domaine", "Earl", "Le Jardin", "La Cave", "Marché", "Les Vergers")
WORDS = ("du Moulin", "des Prés", "Martin", "Bernard", "de la Vallée", "du Bois", "Dupont", "des Sources", "Fabre")


def _records(count: int, seed: int, prefix: str = "") -> list[dict[str, Any]]:
    """Records sharing names, postcodes, phones and neighbourhoods often enough for every level to be seen."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(WORDS)}" + (f" {rng.choice(WORDS)}" if rng.random() < 0.4 else "")
        data: dict[str, Any] = {"name": name, "postcode": f"63{rng.randrange(40):03d}", "record_type": "place"}
        if rng.random() < 0.5:
            data["commune_code"] = f"63{rng.randrange(30):03d}"
        if rng.random() < 0.3:
            data["phone"] = f"+334738{rng.randrange(300):05d}"
        if rng.random() < 0.2:
            data["siret"] = f"7328293{rng.randrange(50):07d}"
        if rng.random() < 0.7:
            data["lat"], data["lon"] = 45.5 + rng.gauss(0, 0.05), 3.7 + rng.gauss(0, 0.07)
        if rng.random() < 0.4:
            data["address"] = f"{rng.randrange(1, 30)} {rng.choice(('rue', 'route', 'chemin'))} {rng.choice(WORDS)}"
        rows.append({"unique_id": f"{prefix}{i}", **linkage_columns(data)})
    return rows


def _linked(monkeypatch, left: list[dict[str, Any]], right: list[dict[str, Any]] | None, splinks: bool):
    """The pairs `link` finds, the u probabilities it estimated and the queries its estimation ran."""
    trained: list[Any] = []
    queries = [0]
    estimate = linkage.u_estimate

    def counted(self, pipeline, *args, **kwargs):
        queries[0] += 1
        return run(self, pipeline, *args, **kwargs)

    def u(linker, *, max_pairs, seed) -> None:
        start = queries[0]
        if splinks:
            linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        else:
            estimate(linker, max_pairs=max_pairs, seed=seed)
        queries[0] -= start
        trained.extend(
            (comparison.output_column_name, level.label_for_charts, level.u_probability)
            for comparison in linker._settings_obj.comparisons
            for level in comparison._comparison_levels_excluding_null
        )
        queries.append(queries[0])

    run = database_api.DatabaseAPI.sql_pipeline_to_splink_dataframe
    with monkeypatch.context() as patch:
        patch.setattr(database_api.DatabaseAPI, "sql_pipeline_to_splink_dataframe", counted)
        patch.setattr(linkage, "u_estimate", u)
        pairs = linkage.link(left, right, model=linkage.directory_model(), threshold=0.01)
    return sorted((p.left, p.right, p.probability) for p in pairs), trained, queries[-1]


@pytest.mark.parametrize("two_sources", [False, True])
def test_u_estimated_once_per_chunk_is_splinks_estimate(monkeypatch, two_sources) -> None:
    if two_sources:
        left, right = _records(1300, 1, "a"), _records(1300, 2, "b")
    else:
        left, right = _records(2600, 1), None
    pairs, trained, queries = _linked(monkeypatch, left, right, splinks=False)
    splink_pairs, splink_trained, splink_queries = _linked(monkeypatch, left, right, splinks=True)
    # The very same u of every level (measured ones, not only the priors), and so the same pairs.
    assert trained == splink_trained
    assert sum(u != level_u for (_c, _l, u), (_c2, _l2, level_u) in zip(trained, splink_trained, strict=True)) == 0
    measured = {(c, label) for c, label, u in trained if u not in (0.002, 0.004, 0.03, 0.962)}
    assert ("name", "Exact match on name") in measured and ("distance", "Distance less than 1km") in measured
    assert pairs == splink_pairs and pairs
    # Splink queries each comparison apart (a probe, then up to ten chunks each); here one query a chunk.
    assert queries <= 3 + 11 < splink_queries


def _plain_and_guarded(plain: Any, guarded: Any) -> tuple[str, str]:
    return plain.get_comparison_level("duckdb").sql_condition, guarded.get_comparison_level("duckdb").sql_condition


def test_guarded_levels_put_every_pair_where_the_plain_levels_do() -> None:
    rng = random.Random(7)
    pairs: list[tuple[float, float, float | None, float]] = []
    # Points at each threshold's distance and just around it, along meridians, parallels and diagonals, from
    # the equator to the far north, and unrelated ones.
    for km in (0.3, 1, 5, 20):
        for lat in (0.0, 16.2, 43.6, 48.85, 51.0, -21.1, 70.0):
            for factor in (0.98, 0.999, 0.9999, 1.0, 1.0001, 1.001, 1.02, 1.1):
                degrees = km * factor / (6371 * math.pi / 180)
                for bearing in (0, 45, 90, 135, 180, 270, rng.uniform(0, 360)):
                    b = math.radians(bearing)
                    pairs.append((lat, 3.0, lat + degrees * math.cos(b), 3.0 + degrees * math.sin(b) / math.cos(
                        math.radians(lat))))  # fmt: skip
    pairs += [(rng.uniform(41, 51), rng.uniform(-5, 9), rng.uniform(41, 51), rng.uniform(-5, 9)) for _ in range(20000)]
    pairs += [(45.0, 3.0, None, 3.0), (45.0, 3.0, 45.0, 3.0)]
    connection = duckdb.connect()
    p = pa.Table.from_pylist([dict(zip(("lat_l", "lon_l", "lat_r", "lon_r"), pair, strict=True)) for pair in pairs])
    connection.register("p", p)
    for km in (0.3, 1, 5, 20):
        plain, guarded = _plain_and_guarded(cll.DistanceInKMLevel("lat", "lon", km), linkage._near(km))
        inside, differ = connection.execute(
            f"SELECT count(*) FILTER (WHERE ({plain})), count(*) FILTER (WHERE ({plain}) IS DISTINCT FROM ({guarded}))"
            " FROM p"
        ).fetchall()[0]
        assert differ == 0 and inside > 100

    # Names: the bench's and real directories' kinds of names, compared with one another, edits among them.
    names = [f"{f} {w}" for f in FIRST for w in WORDS] + ["ferme du moulin", "ferme des moulins", "gaec martin"]
    names += ["".join(rng.choice("abcdeéfghilmnoprstu ") for _ in range(rng.randrange(3, 30))) for _ in range(300)]
    edited = [n[:i] + n[i + 1 :] for n in names[:80] for i in range(0, len(n), 3)]
    connection.register("a", pa.table({"name": names}))
    connection.register("b", pa.table({"name": names + edited}))
    connection.execute("CREATE TABLE n AS SELECT a.name AS name_l, b.name AS name_r FROM a, b")
    for threshold in (0.95, 0.85):
        plain, guarded = _plain_and_guarded(
            cll.JaroWinklerLevel("name", threshold), linkage._name_jaro_winkler(threshold)
        )
        inside, differ = connection.execute(
            f"SELECT count(*) FILTER (WHERE ({plain})), count(*) FILTER (WHERE ({plain}) IS DISTINCT FROM ({guarded}))"
            " FROM n"
        ).fetchall()[0]
        assert differ == 0 and inside > 500


def _splink_changed(change: str) -> Any:
    """`splink.internals.estimate_u` as a Splink that changed it would have it (None: the module gone), for
    the linkage's lookup of Splink's private parts only: Splink's own code keeps its module."""
    from splink.internals import estimate_u

    if change == "module gone":
        return None
    module = types.ModuleType(estimate_u.__name__)
    module.__dict__.update(estimate_u.__dict__)
    if change == "function gone":
        del module.__dict__["_estimate_u_comparison_vector_sqls"]
    else:  # its chunk's parameters renamed

        def renamed(*, db_api, input_tablename_l, input_tablename_r, link_type, source_dataset_input_column,
                    unique_id_input_column, blocking_cols, cv_cols, chunk_num, num_chunks):  # fmt: skip
            raise AssertionError("called with the parameters it no longer has")

        module.__dict__["_estimate_u_comparison_vector_sqls"] = renamed
    return module


@pytest.fixture(scope="module")
def splinks_own_estimate() -> tuple[list[dict[str, Any]], Any]:
    records = _records(2600, 1)
    with pytest.MonkeyPatch.context() as patch:
        return records, _linked(patch, records, None, splinks=True)


@pytest.mark.parametrize("change", ["module gone", "function gone", "signature changed"])
def test_u_estimated_by_splinks_public_estimation_when_its_private_parts_change(
    monkeypatch, caplog, splinks_own_estimate, change
) -> None:
    records, (splink_pairs, splink_trained, splink_queries) = splinks_own_estimate
    monkeypatch.setitem(sys.modules, "splink.internals.estimate_u", _splink_changed(change))
    with caplog.at_level(logging.WARNING, logger="terroir.imports.linkage"):
        pairs, trained, queries = _linked(monkeypatch, records, None, splinks=False)
    # Splink's own estimation, its queries one comparison at a time: the same u, the same pairs.
    assert trained == splink_trained and pairs == splink_pairs and pairs
    assert queries == splink_queries
    warned = [r.getMessage() for r in caplog.records if r.name == "terroir.imports.linkage"]
    assert len(warned) == 1 and "estimate_u_using_random_sampling" in warned[0]


def test_splinks_private_parts_are_those_the_linkage_drives(caplog) -> None:
    """With the Splink installed, nothing falls back (the estimate's own test above counts its queries)."""
    found = linkage._splink_private()
    assert len(found) == len(linkage._SPLINK_PRIVATE)
    with caplog.at_level(logging.WARNING, logger="terroir.imports.linkage"):
        linkage.link(_records(2100, 3), model=linkage.directory_model(), threshold=0.5)
    assert not [r for r in caplog.records if r.name == "terroir.imports.linkage"]


def test_the_linkage_tables_hold_only_the_columns_the_model_reads(monkeypatch) -> None:
    """The merge rules' own columns (source, kind, specific and commune words, days) stay out of Splink's tables:
    the same pairs, the same probabilities, as from rows without them."""
    from splink import DuckDBAPI

    records = _records(2100, 5)
    registered: list[list[str]] = []
    register = DuckDBAPI.register

    def kept(self, table, *args, **kwargs):
        if isinstance(table, pa.Table):  # the records (Splink registers its counts too)
            registered.append(list(table.column_names))
        return register(self, table, *args, **kwargs)

    model = linkage.directory_model()
    with monkeypatch.context() as patch:
        patch.setattr(DuckDBAPI, "register", kept)
        pairs = linkage.link(records, model=model, threshold=0.2)
    assert registered[0] == ["unique_id", *[c for c in records[0] if c in model.columns]]
    assert {"source", "kind", "specific", "place_words", "days"} <= set(records[0]) - set(registered[0])
    bare = [{c: v for c, v in row.items() if c in registered[0]} for row in records]
    again = linkage.link(bare, model=model, threshold=0.2)
    assert sorted((p.left, p.right, p.probability) for p in pairs) == sorted(
        (p.left, p.right, p.probability) for p in again
    )
    assert pairs
