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

from sim.kernels import agreement as kernels

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


def _flat(
    label: FloatArray | float, reference: FloatArray | float, kind: NDArray[np.int8] | int
) -> tuple[FloatArray, FloatArray, NDArray[np.int8], tuple[int, ...]]:
    if _flat_already(label, reference, kind):
        assert isinstance(label, np.ndarray)
        return label, reference, kind, label.shape  # type: ignore[return-value]
    a, ref, k = np.broadcast_arrays(
        np.asarray(label, dtype=np.float64),
        np.asarray(reference, dtype=np.float64),
        np.asarray(kind, dtype=np.int8),
    )
    return (
        np.ascontiguousarray(a).ravel(),
        np.ascontiguousarray(ref).ravel(),
        np.ascontiguousarray(k).ravel(),
        a.shape,
    )


def _flat_already(label: object, reference: object, kind: object) -> bool:
    """Are the three already what the kernels take: C-contiguous 1-D arrays of one length,
    float64, float64 and int8?"""
    return (
        isinstance(label, np.ndarray)
        and isinstance(reference, np.ndarray)
        and isinstance(kind, np.ndarray)
        and label.ndim == 1
        and label.shape == reference.shape == kind.shape
        and label.dtype == np.float64
        and reference.dtype == np.float64
        and kind.dtype == np.int8
        and label.flags.c_contiguous
        and reference.flags.c_contiguous
        and kind.flags.c_contiguous
    )


def agrees(
    label: FloatArray | float,
    reference: FloatArray | float,
    kind: NDArray[np.int8] | int,
    rule: AgreementRule,
) -> BoolArray:
    """Elementwise: does ``label`` agree with ``reference`` (shapes broadcast)? The same
    kernel the engines use (:func:`sim.kernels.agreement.agrees_one`)."""
    a, ref, k, shape = _flat(label, reference, kind)
    out = np.empty(a.shape[0], dtype=np.bool_)
    kernels.agrees_many(a, ref, k, rule_array(rule), out)
    return out.reshape(shape)


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
    a, b, k, shape = _flat(label, reference, kind)
    out = np.empty(a.shape[0])
    kernels.relative_disagreement_many(a, b, k, out)
    return out.reshape(shape)
