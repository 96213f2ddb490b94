"""An item-level prediction that the label an item keeps unreviewed is wrong, for PPI++: a
ridge-penalised logistic regression fitted to triage's verdicts on features every item has (its
cell's belief, how many recomputation runs support the label it keeps, its class)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
MIN_VERDICTS = 20
"""Fewer verdicts than this (or only one outcome among them): the cell beliefs are used."""


def features(
    cell_probability: FloatArray, support: FloatArray, cls: NDArray[np.int8]
) -> FloatArray:
    """``(n, 5)``: intercept, logit of the cell's probability, the share of recomputation runs
    agreeing with the kept label, contentious and no-consensus indicators."""
    p = np.clip(cell_probability, 0.01, 0.99)
    return np.column_stack(
        [np.ones_like(p), np.log(p / (1.0 - p)), support, cls == 0, cls == 1]
    ).astype(np.float64)


def fit_logistic(x: FloatArray, y: NDArray[np.bool_], ridge: float = 1.0) -> FloatArray:
    """Coefficients by Newton's method on the penalised log-likelihood (intercept unpenalised)."""
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], ridge)
    penalty[0] = 0.0
    yf = y.astype(np.float64)
    for _ in range(25):
        p = 1.0 / (1.0 + np.exp(-(x @ beta)))
        grad = x.T @ (yf - p) - penalty * beta
        hess = (x * (p * (1.0 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return beta


def predicted_wrong(
    x: FloatArray, trained: NDArray[np.bool_], y: NDArray[np.bool_], fallback: FloatArray
) -> FloatArray:
    """P(wrong) for every row of ``x``, from a fit on the rows ``trained`` with outcomes ``y``;
    ``fallback`` where there is too little to fit."""
    yt = y[trained]
    if yt.size < MIN_VERDICTS or yt.all() or not yt.any():
        return fallback
    beta = fit_logistic(x[trained], yt)
    out: FloatArray = 1.0 / (1.0 + np.exp(-(x @ beta)))
    return out
