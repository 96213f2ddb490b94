"""Ctrl-C, however it lands. A SIGINT that arrives while Numba compiles a kernel on its first
call is raised inside LLVM's callback, where ``ctypes`` swallows it: the compilation then
either goes on as if nothing happened or fails with an error of its own ("no compiled object
yet"). Once the command line has installed the handler, the interrupt is remembered: long loops
:func:`check` for it, and an error that follows it is reported as the interrupt it is."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

_interrupted = False


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def install() -> None:
    """Remember every Ctrl-C from now on (only where Python would raise KeyboardInterrupt:
    a process started with SIGINT ignored keeps ignoring it)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)


def check() -> None:
    """Raise KeyboardInterrupt if Ctrl-C was pressed (and swallowed where it landed)."""
    if _interrupted:
        raise KeyboardInterrupt


@contextmanager
def as_interrupt() -> Iterator[None]:
    """Raise KeyboardInterrupt instead of an error that follows a Ctrl-C."""
    try:
        yield
    except Exception:
        if _interrupted:
            raise KeyboardInterrupt from None
        raise
