"""Two versions of the compiled replications side by side in one process, taking turns.

    git worktree add /tmp/old <commit>
    python benchmarks/ab_versions.py /tmp/old .               # medcalc x 1000, 15 turns
    python benchmarks/ab_versions.py /tmp/old . --scenario 1e6 --reps 1 --turns 7

This machine's speed drifts by tens of percent between runs, so a change of a few percent shows
only when both versions run in the same process, in turn. Each version's ``sim`` package is
copied under its own name (``sim_a``, ``sim_b``) into a temporary folder, so both load at once;
the scenario comes from this checkout. Both compile from scratch into a cache inside that
folder, which is removed at the end (about 20 s each). Prints each version's median microseconds per
replication on one thread, their ratio, and whether every metric and leaderboard value agrees."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def renamed_copy(root: Path, name: str, into: Path) -> None:
    """``root/sim`` copied to ``into/name`` with its imports of ``sim`` renamed."""
    if not (root / "sim" / "kernels" / "replications.py").is_file():
        raise SystemExit(f"{root}: not a checkout of this project (no sim/kernels/replications.py)")
    shutil.copytree(root / "sim", into / name, ignore=shutil.ignore_patterns("__pycache__"))
    for path in (into / name).rglob("*.py"):
        text = path.read_text()
        text = re.sub(r"\bfrom sim([. ])", rf"from {name}\1", text)
        text = re.sub(r"\bimport sim\.", f"import {name}.", text)
        path.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a", type=Path, help="checkout A (the reference)")
    ap.add_argument("b", type=Path, help="checkout B")
    ap.add_argument("--scenario", default="medcalc", help="a scenario of benchmarks/engines.py")
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--turns", type=int, default=15)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="ab-versions-") as tmp:
        os.environ["NUMBA_CACHE_DIR"] = str(Path(tmp) / "numba-cache")  # before Numba loads
        from benchmarks.engines import SCENARIOS, build
        from sim.engines.numba_engine import _scenario_arrays
        from sim.metrics import METRICS
        from sim.runner import replication_seeds

        if args.scenario not in SCENARIOS:
            choices = ", ".join(SCENARIOS)
            raise SystemExit(f"--scenario {args.scenario!r}: expected one of {choices}")
        for name, root in (("sim_a", args.a), ("sim_b", args.b)):
            renamed_copy(root.resolve(), name, Path(tmp))
        sys.path.insert(0, tmp)
        kernels: dict[str, Any] = {
            v: importlib.import_module(f"sim_{v}.kernels.replications").run_replications
            for v in ("a", "b")
        }
        sc = build(args.scenario, "numba", threads=1)
        seeds = replication_seeds(0, args.reps)
        pools = np.array([s.pool for s in seeds], dtype=np.uint32).reshape(args.reps, -1)
        arrays = _scenario_arrays(sc)
        results = {}
        for v, kernel in kernels.items():  # compiles (or loads) each version
            out = np.full((args.reps, len(METRICS)), np.nan)
            board = np.empty((args.reps, sc.models.n_models, 3))
            kernel(pools, 0, 1, *arrays, out, board)
            results[v] = (out, board)
        same = all(
            np.array_equal(results["a"][k], results["b"][k], equal_nan=True) for k in range(2)
        )
        walls: dict[str, list[float]] = {"a": [], "b": []}
        out, board = results["a"]
        for _ in range(args.turns):
            for v, kernel in kernels.items():
                t0 = time.perf_counter()
                kernel(pools, 0, 1, *arrays, out, board)
                walls[v].append(time.perf_counter() - t0)
    us = {v: statistics.median(w) / args.reps * 1e6 for v, w in walls.items()}
    print(
        f"{args.scenario} x {args.reps}, one thread, median of {args.turns} turns: "
        f"A {us['a']:.1f} us, B {us['b']:.1f} us per replication, B/A {us['b'] / us['a']:.3f}; "
        f"identical metrics and leaderboards: {same}"
    )


if __name__ == "__main__":
    main()
