"""Scalar label helpers for kernels: plausible values and wrong values that respect the value
kind (0 decimal, 1 integer, 2 date, 3 categorical). ``rule`` is the float64[5] agreement rule.

They allocate nothing and run once per item or verifier run, so they compile without the
runtime's reference counts (:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import njit_no_refcounts

DECIMAL, INTEGER, DATE, CATEGORICAL = 0, 1, 2, 3


@njit_no_refcounts
def value_from_uniform(u: float, kind: int, lo: float, hi: float, n_categories: int) -> float:
    """A plausible label of a stratum from one uniform: log-uniform for positive decimal
    ranges, uniform otherwise; whole numbers for integers and dates; a code for categories."""
    log_lo, log_width = log_range(kind, lo, hi)
    return value_in_range(u, kind, lo, hi, n_categories, log_lo, log_width)


@njit_no_refcounts
def log_range(kind: int, lo: float, hi: float) -> tuple[float, float]:
    """``(log lo, log hi - log lo)`` of a positive decimal range, else zeros: what
    :func:`value_in_range` needs, computed once per stratum."""
    if kind == DECIMAL and lo > 0.0:
        log_lo = math.log(lo)
        return log_lo, math.log(hi) - log_lo
    return 0.0, 0.0


@njit_no_refcounts
def value_in_range(
    u: float,
    kind: int,
    lo: float,
    hi: float,
    n_categories: int,
    log_lo: float,
    log_width: float,
) -> float:
    """:func:`value_from_uniform` with the range's :func:`log_range` given."""
    if kind == CATEGORICAL:
        return float(math.floor(u * max(n_categories, 1)))
    if kind == DECIMAL:
        v = math.exp(log_lo + u * log_width) if lo > 0.0 else lo + u * (hi - lo)
        return float(round(v, 3))
    return float(min(math.floor(lo + u * (hi - lo + 1.0)), hi))


@njit_no_refcounts
def tolerance_gap(reference: float, kind: int, rule: np.ndarray) -> float:
    """The smallest shift of ``reference`` that the rule calls a disagreement."""
    abs_ref = abs(reference)
    if kind == DATE:
        gap = rule[4]
    elif kind == INTEGER and abs_ref <= rule[1]:
        gap = rule[0]
    elif abs_ref == 0.0:
        gap = rule[3]
    else:
        gap = rule[2] * abs_ref
    if kind == DECIMAL:
        return float(gap * (1.0 + 1e-9) + 1e-12)
    return float(math.floor(gap) + 1.0)


@njit_no_refcounts
def extra_magnitude(
    u: float,
    kind: int,
    reference: float,
    relative_scale: float,
    steps_mean: float,
    days_mean: float,
    rule: np.ndarray,
) -> float:
    """An Exponential extra beyond the gap, in the kind's unit: days, whole steps for ordinal
    scores, relative for decimals and large integers; categories use ``u`` itself."""
    if kind == CATEGORICAL:
        return u
    expo = -math.log1p(-u)
    if kind == DATE:
        return expo * days_mean
    if kind == INTEGER and abs(reference) <= rule[1]:
        return expo * steps_mean
    return expo * relative_scale


@njit_no_refcounts
def shifted_value(
    reference: float,
    kind: int,
    lo: float,
    hi: float,
    n_categories: int,
    sign_u: float,
    extra: float,
    rule: np.ndarray,
) -> float:
    """A label that disagrees with numeric ``reference`` by the gap plus ``extra``; up when
    ``sign_u < 0.5``. Integer scores stay in [lo, hi] where a disagreeing value exists there."""
    if kind == CATEGORICAL:
        n = max(float(n_categories), 2.0)
        step = 1.0 + math.floor(min(max(extra, 0.0), 1.0 - 1e-12) * (n - 1.0))
        return (reference + step) % n
    gap = tolerance_gap(reference, kind, rule)
    abs_ref = abs(reference)
    if kind == DECIMAL:
        scale = abs_ref if abs_ref > 0.0 else max(0.1 * max(abs(hi), abs(lo)), 1e-3)
        delta = gap + extra * scale
    elif kind == DATE or abs_ref <= rule[1]:
        delta = gap + math.floor(extra)
    else:
        delta = gap + math.floor(extra * abs_ref)
    first = reference + delta if sign_u < 0.5 else reference - delta
    if kind != INTEGER:
        return first
    second = reference - delta if sign_u < 0.5 else reference + delta
    if lo <= first <= hi:
        return first
    if lo <= second <= hi:
        return second
    clamp_first = min(max(first, lo), hi)
    if abs(clamp_first - reference) >= gap:
        return clamp_first
    clamp_second = min(max(second, lo), hi)
    if abs(clamp_second - reference) >= gap:
        return clamp_second
    return first


@njit_no_refcounts
def independent_error(
    truth: float,
    kind: int,
    lo: float,
    hi: float,
    n_categories: int,
    u_value: float,
    u_sign: float,
    u_extra: float,
    profile: np.ndarray,
    rule: np.ndarray,
) -> float:
    """An item-specific wrong label: a shift of the truth, or a plausible number when the
    truth is N/A. ``profile`` is the error profile array of :mod:`sim.kernels.world`."""
    if math.isnan(truth):
        return value_from_uniform(u_value, kind, lo, hi, n_categories)
    extra = extra_magnitude(u_extra, kind, truth, profile[6], profile[8], profile[9], rule)
    return shifted_value(truth, kind, lo, hi, n_categories, u_sign, extra, rule)
