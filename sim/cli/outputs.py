"""Where the commands outside the Hydra app write: under ``output.dir`` like a run, when the
command line overrides it."""

from __future__ import annotations

from pathlib import Path

from sim.config.schema import OutputConfig


def output_folder(overrides: list[str], name: str) -> Path:
    """``<output.dir>/<name>``, ``output.dir`` being the last such override, else the default
    (``outputs``)."""
    given = [o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith("output.dir=")]
    return Path(given[-1] if given else OutputConfig.dir) / name
