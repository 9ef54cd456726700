"""An import counts the file's rows apart from its records: a producer's row gives two records (the producer
and its farm), so a progress that counted records was full at two thirds of a file of producers, said
"142 000 lignes lues sur environ 142 000" for 100,000 lines, and the run's page "Lignes lues" for records."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun
from terroir.imports.read import Preview, preview, preview_summary
from terroir.imports.services import source_import
from terroir.lib.progress import Progress

from .files import DIRECTORY

pytestmark = pytest.mark.django_db

HEADER = ("code", "type", "nom", "cp", "commune", "lat", "lon")
ROWS = [
    # Three rows of producers with their farm (six records), a market, and a row rejected (no name).
    ("1", "Producteur", "GAEC du Moulin", "63600", "Ambert", "45.5600", "3.7500"),
    ("2", "Producteur", "Rucher des Bois Noirs", "63300", "Thiers", "45.8600", "3.5500"),
    ("3", "Producteur", "Ferme Brun", "63300", "Thiers", "45.8610", "3.5510"),
    ("m1", "Marché", "Marché Saint-Genès", "63600", "Ambert", "45.5500", "3.7400"),
    ("m2", "Marché", "", "63600", "Ambert", "45.5510", "3.7410"),
]


@pytest.fixture
def coordinator(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("coordinatrice", password="x", is_staff=True)
    client.force_login(user)
    return client


def written(tmp_path: Path) -> Path:
    path = tmp_path / "annuaire.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    return path


def test_the_progress_and_the_run_count_the_file_s_rows_apart_from_its_records(tmp_path, territory) -> None:
    seen: list[tuple[int, int | None, int, int | None]] = []

    def told(progress: Progress) -> None:
        if progress.stage == "read":
            run = ImportRun.objects.get(upload="tok-1")  # written outside the import's transaction
            seen.append((progress.done or 0, progress.total, run.done, run.total))

    path = written(tmp_path)
    run = source_import(path=path, mapping=mapping_parse(DIRECTORY), geocode=False, progress=told, upload="tok-1")
    assert run.status == ImportRun.Status.DONE, run.error
    # Five lines of the file, all read, of five: the bar full at the end, not before.
    assert seen[-1] == (5, 5, 5, 5)
    assert (run.lines, run.rows, run.rejected) == (5, 8, 1)
    shown = preview(path, mapping_parse(DIRECTORY))
    assert (shown.lines, shown.rows, shown.rejected) == (5, 8, 1)


def test_the_progress_page_says_the_file_s_rows_read_in_french_and_english(
    coordinator, settings, tmp_path, territory
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    path = written(tmp_path)
    upload = SimpleUploadedFile("annuaire.csv", path.read_bytes(), content_type="text/csv")
    form = {"source": "annuaire", "file": upload, "mapping_file": SimpleUploadedFile("m.toml", DIRECTORY.encode())}
    response = coordinator.post(reverse("imports:home"), form)
    assert response.status_code == 302
    token = response["Location"].strip("/").split("/")[-1]
    url = reverse("imports:progress-json", args=[token])
    said: list[tuple[str, str]] = []

    def told(progress: Progress) -> None:
        if progress.stage == "read":
            french = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="fr").json()
            english = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="en").json()
            said.append((french["message"], english["message"]))

    run = source_import(path=path, mapping=mapping_parse(DIRECTORY), geocode=False, progress=told, upload=token)
    assert run.status == ImportRun.Status.DONE, run.error
    assert said[-1] == ("5 lignes lues sur environ 5", "5 rows read of about 5")


def test_the_run_s_page_says_rows_and_records_read_in_french_and_english(coordinator, tmp_path, territory) -> None:
    run = source_import(path=written(tmp_path), mapping=mapping_parse(DIRECTORY), geocode=False)
    url = reverse("imports:run", args=[run.pk])
    french = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "<th>Lignes lues</th><td>5</td>" in french
    assert "<th>Fiches lues</th><td>8</td>" in french and "<th>Fiches rejetées</th><td>1</td>" in french
    english = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<th>Rows read</th><td>5</td>" in english
    assert "<th>Records read</th><td>8</td>" in english and "<th>Rejected records</th><td>1</td>" in english
    # A run from before the rows were counted apart says its records only, not records as rows.
    ImportRun.objects.filter(pk=run.pk).update(lines=None)
    french = coordinator.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Lignes lues" not in french and "<th>Fiches lues</th><td>8</td>" in french


def test_the_preview_says_rows_and_records_read_as_the_run_s_page_does(
    coordinator, settings, tmp_path, territory
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path / "uploads"
    upload = SimpleUploadedFile("annuaire.csv", written(tmp_path).read_bytes(), content_type="text/csv")
    form = {"source": "annuaire", "file": upload, "mapping_file": SimpleUploadedFile("m.toml", DIRECTORY.encode())}
    response = coordinator.post(reverse("imports:home"), form)
    assert response.status_code == 302
    french = coordinator.get(response["Location"], HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    summary = '<p class="summary" id="preview-summary">'
    assert f"{summary}5 lignes lues, 8 fiches lues\u202f: 7 utilisables, 1 fiche rejetée.</p>" in french
    english = coordinator.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{summary}5 rows read, 8 records read: 7 usable, 1 record rejected.</p>" in english


def test_the_preview_s_figures_take_the_language_s_plurals_and_way_of_writing_numbers() -> None:
    big = Preview(mapping=mapping_parse(DIRECTORY), rows=13_500, lines=12_000, rejected=1)
    one = Preview(mapping=mapping_parse(DIRECTORY), rows=1, lines=1, rejected=0)
    with translation.override("fr"):
        assert (
            preview_summary(big)
            == "12\u00a0000 lignes lues, 13\u00a0500 fiches lues\u202f: 13\u00a0499 utilisables, 1 fiche rejetée."
        )
        assert preview_summary(one) == "1 ligne lue, 1 fiche lue\u202f: 1 utilisable, 0 fiche rejetée."
    with translation.override("en"):
        assert preview_summary(big) == "12,000 rows read, 13,500 records read: 13,499 usable, 1 record rejected."
        assert preview_summary(one) == "1 row read, 1 record read: 1 usable, 0 records rejected."
