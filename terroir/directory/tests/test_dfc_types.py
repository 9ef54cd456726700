"""The DFC product-type table (terroir.lib.dfc_types) against the platform's categories and the
official taxonomy (read from ../shared when present)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from terroir.directory.taxonomy import TAXONOMY, Node
from terroir.lib.dfc_types import (
    CATEGORY_OF,
    EXPORTED,
    LABEL_FR,
    PRODUCT_TYPES,
    TYPES_URI,
    UNEXPORTED,
    category_of,
    exported_type,
)

ROOT = Path(__file__).resolve().parents[3]
SHARED = (ROOT.parent / "shared", ROOT.parent.parent / "shared")
TAXONOMY_FILE = next(
    (p / "data/real/dfc/dfc_taxonomy_productTypes.json" for p in SHARED if (p / "data/real/dfc").is_dir()), None
)


def _slugs(nodes: tuple[Node, ...]) -> list[str]:
    return [slug for node in nodes for slug in (node.slug, *_slugs(node.children))]


PLATFORM = _slugs(TAXONOMY)


def test_every_platform_category_is_exported_as_its_own_type_or_said_unexported() -> None:
    assert set(EXPORTED) | set(UNEXPORTED) == set(PLATFORM)
    assert not set(EXPORTED) & set(UNEXPORTED)
    assert all(reason for _type, reason in UNEXPORTED.values())


def test_a_category_exported_as_its_own_type_reads_back_as_itself() -> None:
    assert {slug: category_of(exported_type(slug)) for slug in EXPORTED} == {slug: slug for slug in EXPORTED}


def test_an_unexported_category_reads_back_as_a_broader_one() -> None:
    parents = {child.slug: node.slug for node in TAXONOMY for child in node.children}
    parents |= {g.slug: child.slug for node in TAXONOMY for child in node.children for g in child.children}
    for slug in UNEXPORTED:
        read = category_of(exported_type(slug))
        assert read in (parents.get(slug), parents.get(parents.get(slug, ""))), slug


def test_every_dfc_type_maps_to_a_platform_category_or_is_said_unmapped() -> None:
    assert len(PRODUCT_TYPES) == len(CATEGORY_OF) == 249
    assert {slug for slug in CATEGORY_OF.values() if slug} <= set(PLATFORM)
    assert sorted(code for code, slug in CATEGORY_OF.items() if slug is None) == [
        "cosmetic", "frozen", "frozen-meal", "inedible",
    ]  # fmt: skip
    assert (LABEL_FR["bakery"], CATEGORY_OF["bakery"]) == ("boulangerie", "bread-cereals")
    assert category_of("dfc-pt:goat-fresh-cheese") == "goat-cheese"
    assert category_of(TYPES_URI + "carrot") == "root-vegetables"
    assert category_of("dfc-pt:not-a-type") is None


@pytest.mark.skipif(TAXONOMY_FILE is None, reason="../shared/data/real/dfc is not beside the repository")
def test_the_table_holds_every_type_of_the_official_taxonomy_with_its_french_label() -> None:
    assert TAXONOMY_FILE is not None
    skos = "http://www.w3.org/2004/02/skos/core#"
    official = {}
    for node in json.loads(TAXONOMY_FILE.read_text())[0]["@graph"]:
        labels = {label["@language"]: label["@value"] for label in node.get(skos + "prefLabel", [])}
        if "fr" in labels:
            official[node["@id"].rsplit("#", 1)[-1]] = labels["fr"]
    assert official == LABEL_FR
