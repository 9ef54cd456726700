"""The column-mapping screen in a real browser, at desktop and phone size: a coordinator uploads the HVE
excerpt (samples/PROVENANCE.md), checks the suggestions, maps a word, saves, and lands on the preview."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import page_fits, screenshot

from .test_browser import logged_in, watched

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HVE = Path(__file__).resolve().parent / "samples" / "hve_annuaire_excerpt.csv"
SIZES = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_coordinator_maps_a_spreadsheet_s_columns_without_writing_toml(
    size: str, page: Any, client: Any, live_server: Any, django_user_model: Any, communes_for_live_server: None,
    settings: Any, tmp_path: Path,
) -> None:  # fmt: skip
    from terroir.imports.models import SavedMapping

    settings.TERROIR_IMPORT_DIR = tmp_path / "var"
    page.set_viewport_size(SIZES[size])
    problems = watched(page)
    logged_in(page, client, live_server, django_user_model)
    page.goto(live_server.url + "/imports/")
    page.get_by_role("link", name="Correspondances de colonnes").first.click()
    page.set_input_files("#id_file", str(HVE))
    page_fits(page, "the upload page", edge=False)
    screenshot(page, f"mapping-upload-{size}")
    page.get_by_role("button", name="Voir les colonnes").click()
    page.wait_for_selector("table.source-columns")
    # Each column with its samples and a suggestion; the header found below the row of column groups.
    row = page.locator("table.source-columns tbody tr").filter(has_text="Nom ou Raison sociale")
    assert "RUELLE VINCENT" in row.inner_text()
    assert row.locator("select").input_value() == "name"
    assert page.locator("#id_header_row").input_value() == "2"
    assert page.locator("table.values-categories").is_visible()
    page_fits(page, "the mapping page", edge=False)
    # The wide table scrolls in place, the page does not; on a phone no table of the mapping scrolls
    # sideways at all: each line is a card, its select at the card's width.
    scroller = page.locator("div.table-scroll").first
    assert scroller.evaluate("e => e.scrollWidth >= e.clientWidth")
    if size == "phone":
        sideways = page.evaluate(
            "() => [...document.querySelectorAll('form.mapping div.table-scroll')]"
            ".filter(e => e.scrollWidth > e.clientWidth).map(e => e.getAttribute('aria-labelledby'))"
        )
        assert sideways == [], f"these tables scroll sideways on a phone: {sideways}"
        selects = page.locator("table.value-table select, table.source-columns select")
        boxes = [select.bounding_box() for select in selects.all()]
        assert all(box["x"] + box["width"] <= 390 for box in boxes if box)
    screenshot(page, f"mapping-columns-{size}")
    words = page.locator("table.values-categories tbody tr")
    assert words.filter(has_text="Viticulture").locator("select").input_value() == "wine"
    words.filter(has_text="Grandes Cultures").locator("select").select_option("flour")
    page.fill("#id_name", "hve-63")
    page.get_by_role("button", name="Enregistrer la correspondance et voir l’aperçu").click()
    page.wait_for_selector("text=Correspondance « hve-63 » enregistrée")
    assert page.locator("table.preview").inner_text().count("SARL FERME DU TREFLE") >= 1
    page_fits(page, edge=False)
    screenshot(page, f"mapping-preview-{size}")
    assert '"grandes cultures" = "flour"' in SavedMapping.objects.get(name="hve-63").text.casefold()
    page.goto(live_server.url + "/imports/mappings/")
    assert page.get_by_role("link", name="Télécharger (TOML)").is_visible()
    page_fits(page, edge=False)
    screenshot(page, f"mapping-list-{size}")
    assert problems == []


def test_a_mapping_with_no_name_column_says_so_above_the_columns(
    page: Any, client: Any, live_server: Any, django_user_model: Any, settings: Any, tmp_path: Path
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "var"
    page.set_viewport_size(SIZES["phone"])
    logged_in(page, client, live_server, django_user_model)
    page.goto(live_server.url + "/imports/mapping/")
    page.set_input_files("#id_file", str(HVE))
    page.get_by_role("button", name="Voir les colonnes").click()
    page.wait_for_selector("table.source-columns")
    name_row = page.locator("table.source-columns tbody tr").filter(has_text="Nom ou Raison sociale")
    name_row.locator("select").select_option("")
    page.get_by_role("button", name="Enregistrer la correspondance et voir l’aperçu").click()
    page.wait_for_selector("#mapping-errors")
    # Said above the columns, where the name column is chosen; the top of the page leads there.
    assert "Choisissez la colonne qui donne le nom" in page.inner_text("#columns-errors")
    page.click("#mapping-errors a")
    page.wait_for_function("location.hash === '#columns'")
    page_fits(page, edge=False)
    screenshot(page, "mapping-error-phone")
