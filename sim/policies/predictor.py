"""An item-level prediction that the label an item keeps unreviewed is wrong, for PPI++: a
ridge-penalised logistic regression fitted to triage's verdicts on features every item has (its
cell's belief, how many recomputation runs support the label it keeps, its class). The
arithmetic is in :mod:`sim.kernels.predictor`."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels import predictor as kernel

FloatArray = NDArray[np.float64]
MIN_VERDICTS = 20
"""Fewer verdicts than this (or only one outcome among them): the cell beliefs are used."""


def features(
    cell_probability: FloatArray, support: FloatArray, cls: NDArray[np.int8]
) -> FloatArray:
    """``(n, 5)``: intercept, logit of the cell's probability, the share of recomputation runs
    agreeing with the kept label, contentious and no-consensus indicators."""
    x: FloatArray = kernel.features(
        np.ascontiguousarray(cell_probability, dtype=np.float64),
        np.ascontiguousarray(support, dtype=np.float64),
        np.ascontiguousarray(cls, dtype=np.int8),
    )
    return x


def fit_logistic(x: FloatArray, y: NDArray[np.bool_], ridge: float = 1.0) -> FloatArray:
    """Coefficients by Newton's method on the penalised log-likelihood (intercept unpenalised)."""
    beta: FloatArray = kernel.fit_logistic(
        np.ascontiguousarray(x, dtype=np.float64), np.asarray(y, dtype=np.bool_), float(ridge)
    )
    return beta


def predicted_wrong(
    x: FloatArray, trained: NDArray[np.bool_], y: NDArray[np.bool_], fallback: FloatArray
) -> FloatArray:
    """P(wrong) for every row of ``x``, from a fit on the rows ``trained`` with outcomes ``y``;
    ``fallback`` where there is too little to fit."""
    yt = y[trained]
    if yt.size < MIN_VERDICTS or yt.all() or not yt.any():
        return fallback
    out: FloatArray = kernel.fitted_wrong(
        np.ascontiguousarray(x, dtype=np.float64),
        np.asarray(trained, dtype=np.bool_),
        np.asarray(y, dtype=np.bool_),
        1.0,
    )
    return out
