"""The interpreters the suite starts read and write cached bytecode (terroir/conftest.py's
`pytest_configure`): where the environment forbids writing it beside the sources
(`PYTHONDONTWRITEBYTECODE`), the cache is kept under `var/pycache/` instead, so a child interpreter does
not compile the project from source at each start."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from terroir.conftest import BYTECODE

SHOW = "import json, sys; print(json.dumps([sys.dont_write_bytecode, sys.pycache_prefix]))"


def test_a_child_interpreter_of_the_suite_writes_its_bytecode() -> None:
    done = subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True, check=True)
    dont_write, prefix = json.loads(done.stdout)
    assert dont_write is False
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ
    # Beside the sources (no prefix) on a machine that allows it, else under var/pycache/ (or where the
    # person running the suite said).
    assert prefix in (None, str(BYTECODE), os.environ.get("PYTHONPYCACHEPREFIX"))


def test_this_process_caches_what_it_imports_from_now_on() -> None:
    assert not sys.dont_write_bytecode
    assert sys.pycache_prefix in (None, str(BYTECODE), os.environ.get("PYTHONPYCACHEPREFIX"))
