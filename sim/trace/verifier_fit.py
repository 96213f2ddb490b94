"""Fit the recomputation's run accuracy, shared blind-spot rate and systematic-error rate to a
trace by simulated moments: the figures that need no truth proxy (items reaching consensus,
contentious items, and on expert-labelled contentious items how often the experts upheld the
recomputed and the original label), matched on a grid with common random numbers."""

from __future__ import annotations

import dataclasses
import itertools
import math
from dataclasses import dataclass

import numpy as np

from sim.config.schema import RecomputeConfig, ScenarioConfig
from sim.kernels.policies import disagreement
from sim.kernels.random import stream_states
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Strata, generate_benchmark
from sim.model.verifiers import run_recompute
from sim.trace.load import Trace

CHI2_4_90 = 7.779  # 90% quantile of chi-square with 4 degrees of freedom

GRID = {
    "run_accuracy": (0.80, 0.83, 0.86, 0.89, 0.92),
    "error_correlation": (0.1, 0.2, 0.3, 0.4, 0.5),
    "systematic_error_probability": (0.0, 0.04, 0.07, 0.10, 0.13, 0.16),
}


@dataclass(frozen=True)
class Targets:
    """The trace's proxy-free figures."""

    consensus: float
    contentious: float
    expert_n: int
    recomputed_right: float
    original_right: float


def trace_targets(trace: Trace, rule: AgreementRule, threshold: float = 0.05) -> Targets:
    """Consensus and contentious counts, and the experts' verdicts on contentious items."""
    for col in ("label_recomputed", "label_expert"):
        if col not in trace.labels:
            raise ValueError(f"cannot fit the recomputation: the trace has no {col} column")
    has = trace.present["label_recomputed"]
    consensus = trace.flags.get("recompute_consensus", has) & has
    label = np.where(consensus, trace.labels["label_recomputed"], np.nan)
    original = trace.labels["label_original"]
    d = np.empty(trace.n_items)
    disagreement(original, trace.value_kind, consensus, label, d)
    contentious = np.nan_to_num(d, nan=0.0) > threshold
    judged = contentious & trace.present["label_expert"]
    if not judged.any():
        raise ValueError("cannot fit the recomputation: no contentious item has an expert label")
    expert = trace.labels["label_expert"][judged]
    kind = trace.value_kind[judged]
    return Targets(
        consensus=float(consensus.sum()),
        contentious=float(contentious.sum()),
        expert_n=int(judged.sum()),
        recomputed_right=float(agrees(label[judged], expert, kind, rule).mean()),
        original_right=float(agrees(original[judged], expert, kind, rule).mean()),
    )


def simulated_moments(
    scenario: ScenarioConfig,
    recompute: RecomputeConfig,
    rule: AgreementRule,
    replications: int,
    seed: int,
    threshold: float = 0.05,
) -> np.ndarray:
    """``(replications, 4)``: consensus, contentious, recomputed right and original right on
    contentious items, per simulated replication."""
    strata = Strata.from_config(scenario)
    out = np.empty((replications, 4))
    for r, ss in enumerate(np.random.SeedSequence(seed).spawn(replications)):
        st = stream_states(ss, 2)
        bench = generate_benchmark(strata, scenario.error_profile, rule, st[0])
        wrong = bench.original_wrong(rule)
        rc = run_recompute(bench, wrong, strata, scenario.error_profile, recompute, rule, st[1])
        d = np.empty(bench.n_items)
        disagreement(bench.original, bench.value_kind, rc.consensus, rc.label, d)
        c = np.nan_to_num(d, nan=0.0) > threshold
        k = bench.value_kind[c]
        out[r] = (
            rc.consensus.sum(),
            c.sum(),
            agrees(rc.label[c], bench.truth[c], k, rule).mean() if c.any() else np.nan,
            agrees(bench.original[c], bench.truth[c], k, rule).mean() if c.any() else np.nan,
        )
    return out


@dataclass(frozen=True)
class VerifierFit:
    recompute: RecomputeConfig
    objective: float
    fitted: tuple[float, float, float, float]
    targets: Targets
    points: int
    ranges: dict[str, tuple[float, float]]
    """Each parameter's range over the grid points inside the approximate 90% confidence set
    (objective <= the chi-square(4) 90% quantile)."""


def fit_recompute(
    trace: Trace,
    scenario: ScenarioConfig,
    base: RecomputeConfig,
    rule: AgreementRule,
    *,
    replications: int = 20,
    seed: int = 0,
) -> VerifierFit:
    """The grid point minimising the sum of squared standardised gaps: counts against the
    simulation's own spread, shares against the binomial error of the expert sample."""
    t = trace_targets(trace, rule)
    real = np.array([t.consensus, t.contentious, t.recomputed_right, t.original_right])
    best: VerifierFit | None = None
    accepted: list[tuple[float, float, float]] = []
    for accuracy, correlation, systematic in itertools.product(*GRID.values()):
        cfg = dataclasses.replace(
            base,
            run_accuracy=accuracy,
            error_correlation=correlation,
            systematic_error_probability=systematic,
        )
        sims = simulated_moments(scenario, cfg, rule, replications, seed)
        mean = np.nanmean(sims, axis=0)
        se = np.nanstd(sims, axis=0, ddof=1)
        for j, p in ((2, t.recomputed_right), (3, t.original_right)):
            se[j] = math.sqrt(max(p * (1 - p), 0.05) / t.expert_n)
        objective = float(np.sum(((mean - real) / np.maximum(se, 1e-9)) ** 2))
        if objective <= CHI2_4_90:
            accepted.append((accuracy, correlation, systematic))
        if best is None or objective < best.objective:
            best = VerifierFit(
                cfg,
                objective,
                (float(mean[0]), float(mean[1]), float(mean[2]), float(mean[3])),
                t,
                0,
                {},
            )
    assert best is not None
    n_points = math.prod(len(v) for v in GRID.values())
    ranges = {
        name: (min(a[i] for a in accepted), max(a[i] for a in accepted))
        if accepted
        else (math.nan, math.nan)
        for i, name in enumerate(GRID)
    }
    return dataclasses.replace(best, points=n_points, ranges=ranges)


def verifier_yaml(fit: VerifierFit, base_audit_lines: list[str], source: str) -> str:
    """A ``verifier/`` group file with the fitted recomputation."""
    r, t, f = fit.recompute, fit.targets, fit.fitted
    lines = [
        f"# Recomputation fitted to {source} by `python -m sim.trace calibrate` (simulated",
        f"# moments on a {fit.points}-point grid; objective {fit.objective:.2f}): trace vs fit",
        f"#   items reaching consensus {t.consensus:.0f} vs {f[0]:.1f}",
        f"#   contentious items {t.contentious:.0f} vs {f[1]:.1f}",
        f"#   recomputed right on {t.expert_n} expert-labelled contentious items "
        f"{t.recomputed_right:.2f} vs {f[2]:.2f}",
        f"#   original right on them {t.original_right:.2f} vs {f[3]:.2f}",
        "# Approximate 90% confidence set (grid points with objective <= chi-square(4) 0.9):",
        *(f"#   {name}: {lo:g} to {hi:g}" for name, (lo, hi) in fit.ranges.items()),
        *base_audit_lines,
        "recompute:",
    ]
    for field in dataclasses.fields(r):
        lines.append(f"  {field.name}: {getattr(r, field.name)}")
    return "\n".join(lines) + "\n"
