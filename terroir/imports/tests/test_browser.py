"""A coordinator in a real browser: upload, preview, import with its progress bar, then the review queue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
    page.wait_for_selector("text=2 lignes lues : 2 utilisables, 0 rejetées.")
    assert page.locator("table.preview").inner_text().count("GAEC des Monts du Forez") == 1
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
