"""Sim-to-real gap: for each policy and expert-hour budget, the calibrated simulator's
prediction (mean and 90% interval over replications) beside the replay on the real MedCalc
trace (mean over replays, which differ only in expert draws and calendars).

    python benchmarks/sim_to_real.py [--replications 300] [--replays 30]

Writes benchmarks/results/sim_to_real.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from sim.config.schema import RootConfig

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TRACE = ROOT.parent / "shared" / "data" / "medcalc_v1" / "trace.csv"
MAPPING = ROOT / "conf" / "trace" / "medcalc_v1.yaml"
POLICIES = ("random", "disagreement", "phased")
BUDGETS = (10.0, 20.0, 40.0)
METRICS = (
    "errors_fixed_per_expert_hour",
    "residual_error_rate",
    "items_dropped",
    "original_error_rate",
)


def compose(overrides: list[str]) -> RootConfig:
    from sim.cli.compose import compose_config

    return compose_config(overrides)


def table(replications: int, replays: int) -> list[dict[str, object]]:
    from sim.runner import run_scenario
    from sim.scenario import build_scenario
    from sim.trace.format import load_mapping
    from sim.trace.load import load_trace
    from sim.trace.replay import replay

    mapping, explicit = load_mapping(MAPPING)
    trace, problems = load_trace(TRACE, mapping, explicit=explicit)
    if trace is None:
        raise SystemExit(f"{TRACE} does not validate: {problems[0]}")
    rows = []
    for policy in POLICIES:
        for hours in BUDGETS:
            overrides = [f"policy={policy}", f"budget.expert_hours={hours}"]
            sim = run_scenario(
                build_scenario(compose(["scenario=medcalc_calibrated", *overrides])),
                replications,
                seed=1,
                item_replications=0,
                event_replications=0,
            )
            real, _ = replay(trace, compose(overrides), replays, seed=2)
            for m in METRICS:
                s = sim.metrics[m]
                s = s[~np.isnan(s)]
                lo, hi = np.quantile(s, [0.05, 0.95])
                r = float(np.nanmean(real[m]))
                rows.append(
                    {
                        "policy": policy,
                        "hours": hours,
                        "metric": m,
                        "sim_mean": float(s.mean()),
                        "lo": float(lo),
                        "hi": float(hi),
                        "replay": r,
                        "inside": bool(lo <= r <= hi),
                    }
                )
    return rows


def contentious_composition(replications: int) -> list[tuple[str, float, float, float, str]]:
    """What the simulator predicts about the contentious items, beside the real audit's
    figures that do not depend on a truth proxy (physicians judged 50 contentious items)."""
    from sim.kernels.policies import disagreement
    from sim.model.agreement import agrees
    from sim.policies.triage import contentious
    from sim.replication import run_replication
    from sim.runner import replication_seeds
    from sim.scenario import build_scenario

    sc = build_scenario(compose(["scenario=medcalc_calibrated", "policy=phased"]))
    counts, consensus, rec_right, orig_right = [], [], [], []
    for ss in replication_seeds(3, replications):
        res = run_replication(sc, ss)
        b, rc = res.bench, res.recompute
        assert rc is not None
        d = np.empty(b.n_items)
        disagreement(b.original, b.value_kind, rc.consensus, rc.label, d)
        c = contentious(d, 0.05)
        counts.append(c.sum())
        consensus.append(rc.consensus.sum())
        rec_right.append(agrees(rc.label[c], b.truth[c], b.value_kind[c], sc.rule).mean())
        orig_right.append(agrees(b.original[c], b.truth[c], b.value_kind[c], sc.rule).mean())
    rows = []
    for name, values, real in (
        ("items reaching consensus", consensus, "887"),
        ("contentious items", counts, "286"),
        ("recomputed label right on contentious items", rec_right, "0.74 (37/50, 0.60-0.84)"),
        ("original right on contentious items", orig_right, "0.20 (10/50, 0.11-0.33)"),
    ):
        v = np.asarray(values, dtype=float)
        lo, hi = np.quantile(v, [0.05, 0.95])
        rows.append((name, float(v.mean()), float(lo), float(hi), real))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replications", type=int, default=300)
    ap.add_argument("--replays", type=int, default=30)
    args = ap.parse_args()
    rows = table(args.replications, args.replays)
    lines = [
        "# Sim-to-real gap on MedCalc-Bench v1.0",
        "",
        f"`python benchmarks/sim_to_real.py --replications {args.replications} --replays "
        f"{args.replays}`: simulator = `scenario=medcalc_calibrated` (mean and 5-95% of "
        "replications); replay = the policy on the real trace with `label_final` as the "
        "truth proxy (mean of replays).",
        "",
        "| policy | expert-hours | metric | simulator mean | simulator 90% interval | replay "
        "| inside |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        lines.append(
            f"| {r['policy']} | {r['hours']:g} | {r['metric']} | {r['sim_mean']:.3f} "
            f"| {r['lo']:.3f} – {r['hi']:.3f} | {r['replay']:.3f} "
            f"| {'yes' if r['inside'] else '**no**'} |"
        )
    inside = sum(bool(r["inside"]) for r in rows)
    lines += [
        "",
        f"{inside} of {len(rows)} replay figures fall inside the simulator's 90% interval. "
        "`label_final` is the recomputed label wherever physicians did not review, so a replay "
        "judges adopted recomputed labels right by construction, and errors the recomputation "
        "repeated (shared blind spots) count as right originals: the replay's phased residual "
        "error is a lower bound, not the truth.",
        "",
        "## Contentious items, against figures that need no truth proxy",
        "",
        "| quantity | simulator mean | simulator 90% interval | real audit |",
        "| --- | --- | --- | --- |",
    ]
    for name, mean, lo, hi, real in contentious_composition(args.replications):
        lines.append(f"| {name} | {mean:.3f} | {lo:.3f} – {hi:.3f} | {real} |")
    text = "\n".join(lines) + "\n"
    print(text)
    out = ROOT / "benchmarks" / "results" / "sim_to_real.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text)


if __name__ == "__main__":
    main()
