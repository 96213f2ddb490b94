"""Where the commands outside the Hydra app write: under ``output.dir`` like a run, when the
command line overrides it."""

from __future__ import annotations

import sys
from pathlib import Path

from sim.config.schema import OutputConfig
from sim.io.run_dir import writable_reason


def output_folder(overrides: list[str], name: str) -> Path:
    """``<output.dir>/<name>``, ``output.dir`` being the last such override, else the default
    (``outputs``)."""
    given = [o.split("=", 1)[1] for o in overrides if o.lstrip("+").startswith("output.dir=")]
    return Path(given[-1] if given else OutputConfig.dir) / name


def writable_or_said(folder: Path, flag: str) -> bool:
    """Can files be written in ``folder`` (created if missing)? If not, one ``error:`` line
    naming ``flag`` says why."""
    reason = writable_reason(folder)
    if reason is not None:
        print(
            f"error: {flag}={str(folder)!r}: expected a writable folder ({reason})", file=sys.stderr
        )
    return reason is None
