"""When two labels count as the same: the agreement rule, and the triage's relative disagreement.

Labels are float64. ``NaN`` is "N/A" (the answer cannot be computed). Dates are day numbers
(proleptic Gregorian ordinals), categories are integer codes. The rule is data: an
:class:`AgreementRule` holds every tolerance, and every module compares labels through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


class ValueKind(IntEnum):
    """What a label is; stored as int8 codes in item arrays."""

    DECIMAL = 0
    INTEGER = 1
    DATE = 2
    CATEGORICAL = 3

    @classmethod
    def parse(cls, name: str) -> ValueKind:
        """The kind called ``name`` (case-insensitive); ValueError lists the valid names."""
        try:
            return cls[name.upper()]
        except KeyError:
            valid = ", ".join(k.name.lower() for k in cls)
            raise ValueError(f"unknown value kind {name!r}; expected one of: {valid}") from None


VALUE_KIND_NAMES: tuple[str, ...] = tuple(k.name.lower() for k in ValueKind)


@dataclass(frozen=True)
class AgreementRule:
    """Tolerances under which a label agrees with a reference label.

    Both N/A agree; one N/A never agrees with a number. Integer-kind labels whose reference is
    integer-like with ``|ref| <= ordinal_max_abs`` are ordinal scores and agree within
    ``ordinal_tolerance``; other numbers agree within ``relative_tolerance * |ref|``, or within
    ``zero_tolerance`` when the reference is 0. Dates agree within ``date_tolerance_days``;
    categories only when equal.
    """

    ordinal_tolerance: float = 1.0
    ordinal_max_abs: float = 20.0
    relative_tolerance: float = 0.05
    zero_tolerance: float = 0.05
    date_tolerance_days: float = 0.0


def agrees(
    label: FloatArray | float,
    reference: FloatArray | float,
    kind: NDArray[np.int8] | int,
    rule: AgreementRule,
) -> BoolArray:
    """Elementwise: does ``label`` agree with ``reference`` (same shape, or broadcastable)?"""
    a = np.asarray(label, dtype=np.float64)
    ref = np.asarray(reference, dtype=np.float64)
    k = np.asarray(kind, dtype=np.int8)
    a, ref, k = np.broadcast_arrays(a, ref, k)
    a_na = np.isnan(a)
    ref_na = np.isnan(ref)
    diff = np.abs(np.where(a_na | ref_na, 0.0, a - ref))
    abs_ref = np.abs(np.where(ref_na, 0.0, ref))

    ordinal = (
        (k == ValueKind.INTEGER)
        & (abs_ref <= rule.ordinal_max_abs)
        & (np.floor(abs_ref) == abs_ref)
    )
    numeric_tol = np.where(abs_ref == 0.0, rule.zero_tolerance, rule.relative_tolerance * abs_ref)
    tol = np.where(ordinal, rule.ordinal_tolerance, numeric_tol)
    tol = np.where(k == ValueKind.DATE, rule.date_tolerance_days, tol)
    tol = np.where(k == ValueKind.CATEGORICAL, 0.0, tol)
    same_number = diff <= tol
    return np.where(a_na | ref_na, a_na & ref_na, same_number)


def rule_array(rule: AgreementRule) -> FloatArray:
    """The rule as the float64[5] the kernels take."""
    return np.array(
        [
            rule.ordinal_tolerance,
            rule.ordinal_max_abs,
            rule.relative_tolerance,
            rule.zero_tolerance,
            rule.date_tolerance_days,
        ],
        dtype=np.float64,
    )


def relative_disagreement(
    label: FloatArray, reference: FloatArray, kind: NDArray[np.int8]
) -> FloatArray:
    """The triage's distance: ``|a - b| / max(|a|, |b|)`` for numbers, ``inf`` for any date or
    category mismatch, ``inf`` when exactly one side is N/A, and 0 when both are N/A or equal."""
    a = np.asarray(label, dtype=np.float64)
    b = np.asarray(reference, dtype=np.float64)
    k = np.asarray(kind, dtype=np.int8)
    a_na, b_na = np.isnan(a), np.isnan(b)
    a0 = np.where(a_na, 0.0, a)
    b0 = np.where(b_na, 0.0, b)
    diff = np.abs(a0 - b0)
    scale = np.maximum(np.abs(a0), np.abs(b0))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0.0, diff / np.where(scale > 0.0, scale, 1.0), 0.0)
    exact_kind = (k == ValueKind.DATE) | (k == ValueKind.CATEGORICAL)
    rel = np.where(exact_kind, np.where(diff > 0.0, np.inf, 0.0), rel)
    rel = np.where(a_na != b_na, np.inf, rel)
    return np.where(a_na & b_na, 0.0, rel)
