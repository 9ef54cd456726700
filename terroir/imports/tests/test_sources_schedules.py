"""The market lists and the AMAP list through their shipped mappings (jourdemarche, nosmarches, amap) and the
mapping language's [transforms].

The rows here are SYNTHETIC, written for these tests in the exact format of each file (columns, delimiter, BOM,
quoting, a postcode that lost its zero, double spaces, "|"-joined and relative web addresses): the scraped lists
carry no licence, so nothing is copied from them. `test_the_real_lists_…` reads the real files when
../shared/data/real is beside the project (or TERROIR_SHARED names the shared folder); the synthetic tests
above it always run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from terroir.imports.mapping import Mapping, MappingError, mapping_load, mapping_parse
from terroir.imports.read import records_read
from terroir.imports.schedules import NO_TIME
from terroir.imports.sources import shipped_mappings
from terroir.lib.tabular import RawRow

from .files import mapping_text

pytestmark = pytest.mark.django_db

JOURDEMARCHE = (
    "name,adress,Code Postal,horaires\n"
    "Marché de la Halle,place de la halle,1250,Ce marché a lieu de Juillet à Août le  dimanche de 8h à 13h\n"
    'Marché,centre bourg,63500,"Ce marché a lieu toute l\'année les jours suivants :  mardi, vendredi de 7h à 12h"\n'
    "Marché du soir,quai des pêcheurs,83000,Ce marché a lieu de Juin à Septembre les jours suivants :  de 18h à 23h\n"
)
NOSMARCHES = (
    "\ufeffnom_marche;departement;commune;code_postal;horaires;url\n"
    'Marché du Bourg;63;Saint-Amant-Tallende;63450;"mercredi 08:00 - 13:00; samedi 08:00 - 13:00";'
    "https://nosmarches.com/marche/marche-du-bourg-saint-amant-tallende\n"
    "Marché nocturne;63;Besse-et-Saint-Anastaise;63610;;https://nosmarches.com/marche/marche-nocturne-besse\n"
)
AMAP = (
    "Nom;Ville;Departement;Websites;Produits;Infos\n"
    "AMAP des Volcans;saint-genes-champanelle;63;go.php?typ=1&id=4321 | https://amap-volcans.example.org;"
    '" Légumes bio, oeufs, Pain, miel, confiseries";'
    '"Distribution le jeudi de 18h30 à 19h30 à la Salle des Fêtes - 2, rue de l\'Église."\n'
    'AMAP du Lac;aydat;63;go.php?typ=1&id=4322;" Fromages, Volailles";'
    '"Distribution le mardi de 18h à 19h au Foyer - rue du Lac. Contact téléphonique : 06 00 00 00 00"\n'
    'AMAP des Prés;orcines;63;https://www.facebook.com/amapdespres/;" Légumes";'
    '"Distribution le mardi ou le jeudi de 18h à 19h au Foyer. Adhésion annuelle."\n'
)


def read(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> list:
    path = tmp_path / f"{name}.csv"
    path.write_text(text, encoding=encoding)
    return list(records_read(path, mapping_load(shipped_mappings()[name])))


def test_jours_de_marche_rows_give_markets_with_their_season_and_the_zero_of_their_postcode(
    tmp_path, territory
) -> None:
    halle, bourg, _ = read(tmp_path, "jourdemarche", JOURDEMARCHE)
    assert (halle.kind, halle.name, halle.address, halle.postcode) == ("market", "Marché de la Halle",
                                                                       "place de la halle", "01250")  # fmt: skip
    assert halle.opening_hours == "Jul-Aug Su 08:00-13:00"
    assert bourg.opening_hours == "Tu,Fr 07:00-12:00"
    assert halle.problems == bourg.problems == []
    assert halle.ref == "1250/place de la halle/Marché de la Halle"


def test_a_schedule_not_understood_is_reported_and_kept_in_the_description_and_the_row_is_kept(
    tmp_path, territory
) -> None:
    evening = read(tmp_path, "jourdemarche", JOURDEMARCHE)[2]
    assert not evening.rejected
    assert evening.opening_hours == ""
    text = "Ce marché a lieu de Juin à Septembre les jours suivants : de 18h à 23h"
    assert evening.description == f"Horaires : {text}"
    (problem,) = evening.problems
    assert (problem.line, problem.field, problem.fatal) == (4, "opening_hours", False)
    assert text in problem.message


def test_nosmarches_rows_with_a_bom_give_markets_known_by_their_page(tmp_path, territory) -> None:
    bourg, nocturne = read(tmp_path, "nosmarches", NOSMARCHES)
    assert (bourg.name, bourg.commune, bourg.postcode, bourg.opening_hours) == (
        "Marché du Bourg", "Saint-Amant-Tallende", "63450", "We,Sa 08:00-13:00"
    )  # fmt: skip
    assert bourg.ref == "https://nosmarches.com/marche/marche-du-bourg-saint-amant-tallende"
    assert bourg.website == ""  # the list's page is not the market's site
    assert (nocturne.opening_hours, nocturne.problems) == ("", [])  # no schedule given: nothing to report


def test_an_amap_sentence_gives_the_hours_and_the_pickup_place_and_the_list_its_products_and_site(
    tmp_path, territory
) -> None:
    volcans = read(tmp_path, "amap", AMAP)[0]
    assert (volcans.kind, volcans.commune, volcans.opening_hours) == ("amap", "saint-genes-champanelle",
                                                                      "Th 18:30-19:30")  # fmt: skip
    assert volcans.address == "Salle des Fêtes - 2, rue de l'Église"
    assert volcans.website == "https://amap-volcans.example.org"
    assert volcans.categories == ("vegetables", "eggs", "bread", "honey")
    assert [p.message for p in volcans.problems] == [
        "catégorie inconnue\u202f: «\u00a0confiseries\u00a0» (ajoutez-la à [categories] dans la correspondance)"
    ]


def test_what_follows_an_amap_place_goes_to_the_report_and_a_phone_number_never_to_the_description(
    tmp_path, territory
) -> None:
    lac, pres = read(tmp_path, "amap", AMAP)[1:]
    assert (lac.opening_hours, lac.address, lac.description) == ("Tu 18:00-19:00", "Foyer - rue du Lac", "")
    assert "numéro de téléphone" in lac.problems[0].message and "06 00 00 00 00" in lac.problems[0].message
    assert lac.website == ""  # only a link relative to the scraped site
    said = [p.message for p in lac.problems]
    assert "aucune adresse web absolue dans «\u00a0go.php?typ=1&id=4322\u00a0»\u202f; aucune gardée" in said
    # "le mardi ou le jeudi": which day is not said, so no hours, and the sentence is kept.
    assert (pres.opening_hours, pres.address) == ("", "")
    assert pres.description == "Horaires : Distribution le mardi ou le jeudi de 18h à 19h au Foyer. Adhésion annuelle."


def test_a_day_without_hours_is_stored_with_unknown_hours(tmp_path, territory) -> None:
    (amap,) = read(tmp_path, "amap", AMAP.splitlines()[0] + "\nAMAP;aydat;63;;;Distribution le vendredi à la ferme.\n")
    assert amap.opening_hours == f'Fr unknown "{NO_TIME}"'
    assert amap.address == "ferme"


TRANSFORMED = """
[source]
name = "t"
[fields]
name = "Nom"
opening_hours = "Horaires"
address = "Adresse"
[constants]
kind = "amap"
[transforms]
opening_hours = "schedule"
"""


def test_the_place_a_sentence_names_never_replaces_an_address_column(territory) -> None:
    mapping: Mapping = mapping_parse(TRANSFORMED)
    row = RawRow(2, {"Nom": "A", "Horaires": "Distribution le lundi de 18h à 19h à la Grange.", "Adresse": "1 rue X"})
    record = mapping.record_of(row)
    assert (record.opening_hours, record.address) == ("Mo 18:00-19:00", "1 rue X")


def test_mapping_transforms_are_checked_before_any_file_is_read(territory) -> None:
    with (
        translation.override("en"),
        pytest.raises(MappingError, match=r"\[transforms\] opening_hours: unknown transform “french”"),
    ):
        mapping_parse(mapping_text(TRANSFORMED, transforms={"opening_hours": "french"}))
    with pytest.raises(MappingError, match=r"\[transforms\] horaires\u202f: champ inconnu"):
        mapping_parse(mapping_text(TRANSFORMED, transforms={"opening_hours": None, "horaires": "schedule"}))


def shared_real() -> Path:
    shared = Path(os.environ.get("TERROIR_SHARED") or Path(settings.BASE_DIR).parent / "shared")
    return shared / "data" / "real"


@pytest.mark.skipif(not shared_real().exists(), reason="the real lists of ../shared are not beside the project")
@pytest.mark.parametrize(
    ("name", "relative", "hours_share"),
    [
        ("jourdemarche", "markets/jourdemarche_extract_2023-02_odd_departements.csv", 0.99),
        ("nosmarches", "markets/nosmarches_markets_odd_departements.csv", 0.85),  # 1 in 8 has no schedule
        ("amap", "amap/avenirbio_amap_odd_departements_no_mail.csv", 0.9),
    ],
)
def test_the_real_lists_are_read_with_hours_for_almost_every_row(territory, name, relative, hours_share) -> None:
    records = list(records_read(shared_real() / relative, mapping_load(shipped_mappings()[name])))
    usable = [r for r in records if not r.rejected]
    assert len(usable) >= 0.99 * len(records)
    assert sum(1 for r in records if r.opening_hours) >= hours_share * len(records)
