"""Wrong values that respect the value kind: every function returns a label the agreement rule
calls different from its reference, staying inside the stratum's range where it can."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import AgreementRule, ValueKind, tolerance_gap

FloatArray = NDArray[np.float64]


class ErrorMode(IntEnum):
    """Why an original label is wrong; int8 codes in item arrays."""

    NONE = 0
    EXTRACTION = 1
    """One input value misread: an item-specific perturbation."""
    LOGIC = 2
    """A wrong rule in the stratum's pipeline: one shift shared by the stratum's items."""
    UNDERSPECIFIED = 3
    """The note cannot support an answer (truth N/A) but the original gives a number."""


ERROR_MODE_NAMES: tuple[str, ...] = tuple(m.name.lower() for m in ErrorMode)


def values_from_uniform(
    u: FloatArray,
    kind: NDArray[np.int8],
    value_min: FloatArray,
    value_max: FloatArray,
    n_categories: NDArray[np.int64],
) -> FloatArray:
    """Map uniforms in [0, 1) to plausible labels of each item's stratum (shapes broadcast).

    Positive decimal ranges are log-uniform; other decimals uniform; integers and dates are
    uniform whole numbers in [min, max]; categories uniform codes in [0, n)."""
    lo = np.asarray(value_min, dtype=np.float64)
    hi = np.asarray(value_max, dtype=np.float64)
    positive = lo > 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        log_lo = np.log(np.where(positive, lo, 1.0))
        log_hi = np.log(np.where(positive, hi, 1.0))
    decimal = np.where(positive, np.exp(log_lo + u * (log_hi - log_lo)), lo + u * (hi - lo))
    decimal = np.round(decimal, 3)
    whole = np.minimum(np.floor(lo + u * (hi - lo + 1.0)), hi)
    category = np.floor(u * np.maximum(n_categories, 1)).astype(np.float64)
    out = np.where(kind == ValueKind.DECIMAL, decimal, whole)
    return np.where(kind == ValueKind.CATEGORICAL, category, out)


def shifted_values(
    reference: FloatArray,
    kind: NDArray[np.int8],
    value_min: FloatArray,
    value_max: FloatArray,
    n_categories: NDArray[np.int64],
    sign_u: FloatArray,
    extra: FloatArray,
    rule: AgreementRule,
) -> FloatArray:
    """Labels that disagree with numeric ``reference`` by the tolerance gap plus ``extra``.

    ``extra`` is in the kind's own unit: relative for decimals and large integers, whole steps
    for ordinal integers and days for dates; for categories it picks another code in [0, n).
    ``sign_u < 0.5`` shifts up. Integer scores stay in the stratum's range where they can: the
    other direction is taken when the first leaves the range and the second does not; when both
    leave it, the nearest bound that still disagrees. Decimals and dates shift freely."""
    ref = np.asarray(reference, dtype=np.float64)
    k = np.asarray(kind, dtype=np.int8)
    lo = np.asarray(value_min, dtype=np.float64)
    hi = np.asarray(value_max, dtype=np.float64)
    gap = tolerance_gap(ref, k, rule)
    abs_ref = np.abs(ref)
    span = np.maximum(np.abs(hi), np.abs(lo))
    scale_ref = np.where(abs_ref > 0.0, abs_ref, np.maximum(0.1 * span, 1e-3))
    ordinal = (k == ValueKind.INTEGER) & (abs_ref <= rule.ordinal_max_abs)
    delta = np.where(
        k == ValueKind.DECIMAL,
        gap + extra * scale_ref,
        gap + np.floor(np.where(ordinal | (k == ValueKind.DATE), extra, extra * scale_ref)),
    )
    up = ref + delta
    down = ref - delta
    want_up = sign_u < 0.5
    first = np.where(want_up, up, down)
    second = np.where(want_up, down, up)
    first_in = (first >= lo) & (first <= hi)
    second_in = (second >= lo) & (second <= hi)
    # Both directions leave the range: clamp to a bound if that still disagrees.
    clamp_first, clamp_second = np.clip(first, lo, hi), np.clip(second, lo, hi)
    clamped = np.where(
        np.abs(clamp_first - ref) >= gap,
        clamp_first,
        np.where(np.abs(clamp_second - ref) >= gap, clamp_second, first),
    )
    in_range = np.where(first_in, first, np.where(second_in, second, clamped))
    out = np.where(k == ValueKind.INTEGER, in_range, first)
    if k.dtype == np.int8 and np.any(k == ValueKind.CATEGORICAL):
        n = np.maximum(np.asarray(n_categories, dtype=np.float64), 2.0)
        step = 1.0 + np.floor(np.clip(extra, 0.0, 1.0 - 1e-12) * (n - 1.0))
        out = np.where(k == ValueKind.CATEGORICAL, np.mod(ref + step, n), out)
    return out


def extra_magnitude(
    u: FloatArray,
    kind: NDArray[np.int8],
    reference: FloatArray,
    relative_scale: float,
    ordinal_steps_mean: float,
    date_days_mean: float,
    rule: AgreementRule,
) -> FloatArray:
    """Exponential extras (by inversion of ``u``) in each kind's unit for :func:`shifted_values`:
    days for dates, whole steps for ordinal integers, relative for decimals and large
    integers; categories use ``u`` itself."""
    expo = -np.log1p(-u)
    ordinal = (kind == ValueKind.INTEGER) & (np.abs(reference) <= rule.ordinal_max_abs)
    out = np.where(ordinal, expo * ordinal_steps_mean, expo * relative_scale)
    out = np.where(kind == ValueKind.DATE, expo * date_days_mean, out)
    return np.where(kind == ValueKind.CATEGORICAL, u, out)


def independent_errors(
    truth: FloatArray,
    kind: NDArray[np.int8],
    value_min: FloatArray,
    value_max: FloatArray,
    n_categories: NDArray[np.int64],
    u_value: FloatArray,
    u_sign: FloatArray,
    u_extra: FloatArray,
    relative_scale: float,
    ordinal_steps_mean: float,
    date_days_mean: float,
    rule: AgreementRule,
) -> FloatArray:
    """An item-specific wrong label per element: a shift of the truth, or a plausible number
    where the truth is N/A."""
    na = np.isnan(truth)
    ref = np.where(na, 0.0, truth)
    extra = extra_magnitude(
        u_extra, kind, ref, relative_scale, ordinal_steps_mean, date_days_mean, rule
    )
    shifted = shifted_values(ref, kind, value_min, value_max, n_categories, u_sign, extra, rule)
    return np.where(
        na, values_from_uniform(u_value, kind, value_min, value_max, n_categories), shifted
    )
