"""Running ``python -m sim.study`` from the tests."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def study_cli(command: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m sim.study COMMAND ARGS...`` in the repository, output captured."""
    return subprocess.run(
        [sys.executable, "-m", "sim.study", command, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
