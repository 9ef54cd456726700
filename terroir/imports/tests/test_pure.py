"""The record linkage (Splink) and the merge's scoring engine are pure: they import no Django."""

from __future__ import annotations

import pytest

from terroir.lib.tests.pure import django_modules_loaded_by


@pytest.mark.parametrize("module", ["linkage", "merge"])
def test_the_linkage_engine_imports_no_django(module: str) -> None:
    assert django_modules_loaded_by(f"terroir.imports.{module}") == []
