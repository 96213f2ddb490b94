"""Every ``python -m sim`` command the README shows is one Hydra accepts: its overrides parse,
and those that name no sweep compose into a config that passes validation."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.cli.compose import compose_config

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands(text: str) -> list[str]:
    """The shell commands of the README's ``bash`` blocks, continuation lines joined."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip():
                commands.append(line.strip())
    return commands


def app_overrides(command: str) -> list[str] | None:
    """The overrides of a ``.venv/bin/python -m sim`` command (the app itself, not its
    sub-commands), without the multirun flag; None for any other command."""
    words = shlex.split(command, comments=True)
    if words[:3] != [".venv/bin/python", "-m", "sim"]:
        return None
    overrides, flags = [], iter(words[3:])
    for word in flags:
        if word == "--cfg":  # Hydra's flag to print the config: its value is no override
            next(flags)
        elif word not in ("-m", "--multirun"):
            overrides.append(word)
    return overrides


APP_COMMANDS = [c for c in readme_commands(README.read_text()) if app_overrides(c) is not None]


def test_the_readme_shows_app_commands() -> None:
    assert len(APP_COMMANDS) >= 10


@pytest.mark.parametrize("command", APP_COMMANDS)
def test_readme_command_is_accepted(command: str) -> None:
    overrides = app_overrides(command)
    assert overrides is not None
    parsed = OverridesParser.create().parse_overrides(overrides)
    if any(o.is_sweep_override() or o.is_hydra_override() for o in parsed):
        return  # a sweep, or a config of the reader's own (hydra.searchpath)
    if any(o.key_or_group == "sweep" and o.is_add() for o in parsed):
        return
    compose_config(overrides)
