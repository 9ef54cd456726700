"""Coordinators' import pages: staff only; upload, preview, run with progress, report, review, origins."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun, RecordPair, Source, SourceRecord

from .test_merging import BIO, CHAMBER, COLUMNS, load, mapping

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client: Any, django_user_model: Any) -> Any:
    user = django_user_model.objects.create_user("coordinatrice", password="x", is_staff=True)
    client.force_login(user)
    return client


def csv_upload(rows: list[list[str]], name: str = "bio.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8"), content_type="text/csv")


def test_import_pages_are_for_staff_only(client, django_user_model) -> None:
    response = client.get(reverse("imports:home"))
    assert response.status_code == 302 and "/account/login/" in response["Location"]
    client.force_login(django_user_model.objects.create_user("farmer", password="x"))
    assert client.get(reverse("imports:review")).status_code == 403


def test_a_bad_mapping_or_file_is_refused_on_the_form_saying_what_and_where(coordinator, territory) -> None:
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": csv_upload(BIO),
         "mapping_file": SimpleUploadedFile("m.toml", b"[fields]\nname = \"nom\"\n[oops\n")},
    )  # fmt: skip
    assert response.status_code == 400 and "TOML non valide" in response.content.decode()
    response = coordinator.post(reverse("imports:home"), {"source": "nowhere", "file": csv_upload(BIO)})
    assert response.status_code == 400 and "pas encore de correspondance" in response.content.decode()
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": csv_upload(BIO), "mapping_file": SimpleUploadedFile("m.toml", "é".encode("latin-1"))},
    )
    assert response.status_code == 400 and "pas du texte UTF-8" in response.content.decode()


def test_an_oversized_upload_is_refused(coordinator, territory, settings) -> None:
    settings.TERROIR_IMPORT_MAX_MB = 0
    response = coordinator.post(
        reverse("imports:home"),
        {
            "source": "bio",
            "file": csv_upload(BIO),
            "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode()),
        },
    )
    # Stopped while it streamed, before the view: the page names the file and the limit.
    page = response.content.decode()
    assert response.status_code == 413 and "bio.csv" in page and "TERROIR_IMPORT_MAX_MB" in page


def test_a_broken_file_shows_its_error_in_the_preview(coordinator, territory) -> None:
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": SimpleUploadedFile("bio.json", b"[{\"nom\": "),
         "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
    )  # fmt: skip
    page = coordinator.get(response["Location"]).content.decode()
    assert "This file cannot be imported" in page or "Ce fichier ne peut pas" in page
    assert "Import and merge" not in page and "Importer et fusionner" not in page
    # No empty table of "first rows" under the error: there are none.
    assert "First rows as they will be read" not in page and "Premières lignes" not in page


@pytest.mark.django_db(transaction=True)
def test_a_coordinator_uploads_previews_runs_with_progress_and_reads_the_report(
    coordinator, communes_for_live_server, settings, tmp_path
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    rows = [*BIO, ["b3", "", "", "", "", "63600", "Ambert", "", "", ""]]
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": csv_upload(rows),
         "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode()), "geocode": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    preview = coordinator.get(response["Location"])
    page = preview.content.decode()
    assert "GAEC des Monts du Forez" in page and "pas de nom" in page
    started = coordinator.post(response["Location"])
    progress_url = reverse("imports:progress-json", args=[started["Location"].strip("/").split("/")[-2]])
    deadline = time.monotonic() + 60
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = coordinator.get(progress_url).json()
        if state["status"] != "running":
            break
        time.sleep(0.2)
    assert state["status"] == "done", state
    run = ImportRun.objects.get()
    assert (run.rows, run.rejected, run.entries_created) == (3, 1, 2)
    page = coordinator.get(state["url"]).content.decode()
    assert "pas de nom" in page
    report = coordinator.get(reverse("imports:run-report", args=[run.pk]))
    assert report["Content-Type"].startswith("text/csv") and "pas de nom" in report.content.decode("utf-8-sig")


def test_the_review_queue_shows_both_records_and_takes_decisions(coordinator, territory, tmp_path) -> None:
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    pair = RecordPair.objects.get(status=RecordPair.Status.REVIEW)
    page = coordinator.get(reverse("imports:review")).content.decode()
    assert "Rucher de la Durolle" in page and "Ferme de la Durolle" in page
    assert "04 73 51 00 09" in page  # the phone as people write it, kept +33473510009
    assert coordinator.post(reverse("imports:decide", args=[pair.pk]), {"decision": "maybe"}).status_code == 400
    response = coordinator.post(reverse("imports:decide", args=[pair.pk]), {"decision": "same"})
    assert response.status_code == 302
    pair.refresh_from_db()
    assert pair.status == RecordPair.Status.SAME and pair.decided_by is not None
    assert SourceRecord.objects.get(ref="b2").actor == SourceRecord.objects.get(ref="c2").actor


def test_the_review_shows_product_labels_and_kinds_by_name_in_the_reader_s_language(
    coordinator, territory, tmp_path
) -> None:
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    french = coordinator.get(reverse("imports:review"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '">Miel et produits de la ruche</td>' in french and '">honey</td>' not in french
    english = coordinator.get(reverse("imports:review"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '">Honey and hive products</td>' in english


def test_a_coordinator_sees_where_a_phone_number_comes_from(coordinator, territory, tmp_path) -> None:
    load(tmp_path, "bio", BIO)
    load(tmp_path, "chamber", CHAMBER)
    forez = SourceRecord.objects.get(ref="b1").actor
    assert forez is not None
    page = coordinator.get(reverse("imports:origins", args=["producer", forez.pk])).content.decode()
    assert "04 73 82 00 01" in page and "chamber" in page  # kept +33473820001
    # The other source's name is shown beside the one kept.
    assert "GAEC des Monts du Forez" in page and "Monts du Forez (EARL)" in page
    assert coordinator.get(reverse("imports:origins", args=["nothing", 1])).status_code == 404


def test_nothing_yet_is_said_in_words_and_a_run_without_merges_links_to_none(coordinator, territory, tmp_path):
    """A new coordinator reads "Aucune paire…" and "Aucune décision…", not "0 paire … ne la défait jamais"; the
    run page links to its automatic merges only when it made some."""
    french = {"HTTP_ACCEPT_LANGUAGE": "fr"}
    home = coordinator.get(reverse("imports:home"), **french).content.decode()
    assert "Aucune paire de fiches n’attend de décision." in home and "0 paire" not in home
    alone = load(tmp_path, "bio", BIO)
    merged = load(tmp_path, "chamber", CHAMBER)
    review = coordinator.get(reverse("imports:review"), **french).content.decode()
    assert "Aucune décision prise pour l’instant" in review and "0 décision" not in review
    merges_link = "Voir les fusions automatiques de cet import"
    assert alone.merged == 0 and merges_link not in coordinator.get(reverse("imports:run", args=[alone.pk]),
                                                                     **french).content.decode()  # fmt: skip
    assert merged.merged and merges_link in coordinator.get(reverse("imports:run", args=[merged.pk]),
                                                            **french).content.decode()  # fmt: skip


def test_an_unknown_upload_token_is_not_found(coordinator) -> None:
    assert coordinator.get("/imports/uploads/..%2F..%2Fetc/").status_code == 404
    assert coordinator.get(reverse("imports:preview", args=["nothing-here"])).status_code == 404
    assert coordinator.get(reverse("imports:progress-json", args=["abc"])).status_code == 404


def test_sources_priorities_are_set_and_runs_read_in_the_admin(admin_client, territory, tmp_path) -> None:
    load(tmp_path, "bio", BIO)
    for url in ("/admin/imports/source/", "/admin/imports/importrun/", "/admin/imports/sourcerecord/",
                "/admin/imports/recordpair/"):  # fmt: skip
        assert admin_client.get(url).status_code == 200, url
    record = SourceRecord.objects.filter(source__name="bio").earliest("pk")
    page = admin_client.get(f"/admin/imports/sourcerecord/{record.pk}/change/")
    assert page.status_code == 200 and str(record.last_given_by()) in page.content.decode()


def test_the_run_s_row_tells_how_far_reading_went_while_it_reads(tmp_path, territory) -> None:
    from terroir.imports.services import source_import
    from terroir.lib.progress import Progress

    seen: list[tuple[str, int, int | None]] = []

    def told(progress: Progress) -> None:
        if progress.stage == "read":
            run = ImportRun.objects.get(upload="tok-1")  # written outside the import's transaction
            seen.append((run.stage, run.done, run.total))

    path = tmp_path / "bio.csv"
    path.write_text(csv_upload(BIO).read().decode(), encoding="utf-8")
    run = source_import(path=path, mapping=mapping_parse(mapping("bio")), geocode=False, progress=told, upload="tok-1")
    assert run.status == "done" and seen == [("read", 2, 2)]


def test_a_source_already_being_imported_is_said_on_the_progress_page(coordinator, territory, settings, tmp_path):
    settings.TERROIR_IMPORT_DIR = tmp_path
    mapping_file = SimpleUploadedFile("m.toml", mapping("bio").encode())
    form = {"source": "bio", "file": csv_upload(BIO), "mapping_file": mapping_file}
    response = coordinator.post(reverse("imports:home"), form)
    busy = ImportRun.objects.create(source=Source.objects.get_or_create(name="bio", defaults={"label": "bio"})[0],
                                    file_name="autre.csv", file_sha256="0")  # fmt: skip
    started = coordinator.post(response["Location"])
    token = started["Location"].strip("/").split("/")[-2]
    state = coordinator.get(reverse("imports:progress-json", args=[token])).json()
    # Said in the reader's language, although the worker that found it wrote no text.
    assert state["status"] == "failed"
    assert state["error"] == "la source « bio » est déjà en cours d’import\u202f; réessayez quand il sera terminé"
    english = coordinator.get(reverse("imports:progress-json", args=[token]), HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["error"] == "source “bio” is already being imported; try again when it ends"
    assert busy.status == "running"


def test_the_progress_page_says_in_french_how_many_rows_were_read(coordinator, territory, settings, tmp_path):
    settings.TERROIR_IMPORT_DIR = tmp_path
    mapping_file = SimpleUploadedFile("m.toml", mapping("bio").encode())
    response = coordinator.post(reverse("imports:home"), {"source": "bio", "file": csv_upload(BIO),
                                                          "mapping_file": mapping_file})  # fmt: skip
    token = response["Location"].strip("/").split("/")[-1]
    source = Source.objects.create(name="bio", label="bio")
    ImportRun.objects.create(source=source, file_name="bio.csv", file_sha256="0", upload=token, stage="read",
                             done=1200, total=5000)  # fmt: skip
    state = coordinator.get(reverse("imports:progress-json", args=[token])).json()
    assert state["status"] == "running" and state["fraction"] == 0.24
    assert state["message"].startswith("1") and "lignes lues sur environ 5" in state["message"]


def _gzipped(content: bytes) -> bytes:
    import gzip

    return gzip.compress(content, compresslevel=9)


def test_a_gzip_compressed_upload_is_read_as_its_content(coordinator, territory, settings, tmp_path) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    plain = csv_upload(BIO).read()
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": SimpleUploadedFile("bio.csv.gz", _gzipped(plain)),
         "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
    )  # fmt: skip
    assert response.status_code == 302
    page = coordinator.get(response["Location"]).content.decode()
    assert "GAEC des Monts du Forez" in page
    assert [p.name for folder in tmp_path.iterdir() for p in folder.iterdir() if p.name != "mapping.txt"] == ["bio.csv"]


def test_a_gzip_bomb_is_refused_in_french_before_any_work(coordinator, territory, settings, tmp_path) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    settings.TERROIR_IMPORT_MAX_MB = 1
    bomb = _gzipped(b"a;b\n" + b"0" * (3 * 1024 * 1024))  # 3 KB that unfold into 3 MB
    assert len(bomb) < 10_000
    response = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": SimpleUploadedFile("bio.csv.gz", bomb),
         "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 400
    assert "bio.csv.gz" in page and "une fois décompressé" in page and "TERROIR_IMPORT_MAX_MB" in page
    assert list(tmp_path.iterdir()) == []  # nothing kept
    broken = coordinator.post(
        reverse("imports:home"),
        {"source": "bio", "file": SimpleUploadedFile("bio.csv.gz", b"not gzip at all"),
         "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
    )  # fmt: skip
    assert broken.status_code == 400 and "n’est pas un fichier gzip lisible" in broken.content.decode()
