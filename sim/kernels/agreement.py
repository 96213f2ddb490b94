"""The agreement rule for one pair of labels (see :mod:`sim.model.agreement` for the rule).

``rule`` is float64[5]: ordinal_tolerance, ordinal_max_abs, relative_tolerance, zero_tolerance,
date_tolerance_days. Value kinds: 0 decimal, 1 integer, 2 date, 3 categorical.

The rule for one pair runs several times per item and allocates nothing, so it compiles without
the runtime's reference counts (:func:`~sim.kernels.njit_no_refcounts`). It takes the rule as
the array or as its five numbers (:func:`rule_values`); loops over many pairs pass the numbers."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel, njit_no_refcounts

RuleValues = tuple[float, float, float, float, float]


@kernel
def rule_values(rule: np.ndarray) -> RuleValues:
    """The rule's five numbers as a tuple, for loops that compare many pairs: with the array,
    whose entries are read inside the loop, LLVM does not run the loop in vector lanes, and
    :func:`agrees_one` over 1,000 items takes about 3 times as long."""
    return rule[0], rule[1], rule[2], rule[3], rule[4]


@njit_no_refcounts
def agrees_one(label: float, reference: float, kind: int, rule: np.ndarray | RuleValues) -> bool:
    """Does ``label`` agree with ``reference``? Two N/As agree; one N/A agrees with nothing.

    Written without branches (a comparison with N/A is false), so loops over items that call
    it run in vector lanes."""
    both_na = math.isnan(label) & math.isnan(reference)
    return both_na | (abs(label - reference) <= tolerance(reference, kind, rule))


@njit_no_refcounts
def tolerance(reference: float, kind: int, rule: np.ndarray | RuleValues) -> float:
    """How far a label may be from a (not N/A) ``reference`` and still agree with it: 0 for a
    category, the date tolerance for a date, the ordinal tolerance for a whole number within
    the ordinal range, the zero tolerance at 0, else relative. Selects, not branches."""
    abs_ref = abs(reference)
    ordinal = (kind == 1) & (abs_ref <= rule[1]) & (math.floor(abs_ref) == abs_ref)
    numeric = rule[3] if abs_ref == 0.0 else rule[2] * abs_ref
    tol = rule[0] if ordinal else numeric
    tol = rule[4] if kind == 2 else tol
    return float(0.0 if kind == 3 else tol)


@kernel
def relative_disagreement_one(label: float, reference: float, kind: int) -> float:
    """The triage's distance: ``|a - b| / max(|a|, |b|)`` for numbers, ``inf`` for a date or
    category mismatch or when exactly one side is N/A, 0 when both are N/A or equal."""
    a_na = math.isnan(label)
    b_na = math.isnan(reference)
    if a_na and b_na:
        return 0.0
    if a_na or b_na:
        return np.inf
    diff = abs(label - reference)
    if kind == 2 or kind == 3:
        return np.inf if diff > 0.0 else 0.0
    scale = max(abs(label), abs(reference))
    return diff / scale if scale > 0.0 else 0.0


@kernel
def agrees_many(
    label: np.ndarray, reference: np.ndarray, kind: np.ndarray, rule: np.ndarray, out: np.ndarray
) -> None:
    """:func:`agrees_one` over flat arrays of equal length into ``out``."""
    for i in range(label.shape[0]):
        out[i] = agrees_one(label[i], reference[i], kind[i], rule)


@kernel
def relative_disagreement_many(
    label: np.ndarray, reference: np.ndarray, kind: np.ndarray, out: np.ndarray
) -> None:
    """:func:`relative_disagreement_one` over flat arrays of equal length into ``out``."""
    for i in range(label.shape[0]):
        out[i] = relative_disagreement_one(label[i], reference[i], kind[i])
