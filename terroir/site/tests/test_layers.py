"""The layer contract of `make lint` (.importlinter) catches a lower layer importing an upper one, and an
engine importing Django, even through another module."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tree)}
    return subprocess.run([str(LINT), "--no-cache"], cwd=tree, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the project's package and contract, to break on purpose."""
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    shutil.copytree(ROOT / "terroir", tmp_path / "terroir", ignore=shutil.ignore_patterns("__pycache__", "data"))
    return tmp_path


def test_the_project_keeps_its_layers(tree: Path) -> None:
    done = _lint(tree)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_contract_breaks_when_the_directory_imports_the_accounts(tree: Path) -> None:
    (tree / "terroir/directory/shortcut.py").write_text("def f():\n    from terroir.accounts import permissions\n")
    done = _lint(tree)
    assert done.returncode == 1
    assert "terroir.directory is not allowed to import terroir.accounts" in done.stdout


def test_the_contract_breaks_when_a_capability_imports_another(tree: Path) -> None:
    (tree / "terroir/needs/shortcut.py").write_text("import terroir.meetings.services\n")
    done = _lint(tree)
    assert done.returncode == 1
    assert "terroir.needs is not allowed to import terroir.meetings" in done.stdout


def test_the_contract_breaks_when_an_engine_reaches_django_through_a_helper(tree: Path) -> None:
    (tree / "terroir/lib/settings_helper.py").write_text("from django.conf import settings\n")
    routing = tree / "terroir/logistics/routing.py"
    routing.write_text(routing.read_text() + "\nfrom terroir.lib import settings_helper  # noqa\n")
    done = _lint(tree)
    assert done.returncode == 1
    assert "terroir.logistics.routing is not allowed to import django" in done.stdout
