"""Pure engines import no Django, not even through terroir.lib: each is imported in a new interpreter, which
then lists the Django modules it loaded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def django_modules_loaded_by(module: str) -> list[str]:
    """The Django modules loaded by importing `module` alone."""
    code = f"import {module}, sys; print(' '.join(sorted(m for m in sys.modules if m.startswith('django'))))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()
