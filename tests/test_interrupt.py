"""An error that follows a Ctrl-C is reported as the interrupt, and a Ctrl-C swallowed where it
landed is neither lost nor printed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim import interrupt
from sim.cli.compose import compose_config
from sim.runner import run_scenario
from sim.scenario import build_scenario
from tests.conftest import REPO


def test_the_handler_remembers_the_interrupt_and_raises_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(interrupt, "_interrupted", False)
    interrupt.check()  # nothing pressed: nothing raised
    with pytest.raises(KeyboardInterrupt):
        interrupt._on_sigint(signal.SIGINT, None)
    with pytest.raises(KeyboardInterrupt):  # remembered for the next check
        interrupt.check()


def test_an_error_after_ctrl_c_becomes_the_interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interrupt, "_interrupted", True)  # swallowed where it landed
    with pytest.raises(KeyboardInterrupt), interrupt.as_interrupt():
        raise RuntimeError("no compiled object yet")


def test_an_error_without_ctrl_c_stays_the_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(interrupt, "_interrupted", False)
    with pytest.raises(RuntimeError, match="no compiled object"), interrupt.as_interrupt():
        raise RuntimeError("no compiled object yet")


def test_a_process_that_ignores_ctrl_c_keeps_ignoring_it() -> None:
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        interrupt.install()
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_run_stops_at_the_next_replication_once_ctrl_c_was_pressed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sc = build_scenario(compose_config(["scenario=tiny", "engine=simpy"]))
    run_scenario(sc, 2, 0)  # runs while nothing was pressed
    monkeypatch.setattr(interrupt, "_interrupted", True)
    with pytest.raises(KeyboardInterrupt):
        run_scenario(sc, 2, 0)


def unraisable(error: BaseException) -> sys.UnraisableHookArgs:
    """The record Python hands its hook for an exception raised where it cannot propagate
    (here, as in a ctypes callback)."""
    seen: list[sys.UnraisableHookArgs] = []
    before = sys.unraisablehook
    sys.unraisablehook = seen.append
    try:

        class Raises:
            def __del__(self) -> None:
                raise error

        Raises()
    finally:
        sys.unraisablehook = before
    return seen[0]


def test_a_swallowed_interrupt_is_not_printed_but_other_errors_are(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    interrupted = unraisable(KeyboardInterrupt())
    other = unraisable(ValueError("a real problem"))
    monkeypatch.setattr(interrupt, "_interrupted", True)
    interrupt._quiet_unraisable(interrupted)
    assert capsys.readouterr().err == ""
    interrupt._quiet_unraisable(other)
    assert "a real problem" in capsys.readouterr().err
    monkeypatch.setattr(interrupt, "_interrupted", False)  # not pressed: printed as Python does
    interrupt._quiet_unraisable(interrupted)
    assert "KeyboardInterrupt" in capsys.readouterr().err


def test_install_sets_the_hook_with_the_handler() -> None:
    before_signal, before_hook = signal.getsignal(signal.SIGINT), sys.unraisablehook
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        interrupt.install()
        assert signal.getsignal(signal.SIGINT) is interrupt._on_sigint
        assert sys.unraisablehook is interrupt._quiet_unraisable
    finally:
        signal.signal(signal.SIGINT, before_signal)
        sys.unraisablehook = before_hook


CALLBACK_SCRIPT = """
import ctypes, os, signal
from sim import interrupt
if {install}:
    interrupt.install()

@ctypes.CFUNCTYPE(None)
def callback():
    os.kill(os.getpid(), signal.SIGINT)
    for _ in range(10**6):  # the handler runs here, inside the callback
        pass

callback()  # ctypes swallows the KeyboardInterrupt raised in it
print("went on", flush=True)
interrupt.check()
"""


@pytest.mark.parametrize("install", [True, False])
def test_an_interrupt_inside_a_ctypes_callback(install: bool) -> None:
    """As in LLVM's callbacks during a first compilation: with the handler installed the run
    goes on to its next check, which raises the interrupt, and nothing is printed about the
    swallowed one; without it Python prints its traceback."""
    proc = subprocess.run(
        [sys.executable, "-c", CALLBACK_SCRIPT.format(install=install)],
        cwd=Path(__file__).resolve().parents[1],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.stdout == "went on\n"
    assert ("Exception ignored" in proc.stderr) is not install, proc.stderr
    if install:
        assert proc.stderr.strip().endswith("KeyboardInterrupt")  # raised by check()


def test_a_command_ends_an_interrupt_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(interrupt, "install", lambda: None)  # leave the test's handler alone
    monkeypatch.setattr(interrupt, "_interrupted", False)
    assert interrupt.run_command(lambda: 3, "nothing was written") == 3

    def pressed() -> int:
        raise KeyboardInterrupt

    assert interrupt.run_command(pressed, "nothing was written") == 130
    assert capsys.readouterr().err == "\ninterrupted: nothing was written\n"

    def failed_after_ctrl_c() -> int:
        interrupt._interrupted = True  # as the handler does where the interrupt was swallowed
        raise RuntimeError("no compiled object yet")

    assert interrupt.run_command(failed_after_ctrl_c, "nothing was written") == 130
    monkeypatch.setattr(interrupt, "_interrupted", False)

    def failed() -> int:
        raise RuntimeError("a real error")

    with pytest.raises(RuntimeError, match="a real error"):
        interrupt.run_command(failed, "nothing was written")


def test_teardown_errors_after_an_interrupt_are_not_printed() -> None:
    """A destructor that fails while the interpreter shuts down, after a command ended on
    Ctrl-C (as llvmlite's do after a compile was cut short), prints nothing more."""
    script = """
import sys
from sim import interrupt

class Leftover:
    def __del__(self):
        raise AttributeError("'NoneType' object has no attribute '_as_parameter_'")

kept = Leftover()  # destroyed at shutdown

def pressed():
    raise KeyboardInterrupt

sys.exit(interrupt.run_command(pressed, "nothing was written"))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 130
    assert proc.stderr == "\ninterrupted: nothing was written\n"


def _interrupted_command(setup: str) -> subprocess.CompletedProcess[str]:
    """A process that runs ``setup``, then a command that Ctrl-C ends, as the CLIs end it."""
    script = (
        setup
        + """
def pressed():
    raise KeyboardInterrupt

interrupt.exit_command(interrupt.run_command(pressed, "nothing was written"))
"""
    )
    return subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def test_an_interrupted_command_ends_without_the_teardown_that_can_crash() -> None:
    """After Ctrl-C a command ends at once: a destructor that would crash the interpreter's
    teardown (as native state left by a compile cut short did once) never runs, and what was
    printed is still flushed. Without the early exit the process dies of SIGSEGV."""
    script = """
import ctypes
from sim import interrupt

class Leftover:
    def __del__(self):
        ctypes.string_at(0)  # a segmentation fault

kept = Leftover()  # destroyed at shutdown
print("a result line", end="")
"""
    proc = _interrupted_command(script)
    assert proc.returncode == 130, proc.stderr
    assert proc.stdout == "a result line"
    assert proc.stderr == "\ninterrupted: nothing was written\n"


def test_an_interrupted_command_stops_the_compile_helper_it_leaves() -> None:
    """The exit after Ctrl-C skips ``atexit``, so the helpers' stop is an interrupted-exit
    hook: a helper still compiling the RL experiment's kernels does not outlive the command."""
    script = """
import subprocess, sys
from sim import interrupt
from sim.engines import warmup

warmup._downstream_helper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
print(warmup._downstream_helper.pid, end="")
"""
    proc = _interrupted_command(script)
    assert proc.returncode == 130, proc.stderr
    helper_pid = int(proc.stdout)
    with pytest.raises(ProcessLookupError):  # stopped and reaped before the command ended
        os.kill(helper_pid, 0)


def test_a_command_that_ends_otherwise_exits_as_usual() -> None:
    with pytest.raises(SystemExit) as ended:
        interrupt.exit_command(0)
    assert ended.value.code == 0
