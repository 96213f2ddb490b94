"""The learning policy's item-level prediction that the label an item keeps unreviewed is
wrong, for PPI++: a ridge-penalised logistic regression fitted by Newton's method to triage's
verdicts, on features every item has (its cell's belief, how many recomputation runs support the
label it keeps, its class). Plain loops over ``(n, 5)`` features: a replication fits one model,
and NumPy's calls on arrays this small cost more than their arithmetic."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import agrees_one, rule_values

N_FEATURES = 5
MAX_NEWTON_STEPS = 25
STEP_TOLERANCE = 1e-8
MIN_VERDICTS = 20
"""Fewer verdicts than this (or only one outcome among them): the cell beliefs are used."""
RIDGE = 1.0


@kernel
def support_of(
    runs: np.ndarray, kept: np.ndarray, kind: np.ndarray, rule: np.ndarray
) -> np.ndarray:
    """``(n,)`` share of each item's recomputation runs (rows of ``runs``) that agree with the
    label it keeps."""
    n, k = runs.shape
    rule_t = rule_values(rule)
    out = np.empty(n)
    for i in range(n):
        agreeing = 0
        for r in range(k):
            agreeing += agrees_one(runs[i, r], kept[i], kind[i], rule_t)
        out[i] = agreeing / k
    return out


@kernel
def features(
    cell_probability: np.ndarray, support: np.ndarray, item_class: np.ndarray
) -> np.ndarray:
    """``(n, 5)``: intercept, logit of the cell's probability (clipped to [0.01, 0.99]), the
    share of runs supporting the kept label, contentious and no-consensus indicators."""
    n = cell_probability.shape[0]
    x = np.empty((n, N_FEATURES))
    for i in range(n):
        p = min(max(cell_probability[i], 0.01), 0.99)
        x[i, 0] = 1.0
        x[i, 1] = math.log(p / (1.0 - p))
        x[i, 2] = support[i]
        x[i, 3] = 1.0 if item_class[i] == 0 else 0.0
        x[i, 4] = 1.0 if item_class[i] == 1 else 0.0
    return x


@kernel
def solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a^-1 b`` for a small square ``a``, by Gaussian elimination with partial pivoting
    (on copies)."""
    d = b.shape[0]
    m = a.copy()
    v = b.copy()
    for col in range(d):
        pivot = col
        for row in range(col + 1, d):
            if abs(m[row, col]) > abs(m[pivot, col]):
                pivot = row
        if pivot != col:
            for c in range(d):
                m[col, c], m[pivot, c] = m[pivot, c], m[col, c]
            v[col], v[pivot] = v[pivot], v[col]
        for row in range(col + 1, d):
            factor = m[row, col] / m[col, col]
            for c in range(col, d):
                m[row, c] -= factor * m[col, c]
            v[row] -= factor * v[col]
    out = np.empty(d)
    for row in range(d - 1, -1, -1):
        total = v[row]
        for c in range(row + 1, d):
            total -= m[row, c] * out[c]
        out[row] = total / m[row, row]
    return out


@kernel
def fit_logistic(x: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """Coefficients ``(d,)`` of P(y) = 1 / (1 + exp(-x beta)) by Newton's method on the
    log-likelihood with a ridge penalty on every coefficient but the intercept (column 0):
    at most 25 steps, until no coefficient moves by 1e-8."""
    n, d = x.shape
    beta = np.zeros(d)
    grad = np.empty(d)
    hess = np.empty((d, d))
    for _ in range(MAX_NEWTON_STEPS):
        for a in range(d):
            penalty = ridge if a > 0 else 0.0
            grad[a] = -penalty * beta[a]
            for b in range(d):
                hess[a, b] = (penalty if a == b else 0.0) + (1e-9 if a == b else 0.0)
        for i in range(n):
            eta = 0.0
            for a in range(d):
                eta += x[i, a] * beta[a]
            p = 1.0 / (1.0 + math.exp(-eta))
            residual = (1.0 if y[i] else 0.0) - p
            weight = p * (1.0 - p)
            for a in range(d):
                grad[a] += x[i, a] * residual
                wa = weight * x[i, a]
                for b in range(d):
                    hess[a, b] += wa * x[i, b]
        step = solve(hess, grad)
        largest = 0.0
        for a in range(d):
            beta[a] += step[a]
            largest = max(largest, abs(step[a]))
        if largest < STEP_TOLERANCE:
            break
    return beta


@kernel
def fitted_wrong(x: np.ndarray, trained: np.ndarray, y: np.ndarray, ridge: float) -> np.ndarray:
    """P(wrong) ``(n,)`` for every row of ``x`` from :func:`fit_logistic` on the rows
    ``trained`` with outcomes ``y`` (``(n,)``, read on those rows)."""
    n, d = x.shape
    m = 0
    for i in range(n):
        m += trained[i]
    xt = np.empty((m, d))
    yt = np.empty(m, dtype=np.bool_)
    k = 0
    for i in range(n):
        if trained[i]:
            for a in range(d):
                xt[k, a] = x[i, a]
            yt[k] = y[i]
            k += 1
    beta = fit_logistic(xt, yt, ridge)
    out = np.empty(n)
    for i in range(n):
        eta = 0.0
        for a in range(d):
            eta += x[i, a] * beta[a]
        out[i] = 1.0 / (1.0 + math.exp(-eta))
    return out


@kernel
def predicted_wrong(
    x: np.ndarray, trained: np.ndarray, y: np.ndarray, fallback: np.ndarray
) -> np.ndarray:
    """P(wrong) for every row of ``x`` from :func:`fitted_wrong` on the rows ``trained`` with
    outcomes ``y`` (ridge :data:`RIDGE`); ``fallback`` itself when there is too little to fit
    (:data:`MIN_VERDICTS`, or only one outcome)."""
    n_trained = 0
    n_wrong = 0
    for i in range(trained.shape[0]):
        if trained[i]:
            n_trained += 1
            n_wrong += y[i]
    if n_trained < MIN_VERDICTS or n_wrong == n_trained or n_wrong == 0:
        return fallback
    return fitted_wrong(x, trained, y, RIDGE)
