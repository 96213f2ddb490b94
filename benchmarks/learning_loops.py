"""The learning policy's replications four ways, side by side in one process: whole compiled
replications (what ``engine=numba`` runs without item or event detail, here on one thread),
step by step with the compiled loop that has the policy's hooks (``engine=numba`` for the
detail replications), with the plain-Python loop, and with SimPy's, for each strategy, taking
turns so that the machine's drift hits all alike.

    python benchmarks/learning_loops.py              # medcalc, 20 replications, 9 turns
    python benchmarks/learning_loops.py --reps 40 --turns 15
    python benchmarks/learning_loops.py --scenario 1e5 --reps 1 --turns 3

``1e5`` is the engines benchmark's synthetic scenario (10^5 items in 2,000 strata, 60 experts)
with 2,000 expert-hours. Prints and writes to benchmarks/results/learning_loops[_1e5].md the
median milliseconds per whole
replication (world, verifiers, triage, reviews, final labels, estimates, metrics) and, step by
step, the share of it spent in the engine's review call (the loop, and for the compiled loop
also what the policy freezes when its audit starts), and checks that every way gave every
replication the same metrics."""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOOPS = ("whole", "compiled", "plain", "simpy")
STRATEGIES = ("ucb", "greedy", "thompson")


class TimedLoop:
    """An engine whose review loop is timed."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.name = engine.name
        self.seconds = 0.0

    def review(self, problem: Any, policy: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return self.engine.review(problem, policy)
        finally:
            self.seconds += time.perf_counter() - t0


SCENARIOS = ("medcalc", "1e5")


def scenario(name: str, strategy: str, loop: str) -> Any:
    """Scenario ``name`` with ``learning`` and ``strategy`` on ``loop``."""
    from benchmarks.engines import medcalc_config, synthetic_config
    from sim.engines.plain_loop import PlainLoopEngine
    from sim.scenario import build_scenario

    engine = "simpy" if loop == "simpy" else "numba"
    if name == "1e5":
        cfg = synthetic_config(100_000, 60, engine)
        cfg.policy.name = "learning"
        cfg.policy.learning.strategy = strategy
        cfg.budget.expert_hours = 2000.0
    else:
        cfg = medcalc_config(engine, "policy=learning", f"policy.learning.strategy={strategy}")
    cfg.engine.threads = 1
    sc = build_scenario(cfg)
    if loop == "whole":
        return sc
    inner = PlainLoopEngine() if loop == "plain" else sc.engine
    return dataclasses.replace(sc, engine=TimedLoop(inner))


def replicate(sc: Any, seeds: list[Any]) -> list[dict[str, float]]:
    """Every replication's metrics: whole compiled replications when ``sc``'s engine runs
    them, else step by step."""
    from sim.metrics import METRICS
    from sim.replication import run_replication

    if isinstance(sc.engine, TimedLoop):
        return [run_replication(sc, s).metrics for s in seeds]
    table, _ = sc.engine.run_replications(sc, seeds, len(METRICS))
    return [dict(zip(METRICS, row.tolist(), strict=True)) for row in table]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--turns", type=int, default=9)
    ap.add_argument("--scenario", choices=SCENARIOS, default="medcalc")
    args = ap.parse_args()
    if args.reps < 1 or args.turns < 1:
        raise SystemExit("--reps and --turns: expected positive integers")

    from sim.runner import replication_seeds

    seeds = replication_seeds(0, args.reps)
    rows = []
    for strategy in STRATEGIES:
        scenarios = {loop: scenario(args.scenario, strategy, loop) for loop in LOOPS}
        for sc in scenarios.values():  # warm-up: compiles or loads every kernel
            replicate(sc, seeds[:1])
        wall: dict[str, list[float]] = {loop: [] for loop in LOOPS}
        share: dict[str, list[float]] = {loop: [] for loop in LOOPS}
        metrics: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.turns):
            for loop, sc in scenarios.items():
                timed = isinstance(sc.engine, TimedLoop)
                if timed:
                    sc.engine.seconds = 0.0
                t0 = time.perf_counter()
                got = replicate(sc, seeds)
                seconds = time.perf_counter() - t0
                wall[loop].append(seconds)
                share[loop].append(sc.engine.seconds / seconds if timed else float("nan"))
                if not _same(metrics.setdefault(loop, got), got):
                    raise SystemExit(f"{strategy} on {loop}: a turn changed the metrics")
        first = metrics[LOOPS[0]]
        for loop in LOOPS[1:]:
            if not _same(first, metrics[loop]):
                raise SystemExit(f"{strategy}: {loop} disagrees with whole replications")
        base = statistics.median(wall["simpy"])
        for loop in LOOPS:
            w = statistics.median(wall[loop])
            rows.append(
                (
                    strategy,
                    loop,
                    1000.0 * w / args.reps,
                    100.0 * statistics.median(share[loop]),
                    base / w,
                )
            )

    lines = [
        "# The learning policy: whole compiled replications and the three review loops",
        "",
        f"`python benchmarks/learning_loops.py --scenario {args.scenario} --reps {args.reps} "
        f"--turns {args.turns}`: {args.scenario}, "
        f"{args.reps} replications in one process on one thread: whole compiled replications "
        "(whole), then step by step with the compiled loop, the plain-Python loop and SimPy's, "
        f"in turn, median of {args.turns} turns. Every way gave every replication the same "
        "metrics (checked in this run).",
        "",
        "| strategy | loop | ms per replication | in the engine's review call | vs simpy |",
        "| --- | --- | --- | --- | --- |",
    ]
    for strategy, loop, ms, pct, ratio in rows:
        in_review = "—" if pct != pct else f"{pct:.0f}%"
        lines.append(f"| {strategy} | {loop} | {ms:.2f} | {in_review} | {ratio:.2f}× |")
    text = "\n".join(lines) + "\n"
    print(text)
    suffix = "" if args.scenario == "medcalc" else f"_{args.scenario}"
    out = ROOT / "benchmarks" / "results" / f"learning_loops{suffix}.md"
    out.write_text(text)
    print(f"written to {out.relative_to(ROOT)}")


def _same(a: list[dict[str, float]], b: list[dict[str, float]]) -> bool:
    """Equal metrics, NaN equal to NaN."""
    return all(
        x.keys() == y.keys() and all(np.array_equal(x[k], y[k], equal_nan=True) for k in x)
        for x, y in zip(a, b, strict=True)
    )


if __name__ == "__main__":
    main()
