"""Probabilistic record linkage: which records describe the same producer or place.

The only module that imports Splink (Fellegi–Sunter model, run on an in-process DuckDB). Pure: rows in,
scored pairs out; nothing here reads or writes the platform's database.

Each comparison has levels from "the same" to "different", with m (how often true duplicates reach the
level) and u (how often two unrelated records do) probabilities. The m values are priors written here
from what directories look like; u values are measured on the data by random sampling when there are
enough records to sample, so that "same postcode" weighs less in a territory with few postcodes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

from terroir.lib.messages import gettext_noop

# Below this many records, sampled u probabilities are noise: the priors are kept.
TRAIN_MIN_RECORDS = 2000
U_SAMPLE_PAIRS = 2_000_000


@dataclass(frozen=True)
class Pair:
    """Two records (by their unique_id) and the probability that they describe the same thing."""

    left: str
    right: str
    probability: float


@dataclass(frozen=True)
class Model:
    """What is compared and which pairs are compared at all (blocking: pairs sharing one of these)."""

    comparisons: Sequence[ComparisonCreator]
    blocking: Sequence[BlockingRuleCreator]
    # Share of all pairs that are duplicates, before looking at them.
    prior: float = 1e-4
    # Rules almost only duplicates satisfy, and the share of duplicates each finds: used to estimate
    # the prior on large enough inputs.
    deterministic: Sequence[BlockingRuleCreator] = ()
    deterministic_recall: float = 0.6
    # Blocking rules to estimate m probabilities on by expectation-maximisation, on large enough
    # inputs; none keeps the m priors written in the comparisons.
    em_blocks: Sequence[BlockingRuleCreator] = field(default_factory=tuple)
    # The columns the comparisons and blocking rules read: the rows' other columns (the merge rules' own:
    # the source, the kind, the specific and commune words, the days) are left out of the tables Splink
    # copies and samples. Empty: every column.
    columns: Sequence[str] = ()


# Grid cells for blocking on position (see directory_model); NULL positions never meet.
_CELLS_PER_DEGREE = 200
_GRID = (f"floor(lat * {_CELLS_PER_DEGREE})", f"floor(lon * {_CELLS_PER_DEGREE})")
_GRID_SHIFTED = (f"floor(lat * {_CELLS_PER_DEGREE} + 0.5)", f"floor(lon * {_CELLS_PER_DEGREE} + 0.5)")


def _levels(*levels: tuple[Any, float, float]) -> list[Any]:
    return [level.configure(m_probability=m, u_probability=u) for level, m, u in levels]


def _guarded(guard: str, level: Any, label: str) -> Any:
    """`level` computed only for the pairs meeting `guard`, a cheap condition that every pair at `level` meets
    (with a margin far above rounding): the same pairs at the level, its dearer condition (distances,
    Jaro-Winkler) no longer worked out for the unrelated pairs that are most of those compared — the 2
    million sampled pairs of each record type's u estimation first. `label` is the level's own."""
    return cll.And(cll.CustomLevel(guard), level).configure(label_for_charts=label)


def _near(km: float) -> Any:
    """Within `km` of each other: a great-circle distance is at least the latitudes' difference along a
    meridian (6371 km × π/180 = 111.19 km a degree), so two points whose latitudes differ by more than
    km / 110 degrees are further apart than `km` (1 % of margin)."""
    guard = f'abs("lat_l" - "lat_r") <= {km / 110!r}'
    return _guarded(guard, cll.DistanceInKMLevel("lat", "lon", km), f"Distance less than {km}km")


def _name_jaro_winkler(threshold: float) -> Any:
    """Jaro-Winkler of the names at or above `threshold`. DuckDB's function given a cut-off gives up early on
    names that cannot reach it (0 for them): with a cut-off 0.01 below, every pair at the threshold passes."""
    cutoff = round(threshold - 0.01, 2)
    guard = f'jaro_winkler_similarity("name_l", "name_r", {cutoff}) >= {cutoff}'
    label = f"Jaro-Winkler distance of name >= {threshold}"
    return _guarded(guard, cll.JaroWinklerLevel("name", threshold), label)


def directory_model() -> Model:
    """Producers and places of the directory, as `merge.linkage_columns` gives them."""
    # Two words at least on the shorter side: "cholet" inside "ferme cholet" is a commune, not a farm.
    tokens_inside = cll.CustomLevel(
        "len(name_tokens_l) > 1 AND len(name_tokens_r) > 1 AND "
        "(list_has_all(name_tokens_l, name_tokens_r) OR list_has_all(name_tokens_r, name_tokens_l))",
        label_for_charts="one name's words all in the other",
    )
    comparisons = [
        cl.CustomComparison(
            output_column_name="name",
            comparison_levels=[
                cll.NullLevel("name"),
                *_levels(
                    # "Ferme du Moulin" in common says less than a rare name: term frequencies.
                    (cll.ExactMatchLevel("name", term_frequency_adjustments=True), 0.55, 0.002),
                    (_name_jaro_winkler(0.95), 0.16, 0.002),
                    (tokens_inside, 0.12, 0.004),
                    (_name_jaro_winkler(0.85), 0.1, 0.03),
                    (cll.ElseLevel(), 0.07, 0.962),
                ),
            ],
        ),
        cl.CustomComparison(
            output_column_name="siret",
            comparison_levels=[
                cll.NullLevel("siren"),
                *_levels(
                    (cll.ExactMatchLevel("siret"), 0.75, 1e-5),
                    (cll.ExactMatchLevel("siren"), 0.2, 3e-5),
                    (cll.ElseLevel(), 0.05, 0.99996),
                ),
            ],
        ),
        *[
            cl.CustomComparison(
                output_column_name=column,
                comparison_levels=[
                    cll.NullLevel(column),
                    *_levels((cll.ExactMatchLevel(column), 0.8, 1e-4), (cll.ElseLevel(), 0.2, 0.9999)),
                ],
            )
            for column in ("phone", "email", "website")
        ],
        cl.CustomComparison(
            # A company named before each of its establishments' names (merge.company_of).
            output_column_name="company",
            comparison_levels=[
                cll.NullLevel("company"),
                # Its u is not measured: a few companies' establishments in a file would make it look
                # common, when unrelated producers almost never give one company's name before theirs.
                cll.ExactMatchLevel("company").configure(m_probability=0.9, u_probability=1e-6, fix_u_probability=True),
                cll.ElseLevel().configure(m_probability=0.1, u_probability=1 - 1e-6, fix_u_probability=True),
            ],
        ),
        cl.CustomComparison(
            output_column_name="distance",
            comparison_levels=[
                cll.Or(cll.NullLevel("lat"), cll.NullLevel("lon")),
                *_levels(
                    (_near(0.3), 0.55, 2e-5),
                    (_near(1), 0.25, 2e-4),
                    (_near(5), 0.12, 4e-3),
                    (_near(20), 0.05, 0.04),
                    (cll.ElseLevel(), 0.03, 0.956),
                ),
            ],
        ),
        cl.CustomComparison(
            output_column_name="commune",
            comparison_levels=[
                cll.And(cll.NullLevel("commune_code"), cll.NullLevel("postcode")),
                *_levels(
                    (cll.ExactMatchLevel("commune_code"), 0.85, 4e-4),
                    (cll.ExactMatchLevel("postcode"), 0.08, 4e-4),
                    (cll.ElseLevel(), 0.07, 0.9992),
                ),
            ],
        ),
        cl.CustomComparison(
            output_column_name="address",
            comparison_levels=[
                cll.NullLevel("address"),
                *_levels(
                    (cll.JaroWinklerLevel("address", 0.9), 0.6, 0.002),
                    (cll.ElseLevel(), 0.4, 0.998),
                ),
            ],
        ),
    ]
    blocking = [
        block_on("postcode"),
        block_on("commune_code"),
        block_on("siren"),
        block_on("phone"),
        block_on("email"),
        block_on("website"),
        block_on("osm_id"),
        block_on("name", "record_type"),
        block_on("company"),
        # Neighbours whatever their names: a node and a way of one OpenStreetMap shop share nothing but
        # their place. Cells of 1/200 degree (about 550 x 370 m in France), a second grid shifted by half
        # a cell so that two close points on either side of a line still meet in one.
        block_on(*_GRID),
        block_on(*_GRID_SHIFTED),
    ]
    deterministic = [block_on("siret"), block_on("phone"), block_on("email")]
    columns = ("name", "name_tokens", "siren", "siret", "phone", "email", "website", "address", "postcode",
               "commune_code", "lat", "lon", "record_type", "osm_id", "company")  # fmt: skip
    return Model(
        comparisons, blocking, prior=1e-4, deterministic=deterministic, deterministic_recall=0.7, columns=columns
    )


def _table(rows: list[dict[str, Any]], columns: Sequence[str]) -> pa.Table:
    """The rows as an Arrow table of `unique_id` and `columns` (every column when none is named), in the first
    row's order of columns, as `pa.Table.from_pylist` makes it: a row without a column has it empty."""
    wanted = {"unique_id", *columns} if columns else set(rows[0])
    return pa.table({name: [row.get(name) for row in rows] for name in rows[0] if name in wanted})


def link(
    left: list[dict[str, Any]],
    right: list[dict[str, Any]] | None = None,
    *,
    model: Model,
    threshold: float,
    progress: Callable[[str], None] | None = None,
) -> list[Pair]:
    """Pairs of records at or above `threshold`: duplicates within `left` when `right` is None, else
    links between `left` and `right` (not within either). Rows carry a unique `unique_id` (str).
    `progress` is told each step as an English msgid of the catalogue: the caller translates it."""
    tables = [left] if right is None else [left, right]
    if sum(len(t) for t in tables) < 2 or any(not t for t in tables):
        return []
    db = DuckDBAPI()
    frames = [db.register(_table(t, model.columns)) for t in tables]
    settings = SettingsCreator(
        link_type="dedupe_only" if right is None else "link_only",
        comparisons=list(model.comparisons),
        blocking_rules_to_generate_predictions=list(model.blocking),
        probability_two_random_records_match=model.prior,
        retain_matching_columns=False,
    )
    # Splink talks at INFO level on stderr by default; the caller reports progress instead.
    linker = Linker(frames if len(frames) > 1 else frames[0], settings, log_level=logging.WARNING)
    records = sum(len(t) for t in tables)
    if records >= TRAIN_MIN_RECORDS:
        if progress:
            progress(gettext_noop("measuring how often unrelated records agree"))
        u_estimate(linker, max_pairs=U_SAMPLE_PAIRS, seed=1)
        if model.deterministic:
            linker.training.estimate_probability_two_random_records_match(
                list(model.deterministic), recall=model.deterministic_recall
            )
            # A file with no SIRET, phone or e-mail shared by two rows (the HVE list) estimates a prior
            # of 0, with which no pair can match (and Splink fails on log 0): keep the written prior.
            settings_obj = linker._settings_obj
            if not 0 < settings_obj._probability_two_random_records_match < 1:
                settings_obj._probability_two_random_records_match = model.prior
        for rule in model.em_blocks:
            if progress:
                progress(gettext_noop("learning how often duplicates agree"))
            linker.training.estimate_parameters_using_expectation_maximisation(rule)
    if progress:
        progress(gettext_noop("comparing candidate pairs"))
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    # Only the columns read: every pair's comparison levels and weights as Python dictionaries (a hundred
    # thousand pairs and more in a large import) cost more than the pairs.
    wanted = ["unique_id_l", "unique_id_r", "match_probability"] + (["source_dataset_l"] if right is not None else [])
    rows = predictions.as_duckdbpyrelation().project(", ".join(wanted)).fetchall()
    left_name = predictions_left_name(frames) if right is not None else None
    result = []
    for a, b, probability, *dataset in rows:
        a, b = str(a), str(b)
        if right is not None and dataset[0] != left_name:
            a, b = b, a
        result.append(Pair(a, b, float(probability)))
    return result


# The private parts of Splink 5 that `u_estimate` drives, and how it calls each: (module, name, positional
# arguments, keyword arguments). A Splink that moves, renames or changes one of them makes `u_estimate` fall
# back to Splink's public estimation (`_splink_private`); `test_linkage_cost.py` compares both.
_SPLINK_PRIVATE: tuple[tuple[str, str, int | None, tuple[str, ...]], ...] = (
    ("splink.internals.constants", "LEVEL_NOT_OBSERVED_TEXT", None, ()),
    ("splink.internals.estimate_u", "_estimate_u_comparison_vector_sqls", 0, (
        "db_api", "input_tablename_l", "input_tablename_r", "link_type", "source_dataset_input_column",
        "unique_id_input_column", "blocking_cols", "cv_cols", "rhs_chunk_num", "rhs_num_chunks",
    )),
    ("splink.internals.estimate_u", "_MUCountsAccumulator", 1, ()),
    ("splink.internals.estimate_u", "_MUCountsAccumulator.update_from_chunk_counts", 2, ()),
    ("splink.internals.estimate_u", "_MUCountsAccumulator.all_levels_meet_min_u_count", 2, ()),
    ("splink.internals.estimate_u", "_MUCountsAccumulator.to_record_list", 1, ()),
    ("splink.internals.estimate_u", "_proportion_sample_size_link_only", 2, ()),
    ("splink.internals.estimate_u", "_rows_needed_for_n_pairs", 1, ()),
    ("splink.internals.expectation_maximisation", "compute_proportions_for_new_parameters", 1, ()),
    ("splink.internals.m_u_records_to_parameters", "append_u_probability_to_comparison_level_trained_probabilities",
     4, ()),
    ("splink.internals.m_u_records_to_parameters", "m_u_records_to_lookup_dict", 1, ()),
    ("splink.internals.misc", "ascii_uid", 1, ()),
    ("splink.internals.pipeline", "CTEPipeline", 0, ("input_dataframes",)),
    ("splink.internals.settings", "Settings.columns_to_select_for_comparison_vector_values", 0, (
        "unique_id_input_columns", "comparisons", "retain_matching_columns", "additional_columns_to_retain",
    )),
    ("splink.internals.vertically_concatenate", "enqueue_df_concat", 2, ()),
    ("splink.internals.vertically_concatenate", "split_df_concat_with_tf_into_two_tables_sqls", 2, ("sample_switch",)),
    ("splink.internals.linker", "Linker._proportion_sample_sql", 3, ("seed",)),
    ("splink.internals.linker", "Linker._populate_m_u_from_trained_values", 1, ()),
)  # fmt: skip

logger = logging.getLogger(__name__)


def _splink_private() -> dict[str, Any]:
    """`_SPLINK_PRIVATE` by name, each checked to take the arguments `u_estimate` gives it. Raises ImportError,
    AttributeError or TypeError (the call's shape refused by its signature) when Splink changed."""
    import importlib
    import inspect

    found: dict[str, Any] = {}
    for module, name, positional, keywords in _SPLINK_PRIVATE:
        value: Any = importlib.import_module(module)
        for part in name.split("."):
            value = getattr(value, part)
        if positional is not None:
            try:
                signature = inspect.signature(value)
            except ValueError as error:  # a callable without a signature to check
                raise TypeError(f"{module}.{name}: {error}") from None
            try:
                signature.bind(*[None] * positional, **dict.fromkeys(keywords))
            except TypeError as error:
                raise TypeError(f"{module}.{name}{signature}: {error}") from None
        found[name] = value
    return found


def u_estimate(linker: Linker, *, max_pairs: float, seed: int) -> None:
    """Splink's `estimate_u_using_random_sampling(max_pairs, seed)` with its defaults (each level seen 100
    times at least, ten chunks after a probe of a tenth of one), giving the very same u probabilities with
    one query per chunk for every comparison instead of one per chunk and comparison.

    Splink 5 estimates each comparison apart: for every comparison it joins the sampled records with
    themselves again, first on the pairs whose right record hashes into the probe chunk, then, unless each
    level was seen 100 times there, chunk after chunk until each level has been. A comparison with a rare
    level (SIRET, phone, e-mail, web site: never 100 times among unrelated records) goes through all ten,
    so the 2 million pairs were built once per such comparison. Here each chunk's pairs are built once for
    the comparisons still counting (the probe for all), counted by their levels together, and each
    comparison adds the chunks Splink would have run and stops where it would: the same counts, the same
    u. Splink's own queries (sample, pairs, levels, proportions) are used throughout.

    Those are Splink's private functions (`_SPLINK_PRIVATE`): when one is missing or called otherwise than
    here (another Splink), or fails the way a changed one would, before any u is set, the u probabilities
    are estimated by Splink's public `estimate_u_using_random_sampling` instead — the same u, dearer — and a
    warning says why.
    """
    try:
        splink = _splink_private()
        lookups = _u_counted(linker, splink, max_pairs=max_pairs, seed=seed)
    except (ImportError, AttributeError, TypeError, KeyError) as error:
        logger.warning(
            "Splink's private u estimation is not the one this module drives (%s: %s): u estimated by "
            "Splink's public estimate_u_using_random_sampling instead",
            type(error).__name__,
            error,
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
        return
    append = splink["append_u_probability_to_comparison_level_trained_probabilities"]
    for target, lookup in zip(linker._settings_obj.comparisons, lookups, strict=True):
        for level in target._comparison_levels_excluding_null:
            append(level, lookup, target.output_column_name, "estimate u by random sampling")
    splink["Linker._populate_m_u_from_trained_values"](linker)


def _u_counted(linker: Linker, splink: dict[str, Any], *, max_pairs: float, seed: int) -> list[dict[str, Any]]:
    """`u_estimate`'s counting: each comparison's u by level (Splink's lookup of its m/u records), the
    linker left as it was."""
    from copy import deepcopy

    CTEPipeline, accumulator = splink["CTEPipeline"], splink["_MUCountsAccumulator"]
    enqueue_df_concat = splink["enqueue_df_concat"]
    min_count, num_chunks, probe_times = 100, 10, 10  # Splink's defaults: the probe is a tenth of a chunk
    original = linker._settings_obj
    training = deepcopy(linker)
    settings_obj = training._settings_obj
    settings_obj._retain_matching_columns = False
    settings_obj._retain_intermediate_calculation_columns = False
    db_api = training._db_api
    for comparison in settings_obj.comparisons:
        for level in comparison.comparison_levels:
            level._tf_adjustment_column = None
    info = settings_obj.column_info_settings

    # The sample: as many records as give `max_pairs` pairs, chosen by their ids' hash and the seed.
    pipeline = enqueue_df_concat(linker, CTEPipeline())
    if settings_obj._link_type == "link_only":
        dataset = info.source_dataset_input_column.name
        pipeline.enqueue_sql(
            f"select count({dataset}) as count from __splink__df_concat group by {dataset}", "__splink__df_concat_count"
        )
        frame = db_api.sql_pipeline_to_splink_dataframe(pipeline)
        counts = [r["count"] for r in frame.as_record_list()]
        proportion, _size = splink["_proportion_sample_size_link_only"](counts, max_pairs)
    else:
        pipeline.enqueue_sql("select count(*) as count from __splink__df_concat", "__splink__df_concat_count")
        frame = db_api.sql_pipeline_to_splink_dataframe(pipeline)
        proportion = splink["_rows_needed_for_n_pairs"](max_pairs) / frame.as_record_list()[0]["count"]
    frame.drop_table_from_database_and_remove_from_cache()
    proportion = min(proportion, 1.0)
    uid_cols = info.unique_id_input_columns
    pipeline = enqueue_df_concat(training, CTEPipeline())
    sample_filter = splink["Linker._proportion_sample_sql"](training, proportion, uid_cols, seed=seed)
    pipeline.enqueue_sql(f"select * from __splink__df_concat where 1=1 {sample_filter}", "__splink__df_concat_sample")
    sample = db_api.sql_pipeline_to_splink_dataframe(pipeline)
    try:
        tables = ("__splink__df_concat_sample", "__splink__df_concat_sample")
        split: list[dict[str, str]] = []
        if len(linker._input_tables_dict) == 2 and original._link_type == "link_only":
            split = splink["split_df_concat_with_tf_into_two_tables_sqls"](
                "__splink__df_concat", original.column_info_settings.source_dataset_column_name, sample_switch=True
            )
            tables = ("__splink__df_concat_sample_left", "__splink__df_concat_sample_right")

        def counted(comparisons: list[Any], chunk: int, chunks: int) -> list[dict[int, float]]:
            """The sampled pairs whose right record falls in `chunk` of `chunks` (Splink's chunks), counted by
            each comparison's level in one query: Splink's per-comparison query made once for them all."""
            blocking_cols = [c for uid in uid_cols for c in uid.l_r_names_as_l_r]
            for comparison in comparisons:
                blocking_cols += [c for c in comparison._columns_to_select_for_blocking() if c not in blocking_cols]
            cv_cols = splink["Settings.columns_to_select_for_comparison_vector_values"](
                unique_id_input_columns=uid_cols,
                comparisons=comparisons,
                retain_matching_columns=False,
                additional_columns_to_retain=[],
            )
            pipeline = CTEPipeline(input_dataframes=[sample])
            if split:
                pipeline.enqueue_list_of_sqls(split)
            pipeline.enqueue_list_of_sqls(
                splink["_estimate_u_comparison_vector_sqls"](
                    db_api=db_api,
                    input_tablename_l=tables[0],
                    input_tablename_r=tables[1],
                    link_type=original._link_type,
                    source_dataset_input_column=info.source_dataset_input_column,
                    unique_id_input_column=info.unique_id_input_column,
                    blocking_cols=blocking_cols,
                    cv_cols=cv_cols,
                    rhs_chunk_num=chunk,
                    rhs_num_chunks=chunks,
                )
            )
            gammas = [c._gamma_column_name for c in comparisons]
            pipeline.enqueue_sql(
                f"select {', '.join(gammas)}, count(*) as u_count from __splink__df_comparison_vectors group by all",
                "__splink__u_counts",
            )
            frame = db_api.sql_pipeline_to_splink_dataframe(pipeline)
            try:
                rows = frame.as_record_list()
            finally:
                frame.drop_table_from_database_and_remove_from_cache()
            by_level: list[dict[int, float]] = [{} for _ in comparisons]
            for row in rows:
                for levels, gamma in zip(by_level, gammas, strict=True):
                    levels[int(row[gamma])] = levels.get(int(row[gamma]), 0.0) + float(row["u_count"])
            return by_level

        def add(counts: Any, levels: dict[int, float]) -> None:
            counts.update_from_chunk_counts(
                [{"comparison_vector_value": k, "u_count": n} for k, n in sorted(levels.items())]
            )

        # The probe for every comparison, then chunk after chunk for those with a level seen < min_count times.
        comparisons = list(settings_obj.comparisons)
        accumulated = {i: accumulator(c) for i, c in enumerate(comparisons)}
        for i, levels in enumerate(counted(comparisons, 1, num_chunks * probe_times)):
            add(accumulated[i], levels)
        left = [i for i, counts in accumulated.items() if not counts.all_levels_meet_min_u_count(min_count)]
        for i in left:
            accumulated[i] = accumulator(comparisons[i])  # Splink restarts without the probe's counts
        for chunk in range(1, num_chunks + 1):
            if not left:
                break
            for i, levels in zip(left, counted([comparisons[i] for i in left], chunk, num_chunks), strict=True):
                add(accumulated[i], levels)
            left = [i for i in left if not accumulated[i].all_levels_meet_min_u_count(min_count)]

        lookups = []
        for i in range(len(comparisons)):
            # From here as Splink: proportions by its own query, a level never seen left "not observed".
            aggregated = accumulated[i].to_record_list()
            registered = db_api.register(
                aggregated, table_name=f"__splink__aggregated_m_u_counts_{splink['ascii_uid'](8)}"
            )
            records = splink["compute_proportions_for_new_parameters"](registered)
            registered.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
            seen = {int(r["comparison_vector_value"]): float(r["u_count"]) for r in aggregated}
            for r in records:
                if seen.get(int(r["comparison_vector_value"]), 0.0) == 0.0:
                    r["u_probability"] = splink["LEVEL_NOT_OBSERVED_TEXT"]
            lookups.append(splink["m_u_records_to_lookup_dict"](records))
        return lookups
    finally:
        sample.drop_table_from_database_and_remove_from_cache()


def best_links(pairs: Sequence[Pair], group_of: Callable[[str], str]) -> set[tuple[str, str]]:
    """The pairs to trust, from the most probable down: a record links to at most one record of each
    other group (a directory rarely lists a farm twice, so its second-best candidate in another
    directory is a namesake or a neighbour); pairs within one group are all kept (duplicates inside
    one source). Returns (left, right) of the pairs kept."""
    kept: set[tuple[str, str]] = set()
    linked_into: set[tuple[str, str]] = set()  # (record, group it already links into)
    for pair in sorted(pairs, key=lambda p: (-p.probability, p.left, p.right)):
        left_group, right_group = group_of(pair.left), group_of(pair.right)
        if left_group != right_group:
            if (pair.left, right_group) in linked_into or (pair.right, left_group) in linked_into:
                continue
            linked_into.update({(pair.left, right_group), (pair.right, left_group)})
        kept.add((pair.left, pair.right))
    return kept


def predictions_left_name(frames: list[Any]) -> str:
    """The name Splink gives the first input table in the `source_dataset` column."""
    return str(frames[0].templated_name)
