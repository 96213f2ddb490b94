"""What Hydra imports of the sweeper: every composition scans the sweeper plugins, so a plain
run must not pay for the sweep's libraries."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

COMPOSE_AND_LIST = """
import sys
from pathlib import Path
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from sim.cli.compose import CONF_DIR
from sim.cli.precheck import compose_checked
from sim.cli.store import register
register()
compose_checked(Path(CONF_DIR), ["policy=random"])
names = [c.__module__ + "." + c.__name__ for c in Plugins.instance().discover(Sweeper)]
print(",".join(names))
print(",".join(m for m in ("optuna", "sqlalchemy", "sim.sweep.loop") if m in sys.modules))
"""


def test_a_plain_composition_finds_the_sweeper_without_loading_optuna() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", COMPOSE_AND_LIST],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    sweepers, loaded = proc.stdout.splitlines()
    assert "sim.sweep.sweeper.StewardSweeper" in sweepers.split(",")
    assert loaded == ""
