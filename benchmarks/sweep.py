"""A sweep's wall time, measured as a user runs it: ``python -m sim +sweep=residual_at_40h`` with
200 trials x 200 replications on the medcalc scenario (numba engine), against the target of
2 minutes; the same sweep with the simpy engine on a few trials, side by side, for the ratio; and
how a trial's time splits between simulation and the rest (Hydra launch, Optuna, Parquet).

    python benchmarks/sweep.py             # 200 trials (about a minute on 2 cores)
    python benchmarks/sweep.py --trials 50

Kernels are compiled (and cached) by a warm-up sweep first. Writes benchmarks/results/sweep.md."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.cli.compose import compose_config  # noqa: E402
from sim.processes import process_count  # noqa: E402
from sim.runner import run_scenario  # noqa: E402
from sim.scenario import build_scenario  # noqa: E402

SWEEP = "residual_at_40h"
TARGET_SECONDS = 120.0


def timed_sweep(out: Path, trials: int, replications: int, *overrides: str) -> float:
    cmd = [
        sys.executable,
        "-m",
        "sim",
        f"+sweep={SWEEP}",
        f"hydra.sweeper.n_trials={trials}",
        f"replications={replications}",
        f"output.dir={out}",
        "progress=false",
        *overrides,
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"sweep failed:\n{proc.stderr}")
    return wall


def simulation_seconds(replications: int, engine: str, repeats: int = 5) -> float:
    """Median time of one trial's simulation (the default phased policy), run as a trial runs
    it: step-by-step replications over ``engine.processes`` worker processes."""
    root = compose_config([f"engine={engine}", "progress=false"])
    sc = build_scenario(root)
    processes = process_count(root.engine.processes)
    run_scenario(sc, 2, 0, item_replications=0, event_replications=0)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run_scenario(
            sc,
            replications,
            root.seed,
            item_replications=0,
            event_replications=0,
            processes=processes,
        )
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument("--replications", type=int, default=200)
    parser.add_argument("--simpy-trials", type=int, default=5)
    args = parser.parse_args()
    R = args.replications
    with tempfile.TemporaryDirectory() as tmp:
        timed_sweep(Path(tmp) / "warm", 2, 2)
        numba_wall = timed_sweep(Path(tmp) / "numba", args.trials, R)
        simpy_wall = timed_sweep(Path(tmp) / "simpy", args.simpy_trials, R, "engine=simpy")
        startup = timed_sweep(Path(tmp) / "one", 1, 2)
    numba_sim = simulation_seconds(R, "numba")
    simpy_sim = simulation_seconds(R, "simpy", repeats=3)
    per_numba = (numba_wall - startup) / args.trials
    per_simpy = (simpy_wall - startup) / args.simpy_trials
    rows = [
        ("numba", args.trials, numba_wall, per_numba, numba_sim),
        ("simpy", args.simpy_trials, simpy_wall, per_simpy, simpy_sim),
    ]
    lines = [
        f"# Sweep wall time: `{SWEEP}`, medcalc scenario, {R} replications per trial (2 cores)",
        "",
        "`python benchmarks/sweep.py`; one run, both engines. Per-trial time excludes start-up "
        f"(a 1-trial sweep of 2 replications: {startup:.2f} s); simulation = median of one "
        "trial's replications run as a trial runs them (phased policy; simpy over "
        "`engine.processes` worker processes).",
        "",
        "| engine | trials | sweep wall s | s per trial | simulation s per trial | "
        "simulation share |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for engine, trials, wall, per, sim in rows:
        lines.append(
            f"| {engine} | {trials} | {wall:.1f} | {per:.3f} | {sim:.3f} | {sim / per:.0%} |"
        )
    projected = startup + per_simpy * args.trials
    verdict = "met" if numba_wall <= TARGET_SECONDS else "missed"
    lines += [
        "",
        f"- {args.trials} trials x {R} replications with numba: **{numba_wall:.1f} s** "
        f"(target <= {TARGET_SECONDS:.0f} s: {verdict}).",
        f"- Per trial, simpy / numba: **{per_simpy / per_numba:.1f}x**; the same "
        f"{args.trials}-trial sweep on simpy would take about {projected:.0f} s.",
        f"- Simulation alone, simpy / numba: {simpy_sim / numba_sim:.1f}x.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "sweep.md"
    out.write_text(text)
    print(f"written: {out}")


if __name__ == "__main__":
    main()
