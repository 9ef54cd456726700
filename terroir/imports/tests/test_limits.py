"""A source file over the reading limits (terroir.lib.tabular, tested in terroir/lib/tests/test_tabular.py)
is refused on the import pages with the limit it exceeds, in the reader's language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from terroir.imports.mapping import mapping_parse
from terroir.imports.read import Preview, preview
from terroir.lib.tests.bounded import memory_ceiling

from .test_merging import mapping
from .test_read import FARMS_MAPPING, ROWS, write_csv
from .test_views import coordinator  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def test_the_limits_come_from_the_settings_and_the_refusal_speaks_the_readers_language(
    tmp_path: Path, settings: Any, territory: Any
) -> None:
    settings.TERROIR_SHEET_MAX_ROWS = 1000
    path = write_csv(tmp_path / "fermes.csv", ROWS[:1] * 1200)
    with translation.override("fr"):
        result: Preview = preview(path, mapping_parse(FARMS_MAPPING))
    assert result.error is not None
    assert result.error.startswith("ligne 1002\u202f: le fichier a plus de 1") and "000 lignes" in result.error


def test_the_import_preview_shows_the_limit_a_deep_json_file_exceeds(coordinator: Any, territory: Any) -> None:  # noqa: F811
    with memory_ceiling():
        response = coordinator.post(
            reverse("imports:home"),
            {"source": "bio", "file": SimpleUploadedFile("bio.json", b"[" * 200_000),
             "mapping_file": SimpleUploadedFile("m.toml", mapping("bio").encode())},
        )  # fmt: skip
        page = coordinator.get(response["Location"]).content.decode()
    assert "TERROIR_JSON_MAX_DEPTH" in page and "64" in page
