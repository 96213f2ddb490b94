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

from sim.kernels import estimation as kernel

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


def counts_array(c: Counts) -> NDArray[np.int64]:
    """``c``'s sizes as the estimation kernels take them (:mod:`sim.kernels.estimation`)."""
    return np.array([c.n_kept, c.reviewed, c.unreviewed, c.audited], dtype=np.int64)


def audit_estimate(c: Counts, y: NDArray[np.bool_]) -> Estimate:
    """From the audit's ``y`` (``(audited,)``)."""
    return _wilson_estimate(c, y)


def naive_estimate(c: Counts, y_all: NDArray[np.bool_]) -> Estimate:
    """From every verdict's ``y`` (triage's and the audit's), as if they were a random sample."""
    return _wilson_estimate(c, y_all)


def _wilson_estimate(c: Counts, y: NDArray[np.bool_]) -> Estimate:
    value, low, high = kernel.wilson_estimate(
        counts_array(c), float(c.expert_error), int(np.count_nonzero(y)), int(y.size)
    )
    return Estimate(float(value), float(low), float(high))


def ppi_estimate(
    c: Counts, y: NDArray[np.bool_], f_audit: FloatArray, f_all: FloatArray
) -> Estimate:
    """PPI++ mean of ``Y`` over the unreviewed items: predictions ``f_all`` on all of them
    (``(unreviewed,)``), ``f_audit`` and ``y`` on the audited ones; the power-tuning weight
    ``lambda`` minimises the variance (clipped to [0, 1]), and the interval is a Wilson interval
    at the estimate's effective sample size (:func:`sim.kernels.estimation.ppi_estimate`)."""
    value, low, high = kernel.ppi_estimate(
        counts_array(c),
        float(c.expert_error),
        np.ascontiguousarray(y, dtype=np.bool_),
        np.ascontiguousarray(f_audit, dtype=np.float64),
        np.ascontiguousarray(f_all, dtype=np.float64),
    )
    return Estimate(float(value), float(low), float(high))
