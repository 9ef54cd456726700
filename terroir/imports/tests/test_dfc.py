"""The ready-made `dfc` mapping on real DFC documents: excerpts of Open Food Network's fixtures
(samples/dfc_*_excerpt.json) and the five DFC files of ../shared/data/real/dfc, carried whole in samples/dfc/
(PROVENANCE.md) so that they are read on any clone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from terroir.imports.mapping import mapping_load
from terroir.imports.read import records_checked
from terroir.imports.sources import shipped_mappings
from terroir.lib.tabular import SourceError

SAMPLES = Path(__file__).resolve().parent / "samples"
REAL = SAMPLES / "dfc"


@pytest.fixture
def dfc(territory):
    return mapping_load(shipped_mappings()["dfc"])


def _fatal(records) -> list[str]:
    return [f"{r.name}: {p.message}" for r in records for p in r.problems if p.fatal]


def _unknown_categories(record) -> list[str]:
    return [p.said.values["word"] for p in record.problems if p.field == "categories"]


def test_litefarm_enterprises_become_producers_with_their_products_categories(dfc) -> None:
    records = list(records_checked(SAMPLES / "dfc_litefarm_excerpt.json", dfc))
    assert not _fatal(records)
    assert [(r.record_type, r.name, r.categories) for r in records] == [
        ("producer", "DFC Farm Four (Now minimal fields)", ("bread-cereals",)),
        (
            "producer",
            "DFC Test Farm Beta (All Supplied Fields)",
            ("bread-cereals", "dairy", "meat", "fruit", "vegetables", "drinks", "eggs", "plants-flowers"),
        ),
    ]
    beta = records[1]
    assert beta.ref.startswith("https://api.beta.litefarm.org/dfc/enterprises/")
    assert beta.email == "dfcshop@example.com"
    # A farm abroad has no commune of the directory: unplaced, its address kept in the description.
    assert (beta.commune, beta.lat) == ("", None)
    assert "Vancouver" in beta.description
    # A product type the platform has no category for is said, and its producer kept.
    assert _unknown_categories(beta) == ["dfc-pt:frozen"]


def test_a_catalogue_without_types_or_enterprise_is_grouped_by_enterprise_and_its_products_said(dfc) -> None:
    records = list(records_checked(SAMPLES / "dfc_ofn_catalog_excerpt.json", dfc))
    assert not _fatal(records)
    assert [(r.name, r.categories) for r in records] == [("test-hodmedod", ("pantry",))]
    # No product is dropped silently: each untyped one is reported by its name; the name rules found pantry.
    assert _unknown_categories(records[0]) == [
        "Apple Balsamic Vinegar - Retail bottle, 40ml",
        "Apple Balsamic Vinegar - Case, 6 x 40ml",
    ]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("{not json", "malformed JSON"),
        ('{"name": "no graph"}', "not a JSON-LD document"),
        ('{"@graph": {"@id": "x"}}', "@graph is not a list"),
        ('{"@graph": [{"@id": "x", "@type": "dfc-b:Person"}]}', "no enterprise and no supplied product"),
        ("[1, 2]", "a DFC document is a JSON object or a list of JSON objects"),
    ],
)
def test_a_file_that_is_no_dfc_document_is_refused_with_why(tmp_path, dfc, text, said) -> None:
    path = tmp_path / "catalogue.json"
    path.write_text(text)
    with pytest.raises(SourceError, match=said):
        list(records_checked(path, dfc))


@pytest.mark.parametrize(
    "name",
    [
        "ofn_fdc-catalog.json",
        "litefarm_beta_dfc_enterprises_2025-12.json",
        "ofn_litefarm_v2.json",
        "ofn_litefarm_v2_2026_07_22_beta_dfc_farm_three.json",
        "ofn_product.GET.json",
    ],
)
def test_every_real_dfc_file_imports_without_error(dfc, name) -> None:
    records = list(records_checked(REAL / name, dfc))
    assert records and not _fatal(records)
    typed = sum(1 for node in _nodes(REAL / name) if node.get("dfc-b:hasType"))
    categorised = sum(len(r.categories) for r in records)
    assert categorised >= (1 if typed else 0)


def _nodes(path: Path) -> list[dict]:
    data = json.loads(path.read_text())
    return [n for doc in (data if isinstance(data, list) else [data]) for n in doc.get("@graph", [])]


def test_the_import_command_writes_the_dfc_producers_and_their_categories_into_the_directory(territory, capsys) -> None:
    from django.core.management import call_command

    from terroir.directory.models import Actor

    call_command("import_source", str(SAMPLES / "dfc_litefarm_excerpt.json"), source="dfc")
    assert "annuaire\u202f: 2 entrées créées" in capsys.readouterr().out
    beta = Actor.objects.get(name="DFC Test Farm Beta (All Supplied Fields)")
    assert beta.is_producer and beta.source == "dfc" and beta.commune is None
    assert sorted(beta.offers.values_list("category__slug", flat=True)) == sorted(
        ["bread-cereals", "dairy", "meat", "fruit", "vegetables", "drinks", "eggs", "plants-flowers"]
    )


def test_the_mapping_knows_every_category_the_type_table_gives(dfc) -> None:
    from terroir.lib.dfc_types import CATEGORY_OF, EXPORTED, UNEXPORTED
    from terroir.lib.text import fold

    given = {slug for slug in CATEGORY_OF.values() if slug} | set(EXPORTED) | set(UNEXPORTED)
    assert {slug for slug in given if dfc.categories.get(fold(slug)) != [slug]} == set()
