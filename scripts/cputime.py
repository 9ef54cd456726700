"""Run a command and print the processor time of its whole process tree, Chromium's renderers included.

`/usr/bin/time -v` counts a process's children only as they are reaped up the tree: Chromium's renderers,
orphaned when Playwright closes the browser, and the PostgreSQL server of scripts/with-postgres.sh are
reaped by init, and their processor time is lost (16 browser tests: 48.6 s by `time -v`, 84.6 s here).
This script makes itself the "child subreaper" of the command (Linux prctl), so every descendant is
reaped here and counted. On a loaded machine wall time says little; this total says what the run costs.

    python3 scripts/cputime.py .venv/bin/pytest -q -p no:cacheprovider -n 2
"""

from __future__ import annotations

import ctypes
import os
import resource
import sys
import time

PR_SET_CHILD_SUBREAPER = 36


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER)")
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    code = 0
    while True:  # reap the command, then every orphan it left, until none remains
        try:
            reaped, status = os.wait()
        except ChildProcessError:
            break
        if reaped == pid:
            code = os.waitstatus_to_exitcode(status)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(
        f"cputime: user {usage.ru_utime:.1f} s, system {usage.ru_stime:.1f} s, "
        f"total {usage.ru_utime + usage.ru_stime:.1f} s, wall {time.monotonic() - started:.1f} s, exit {code}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
