"""The residual-error estimators' arithmetic as kernels (:mod:`sim.estimation` states the
estimators; it calls these, and so does a compiled replication, so both give the same numbers).

``counts`` is int64 ``[n_kept, reviewed, unreviewed, audited]`` (:class:`sim.estimation.Counts`
without the experts' error rate, which is passed as ``e``). Each estimator returns ``(value,
low, high)``, NaNs when it cannot estimate."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.metrics import Z95, wilson

N_KEPT, REVIEWED, UNREVIEWED, AUDITED = 0, 1, 2, 3
_T975_SMALL = (math.nan, 12.706205, 4.302653, 3.182446, 2.776445)


@kernel
def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher
    expansion around the normal to 1/df^4, within 3e-4 for df >= 5; tabulated below)."""
    if df < 5:
        return _T975_SMALL[df]
    z = Z95
    z2 = z * z
    v = float(df)
    return (
        z
        + (z2 * z + z) / (4.0 * v)
        + (5.0 * z2 * z2 * z + 16.0 * z2 * z + 3.0 * z) / (96.0 * v * v)
        + (3.0 * z2 * z2 * z2 * z + 19.0 * z2 * z2 * z + 17.0 * z2 * z - 15.0 * z)
        / (384.0 * v * v * v)
        + (
            79.0 * z2 * z2 * z2 * z2 * z
            + 776.0 * z2 * z2 * z2 * z
            + 1482.0 * z2 * z2 * z
            - 1920.0 * z2 * z
            - 945.0 * z
        )
        / (92160.0 * v * v * v * v)
    )


@kernel
def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


@kernel
def _residual(counts: np.ndarray, e: float, p: float) -> float:
    """The residual error rate when the unaudited unreviewed items are wrong at rate ``p``."""
    expert_part = e * (counts[REVIEWED] + counts[AUDITED])
    return float((expert_part + p * (counts[UNREVIEWED] - counts[AUDITED])) / counts[N_KEPT])


@kernel
def _invert(y_mean: float, e: float) -> float:
    """The error rate ``p`` behind ``E[Y] = p + (1 - p) e``, clipped to [0, 1]."""
    return _clip01((y_mean - e) / (1.0 - e))


@kernel
def combine(
    counts: np.ndarray, e: float, y_value: float, y_low: float, y_high: float
) -> tuple[float, float, float]:
    """Map an estimate of ``E[Y]`` and its interval to the residual error rate, adding the
    binomial spread of the experts' errors on reviewed items. The interval is for the mean of
    the unaudited items, not of the whole population the audit sampled: its half-widths grow by
    sqrt(N / (N - m)) (the variance of N (mean_A - mean_U) under simple random sampling)."""
    left = counts[UNREVIEWED] - counts[AUDITED]
    if left > 0:
        grow = math.sqrt(counts[UNREVIEWED] / left)
        y_low = y_value - grow * (y_value - y_low)
        y_high = y_value + grow * (y_high - y_value)
    value = _residual(counts, e, _invert(y_value, e))
    low = _residual(counts, e, _invert(y_low, e))
    high = _residual(counts, e, _invert(y_high, e))
    spread = Z95 * math.sqrt(e * (1.0 - e) * (counts[REVIEWED] + counts[AUDITED])) / counts[N_KEPT]
    return (
        value,
        max(0.0, value - math.hypot(value - low, spread)),
        min(1.0, value + math.hypot(high - value, spread)),
    )


@kernel
def wilson_estimate(
    counts: np.ndarray, e: float, successes: int, trials: int
) -> tuple[float, float, float]:
    """From ``successes`` of ``trials`` verdicts that contradicted the kept label, as a random
    sample of the unreviewed items: their mean, with its Wilson interval."""
    if counts[N_KEPT] == 0 or e >= 1.0:  # nothing kept, or verdicts that tell nothing
        return np.nan, np.nan, np.nan
    if counts[UNREVIEWED] == 0:
        return combine(counts, e, e, e, e)
    if trials == 0:
        return np.nan, np.nan, np.nan
    low, high = wilson(float(successes), float(trials), Z95)
    return combine(counts, e, successes / trials, low, high)


@kernel
def _mean(a: np.ndarray) -> float:
    total = 0.0
    for i in range(a.shape[0]):
        total += a[i]
    return float(total / a.shape[0])


@kernel
def _var(a: np.ndarray, mean: float) -> float:
    """The sample variance (ddof 1) about ``mean``."""
    total = 0.0
    for i in range(a.shape[0]):
        d = a[i] - mean
        total += d * d
    return float(total / (a.shape[0] - 1))


@kernel(called_from_python=True)
def ppi_estimate(
    counts: np.ndarray, e: float, y: np.ndarray, f_audit: np.ndarray, f_all: np.ndarray
) -> tuple[float, float, float]:
    """PPI++ mean of ``Y`` over the unreviewed items: predictions ``f_all`` on all of them,
    ``f_audit`` and ``y`` (bool) on the audited ones; the power-tuning weight ``lambda`` =
    Cov(Y, f) / ((1 + m / N) Var(f)), clipped to [0, 1], and the spread come from the sample
    plus four pseudo-observations (two errors and two non-errors at the mean prediction), so a
    small audit that found all or none wrong cannot make the interval too narrow; the point
    estimate uses that weight on the sample itself. The interval is a Wilson interval at the
    estimate's effective sample size, with Student's t for the small audit."""
    if counts[N_KEPT] == 0 or e >= 1.0:
        return np.nan, np.nan, np.nan
    if counts[UNREVIEWED] == 0:
        return combine(counts, e, e, e, e)
    m0 = y.shape[0]
    if m0 < 2:
        return np.nan, np.nan, np.nan
    big_n = f_all.shape[0]
    f_mean = _mean(f_all)
    m = m0 + 4
    yf = np.empty(m)
    fa = np.empty(m)
    for i in range(m0):
        yf[i] = 1.0 if y[i] else 0.0
        fa[i] = f_audit[i]
    for i in range(4):
        yf[m0 + i] = 1.0 if i < 2 else 0.0
        fa[m0 + i] = f_mean
    var_f = _var(f_all, f_mean) if big_n > 1 else 0.0
    y_mean = _mean(yf)
    fa_mean = _mean(fa)
    cov = 0.0
    for i in range(m):
        cov += (yf[i] - y_mean) * (fa[i] - fa_mean)
    cov /= m - 1
    lam = _clip01(cov / ((1.0 + m / big_n) * var_f)) if var_f > 0 else 0.0
    resid = np.empty(m)
    for i in range(m):
        resid[i] = yf[i] - lam * fa[i]
    se = math.sqrt(_var(resid, _mean(resid)) / m + lam * lam * var_f / big_n)
    corrected = 0.0
    for i in range(m0):
        corrected += (1.0 if y[i] else 0.0) - lam * f_audit[i]
    value = lam * f_mean + corrected / m0
    t = t_quantile_975(m0 - 1)
    p = _clip01(value)
    n_eff = max(p * (1.0 - p), 1.0 / (4.0 * m0)) / max(se * se, 1e-12)
    low, high = wilson(p * n_eff, n_eff, t)
    return combine(counts, e, value, low, high)
