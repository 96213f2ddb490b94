"""Downstream outcomes, timed side by side in one run: one RL arm (GRPO, 1,000 steps, G = 8, on a
medcalc replication's labels) in Numba against the same loop in plain Python, the whole RL
experiment of a default run (30 seeds x 3 arms), and the leaderboard's share of a replication.

    python benchmarks/downstream.py

Times are medians over repeats after a warm-up call (compilation excluded). The two RL loops
must agree (same final logits from the same stream). Writes benchmarks/results/downstream.md."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.grpo_reference import train_reference  # noqa: E402
from sim.cli.compose import compose_config  # noqa: E402
from sim.downstream import rl  # noqa: E402
from sim.kernels import grpo  # noqa: E402
from sim.kernels.random import stream_states  # noqa: E402
from sim.metrics import leaderboard  # noqa: E402
from sim.replication import run_replication  # noqa: E402
from sim.scenario import build_scenario  # noqa: E402

REPEATS = 7


def median_seconds(fn, repeats: int = REPEATS) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    root = compose_config([])
    sc = build_scenario(root)
    cfg = root.downstream.rl
    res = run_replication(sc, np.random.SeedSequence(root.seed).spawn(1)[0])
    bench = res.bench
    value, other = rl.answers(bench)
    reward = rl.rewards(value, other, res.final_label, bench, sc.rule, 1.0, 0.1)
    train_items = np.flatnonzero(res.decision != rl.DROPPED)
    init = np.log(np.asarray(cfg.initial_probabilities))
    n_groups = len(sc.strata.group_names)
    state = stream_states(np.random.SeedSequence(1), 1)[0]
    args = (
        reward,
        bench.stratum,
        sc.strata.group,
        train_items,
        init,
        cfg.steps,
        cfg.group_size,
        cfg.prompts_per_step,
        cfg.learning_rate,
        cfg.kl_coefficient,
        cfg.divide_advantage_by_std,
    )
    W = np.empty((n_groups, grpo.N_ACTIONS))
    U = np.empty((sc.strata.n_strata, grpo.N_ACTIONS))

    def numba_arm() -> None:
        grpo.train(*args, state.copy(), W, U)

    def python_arm() -> None:
        train_reference(*args, state.copy(), n_groups)

    t_numba = median_seconds(numba_arm)
    t_python = median_seconds(python_arm, repeats=3)
    W_ref, U_ref = train_reference(*args, state.copy(), n_groups)
    numba_arm()
    agree = np.allclose(W, W_ref, rtol=1e-9) and np.allclose(U, U_ref, rtol=1e-9)

    labels = [(bench, res.final_label, res.decision)]

    def experiment() -> None:
        rl.run_experiment(labels, sc.strata.group, n_groups, sc.rule, cfg, root.seed)

    t_experiment = median_seconds(experiment, repeats=3)
    key = np.uint64(12345)
    t_board = median_seconds(
        lambda: leaderboard(bench, res.final_label, res.decision, sc.rule, sc.models, key)
    )
    seeds = np.random.SeedSequence(0).spawn(1)
    t_rep = median_seconds(lambda: run_replication(sc, seeds[0]))

    steps = cfg.steps * cfg.prompts_per_step * cfg.group_size
    rows = [
        ("RL arm, Numba (1,000 steps, G = 8, 8 prompts/step)", t_numba, f"{steps / t_numba:,.0f}"),
        ("RL arm, plain Python, same loop", t_python, f"{steps / t_python:,.0f}"),
        (f"RL experiment: {cfg.seeds} seeds x 3 arms, Numba", t_experiment, ""),
        (f"leaderboard, {sc.models.n_models} models x {bench.n_items} items", t_board, ""),
        ("one whole replication step by step (for scale)", t_rep, ""),
    ]
    lines = [
        "# Downstream outcomes: timings (medcalc scenario, 2 cores)",
        "",
        "`python benchmarks/downstream.py`; medians after a warm-up (compilation excluded).",
        "",
        "| what | median ms | samples/s |",
        "| --- | --- | --- |",
        *(f"| {name} | {1000 * t:.3f} | {rate} |" for name, t, rate in rows),
        "",
        f"- Numba / plain Python on one RL arm: **{t_python / t_numba:,.0f}x**; target: one arm "
        f"<= 2 s after compilation, measured {t_numba * 1000:.1f} ms.",
        f"- The two loops give the same final logits: {agree}.",
        f"- The leaderboard adds {100 * t_board / t_rep:.1f}% to a replication.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "downstream.md"
    out.write_text(text)
    if not agree:
        raise SystemExit("the Numba and Python RL loops differ")


if __name__ == "__main__":
    main()
