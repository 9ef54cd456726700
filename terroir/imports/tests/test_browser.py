"""A coordinator in a real browser: upload, preview, import with its progress bar, then the review queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from terroir.conftest import fits_at, page_fits, screenshot
from terroir.imports.mapping import mapping_parse
from terroir.imports.services import source_import

from .test_merging import BIO, CHAMBER, load, mapping, write

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def logged_in(page: Any, client: Any, live_server: Any, django_user_model: Any) -> None:
    user = django_user_model.objects.create_user("coordinatrice", password="x", is_staff=True)
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])


def test_a_coordinator_imports_a_file_and_follows_its_progress_to_the_results(
    page: Any,
    client: Any,
    live_server: Any,
    django_user_model: Any,
    communes_for_live_server: None,
    settings: Any,
    tmp_path: Path,
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "var"
    logged_in(page, client, live_server, django_user_model)
    source_file = write(tmp_path / "bio.csv", BIO)
    mapping_file = tmp_path / "bio.toml"
    mapping_file.write_text(mapping("bio"), encoding="utf-8")
    page.goto(live_server.url + "/imports/")
    page.fill("#id_source", "bio")
    page.set_input_files("#id_file", str(source_file))
    page.set_input_files("#id_mapping_file", str(mapping_file))
    page.get_by_role("button", name="Aperçu").click()
    page.wait_for_selector("text=2 lignes lues, 2 fiches lues\u202f: 2 utilisables, 0 fiche rejetée.")
    assert page.locator("table.preview").inner_text().count("GAEC des Monts du Forez") == 1
    # The directory's fields are named in French; each header's title keeps the mapping's name.
    headers = page.locator("table.preview thead").inner_text()
    assert "Nom" in headers and "Horaires d’ouverture" in headers and "opening_hours" not in headers
    assert page.locator("table.preview thead th[title=opening_hours]").count() == 1
    page.get_by_role("button", name="Importer et fusionner").click()
    page.wait_for_selector("#job-result", timeout=60_000)
    assert "Import terminé." in page.inner_text("#job-message")
    page.click("#job-result")
    figures = page.inner_text("table.figures")
    assert "Fiches de l’annuaire créées\t2" in figures


def test_a_coordinator_works_through_the_review_queue(
    page: Any,
    client: Any,
    live_server: Any,
    django_user_model: Any,
    communes_for_live_server: None,
    tmp_path: Path,
) -> None:
    from terroir.imports.models import RecordPair

    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    logged_in(page, client, live_server, django_user_model)
    page.goto(live_server.url + "/imports/review/")
    pair = page.locator("section.pair").first
    assert "Rucher de la Durolle" in pair.inner_text() and "Ferme de la Durolle" in pair.inner_text()
    pair.get_by_role("button", name="Différentes — garder séparées").click()
    page.wait_for_selector("text=Rien à vérifier.")
    assert "Gardées séparées" in page.inner_text("ul.messages")
    assert RecordPair.objects.get(first__ref="b2").status == RecordPair.Status.DIFFERENT


PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def watched(page: Any) -> list[str]:
    """The page's script errors and refusals by the content security policy, as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    return problems


def test_a_coordinator_decides_a_batch_of_pairs_side_by_side_with_their_map(
    page: Any, client: Any, live_server: Any, django_user_model: Any, communes_for_live_server: None,
    tmp_path: Path,
) -> None:  # fmt: skip
    from terroir.imports.models import RecordPair, SourceRecord

    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    # As if the linkage had been unsure of the SIRET pair too: two pairs wait.
    RecordPair.objects.filter(status=RecordPair.Status.LINKED).update(status=RecordPair.Status.REVIEW)
    # A long web address without a space: it must wrap rather than widen the page.
    record = SourceRecord.objects.get(ref="c2")
    record.data["website"] = "https://www." + "ferme-de-la-durolle-" * 8 + "thiers.example.org/vente-directe"
    record.save(update_fields=["data"])
    # A coordinator's journey, at a desktop; each page it reaches is checked on a phone too (`fits_at`).
    size = "desktop"
    page.set_viewport_size(DESKTOP)
    problems = watched(page)
    logged_in(page, client, live_server, django_user_model)
    page.goto(live_server.url + "/imports/review/")
    assert page.locator("section.pair").count() == 2
    # Most likely first; each pair has its two numbered markers on a small map.
    assert "Monts du Forez" in page.locator("section.pair").first.inner_text()
    page.wait_for_selector(".pair-map .pair-marker-2")
    assert page.locator(".pair-map").first.locator(".pair-marker").count() == 2
    assert page.locator("tr.differs").count() > 0
    # Products by their names, not their codes.
    assert "Fromages de vache, Miel et produits de la ruche" in page.locator("section.pair").first.inner_text()
    # Waiting pairs say what the rules saw; none says it was merged.
    assert "Ce qu’ont relevé les règles de fusion" in page.locator("section.pair").first.inner_text()
    assert "Pourquoi elles ont été fusionnées" not in page.inner_text("main")
    page_fits(page, "the page", edge=False)
    fits_at(page, (PHONE["width"], PHONE["height"]), "the page on a phone", edge=False)
    screenshot(page, f"review-{size}")
    # The queue narrowed to one source's records: both pairs have a record of "bio"; the choice stays.
    page.get_by_label("Source", exact=True).select_option("bio")
    page.get_by_role("button", name="Afficher").click()
    page.wait_for_url("**source=bio**")
    assert page.locator("section.pair").count() == 2
    assert page.get_by_label("Source", exact=True).input_value() == "bio"
    page_fits(page, "the filters", edge=False)
    fits_at(page, (PHONE["width"], PHONE["height"]), "the filters on a phone", edge=False)
    screenshot(page, f"review-filtered-{size}")
    page.check("#tick-all")
    page.get_by_role("button", name="Différentes — garder séparées les paires cochées").click()
    page.wait_for_selector("text=Rien à vérifier.")
    assert page.locator("li.message").count() == 2
    assert set(RecordPair.objects.values_list("status", flat=True)) == {RecordPair.Status.DIFFERENT}
    screenshot(page, f"review-done-{size}")
    assert problems == []


def test_a_coordinator_splits_an_automatic_merge_from_the_import_s_page(
    page: Any, client: Any, live_server: Any, django_user_model: Any, communes_for_live_server: None,
    tmp_path: Path,
) -> None:  # fmt: skip
    from terroir.imports.models import RecordPair, SourceRecord

    load(tmp_path, "bio", BIO)
    run = load(tmp_path, "chamber", CHAMBER)
    # A coordinator's journey, at a desktop; the merges page on a phone is the next test's.
    size = "desktop"
    page.set_viewport_size(DESKTOP)
    problems = watched(page)
    logged_in(page, client, live_server, django_user_model)
    page.goto(f"{live_server.url}/imports/runs/{run.pk}/")
    page.get_by_role("link", name="Voir les fusions automatiques de cet import").click()
    merge = page.locator("section.pair").first
    assert "même SIRET" in merge.inner_text() and "Monts du Forez (EARL)" in merge.inner_text()
    page.wait_for_selector(".pair-map .pair-marker-2")
    page_fits(page, "the page", edge=False)
    # The fields' names keep their words whole, however long the values beside them (a source's long
    # addresses and web links squeezed the column down to "Commu-ne").
    long_value = "https://nosmarches.com/marche/marche-aux-puces-de-saint-ouen " * 4
    merge.locator("table.side-by-side td").evaluate_all("(tds, v) => tds.forEach(td => td.textContent = v)", long_value)
    cut = merge.locator("table.side-by-side tbody th").evaluate_all("""ths => ths.flatMap(th => {
        const style = getComputedStyle(th);
        const room = th.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
        return th.firstChild.textContent.trim().split(/\\s+/).filter(word => {
            const probe = document.createElement('span');
            probe.style.whiteSpace = 'nowrap'; probe.textContent = word; th.appendChild(probe);
            const wide = probe.getBoundingClientRect().width; probe.remove();
            return wide > room + 1;
        });
    })""")
    assert cut == []
    screenshot(page, f"merges-{size}")
    merge.get_by_role("button", name="Séparer — ce sont deux choses différentes").click()
    page.wait_for_selector("li.message.success")
    assert "aucun import ultérieur ne les fusionnera" in page.inner_text("ul.messages")
    assert SourceRecord.objects.get(ref="b1").actor_id != SourceRecord.objects.get(ref="c1").actor_id
    assert RecordPair.objects.get(first__ref="b1").split_at is not None
    page.get_by_role("link", name="Séparées par un coordinateur").click()
    page.wait_for_selector("text=Séparée le")
    screenshot(page, f"merges-split-{size}")
    assert problems == []


def test_an_import_s_pages_fit_a_phone_with_a_long_file_name(
    page: Any, client: Any, live_server: Any, django_user_model: Any, communes_for_live_server: None,
    tmp_path: Path,
) -> None:  # fmt: skip
    # Exported files carry long names with no space to break at: the title ran 187 px past a phone's edge.
    load(tmp_path, "bio", BIO)
    long_name = tmp_path / "chambre_agriculture_producteurs_fermiers_export_complet_2026.csv"
    run = source_import(path=write(long_name, CHAMBER), mapping=mapping_parse(mapping("chamber")))
    page.set_viewport_size(PHONE)
    logged_in(page, client, live_server, django_user_model)
    for path in (f"/imports/runs/{run.pk}/", f"/imports/runs/{run.pk}/merges/"):
        page.goto(f"{live_server.url}{path}")
        page.wait_for_selector("main h1")
        page_fits(page, path, edge=False)
    screenshot(page, "merges-long-file-name-phone")
    # The file among those uploaded earlier to map its columns: its name ran 66 px past the edge.
    page.goto(f"{live_server.url}/imports/mapping/")
    page.set_input_files("#id_file", str(long_name))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/imports/mapping/*/")
    page.goto(f"{live_server.url}/imports/mapping/")
    assert "chambre_agriculture" in page.inner_text("ul.file-names")
    page_fits(page, "the files uploaded earlier", edge=False)
