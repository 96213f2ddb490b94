"""The estimators' kernels against the same formulas written with NumPy and Python's math."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.estimation import Counts, audit_estimate, ppi_estimate
from sim.kernels.estimation import t_quantile_975
from sim.kernels.metrics import Z95, wilson


def reference_combine(c: Counts, y_value: float, y_low: float, y_high: float) -> tuple:
    e = c.expert_error

    def residual(p: float) -> float:
        return (e * (c.reviewed + c.audited) + p * (c.unreviewed - c.audited)) / c.n_kept

    def invert(y: float) -> float:
        return float(np.clip((y - e) / (1.0 - e), 0.0, 1.0))

    left = c.unreviewed - c.audited
    if left > 0:
        grow = math.sqrt(c.unreviewed / left)
        y_low = y_value - grow * (y_value - y_low)
        y_high = y_value + grow * (y_high - y_value)
    value, low, high = residual(invert(y_value)), residual(invert(y_low)), residual(invert(y_high))
    spread = Z95 * math.sqrt(e * (1.0 - e) * (c.reviewed + c.audited)) / c.n_kept
    return (
        value,
        max(0.0, value - math.hypot(value - low, spread)),
        min(1.0, value + math.hypot(high - value, spread)),
    )


def reference_t(df: int) -> float:
    if df < 5:
        return (math.nan, 12.706205, 4.302653, 3.182446, 2.776445)[df]
    z, v = Z95, float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


def reference_ppi(c: Counts, y: np.ndarray, f_audit: np.ndarray, f_all: np.ndarray) -> tuple:
    if c.unreviewed == 0:
        return reference_combine(c, c.expert_error, c.expert_error, c.expert_error)
    if y.size < 2:
        return (math.nan,) * 3
    f_mean = float(f_all.mean())
    yf = np.concatenate([y.astype(np.float64), [1.0, 1.0, 0.0, 0.0]])
    fa = np.concatenate([f_audit, np.full(4, f_mean)])
    m, big_n = yf.size, f_all.size
    var_f = float(f_all.var(ddof=1)) if big_n > 1 else 0.0
    cov = float(np.cov(yf, fa, ddof=1)[0, 1])
    lam = float(np.clip(cov / ((1.0 + m / big_n) * var_f), 0.0, 1.0)) if var_f > 0 else 0.0
    se = math.sqrt(float((yf - lam * fa).var(ddof=1)) / m + lam * lam * var_f / big_n)
    value = lam * f_mean + float((y - lam * f_audit).mean())
    p = float(np.clip(value, 0.0, 1.0))
    n_eff = max(p * (1.0 - p), 1.0 / (4.0 * y.size)) / max(se * se, 1e-12)
    low, high = wilson(p * n_eff, n_eff, reference_t(y.size - 1))
    return reference_combine(c, value, low, high)


def assert_close(got: tuple, want: tuple, tol: float) -> None:
    for g, w in zip(got, want, strict=True):
        assert (math.isnan(g) and math.isnan(w)) or abs(g - w) <= tol, (got, want)


def test_t_quantile_is_the_expansion() -> None:
    for df in range(1, 300):
        assert abs(t_quantile_975(df) - reference_t(df)) < 1e-13


@settings(max_examples=300, deadline=None)
@given(
    unreviewed=st.integers(0, 400),
    audit_share=st.floats(0.0, 1.0),
    reviewed=st.integers(0, 100),
    e=st.sampled_from([0.0, 0.02, 0.1]),
    seed=st.integers(0, 2**32 - 1),
)
def test_estimates_are_the_numpy_formulas(
    unreviewed: int, audit_share: float, reviewed: int, e: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    audited = int(audit_share * min(unreviewed, 60))
    c = Counts(unreviewed + reviewed + 1, reviewed, unreviewed, audited, e)
    f_all = rng.random(unreviewed) * rng.random()
    f_audit = f_all[rng.choice(unreviewed, audited, replace=False)]
    y = rng.random(audited) < f_audit
    est = ppi_estimate(c, y, f_audit, f_all)
    assert_close((est.value, est.low, est.high), reference_ppi(c, y, f_audit, f_all), 1e-12)
    est = audit_estimate(c, y)
    if unreviewed == 0:
        want = reference_combine(c, e, e, e)
    elif audited == 0:
        want = (math.nan,) * 3
    else:
        low, high = wilson(float(y.sum()), float(y.size), Z95)
        want = reference_combine(c, float(y.mean()), low, high)
    assert_close((est.value, est.low, est.high), want, 1e-12)
