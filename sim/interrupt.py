"""Ctrl-C, however it lands. A SIGINT that arrives while Numba compiles a kernel on its first
call is raised inside LLVM's callback, where ``ctypes`` swallows it: the compilation then
either goes on as if nothing happened or fails with an error of its own ("no compiled object
yet"), and Python prints the swallowed KeyboardInterrupt with its traceback ("Exception
ignored on calling ctypes callback function"). Once the command line has installed the
handler, the interrupt is remembered: long loops :func:`check` for it, an error that follows it
is reported as the interrupt it is, and the swallowed KeyboardInterrupt is not printed."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import NoReturn

_interrupted = False
_exit_hooks: list[Callable[[], None]] = []


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    global _interrupted
    _interrupted = True
    raise KeyboardInterrupt


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """Python's hook for exceptions it cannot raise, silent on a remembered interrupt."""
    if _interrupted and isinstance(unraisable.exc_value, KeyboardInterrupt):
        return
    sys.__unraisablehook__(unraisable)


def install() -> None:
    """Remember every Ctrl-C from now on (only where Python would raise KeyboardInterrupt:
    a process started with SIGINT ignored keeps ignoring it)."""
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _quiet_unraisable


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


INTERRUPTED = 130  # the exit status of a command ended by Ctrl-C


def on_interrupted_exit(hook: Callable[[], None]) -> None:
    """Call ``hook`` when a command that Ctrl-C ended exits (:func:`exit_command` skips the
    interpreter's teardown, ``atexit`` included): to stop a child process, say."""
    _exit_hooks.append(hook)


def run_command(main: Callable[[], int], unfinished: str) -> int:
    """Run a command's ``main`` with Ctrl-C remembered; an interrupt ends it with one line
    (``interrupted: <unfinished>``) and exit status 130 instead of a traceback."""
    install()
    try:
        with as_interrupt():
            return main()
    except KeyboardInterrupt:
        print(f"\ninterrupted: {unfinished}", file=sys.stderr)
        sys.unraisablehook = _ignore
        return INTERRUPTED


def exit_command(status: int) -> NoReturn:
    """End the process with a command's exit ``status``. After an interrupt the process ends
    at once, without the interpreter's teardown: a compile that Ctrl-C cut short leaves native
    LLVM state whose destructors can crash it (a segmentation fault after the one line, once,
    in a cold-cache test run). The hooks of :func:`on_interrupted_exit` run first (compile
    helpers are stopped), then output is flushed; the command has already removed what it
    left unfinished."""
    if status != INTERRUPTED:
        sys.exit(status)
    for hook in _exit_hooks:
        hook()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _ignore(unraisable: sys.UnraisableHookArgs) -> None:
    """The hook once a command has ended on an interrupt: what destructors raise while the
    interpreter shuts down is not printed. A compile that Ctrl-C cut short leaves LLVM objects
    whose ``__del__`` fails once llvmlite's module is torn down ("Exception ignored in:
    <function ObjectRef.__del__>"). It uses no module globals, which are gone by then."""
