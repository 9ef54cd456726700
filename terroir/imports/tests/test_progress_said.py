"""Every progress line of an import is said in the reader's language: the linkage's steps (Splink's
training and scoring, named in English by the pure module that runs it) and the record types the merge
names ("place" said "lieux"), where a French progress bar read "comparing candidate pairs" and
"recherche des doublons parmi 8 fiches (place)"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from terroir.imports import linkage
from terroir.imports.mapping import mapping_parse
from terroir.imports.models import ImportRun
from terroir.imports.services import source_import
from terroir.lib.progress import Progress

from .files import DIRECTORY
from .test_lines_read import written

pytestmark = pytest.mark.django_db

ENGLISH = ("measuring how often", "learning how often", "comparing candidate", "(place)", "(producer)", "records")


@pytest.mark.parametrize(
    ("language", "expected", "foreign"),
    [
        ("fr", ["mesure de la fréquence", "comparaison des paires candidates", "fiches (lieux)"], ENGLISH),
        ("en", ["measuring how often unrelated records agree", "comparing candidate pairs", "records (places)"],
         ("fiches", "comparaison", "(place)")),
    ],
)  # fmt: skip
def test_the_merge_s_progress_lines_are_in_the_reader_s_language(
    tmp_path: Path, territory: Any, monkeypatch: pytest.MonkeyPatch, language: str, expected: list[str],
    foreign: tuple[str, ...],
) -> None:  # fmt: skip
    monkeypatch.setattr(linkage, "TRAIN_MIN_RECORDS", 2)  # the training steps too, on a small file
    said: list[str] = []

    def told(progress: Progress) -> None:
        if progress.stage == "merge":
            said.append(progress.message)

    with translation.override(language):
        run = source_import(path=written(tmp_path), mapping=mapping_parse(DIRECTORY), geocode=False, progress=told)
    assert run.status == ImportRun.Status.DONE, run.error
    text = "\n".join(said)
    for words in expected:
        assert words in text, text
    for words in foreign:
        assert words not in text, text
