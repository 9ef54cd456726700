"""The column-mapping screen: a coordinator uploads a file, sees its columns with suggestions and value
tables, saves the mapping (the TOML the command line reads) and previews the file through it. The
suggestions are checked on the excerpts of samples/ (PROVENANCE.md), and on the whole real files when
../shared is beside the repository."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from terroir.conftest import person
from terroir.contributions.models import AuditEntry
from terroir.imports.columns import Choices, profile_read, toml_write, value_table
from terroir.imports.mapping import mapping_load, mapping_parse
from terroir.imports.models import SavedMapping
from terroir.imports.read import limits, records_read
from terroir.imports.services import mapping_for
from terroir.lib.tests.workbooks import ods_write

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parent / "samples"
HVE = SAMPLES / "hve_annuaire_excerpt.csv"
GOGOCARTO = SAMPLES / "gogocarto_pdcn_excerpt.json"
ROOT = Path(__file__).resolve().parents[3]
REAL = next((p / "data" / "real" for p in (ROOT.parent / "shared", ROOT.parent.parent / "shared") if p.is_dir()), None)

HVE_COLUMNS = {
    "Nom ou Raison sociale": "name", "Adresse": "address", "Code Postal": "postcode", "Région": "",
    "Département": "", "Commune": "commune", "Site internet": "website", "Activité principale": "categories",
    "Activité principale (2)": "categories", "Vente directe": "record", "Date de certification": "verified_at",
}  # fmt: skip
HVE_WORDS = {"Viticulture": "wine", "Bovins Viande": "beef", "Bovins Lait": "milk", "Grandes Cultures": "-"}
GOGOCARTO_COLUMNS = {
    "id": "ref", "name": "name", "geo.latitude": "lat", "geo.longitude": "lon", "address.streetAddress": "address",
    "address.postalCode": "postcode", "address.addressLocality": "commune", "telephone": "phone",
    "website": "website", "email": "email", "description": "description", "taxonomy": "categories",
    "openHoursMoreInfos": "opening_hours_text", "status": "", "sourceKey": "",
}  # fmt: skip


def suggestions(path: Path) -> dict[str, str]:
    return {c.name: c.suggestion for c in profile_read(path, limits=limits()).columns}


def check_hve(path: Path) -> None:
    profile = profile_read(path, limits=limits())
    assert profile.header_row == 2  # below the row of column groups
    found = {c.name: c.suggestion for c in profile.columns}
    assert {name: found.get(name) for name in HVE_COLUMNS} == HVE_COLUMNS
    categories = {row.word: row.suggestion for row in value_table(
        [c for c in profile.columns if c.suggestion == "categories"], "categories")}  # fmt: skip
    assert {word: categories.get(word) for word in HVE_WORDS} == HVE_WORDS
    records = {row.word: row.suggestion for row in value_table(
        [c for c in profile.columns if c.suggestion == "record"], "record")}  # fmt: skip
    assert records["OUI"] == "producer+place" and records["NON"] == "producer"


def test_the_hve_list_s_columns_are_suggested_right_below_its_row_of_column_groups(territory) -> None:
    check_hve(HVE)


def test_a_workbook_is_profiled_from_its_list_sheet_below_its_titles_and_read_so_by_the_loader(
    territory, tmp_path
) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    notice = workbook.active
    notice.title = "Notice"
    notice.append(["Annuaire des exploitations certifiées HVE"])
    sheet = workbook.create_sheet("Liste")
    sheet.append(["Annuaire des exploitations HVE"])
    sheet.append([])
    with HVE.open(encoding="utf-8") as raw:
        for row in csv.reader(raw):
            sheet.append([cell or None for cell in row])
    workbook.save(tmp_path / "hve.xlsx")
    profile = profile_read(tmp_path / "hve.xlsx", limits=limits())
    found = {c.name: c.suggestion for c in profile.columns}
    assert {name: found.get(name) for name in HVE_COLUMNS} == HVE_COLUMNS
    assert profile.header_row is None  # found again by its names, whatever the sheet
    choices = Choices(name="hve-xlsx", label="", record="producer", columns=found,
                      values={"record": {"OUI": "producer+place", "NON": "producer"}})  # fmt: skip
    text = toml_write(choices)
    assert "header_row" not in text
    records = list(records_read(tmp_path / "hve.xlsx", mapping_parse(text)))
    assert "SARL FERME DU TREFLE" in {r.name for r in records}


# The excerpt, and the whole real export (12 records, carried in samples/: PROVENANCE.md).
@pytest.mark.parametrize("path", [GOGOCARTO, SAMPLES / "gogocarto_pdcn_sample_elements.json"], ids=["excerpt", "whole"])
def test_a_gogocarto_export_s_json_paths_are_suggested_right(territory, path: Path) -> None:
    found = suggestions(path)
    assert {name: found.get(name) for name in GOGOCARTO_COLUMNS} == GOGOCARTO_COLUMNS


@pytest.mark.skipif(REAL is None, reason="../shared/data/real is not beside the repository")
def test_the_real_hve_list_is_suggested_right(territory) -> None:
    assert REAL is not None
    check_hve(next((REAL / "directories").glob("hve_*.csv")))


@pytest.mark.parametrize(
    ("header", "values", "expected"),
    [
        ("Numéro SIRET", ["732 829 320 00074"], "siret"),
        ("col7", ["73282932000074", "44306184100047"], "siret"),
        ("contact", ["a@ferme.fr", "b@marche.org"], "email"),
        ("col3", ["04 73 82 00 01", "06.12.34.56.78"], "phone"),
        ("zone", ["63600", "01090"], "postcode"),
        ("Y", ["45.5601", "45.8702"], "lat"),
        ("v1", ["45.56012", "45.87021"], "lat"),
        ("v2", ["3.77021", "3.56012"], "lon"),
        ("lien", ["https://ferme.fr"], "website"),
        ("quand", ["Tu-Sa 09:00-12:30", "Th 07:00-13:00"], "opening_hours"),
        ("Horaires", ["chaque jeudi de 18h à 19h"], "opening_hours_text"),
        ("Ville", ["Ambert"], "commune"),
        ("Courriel", ["x"], "email"),
        ("Code INSEE", ["63003"], "commune_code"),
        ("canteen_management_type", ["direct", "conceded"], ""),
        ("teledeclaration_ratio_bio", ["0.2665", "0.2622"], ""),
        ("opening_hours:signed", ["no"], ""),
        ("check_date:opening_hours", ["2025-07-07"], ""),
        ("geometry.type", ["Point"], ""),
    ],
)
def test_a_column_is_suggested_from_its_french_or_english_name_else_from_its_values_shape(
    tmp_path, territory, header: str, values: list[str], expected: str
) -> None:
    source = tmp_path / "f.csv"
    source.write_text("Nom;" + header + "\n" + "".join(f"Ferme {n};{v}\n" for n, v in enumerate(values)), "utf-8")
    assert suggestions(source)[header] == expected


def test_the_toml_written_is_read_by_the_loader_as_chosen(territory) -> None:
    choices = Choices(
        name="chambre-63", label='Chambre "63"', record="place",
        columns={"Nom": "name", "Type": "kind", "Produits": "categories", "Bio": "labels", "Notes": ""},
        values={"kind": {"Vente à la ferme": "farm", "Inconnu": ""}, "categories": {"Légumes": "vegetables",
                "Épicerie fine": "-"}, "labels": {"oui": "ab", "non": "-"}},
        group=True, header_row=3,
    )  # fmt: skip
    mapping = mapping_parse(toml_write(choices))
    assert (mapping.name, mapping.label, mapping.group, mapping.header_row) == ("chambre-63", 'Chambre "63"', True, 3)
    assert [g.spec for g in mapping.fields["categories"]] == ["Produits"]
    assert mapping.kinds == {"vente a la ferme": "farm"}
    assert mapping.categories == {"legumes": ["vegetables"], "epicerie fine": []}
    assert mapping.labels == {"oui": "ab", "non": ""}


# --- The pages -----------------------------------------------------------------------------------


def hve_upload(name: str = "annuaire-hve.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, HVE.read_bytes(), content_type="text/csv")


@pytest.fixture
def coordinator(client: Any, people: Any, settings: Any, tmp_path: Path) -> Client:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    client.force_login(people.camille)
    return client


def columns_page(client: Client, upload: SimpleUploadedFile, **extra: str) -> tuple[str, str]:
    response = client.post(reverse("imports:mapping"), {"file": upload, **extra})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"], client.get(response["Location"]).content.decode()


def form_values(page: str) -> dict[str, str]:
    """What the browser would post: each field's value as the page shows it."""
    values: dict[str, str] = {}
    for name, value in re.findall(r'<input type="(?:text|number|hidden)" name="([^"]+)" value="([^"]*)"', page):
        values[name] = value
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values[name] = chosen.group(1) if chosen else ""
    for name in re.findall(r'<input type="checkbox" name="([^"]+)"[^>]*checked', page):
        values[name] = "on"
    values.pop("csrfmiddlewaretoken", None)
    return {k: v.replace("&quot;", '"').replace("&#x27;", "'").replace("&amp;", "&") for k, v in values.items()}


def test_the_name_suggested_for_an_export_s_file_is_written_as_the_help_says_one_is(coordinator) -> None:
    """A name is "lower-case letters, digits and dashes": an export named with underscores is suggested so."""
    _url, page = columns_page(coordinator, hve_upload("Export_HVE_Auvergne_2026-12-01.csv"))
    assert form_values(page)["name"] == "export-hve-auvergne-2026-12-01"


def test_a_coordinator_saves_the_suggested_mapping_and_previews_the_file_through_it(coordinator, tmp_path) -> None:
    url, page = columns_page(coordinator, hve_upload())
    assert "Nom ou Raison sociale" in page and "RUELLE VINCENT" in page and ">suggestion</small>" in page
    assert "« Activité principale » est donné deux fois" in page
    assert "Viticulture" in page and "Ce que décrit chaque ligne" in page
    values = form_values(page)
    assert values["name"] == "annuaire-hve" and values["record"] == "producer" and values["header_row"] == "2"
    response = coordinator.post(url, values | {"action": "save"})
    assert response.status_code == 302, form_errors(response)
    saved = SavedMapping.objects.get(name="annuaire-hve")
    assert AuditEntry.objects.filter(action="mapping_save", target="mapping:annuaire-hve").exists()
    preview = coordinator.get(response["Location"]).content.decode()
    assert "Correspondance « annuaire-hve » enregistrée" in preview
    assert "SARL FERME DU TREFLE" in preview and "Importer et fusionner" in preview
    # The download is the saved text, which the command line reads as it is.
    download = coordinator.get(reverse("imports:mapping-download", args=["annuaire-hve"]))
    assert download["Content-Disposition"] == 'attachment; filename="annuaire-hve.toml"'
    assert download.content.decode() == saved.text
    mapping_file = tmp_path / "annuaire-hve.toml"
    mapping_file.write_bytes(download.content)
    out = io.StringIO()
    call_command("import_preview", str(HVE), "--mapping", str(mapping_file), stdout=out)
    assert "SARL FERME DU TREFLE" in out.getvalue()
    assert mapping_load(mapping_file).categories["viticulture"] == ["wine"]
    # The upload form offers it by name.
    mapping, _text = mapping_for(source="hve-63", name="saved:annuaire-hve")
    assert mapping.name == "hve-63" and mapping.record_type == "producer"


def form_errors(response: Any) -> str:
    return " | ".join(re.findall(r'role="alert"[^>]*>(.*?)</', response.content.decode(), re.S))


def test_a_mapping_without_a_name_column_is_refused_at_the_columns_table(coordinator) -> None:
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page)
    name_field = next(k for k, v in values.items() if k.startswith("col-") and v == "name")
    response = coordinator.post(url, values | {name_field: "", "action": "save"})
    assert response.status_code == 400
    assert "Choisissez la colonne qui donne le nom" in response.content.decode()
    assert not SavedMapping.objects.exists()


def test_places_without_a_kind_and_a_latitude_without_longitude_are_refused_where_they_are_chosen(
    coordinator,
) -> None:
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page)
    position = next(k for k, v in values.items() if k.startswith("col-") and v == "postcode")
    response = coordinator.post(url, values | {"record": "place", position: "lat", "action": "save"})
    text = response.content.decode()
    assert response.status_code == 400
    assert "Choisissez la colonne qui donne le type de lieu" in text
    assert "Choisissez aussi la colonne de la longitude." in text


def test_a_changed_column_updates_the_value_tables_before_anything_is_saved(coordinator) -> None:
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page)
    assert values["col-3"] == ""  # "Région"
    response = coordinator.post(url, values | {"col-3": "kind", "action": "save"})
    assert response.status_code == 200 and not SavedMapping.objects.exists()
    text = response.content.decode()
    assert "Types de lieu" in text and "Auvergne-Rhône-Alpes" in text and "vérifiez-les" in text


def test_a_file_read_with_the_wrong_encoding_says_so_in_french_where_it_is_chosen(coordinator, tmp_path) -> None:
    upload = SimpleUploadedFile("liste.csv", "Nom;Ville\nÉpicerie du Pré;Ambert\n".encode("cp1252"))
    _url, page = columns_page(coordinator, upload, encoding="utf-8")
    assert "Ce fichier ne peut pas être lu" in page and "n’est pas écrit en utf-8" in page
    upload = SimpleUploadedFile("liste2.csv", "Nom;Ville\nÉpicerie du Pré;Ambert\n".encode())
    _url, page = columns_page(coordinator, upload, encoding="cp1252")
    assert 'id="encoding-notice"' in page and "choisissez UTF-8" in page
    _url, page = columns_page(
        coordinator, SimpleUploadedFile("liste3.csv", "Nom;Ville\nÉpicerie;Ambert\n".encode("cp1252"))
    )
    assert "Épicerie" in page  # found from the file


def test_a_file_without_a_header_row_is_pointed_out(coordinator) -> None:
    upload = SimpleUploadedFile("sans-entete.csv", b"63600;04 73 82 00 01;a@b.fr\n63300;04 73 00 00 00;c@d.fr\n")
    _url, page = columns_page(coordinator, upload)
    assert 'id="header-notice"' in page and "ressemble à des valeurs" in page


def test_a_file_over_the_upload_limit_is_refused_before_it_is_read(coordinator, settings) -> None:
    settings.TERROIR_IMPORT_MAX_MB = 0
    response = coordinator.post(reverse("imports:mapping"), {"file": hve_upload()})
    assert response.status_code == 413 and "TERROIR_IMPORT_MAX_MB" in response.content.decode()


def test_a_saved_mapping_fills_the_page_again_for_a_new_file(coordinator) -> None:
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page)
    viticulture = next(k for k, v in values.items() if k.startswith("val-categories-") and v == "wine")
    values[viticulture] = "fruit"  # a choice no suggestion would make
    assert coordinator.post(url, values | {"action": "save"}).status_code == 302
    url, page = columns_page(coordinator, hve_upload("autre.csv"), start="annuaire-hve")
    again = form_values(page)
    assert again["name"] == "annuaire-hve" and again[viticulture] == "fruit"
    # Started from it, the page replaces it without asking.
    again[viticulture] = "wine"
    assert coordinator.post(url, again | {"action": "save"}).status_code == 302
    assert '"Viticulture" = "wine"' in SavedMapping.objects.get().text


def test_a_saved_mapping_of_the_same_name_is_replaced_only_when_the_coordinator_says_so(coordinator) -> None:
    SavedMapping.objects.create(name="annuaire-hve", text='[source]\nname = "annuaire-hve"\n[fields]\nname = "Nom"\n')
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page) | {"action": "save"}
    response = coordinator.post(url, values)
    assert (
        response.status_code == 400 and "Une correspondance de ce nom a été enregistrée le" in response.content.decode()
    )
    assert SavedMapping.objects.get().text.endswith('name = "Nom"\n')
    assert coordinator.post(url, values | {"replace": "on"}).status_code == 302
    assert "Nom ou Raison sociale" in SavedMapping.objects.get().text


def test_a_json_upload_shows_its_paths(coordinator) -> None:
    upload = SimpleUploadedFile("carte.json", GOGOCARTO.read_bytes())
    _url, page = columns_page(coordinator, upload)
    assert "geo.latitude" in page and "address.postalCode" in page
    assert json.loads(GOGOCARTO.read_text())  # the sample is the export as published


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("anonymous", False), ("outsider", False), ("other_organisation", False), ("own_organisation", False),
     ("coordinator", True)],
)  # fmt: skip
def test_only_coordinators_map_columns_and_save_mappings(
    people: Any, settings: Any, tmp_path: Path, who: str, allowed: bool
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    SavedMapping.objects.create(name="chambre", text='[source]\nname = "chambre"\n[fields]\nname = "Nom"\n')
    # The cheese farm's member Claire is "own organisation" for its entries; Hugo runs another farm.
    users = {"outsider": person("paul@example.org"), "other_organisation": people.hugo,
             "own_organisation": people.claire, "coordinator": people.camille}  # fmt: skip
    client = Client()
    if who != "anonymous":
        client.force_login(users[who])
    urls = [
        reverse("imports:mapping"),
        reverse("imports:mappings"),
        reverse("imports:mapping-download", args=["chambre"]),
    ]
    for url in urls:
        status = client.get(url).status_code
        assert status == 200 if allowed else status in (302, 403), (url, status)
    posted = client.post(reverse("imports:mapping"), {"file": hve_upload()})
    assert (posted.status_code == 302) if allowed else posted.status_code in (302, 403)
    if not allowed:
        assert not any((tmp_path / "uploads").glob("*/*.csv"))
        coordinator = Client()
        coordinator.force_login(people.camille)
        url, page = columns_page(coordinator, hve_upload())
        # Another person holding the upload's address sees nothing of it, and cannot save.
        assert client.get(url).status_code in (302, 403, 404)
        assert client.post(url, form_values(page) | {"action": "save"}).status_code in (302, 403, 404)
        assert SavedMapping.objects.count() == 1


def test_reading_the_file_with_another_header_row_starts_the_columns_afresh(coordinator) -> None:
    url, page = columns_page(coordinator, hve_upload())
    values = form_values(page) | {"header_row": "1", "action": "refresh"}
    page = coordinator.post(url, values).content.decode()
    # Row 1 holds the column groups: "Activité animale" is now a column, chosen as nothing.
    again = form_values(page)
    assert again["header_row"] == "1" and "Activité animale" in page
    assert again["name"] == values["name"] and again["layout"] != values["layout"]


def test_an_ods_spreadsheet_is_mapped_from_its_header_below_a_title_and_previewed(coordinator, tmp_path) -> None:
    rows: list[list[object]] = [
        ["Annuaire des producteurs 2025"],
        ["Nom", "Commune", "Code postal", "Téléphone"],
        ["Ferme des Prés", "Ambert", 63600, "04 73 82 00 01"],
        ["Gaec du Bourg", "Thiers", 63300, "04 73 80 00 02"],
    ]
    path = ods_write(tmp_path / "producteurs.ods", {"Producteurs": rows})
    upload = SimpleUploadedFile(
        path.name, path.read_bytes(), content_type="application/vnd.oasis.opendocument.spreadsheet"
    )
    url, page = columns_page(coordinator, upload)
    assert "Code postal" in page and "Ferme des Prés" in page and ">suggestion</small>" in page
    values = form_values(page)
    assert values["name"] == "producteurs"
    response = coordinator.post(url, values | {"action": "save"})
    assert response.status_code == 302, form_errors(response)
    preview = coordinator.get(response["Location"]).content.decode()
    assert "Gaec du Bourg" in preview and "63300" in preview
    # The command line reads the .ods through the saved mapping as the screen did.
    records = list(records_read(path, mapping_parse(SavedMapping.objects.get(name="producteurs").text)))
    assert [(r.line, r.name, r.postcode) for r in records] == [
        (3, "Ferme des Prés", "63600"),
        (4, "Gaec du Bourg", "63300"),
    ]


def test_the_upload_forms_offer_ods_and_a_broken_ods_file_is_said_unreadable(coordinator) -> None:
    page = coordinator.get(reverse("imports:mapping")).content.decode()
    assert "Fichier (CSV, XLSX, ODS, JSON, GeoJSON)" in page
    _url, page = columns_page(coordinator, SimpleUploadedFile("casse.ods", b"PK\x03\x04 not a spreadsheet"))
    assert "Ce fichier ne peut pas être lu" in page and "is it really an .ods file?" in page


def test_a_value_table_of_one_column_names_it_in_the_singular(coordinator) -> None:
    _url, page = columns_page(coordinator, hve_upload())
    assert "Les mots de la colonne " in page and "la ou des colonnes" not in page


def test_the_name_for_people_is_prefilled_readable_never_with_the_slug(coordinator) -> None:
    url, page = columns_page(coordinator, hve_upload("ma-source-2.csv"))
    values = form_values(page)
    assert values["name"] == "ma-source-2" and values["label"] == "Ma source 2"
    assert 'placeholder="p. ex. Chambre d’agriculture du Puy-de-Dôme"' in page
    # Saved without one, the source is still named for people, and the page opened again shows that name.
    assert coordinator.post(url, values | {"label": "", "action": "save"}).status_code == 302
    assert 'label = "Ma source 2"' in SavedMapping.objects.get().text
    _url, page = columns_page(coordinator, hve_upload("autre_export.csv"), start="ma-source-2")
    assert form_values(page)["label"] == "Ma source 2"
    # A mapping saved before, its label its slug, is named from its name, not shown its slug.
    SavedMapping.objects.filter(name="ma-source-2").update(
        text=SavedMapping.objects.get().text.replace('label = "Ma source 2"', 'label = "ma-source-2"')
    )
    _url, page = columns_page(coordinator, hve_upload("autre_export.csv"), start="ma-source-2")
    assert form_values(page)["label"] == "Ma source 2"
    # An export's name with underscores reads as words.
    _url, page = columns_page(coordinator, hve_upload("Export_HVE_Auvergne.csv"))
    assert form_values(page)["label"] == "Export HVE Auvergne"


def test_the_mapping_screen_opened_from_an_upload_s_preview_keeps_the_source_typed_on_the_import_form(
    coordinator,
) -> None:
    """The import form names the source (amap-du-livradois) and reads the file through another's mapping
    (annuaire-hve): the mapping screen opened from the preview starts from that source's name, not the
    mapping's, and saving goes on importing that source; named otherwise there, the mapping is saved under
    that name but the file is still imported as the source typed, and the preview says so."""
    url, page = columns_page(coordinator, hve_upload())
    assert coordinator.post(url, form_values(page) | {"action": "save"}).status_code == 302
    form = {"source": "amap-du-livradois", "file": hve_upload(), "mapping": "saved:annuaire-hve", "geocode": ""}
    uploaded = coordinator.post(reverse("imports:home"), form)
    assert uploaded.status_code == 302, uploaded.content.decode()[-2000:]
    preview = coordinator.get(uploaded["Location"]).content.decode()
    token = uploaded["Location"].rstrip("/").split("/")[-1]
    columns = reverse("imports:mapping-columns", args=[token])
    assert f'href="{columns}"' in preview and "(amap-du-livradois)" in preview
    page = coordinator.get(columns).content.decode()
    values = form_values(page)
    assert (values["name"], values["label"]) == ("amap-du-livradois", "Amap du livradois")
    assert values["header_row"] == "2"  # the mapping's own choices serve
    saved = coordinator.post(columns, values | {"action": "save"})
    assert saved.status_code == 302, form_errors(saved)
    assert coordinator.session[f"import-{token}"]["source"] == "amap-du-livradois"
    assert 'name = "amap-du-livradois"' in SavedMapping.objects.get(name="amap-du-livradois").text
    assert "(amap-du-livradois)" in coordinator.get(saved["Location"]).content.decode()
    # Opened again, the page starts from the source's mapping, which saving changes without asking.
    page = coordinator.get(columns).content.decode()
    assert form_values(page)["name"] == "amap-du-livradois"
    again = coordinator.post(columns, form_values(page) | {"label": "AMAP du Livradois", "action": "save"})
    assert again.status_code == 302, form_errors(again)
    assert 'label = "AMAP du Livradois"' in SavedMapping.objects.get(name="amap-du-livradois").text
    # Saved under another name, the mapping takes it; the import keeps its source, and says it.
    page = coordinator.get(columns).content.decode()
    assert form_values(page)["label"] == "AMAP du Livradois"
    renamed = coordinator.post(columns, form_values(page) | {"name": "livradois-hve", "action": "save"})
    assert renamed.status_code == 302, form_errors(renamed)
    assert SavedMapping.objects.filter(name="livradois-hve").exists()
    assert coordinator.session[f"import-{token}"]["source"] == "amap-du-livradois"
    preview = coordinator.get(renamed["Location"]).content.decode()
    assert "(amap-du-livradois)" in preview
    assert "toujours importé comme la source « amap-du-livradois »" in preview.replace("\u00a0", " ")
