"""The planning engines (routing, distances, costs, sharing, evaluation, benchmark readers, relay siting) are
pure: they import no Django, so that benchmarks and other programs use them without a project around them."""

from __future__ import annotations

import pytest

from terroir.lib.tests.pure import django_modules_loaded_by


@pytest.mark.parametrize(
    "module",
    ["routing", "distances", "costs", "sharing", "evaluate", "readers", "siting", "relay_study"],
)
def test_the_planning_engine_imports_no_django(module: str) -> None:
    assert django_modules_loaded_by(f"terroir.logistics.{module}") == []
