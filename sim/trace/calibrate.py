"""Calibrate a scenario from a trace: per-stratum error rates with empirical-Bayes shrinkage
under the model's own hierarchical prior (a point mass at zero plus a Beta), fitted by maximum
marginal likelihood (zero-inflated Beta-Binomial), with the uncertainty of every estimate."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import AgreementRule, agrees
from sim.trace.load import Trace

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PriorFit:
    """The fitted hierarchy: P(stratum error-free) and the Beta of the others."""

    zero_probability: float
    beta_a: float
    beta_b: float
    log_likelihood: float
    iterations: int
    converged: bool


@dataclass(frozen=True)
class StratumEstimate:
    """One stratum's counts and its posterior error rate."""

    name: str
    size: int
    judged: int
    """Items with a truth label (the denominator)."""
    errors: int
    underspecified: int
    posterior_mean: float
    interval_90: tuple[float, float]
    p_error_free: float


def _log_beta(a: float, b: float) -> float:
    return math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)


def _log_bb(k: int, n: int, a: float, b: float) -> float:
    """log P(k | n) under Beta-Binomial(a, b), binomial coefficient included."""
    log_choose = math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)
    return log_choose + _log_beta(a + k, b + n - k) - _log_beta(a, b)


def log_likelihood(
    k: NDArray[np.int64], n: NDArray[np.int64], pi0: float, a: float, b: float
) -> float:
    """Marginal log-likelihood of error counts under the zero-inflated Beta-Binomial."""
    total = 0.0
    for ki, ni in zip(k.tolist(), n.tolist(), strict=True):
        bb = math.exp(_log_bb(ki, ni, a, b))
        p = (1.0 - pi0) * bb + (pi0 if ki == 0 else 0.0)
        total += math.log(max(p, 1e-300))
    return total


def nelder_mead(
    f: Callable[[FloatArray], float],
    x0: FloatArray,
    *,
    step: float = 0.5,
    tol: float = 1e-9,
    max_iter: int = 2000,
) -> tuple[FloatArray, int, bool]:
    """Minimise ``f`` from ``x0`` (standard reflection/expansion/contraction/shrink)."""
    d = x0.shape[0]
    simplex = [x0.astype(float)] + [x0 + step * np.eye(d)[i] for i in range(d)]
    values = [f(x) for x in simplex]
    for it in range(1, max_iter + 1):
        order = np.argsort(values)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if abs(values[-1] - values[0]) < tol:
            return simplex[0], it, True
        centroid = np.mean(simplex[:-1], axis=0)
        worst = simplex[-1]
        reflected = centroid + (centroid - worst)
        fr = f(reflected)
        if fr < values[0]:
            expanded = centroid + 2.0 * (centroid - worst)
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = centroid + 0.5 * (worst - centroid)
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best + 0.5 * (x - best) for x in simplex]
                values = [f(x) for x in simplex]
    return simplex[int(np.argmin(values))], max_iter, False


def fit_prior(k: NDArray[np.int64], n: NDArray[np.int64]) -> PriorFit:
    """Maximum marginal likelihood of (P(error-free), a, b) over strata with ``k`` errors of
    ``n`` judged items each (logit / log parameterisation)."""

    def unpack(x: FloatArray) -> tuple[float, float, float]:
        return 1.0 / (1.0 + math.exp(-x[0])), math.exp(x[1]), math.exp(x[2])

    def objective(x: FloatArray) -> float:
        if np.any(np.abs(x) > 30):
            return 1e300
        return -log_likelihood(k, n, *unpack(x))

    share_zero = float(np.mean(k == 0))
    pooled = max(float(k.sum()) / max(float(n.sum()), 1.0), 1e-3)
    x0 = np.array(
        [
            math.log((share_zero + 0.05) / (1.05 - share_zero)),
            math.log(pooled * 2.0),
            math.log((1.0 - pooled) * 2.0),
        ]
    )
    x, iterations, converged = nelder_mead(objective, x0)
    pi0, a, b = unpack(x)
    return PriorFit(pi0, a, b, -objective(x), iterations, converged)


def posterior(
    k: int, n: int, fit: PriorFit, rng: np.random.Generator, draws: int = 20000
) -> tuple[float, tuple[float, float], float]:
    """Posterior mean, 90% interval and P(error-free) of one stratum's error rate."""
    bb0 = math.exp(_log_bb(0, n, fit.beta_a, fit.beta_b)) if k == 0 else 0.0
    pi0 = fit.zero_probability
    p_zero = pi0 / (pi0 + (1.0 - pi0) * bb0) if k == 0 else 0.0
    a, b = fit.beta_a + k, fit.beta_b + n - k
    mean = (1.0 - p_zero) * a / (a + b)
    sample = np.where(rng.random(draws) < p_zero, 0.0, rng.beta(a, b, size=draws))
    lo, hi = np.quantile(sample, [0.05, 0.95])
    return float(mean), (float(lo), float(hi)), float(p_zero)


def stratum_counts(
    trace: Trace, rule: AgreementRule, *, absent_truth_is_underspecified: bool
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Per stratum: items, judged items, errors and underspecified errors. Truth is
    ``label_truth`` where present, else ``label_expert``; items with neither are excluded, or
    (``absent_truth_is_underspecified``) counted as underspecified errors."""
    truth = trace.labels.get("label_truth")
    has = trace.present.get("label_truth")
    if truth is None or has is None:
        truth = trace.labels.get("label_expert")
        has = trace.present.get("label_expert")
    if truth is None or has is None:
        raise ValueError(
            "cannot estimate per-stratum error rates: the trace has neither label_truth nor "
            "label_expert, so no item's original can be judged"
        )
    wrong = has & ~agrees(trace.labels["label_original"], truth, trace.value_kind, rule)
    na_truth = has & np.isnan(truth) & wrong
    S = len(trace.strata)
    size = np.bincount(trace.stratum, minlength=S)
    if absent_truth_is_underspecified:
        judged = size.copy()
        errors = np.bincount(trace.stratum, weights=wrong | ~has, minlength=S)
        under = np.bincount(trace.stratum, weights=na_truth | ~has, minlength=S)
    else:
        judged = np.bincount(trace.stratum, weights=has, minlength=S)
        errors = np.bincount(trace.stratum, weights=wrong, minlength=S)
        under = np.bincount(trace.stratum, weights=na_truth, minlength=S)
    return (
        size.astype(np.int64),
        judged.astype(np.int64),
        errors.astype(np.int64),
        under.astype(np.int64),
    )


def calibrate_strata(
    trace: Trace,
    rule: AgreementRule,
    *,
    absent_truth_is_underspecified: bool = False,
    seed: int = 0,
) -> tuple[PriorFit, list[StratumEstimate]]:
    """Fit the prior over strata and shrink every stratum's error rate toward it."""
    size, judged, errors, under = stratum_counts(
        trace, rule, absent_truth_is_underspecified=absent_truth_is_underspecified
    )
    keep = judged > 0
    fit = fit_prior(errors[keep], judged[keep])
    rng = np.random.default_rng(seed)
    out = []
    for j, name in enumerate(trace.strata):
        mean, interval, p_zero = posterior(int(errors[j]), int(judged[j]), fit, rng)
        out.append(
            StratumEstimate(
                name,
                int(size[j]),
                int(judged[j]),
                int(errors[j]),
                int(under[j]),
                mean,
                interval,
                p_zero,
            )
        )
    return fit, out


def _num(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(round(float(v), 6))


def value_ranges(trace: Trace) -> list[tuple[float, float, int]]:
    """Per stratum: min and max of every numeric label seen, and the categories seen."""
    out = []
    for j in range(len(trace.strata)):
        mask = trace.stratum == j
        values = np.concatenate([v[mask & trace.present[c]] for c, v in trace.labels.items()])
        values = values[~np.isnan(values)]
        lo = float(values.min()) if values.size else 0.0
        hi = float(values.max()) if values.size else 1.0
        out.append((lo, hi, int(np.unique(values).size)))
    return out


def scenario_yaml(
    name: str,
    trace: Trace,
    fit: PriorFit,
    strata: list[StratumEstimate],
    source: str,
    note: str,
    magnitudes: list[Magnitude] | None = None,
) -> str:
    """A ``scenario/`` group file: strata with posterior error rates, the fitted prior and the
    error magnitudes as the error profile; every estimate's counts and uncertainty as
    comments."""
    lines = [
        f"# Calibrated from {source} by `python -m sim.trace calibrate`; do not edit by hand.",
        f"# {note}",
        "# Error rates are empirical-Bayes posterior means under the fitted prior below",
        "# (zero-inflated Beta-Binomial, maximum marginal likelihood: log-likelihood "
        f"{fit.log_likelihood:.2f},",
        f"# {fit.iterations} Nelder-Mead iterations, converged={fit.converged}).",
        f"name: {name}",
        "error_profile:",
        f"  zero_error_probability: {_num(round(fit.zero_probability, 6))}",
        f"  beta_a: {_num(round(fit.beta_a, 6))}",
        f"  beta_b: {_num(round(fit.beta_b, 6))}",
    ]
    for m in magnitudes or []:
        lines.append(
            f"  # {m.field}: median / ln 2 of {m.n} errors; their 90th percentile {m.p90:.3g}"
        )
        lines.append(f"  {m.field}: {_num(round(m.mean, 6))}")
        if m.field == "extraction_relative_scale":
            lines.append(f"  logic_relative_scale: {_num(round(m.mean, 6))}")
    lines.append("strata:")
    kinds = ("decimal", "integer", "date", "categorical")
    for j, (s, (lo, hi, n_values)) in enumerate(zip(strata, value_ranges(trace), strict=True)):
        kind = kinds[int(trace.value_kind[np.flatnonzero(trace.stratum == j)[0]])]
        group = trace.groups[int(trace.group[np.flatnonzero(trace.stratum == j)[0]])]
        share = s.underspecified / s.errors if s.errors else None
        lines += [
            f"  # {s.errors}/{s.judged} judged wrong; posterior 90% interval "
            f"[{s.interval_90[0]:.3f}, {s.interval_90[1]:.3f}]; P(error-free) "
            f"{s.p_error_free:.2f}",
            f"  - name: {json.dumps(s.name)}",
            f"    size: {s.size}",
            f"    group: {json.dumps(group)}",
            f"    value_kind: {kind}",
        ]
        if kind == "categorical":
            lines.append(f"    n_categories: {max(n_values, 2)}")
        else:
            lines += [f"    value_min: {_num(lo)}", f"    value_max: {_num(hi)}"]
        lines += [
            f"    error_rate: {_num(round(s.posterior_mean, 6))}",
            f"    underspecified_share: {'null' if share is None else _num(round(share, 6))}",
        ]
    return "\n".join(lines) + "\n"


def verifier_diagnostics(trace: Trace, rule: AgreementRule) -> list[str]:
    """What the trace says about its verifiers and experts, with Wilson 95% intervals."""
    from sim.metrics import wilson_interval

    lines = []
    if "recompute_consensus" in trace.flags:
        c = trace.flags["recompute_consensus"]
        lo, hi = wilson_interval(int(c.sum()), c.size)
        lines.append(
            f"recomputation consensus: {int(c.sum())}/{c.size} = {c.mean():.1%} "
            f"(95% CI {lo:.1%}-{hi:.1%})"
        )
    if "label_expert" in trace.labels:
        has = trace.present["label_expert"]
        expert = trace.labels["label_expert"]
        for col in ("label_original", "label_recomputed", "label_verifier"):
            if col not in trace.labels:
                continue
            both = has & trace.present[col]
            if not both.any():
                continue
            ok = agrees(trace.labels[col][both], expert[both], trace.value_kind[both], rule)
            lo, hi = wilson_interval(int(ok.sum()), int(both.sum()))
            lines.append(
                f"{col} agrees with the experts on {int(ok.sum())}/{int(both.sum())} "
                f"= {ok.mean():.0%} (95% CI {lo:.0%}-{hi:.0%})"
            )
    if not lines:
        lines.append(
            "verifier accuracy and error correlation: not estimable (no expert labels "
            "or verifier columns)"
        )
    return lines


@dataclass(frozen=True)
class Magnitude:
    """The mean Exponential extra of one kind of error beyond the agreement gap."""

    field: str
    mean: float
    p90: float
    """The 90th percentile of the observed excess (the tail the Exponential smooths over)."""
    n: int


def error_magnitudes(trace: Trace, rule: AgreementRule) -> list[Magnitude]:
    """Estimates of the error profile's magnitudes from numeric errors with a truth: decimals
    (and integers beyond the ordinal range) the relative excess beyond the relative tolerance;
    ordinal scores the whole steps beyond the gap; dates the days beyond the gap (+0.5 undoes
    the floor the model applies to whole steps). Real errors are heavy-tailed, so each mean of
    the model's Exponential is estimated robustly, as median / ln 2."""
    if "label_truth" not in trace.labels:
        return []
    t = trace.labels["label_truth"]
    o = trace.labels["label_original"]
    k = trace.value_kind
    ok = trace.present["label_truth"] & ~np.isnan(t) & ~np.isnan(o)
    wrong = ok & ~agrees(o, t, k, rule)
    diff = np.abs(o - t)
    ordinal = (k == 1) & (np.abs(t) <= rule.ordinal_max_abs)
    relative = wrong & ((k == 0) | ((k == 1) & ~ordinal)) & (np.abs(t) > 0)
    out = []
    for field, mask, excess in (
        (
            "extraction_relative_scale",
            relative,
            diff / np.where(np.abs(t) > 0, np.abs(t), 1.0) - rule.relative_tolerance,
        ),
        ("ordinal_extra_steps_mean", wrong & ordinal, diff - (rule.ordinal_tolerance + 1) + 0.5),
        ("date_shift_days_mean", wrong & (k == 2), diff - (rule.date_tolerance_days + 1) + 0.5),
    ):
        x = np.maximum(excess[mask], 0.0)
        if x.size:
            out.append(
                Magnitude(
                    field,
                    float(np.median(x)) / math.log(2.0),
                    float(np.quantile(x, 0.9)),
                    int(x.size),
                )
            )
    return out
