"""The import pages speak the reader's language, with plurals that agree with their number."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from terroir.directory.uploads import UploadRefused
from terroir.imports.jobs import upload_keep
from terroir.imports.models import ImportRun, Source

from .test_merging import BIO, mapping
from .test_views import coordinator, csv_upload  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db

NAMELESS = ["b3", "", "", "", "", "63600", "Ambert", "", "", ""]


def _preview(client: Any, rows: list[list[str]], language: str) -> str:
    response = client.post(
        reverse("imports:home"),
        {
            "source": "bio",
            "file": csv_upload(rows),
            "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode()),
        },
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    # Lines joined, the no-break spaces of French typography kept (str.split would make them plain).
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language).content.decode()
    return re.sub(r"[ \t\r\n]+", " ", page)


@pytest.mark.parametrize(("language", "said"), [
    ("fr", "3 lignes lues, 3 fiches lues\u202f: 2 utilisables, 1 fiche rejetée."),
    ("en", "3 rows read, 3 records read: 2 usable, 1 record rejected."),
])  # fmt: skip
def test_the_preview_agrees_its_words_with_one_rejected_row(
    coordinator,  # noqa: F811
    territory,
    settings,
    tmp_path,
    language: str,
    said: str,
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    assert said in _preview(coordinator, [*BIO, NAMELESS], language)


@pytest.mark.parametrize(("language", "said"), [
    ("fr", "4 lignes lues, 4 fiches lues\u202f: 2 utilisables, 2 fiches rejetées."),
    ("en", "4 rows read, 4 records read: 2 usable, 2 records rejected."),
])  # fmt: skip
def test_the_preview_agrees_its_words_with_two_rejected_rows(
    coordinator,  # noqa: F811
    territory,
    settings,
    tmp_path,
    language: str,
    said: str,
) -> None:
    settings.TERROIR_IMPORT_DIR = tmp_path
    assert said in _preview(coordinator, [*BIO, NAMELESS, ["b4", *NAMELESS[1:]]], language)


@pytest.mark.parametrize(("language", "rejected"), [("fr", "<td>oui</td>"), ("en", "<td>yes</td>")])
def test_the_run_page_says_whether_a_problem_row_was_rejected_in_the_reader_s_language(
    coordinator,  # noqa: F811
    territory,
    language: str,
    rejected: str,
) -> None:
    source = Source.objects.create(name="bio", label="Bio")
    run = ImportRun.objects.create(
        source=source,
        file_name="bio.csv",
        status=ImportRun.Status.DONE,
        rows=1,
        rejected=1,
        report="\ufeffline;rejected;column;problem;row\n3;yes;nom;x;{}\n",
    )
    page = coordinator.get(reverse("imports:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert rejected in page


@pytest.mark.parametrize(("language", "said"), [
    ("fr", "le fichier fait 2 Mo\u202f; la limite est de 1 Mo"),
    ("en", "the file is 2 MB; the limit is 1 MB"),
])  # fmt: skip
def test_an_upload_refused_says_why_in_the_reader_s_language(settings, language: str, said: str) -> None:
    settings.TERROIR_IMPORT_MAX_MB = 1
    with translation.override(language), pytest.raises(UploadRefused, match=said):
        upload_keep(file=SimpleUploadedFile("big.csv", b"x" * 2_000_000), mapping_text="")
