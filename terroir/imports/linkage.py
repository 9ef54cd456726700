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


# Grid cells for blocking on position (see directory_model); NULL positions never meet.
_CELLS_PER_DEGREE = 200
_GRID = (f"floor(lat * {_CELLS_PER_DEGREE})", f"floor(lon * {_CELLS_PER_DEGREE})")
_GRID_SHIFTED = (f"floor(lat * {_CELLS_PER_DEGREE} + 0.5)", f"floor(lon * {_CELLS_PER_DEGREE} + 0.5)")


def _levels(*levels: tuple[Any, float, float]) -> list[Any]:
    return [level.configure(m_probability=m, u_probability=u) for level, m, u in levels]


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
                    (cll.JaroWinklerLevel("name", 0.95), 0.16, 0.002),
                    (tokens_inside, 0.12, 0.004),
                    (cll.JaroWinklerLevel("name", 0.85), 0.1, 0.03),
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
                    (cll.DistanceInKMLevel("lat", "lon", 0.3), 0.55, 2e-5),
                    (cll.DistanceInKMLevel("lat", "lon", 1), 0.25, 2e-4),
                    (cll.DistanceInKMLevel("lat", "lon", 5), 0.12, 4e-3),
                    (cll.DistanceInKMLevel("lat", "lon", 20), 0.05, 0.04),
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
    return Model(comparisons, blocking, prior=1e-4, deterministic=deterministic, deterministic_recall=0.7)


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
    frames = [db.register(pa.Table.from_pylist(t)) for t in tables]
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
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=1)
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
