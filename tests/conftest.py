"""Shared fixtures: small configs built from the dataclasses, and the real composed config."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.config.schema import (
    BudgetConfig,
    DownstreamConfig,
    EvaluatedModelConfig,
    ExpertConfig,
    ExpertPoolConfig,
    LeaderboardConfig,
    PolicyConfig,
    RootConfig,
    ScenarioConfig,
    StratumConfig,
)
from sim.kernels.random import stream_states

REPO = Path(__file__).resolve().parents[1]
TRACE = REPO.parent / "shared" / "data" / "medcalc_v1" / "trace.csv"

# A shell starts a background job with SIGINT ignored, which its children inherit, and Python
# then raises no KeyboardInterrupt. The Ctrl-C tests need Python's handler; a handled signal
# is reset to its default in a child at exec, so the processes they start get it too.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def small_models() -> list[EvaluatedModelConfig]:
    """Three evaluated models, one with a per-group accuracy (fresh objects on every call)."""
    return [
        EvaluatedModelConfig(name="strong", accuracy=0.9, shared_blind_spot_probability=0.1),
        EvaluatedModelConfig(
            name="mimic",
            accuracy=0.6,
            shared_blind_spot_probability=0.8,
            group_accuracy={"date": 0.3},
        ),
        EvaluatedModelConfig(name="weak", accuracy=0.4, shared_blind_spot_probability=0.2),
    ]


def small_config(policy: str = "phased", **budget: float) -> RootConfig:
    """A 100-item, 3-expert scenario that runs in milliseconds."""
    strata = [
        StratumConfig(
            name=f"s{i}",
            size=10,
            group=("lab", "risk", "date")[i % 3],
            value_kind=("decimal", "integer", "date")[i % 3],
            value_min=(5.0, 0.0, 738000.0)[i % 3],
            value_max=(200.0, 10.0, 738500.0)[i % 3],
        )
        for i in range(10)
    ]
    pool = [
        ExpertConfig(name="A", specialties=["lab"], hours_per_weekday=[2, 0, 2, 0, 0, 0, 0]),
        ExpertConfig(name="B", specialties=["risk"], hours_per_weekday=[0, 1.5, 0, 1.5, 0, 0, 0]),
        ExpertConfig(
            name="C",
            specialties=["date"],
            hours_per_weekday=[0, 0, 0, 0, 0, 3, 0],
            day_start_hour=9.0,
        ),
    ]
    return RootConfig(
        scenario=ScenarioConfig(name="small", strata=strata),
        experts=ExpertPoolConfig(pool=pool),
        policy=PolicyConfig(name=policy),
        budget=BudgetConfig(**budget) if budget else BudgetConfig(expert_hours=10.0),
        downstream=DownstreamConfig(leaderboard=LeaderboardConfig(models=small_models())),
        replications=5,
        progress=False,
    )


def stream(seed: int) -> np.ndarray:
    """A fresh kernel stream state from ``seed``."""
    return stream_states(np.random.SeedSequence(seed), 1)[0]


@pytest.fixture
def trace_path() -> Path:
    if not TRACE.exists():
        pytest.fail(f"the shared MedCalc trace is missing: {TRACE}")
    return TRACE


def ctrl_c_after(args: list[str], started: bytes, seconds: float) -> tuple[int, str, int]:
    """Run ``python -m <args>`` in its own process group (which a terminal's Ctrl-C signals),
    wait until its standard error shows ``started`` (the progress bar), then ``seconds`` more,
    and send the group SIGINT. Returns the exit status, standard error and the group id."""
    proc = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    assert proc.stderr is not None
    seen = b""
    while started not in seen:
        chunk = proc.stderr.read1(4096)
        assert chunk, seen.decode(errors="replace")
        seen += chunk
    time.sleep(seconds)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # leave no hung run behind the failure
        raise
    return proc.returncode, err.decode(), proc.pid
