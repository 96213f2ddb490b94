"""Estimates of the residual error rate of a maintained benchmark, and their 95% intervals.

Setting: ``n`` kept items; ``reviewed`` of them carry an expert verdict from triage; of the
``unreviewed`` items left when triage stopped, a simple random sample (the audit) was reviewed
too. Every verdict is wrong with probability ``expert_error`` (assumed known). For an audited
item, ``Y = 1`` when its verdict disagrees with the label the item would have kept unreviewed;
then ``E[Y] = p + (1 - p) * expert_error`` with ``p`` the unreviewed items' error rate, which the
estimators invert. The residual error rate is
``(expert_error * (reviewed + audited) + p * (unreviewed - audited)) / n``.

- :func:`audit_estimate`: ``p`` from the audit's mean (Wilson interval): valid by design.
- :func:`ppi_estimate`: prediction-powered inference (PPI++, power-tuned): the audit's ``Y``
  combined with the policy's predicted error probabilities ``f`` on every unreviewed item
  (Angelopoulos et al. 2023), with plus-four pseudo-observations and a Wilson interval at its
  effective sample size, for audits of a few dozen items.
- :func:`naive_estimate`: ``p`` from every verdict, triage's included, as if they were a random
  sample (biased when triage picks likely errors), Wilson interval.

The experts' own errors on reviewed items add their binomial variance to each interval."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.kernels.metrics import Z95, wilson
from sim.stats import t_quantile_975

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Estimate:
    """A residual error rate with its 95% interval (NaNs when it cannot be estimated)."""

    value: float
    low: float
    high: float

    @staticmethod
    def unavailable() -> Estimate:
        return Estimate(math.nan, math.nan, math.nan)


@dataclass(frozen=True)
class Counts:
    """The sizes the estimators scale by."""

    n_kept: int
    reviewed: int
    """Items with a triage verdict."""
    unreviewed: int
    """Items left when triage stopped (the audit's population)."""
    audited: int
    """Of those, items the audit reviewed."""
    expert_error: float


def _residual(c: Counts, p: float) -> float:
    expert_part = c.expert_error * (c.reviewed + c.audited)
    return (expert_part + p * (c.unreviewed - c.audited)) / c.n_kept


def _invert(y_mean: float, e: float) -> float:
    return _clip01((y_mean - e) / (1.0 - e))


def _clip01(x: float) -> float:
    """``x`` clipped to [0, 1] (NaN stays NaN), without NumPy's call on a scalar."""
    return min(max(x, 0.0), 1.0)


def _combine(c: Counts, y_value: float, y_low: float, y_high: float) -> Estimate:
    """Map an estimate of ``E[Y]`` and its interval to the residual error rate, adding the
    binomial spread of the experts' errors on reviewed items. The interval is for the mean of
    the unaudited items, not of the whole population the audit sampled: its half-widths grow by
    sqrt(N / (N - m)) (the variance of N (mean_A - mean_U) under simple random sampling)."""
    e = c.expert_error
    left = c.unreviewed - c.audited
    if left > 0:
        grow = math.sqrt(c.unreviewed / left)
        y_low = y_value - grow * (y_value - y_low)
        y_high = y_value + grow * (y_high - y_value)
    value = _residual(c, _invert(y_value, e))
    low = _residual(c, _invert(y_low, e))
    high = _residual(c, _invert(y_high, e))
    spread = Z95 * math.sqrt(e * (1.0 - e) * (c.reviewed + c.audited)) / c.n_kept
    return Estimate(
        value,
        max(0.0, value - math.hypot(value - low, spread)),
        min(1.0, value + math.hypot(high - value, spread)),
    )


def _exact_part_only(c: Counts) -> Estimate:
    return _combine(c, c.expert_error, c.expert_error, c.expert_error)


def audit_estimate(c: Counts, y: NDArray[np.bool_]) -> Estimate:
    """From the audit's ``y`` (``(audited,)``)."""
    return _wilson_estimate(c, y)


def naive_estimate(c: Counts, y_all: NDArray[np.bool_]) -> Estimate:
    """From every verdict's ``y`` (triage's and the audit's), as if they were a random sample."""
    return _wilson_estimate(c, y_all)


def _wilson_estimate(c: Counts, y: NDArray[np.bool_]) -> Estimate:
    if c.n_kept == 0 or c.expert_error >= 1.0:  # nothing kept, or verdicts that tell nothing
        return Estimate.unavailable()
    if c.unreviewed == 0:
        return _exact_part_only(c)
    if y.size == 0:
        return Estimate.unavailable()
    low, high = wilson(float(y.sum()), float(y.size), Z95)
    return _combine(c, float(y.mean()), float(low), float(high))


def ppi_estimate(
    c: Counts, y: NDArray[np.bool_], f_audit: FloatArray, f_all: FloatArray
) -> Estimate:
    """PPI++ mean of ``Y`` over the unreviewed items: predictions ``f_all`` on all of them
    (``(unreviewed,)``), ``f_audit`` and ``y`` on the audited ones; the power-tuning weight
    ``lambda`` minimises the variance (clipped to [0, 1])."""
    if c.n_kept == 0 or c.expert_error >= 1.0:  # nothing kept, or verdicts that tell nothing
        return Estimate.unavailable()
    if c.unreviewed == 0:
        return _exact_part_only(c)
    if y.size < 2:
        return Estimate.unavailable()
    # The weight and the spread come from the sample plus four pseudo-observations
    # (Agresti-Coull: two errors and two non-errors at the mean prediction), so a small audit
    # that found all or none wrong, or a weight tuned to the sample's noise, cannot make the
    # interval too narrow; the point estimate uses that weight on the sample itself.
    f_mean = float(f_all.mean())
    lam, se = _ppi_mean(
        np.concatenate([y.astype(np.float64), [1.0, 1.0, 0.0, 0.0]]),
        np.concatenate([f_audit, np.full(4, f_mean)]),
        f_all,
    )
    value = lam * f_mean + float((y - lam * f_audit).mean())
    # A rate near 0 has a skewed sampling distribution: a Wilson interval at the estimate's
    # effective sample size (with Student's t for the small audit) rather than +- t se.
    t = t_quantile_975(y.size - 1)
    p = _clip01(value)
    n_eff = max(p * (1.0 - p), 1.0 / (4.0 * y.size)) / max(se * se, 1e-12)
    low, high = wilson(p * n_eff, n_eff, t)
    return _combine(c, value, float(low), float(high))


def _ppi_mean(yf: FloatArray, f_audit: FloatArray, f_all: FloatArray) -> tuple[float, float]:
    """PPI++'s power-tuning weight ``lambda`` = Cov(Y, f) / ((1 + m / N) Var(f)) (clipped to
    [0, 1]) and the standard error of the estimate of the mean of ``Y`` with it."""
    m, big_n = yf.size, f_all.size
    var_f = float(f_all.var(ddof=1)) if big_n > 1 else 0.0
    cov = float(np.dot(yf - yf.mean(), f_audit - f_audit.mean())) / (m - 1)
    lam = _clip01(cov / ((1.0 + m / big_n) * var_f)) if var_f > 0 else 0.0
    resid = yf - lam * f_audit
    return lam, math.sqrt(float(resid.var(ddof=1)) / m + lam * lam * var_f / big_n)
