"""The mapping language on real files (excerpts in samples/, see PROVENANCE.md) and on the shapes real
directories have: nameless OpenStreetMap features, vending machines, GoGoCarto exports, a farm repeated
on several lines, producers and the places they supply."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.utils import translation

from terroir.directory.models import Actor, Place
from terroir.imports.mapping import MappingError, Record, mapping_load, mapping_parse
from terroir.imports.read import preview, records_read
from terroir.imports.services import source_import
from terroir.imports.sources import shipped_mappings

from .files import MARKETS, mapping_text

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "samples"


def osm_records(name: str) -> dict[str, Record]:
    return {r.ref: r for r in records_read(SAMPLES / name, mapping_load(shipped_mappings()["osm"]))}


@pytest.mark.parametrize("name", ["osm_farmshops_excerpt.geojson", "osm_farmshops_excerpt.overpass.json"])
def test_real_openstreetmap_features_are_all_kept_in_both_shapes(territory, name) -> None:
    records = osm_records(name)
    assert len(records) == 8
    assert not [r for r in records.values() if r.rejected]


def test_nameless_features_are_named_in_french_from_their_kind_and_commune(territory) -> None:
    records = osm_records("osm_farmshops_excerpt.geojson")
    market, eggs, dairy = records["node/10789737522"], records["node/10820311925"], records["node/11980663598"]
    assert (market.kind, market.name, market.name_generated) == ("market", "Marché de Plauen", True)
    assert (eggs.kind, eggs.name) == ("vending", "Distributeur d'œufs — Löningen")
    assert dairy.name == "Distributeur de produits fermiers — Münster"
    # Without any address, the OpenStreetMap id keeps two nameless machines apart.
    assert records["node/10003985759"].name == "Distributeur de boissons (node/10003985759)"
    assert records["node/10000415607"].name == "Distributeur (node/10000415607)"
    named = records["node/10002893405"]
    assert (named.name, named.kind, named.name_generated) == ("Obst & Gemüse", "farm", False)


def test_vending_machines_beekeepers_and_farm_shops_say_what_they_sell(territory) -> None:
    records = osm_records("osm_farmshops_excerpt.overpass.json")
    assert records["node/10820311925"].categories == ("eggs",)
    assert records["node/11980663598"].categories == ("dairy", "eggs", "milk")
    beekeeper = records["node/10049511317"]
    assert (beekeeper.kind, beekeeper.categories, str(beekeeper.verified_at)) == ("farm", ("honey",), "2022-09-24")
    shop = records["node/10797193167"]  # produce=eggs;meat;honey;potatoes, organic=only
    assert (shop.kind, shop.categories, shop.labels) == ("farm", ("eggs", "meat", "honey", "potatoes"), ("ab",))


def test_openstreetmap_siret_and_french_address_tags_are_read(tmp_path, territory) -> None:
    # Synthetic (a French farm shop as mappers tag it): the real excerpt is from outside France.
    (tmp_path / "fr.json").write_text(
        '{"elements": [{"type": "node", "id": 9, "lat": 45.55, "lon": 3.74, "tags": {"shop": "farm", '
        '"ref:FR:SIRET": "732 829 320 00074", "addr:village": "Ambert", "addr:postcode": "63600", '
        '"organic": "no", "vending": "milk"}}]}',
        encoding="utf-8",
    )
    (farm,) = records_read(tmp_path / "fr.json", mapping_load(shipped_mappings()["osm"]))
    assert (farm.siret, farm.commune, farm.labels, farm.problems) == ("73282932000074", "Ambert", (), [])
    assert farm.name == "Vente à la ferme — Ambert"


def test_nameless_french_features_are_named_after_the_commune_their_position_falls_in(tmp_path, territory) -> None:
    # Synthetic French features as OpenStreetMap has most of them: no name, no address, a position.
    (tmp_path / "fr.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "node/1", "properties": {"amenity": "marketplace"},
         "geometry": {"type": "Point", "coordinates": [7.3800, 48.1050]}},  # Colmar, 600 m from its centre
        {"type": "Feature", "id": "node/2", "properties": {"amenity": "vending_machine", "vending": "eggs"},
         "geometry": {"type": "Point", "coordinates": [7.2760, 48.1770]}},  # Riquewihr
        {"type": "Feature", "id": "node/3", "properties": {"amenity": "marketplace"},
         "geometry": {"type": "Point", "coordinates": [-4.6, 46.5]}},  # at sea, in no commune
        {"type": "Feature", "id": "node/4", "properties": {"amenity": "marketplace", "addr:city": "Ambert"},
         "geometry": {"type": "Point", "coordinates": [7.3585, 48.0794]}},  # a commune given is kept
    ]}), encoding="utf-8")  # fmt: skip
    records = {r.ref: r for r in records_read(tmp_path / "fr.geojson", mapping_load(shipped_mappings()["osm"]))}
    market, eggs = records["node/1"], records["node/2"]
    assert (market.name, market.commune_code, market.name_generated) == ("Marché de Colmar", "68066", True)
    assert (eggs.name, eggs.commune_code) == ("Distributeur d'œufs — Riquewihr", "68277")
    assert (records["node/3"].name, records["node/3"].commune) == ("Marché (node/3)", "")
    assert records["node/4"].name == "Marché d'Ambert"


def test_the_real_gogocarto_export_is_read_with_kinds_from_its_texts(territory) -> None:
    mapping = mapping_load(shipped_mappings()["gogocarto"])
    records = {r.ref: r for r in records_read(SAMPLES / "gogocarto_pdcn_excerpt.json", mapping)}
    ruche, shop, potager, nursery = records["10kw"], records["10CF"], records["10iu"], records["104K"]
    assert (ruche.kind, ruche.lat, ruche.postcode, ruche.commune) == ("amap", 46.3252, "79120", "Chenay")
    # HTML becomes text; the hours told in prose stay as a note; "hidden" is no e-mail address.
    assert ruche.description == "Tous produits alimentaires locaux Horaires : Distribution chaque jeudi de 18h à 19h"
    assert ruche.email == ""
    assert (shop.kind, potager.kind, potager.categories) == ("shop", "farm", ("vegetables",))
    # The taxonomy's ids are unknown here: reported on their column, not fatal.
    unknown = [p for p in ruche.problems if p.column == "taxonomy"]
    assert len(unknown) == 2 and not ruche.rejected
    # A shop selling no food gets no kind and is kept out, saying why.
    assert nursery.rejected and [p.field for p in nursery.problems if p.fatal] == ["kind"]


def test_the_whole_real_gogocarto_sample_keeps_every_food_place(territory) -> None:
    mapping = mapping_load(shipped_mappings()["gogocarto"])
    result = preview(SAMPLES / "gogocarto_pdcn_sample_elements.json", mapping)
    assert (result.rows, result.rejected) == (12, 4)  # 12 of 12 rejected before


def test_problems_name_the_source_column_in_the_readers_language(tmp_path, territory) -> None:
    (tmp_path / "x.json").write_text(
        '{"elements": [{"type": "node", "id": 1, "lat": 45.5, "lon": 3.7, "tags": {"amenity": "parking"}}]}',
        encoding="utf-8",
    )
    mapping = mapping_load(shipped_mappings()["osm"])
    (record,) = records_read(tmp_path / "x.json", mapping)
    (problem,) = [p for p in record.problems if p.field == "kind"]
    assert (problem.line, problem.column, problem.fatal) == (1, "amenity", True)
    assert problem.message.startswith("type de lieu inconnu\u202f: «\u00a0parking\u00a0»")
    with translation.override("en"):
        (record,) = records_read(tmp_path / "x.json", mapping)
        assert next(p.message for p in record.problems if p.field == "kind").startswith("unknown place kind “parking”")
    # A problem is said in the language of whoever reads it, not of whoever read the file.
    assert problem.message.startswith("type de lieu inconnu\u202f: «\u00a0parking\u00a0»")


def test_rows_are_skipped_on_a_condition_and_rules_read_free_text(tmp_path, territory) -> None:
    mapping = mapping_parse(
        """
[source]
name = "carte"
format = "json"
[fields]
ref = "id"
name = "title"
lat = "lat"
lon = "lon"
[[skip]]
column = "status"
equals = ["deleted", "refusé"]
[[rules]]
in = ["summary"]
pattern = "\\\\bvente (directe )?a la ferme\\\\b"
kind = "farm"
categories = ["vegetables"]
[[rules]]
words = ["marché"]
kind = "market"
"""
    )
    rows = [
        {"id": 1, "title": "Les Jardins d'Aubusson", "summary": "Vente directe à la ferme", "lat": 45.5, "lon": 3.7},
        {"id": 2, "title": "Marché du soir", "lat": 45.5, "lon": 3.7},
        {"id": 3, "title": "Ancien marché", "status": "Refusé", "lat": 45.5, "lon": 3.7},
    ]
    (tmp_path / "carte.json").write_text(__import__("json").dumps(rows), encoding="utf-8")
    farm, market = records_read(tmp_path / "carte.json", mapping)
    assert (farm.kind, farm.categories, market.kind) == ("farm", ("vegetables",), "market")


def test_mapping_mistakes_in_the_new_sections_are_named(territory) -> None:
    base = '[source]\nname = "a"\n[fields]\nname = "N"\n'
    cases = {
        base + '[[rules]]\nwords = ["x"]\nkind = "drive"': "[[rules]] #1 kind",
        base + '[[rules]]\nkind = "farm"': "[[rules]] #1",
        base + '[[rules]]\npattern = "("\nkind = "farm"': "[[rules]] #1 pattern",
        base + '[[skip]]\ncolumn = "S"': "[[skip]] #1",
        base + '[records]\nFerme = "farmer"': "[records] Ferme",
        '[source]\nname = "a"\nrecord = "both"\n[fields]\nname = "N"': "[source] record",
    }
    for text, where in cases.items():
        with pytest.raises(MappingError) as caught:
            mapping_parse(text)
        assert caught.value.where == where, text


# --- Links into the directory ---------------------------------------------------------------------

AMAPS = mapping_text(MARKETS, source={"name": "amaps-63", "label": None}, fields={"categories": "produits"},
                     constants={"kind": "amap"}, categories={"Légumes": "vegetables", "Œufs": "eggs"})  # fmt: skip
# One line per (producer, AMAP) pair, as AMAP networks keep them: a farm repeated on 5 lines.
PRODUCERS = """
[source]
name = "amap-producteurs"
record = "producer+place"
group = true
[fields]
name = "producteur"
postcode = "cp"
commune = "commune"
lat = "lat"
lon = "lon"
categories = "produits"
supplies = "amap"
[categories]
"Légumes" = "vegetables"
"Fromages" = "cheese"
"""


def write_rows(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_a_farm_repeated_on_five_lines_is_one_producer_supplying_five_amaps_and_running_its_farm(
    tmp_path, territory
) -> None:
    # Synthetic rows in the shape of an AMAP–producer list.
    towns = [("Ambert", "63600", 45.55, 3.74), ("Thiers", "63300", 45.86, 3.55), ("Job", "63990", 45.61, 3.75),
             ("Arlanc", "63220", 45.41, 3.73), ("Marsac-en-Livradois", "63940", 45.48, 3.73)]  # fmt: skip
    amaps = [
        {"id": f"A{n}", "nom": f"AMAP des Coquelicots {town}", "cp": cp, "commune": town, "lat": str(lat),
         "lon": str(lon), "produits": "Légumes, Œufs"}
        for n, (town, cp, lat, lon) in enumerate(towns, 1)
    ]  # fmt: skip
    run = source_import(path=write_rows(tmp_path / "amaps.csv", amaps), mapping=mapping_parse(AMAPS), geocode=False)
    assert run.rejected == 0, run.report
    farm = {"producteur": "Ferme de la Croix Blanche", "cp": "63600", "commune": "Ambert", "lat": "45.5712",
            "lon": "3.7801", "produits": "Légumes"}  # fmt: skip
    rows = [{**farm, "amap": f"amaps-63:A{n}"} for n in range(1, 6)]
    rows[2]["produits"] = "Fromages"
    rows.append({**farm, "producteur": "Chèvrerie du Bois Noir", "lat": "45.6001", "lon": "3.7002", "amap": "A9"})
    run = source_import(
        path=write_rows(tmp_path / "producteurs.csv", rows), mapping=mapping_parse(PRODUCERS), geocode=False
    )
    # Six rows of the file read; two producers (each row of one grouped) and their two farms.
    assert (run.lines, run.rows, run.rejected) == (6, 4, 0)
    (producer,) = Actor.objects.filter(name="Ferme de la Croix Blanche")
    assert sorted(producer.offers.values_list("category__slug", flat=True)) == ["cheese", "vegetables"]
    supplied = Place.objects.filter(producers=producer, kind="amap")
    assert sorted(supplied.values_list("source_ref", flat=True)) == ["A1", "A2", "A3", "A4", "A5"]
    (home,) = Place.objects.filter(operator=producer)
    assert (home.kind, home.name) == ("farm", "Ferme de la Croix Blanche")
    assert sorted(home.categories.values_list("slug", flat=True)) == ["cheese", "vegetables"]
    amap = Place.objects.get(source="amaps-63", source_ref="A1")
    assert sorted(amap.categories.values_list("slug", flat=True)) == ["eggs", "vegetables"]
    # A place no record gives (A9) links nothing, and nothing fails.
    assert not Place.objects.filter(producers__name="Chèvrerie du Bois Noir", kind="amap").exists()
