"""A benchmark's own SQLite database in bench/out/, new at each run, with Django set up on it."""

from __future__ import annotations

from pathlib import Path

from bench.search import setup_django

OUT = Path(__file__).resolve().parent / "out"


def scratch_django(name: str) -> Path:
    """bench/out/<name>.sqlite3 emptied with its journals (a run never finds the last run's rows: SQLite
    would replay a left write-ahead log into the new file), then Django set up on it with production
    settings (no query recording). The caller migrates."""
    OUT.mkdir(exist_ok=True)
    database = OUT / f"{name}.sqlite3"
    for stale in OUT.glob(f"{database.name}*"):
        stale.unlink()
    setup_django(f"sqlite:///{database}")
    return database
