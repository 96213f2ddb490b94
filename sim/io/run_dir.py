"""A run's output folder that appears only when complete: files go into a hidden temporary
sibling, renamed into place by :meth:`RunDirectory.commit`; on any error it is removed."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType


def new_run_name(scenario: str, policy: str, now: dt.datetime | None = None) -> str:
    """``<date>_<time>_<scenario>_<policy>``."""
    now = now or dt.datetime.now()
    return f"{now:%Y-%m-%d_%H-%M-%S}_{scenario}_{policy}"


class RunDirectory:
    """Context manager: ``with RunDirectory(parent, name) as tmp: ...write into tmp...``."""

    def __init__(self, parent: Path, name: str) -> None:
        self.parent = parent
        final = parent / name
        suffix = 1
        while final.exists():
            final = parent / f"{name}-{suffix}"
            suffix += 1
        self.path = final
        self.tmp = parent / f".{final.name}.partial-{os.getpid()}"

    def __enter__(self) -> Path:
        self.tmp.mkdir(parents=True)
        return self.tmp

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            os.replace(self.tmp, self.path)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def writable_reason(folder: Path) -> str | None:
    """Why files cannot be written in ``folder``, or None when they can: the check a command
    makes before it simulates, so that it does not fail at the end. Folders it creates to find
    out are removed again."""
    existing, missing = folder, []
    while not existing.exists() and existing.parent != existing:
        missing.append(existing)
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        return f"{existing} is a file"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as err:
        return err.strerror or type(err).__name__
    finally:
        for created in missing:  # deepest first
            try:
                created.rmdir()
            except OSError:
                break
    return None


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary sibling renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
