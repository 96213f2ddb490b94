"""An error that follows a Ctrl-C is reported as the interrupt."""

from __future__ import annotations

import signal

import pytest

from sim import interrupt
from sim.cli.compose import compose_config
from sim.runner import run_scenario
from sim.scenario import build_scenario


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
