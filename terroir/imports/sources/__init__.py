"""Ready-made mappings (`<name>.toml`) for the sources met in the field, and the adapters (`<name>.py`,
with a `prepare(values) -> values` function) for what a mapping alone cannot say."""

from __future__ import annotations

from pathlib import Path

SOURCES_DIR = Path(__file__).resolve().parent


def shipped_mappings() -> dict[str, Path]:
    """name -> path of each ready-made mapping."""
    return {path.stem: path for path in sorted(SOURCES_DIR.glob("*.toml"))}
