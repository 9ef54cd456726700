"""The migrated test database kept between runs (terroir/conftest.py) is found again under the same key
only while nothing it is built from has changed: a migration, the code a data migration runs (followed
through its imports), the data file it reads, Django's version."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from terroir.conftest import migrated_database_key

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR) / "terroir"


def key_with_changed(monkeypatch: Any, changed: Path) -> str:
    read = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read(self) + (b"#" if self == changed else b""))
    return migrated_database_key(connection)


@pytest.mark.parametrize(
    "changed",
    [
        ROOT / "directory" / "migrations" / "0001_initial.py",  # a migration
        ROOT / "directory" / "taxonomy.py",  # what a data migration calls
        ROOT / "lib" / "text.py",  # what that code imports in turn (communes.py → lib.text)
        Path(settings.TERROIR_COMMUNES_FILE),  # the data a data migration reads
    ],
    ids=["migration", "data-migration-code", "its-imports", "communes-file"],
)
def test_a_change_to_what_the_database_is_built_from_is_another_key(monkeypatch, changed: Path) -> None:
    before = migrated_database_key(connection)
    assert migrated_database_key(connection) == before
    assert key_with_changed(monkeypatch, changed) != before


def test_a_change_elsewhere_keeps_the_key(monkeypatch) -> None:
    before = migrated_database_key(connection)
    assert key_with_changed(monkeypatch, ROOT / "site" / "views.py") == before


def test_another_django_version_is_another_key(monkeypatch) -> None:
    import django

    before = migrated_database_key(connection)
    monkeypatch.setattr(django, "__version__", django.__version__ + ".1")
    assert migrated_database_key(connection) != before
