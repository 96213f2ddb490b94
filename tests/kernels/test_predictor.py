"""The predictor's kernels against the NumPy formulas they replace: features, the share of
supporting runs, the small linear solve and the logistic fit."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels import predictor as kernel
from sim.model.agreement import AgreementRule, agrees, rule_array


def numpy_fit(x: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """The Newton iteration written with NumPy's matrix products and LAPACK's solve."""
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 0.0
    yf = y.astype(np.float64)
    for _ in range(25):
        with np.errstate(over="ignore"):  # a separable sample: exp(-eta) overflows to inf, p = 0
            p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (yf - p) - penalty * beta
        hess = (x * (p * (1.0 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_features_are_numpys(n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cell = rng.random(n)
    cell[rng.random(n) < 0.1] = 0.0
    support = rng.random(n)
    cls = rng.integers(0, 3, n).astype(np.int8)
    p = np.clip(cell, 0.01, 0.99)
    want = np.column_stack([np.ones(n), np.log(p / (1.0 - p)), support, cls == 0, cls == 1])
    # NumPy's vector log and libm's may differ in the last bit
    np.testing.assert_allclose(kernel.features(cell, support, cls), want, rtol=1e-15, atol=1e-15)


@settings(max_examples=100, deadline=None)
@given(n=st.integers(1, 200), k=st.integers(1, 7), seed=st.integers(0, 2**32 - 1))
def test_support_is_the_share_of_agreeing_runs(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    kept = np.round(rng.uniform(-5, 30, n), 1)
    kind = rng.integers(0, 4, n).astype(np.int8)
    runs = kept[:, None] + rng.choice([0.0, 0.5, 2.0, np.nan], size=(n, k))
    kept[rng.random(n) < 0.1] = np.nan
    rule = AgreementRule()
    kinds = np.repeat(kind[:, None], k, axis=1)
    want = agrees(runs, kept[:, None], kinds, rule).mean(axis=1)
    np.testing.assert_array_equal(kernel.support_of(runs, kept, kind, rule_array(rule)), want)


@settings(max_examples=100, deadline=None)
@given(d=st.integers(1, 6), seed=st.integers(0, 2**32 - 1))
def test_solve_agrees_with_lapack(d: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(d, d)) + d * np.eye(d) * rng.choice([0.0, 1.0])
    b = rng.normal(size=d)
    if abs(np.linalg.det(a)) < 1e-3:
        a += d * np.eye(d)
    np.testing.assert_allclose(kernel.solve(a, b), np.linalg.solve(a, b), rtol=1e-9, atol=1e-9)


def test_solve_pivots_past_a_zero() -> None:
    a = np.array([[0.0, 2.0], [3.0, 1.0]])
    np.testing.assert_allclose(kernel.solve(a, np.array([4.0, 5.0])), [1.0, 2.0])


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(25, 600),
    ridge=st.sampled_from([0.0, 1.0, 5.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_fit_is_numpys_newton_iteration(n: int, ridge: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    cls = rng.integers(0, 3, n).astype(np.int8)
    x = kernel.features(rng.uniform(0.02, 0.98, n), rng.random(n), cls)
    y = rng.random(n) < 1.0 / (1.0 + np.exp(-(x @ rng.normal(size=5))))
    if y.all() or not y.any():
        y[0] = not y[0]
    if ridge == 0.0:  # unpenalised: columns that never vary make the Hessian singular
        x = x[:, :3]
    np.testing.assert_allclose(kernel.fit_logistic(x, y, ridge), numpy_fit(x, y, ridge), atol=1e-7)
    trained = rng.random(n) < 0.7
    trained[:2] = True
    beta = numpy_fit(x[trained], y[trained], ridge)
    with np.errstate(over="ignore"):
        want = 1.0 / (1.0 + np.exp(-(x @ beta)))
    np.testing.assert_allclose(kernel.fitted_wrong(x, trained, y, ridge), want, atol=1e-7)


def test_logistic_fit_recovers_a_known_relation() -> None:
    rng = np.random.default_rng(0)
    x = np.column_stack([np.ones(4000), rng.normal(size=4000)])
    p = 1 / (1 + np.exp(-(-1.0 + 2.0 * x[:, 1])))
    y = rng.random(4000) < p
    beta = kernel.fit_logistic(x, y, 0.0)
    np.testing.assert_allclose(beta, [-1.0, 2.0], atol=0.15)


def test_too_few_or_one_sided_verdicts_keep_the_fallback() -> None:
    x = kernel.features(np.full(50, 0.2), np.linspace(0, 1, 50), np.zeros(50, dtype=np.int8))
    fallback = np.full(50, 0.2)
    trained = np.zeros(50, dtype=bool)
    trained[: kernel.MIN_VERDICTS - 1] = True
    y = np.arange(50) % 2 == 0
    kept = kernel.predicted_wrong(x, trained, y, fallback)
    assert np.shares_memory(kept, fallback), "the fallback itself, not a fit"
    trained[:30] = True
    kept = kernel.predicted_wrong(x, trained, np.zeros(50, dtype=bool), fallback)
    assert np.shares_memory(kept, fallback)


def test_support_lowers_the_predicted_error() -> None:
    rng = np.random.default_rng(1)
    support = rng.random(400)
    y = rng.random(400) < 0.9 - 0.8 * support  # labels the runs support are rarely wrong
    x = kernel.features(np.full(400, 0.5), support, np.full(400, 2, dtype=np.int8))
    pred = kernel.predicted_wrong(x, np.ones(400, dtype=bool), y, np.full(400, 0.5))
    assert pred[support > 0.8].mean() < 0.3 < 0.7 < pred[support < 0.2].mean()
