import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.labels import tolerance_gap
from sim.model.agreement import (
    AgreementRule,
    ValueKind,
    agrees,
    relative_disagreement,
    rule_array,
)

RULE = AgreementRule()
NA = np.nan
D, INT, DT, C = ValueKind.DECIMAL, ValueKind.INTEGER, ValueKind.DATE, ValueKind.CATEGORICAL


@pytest.mark.parametrize(
    ("label", "reference", "kind", "expected"),
    [
        (NA, NA, D, True),
        (NA, 3.0, INT, False),
        (3.0, NA, INT, False),
        (4.0, 3.0, INT, True),  # ordinal: within 1
        (5.0, 3.0, INT, False),
        (22.0, 21.0, INT, True),  # |ref| > 20: 5% relative, 1.05
        (23.0, 21.0, INT, False),
        (104.9, 100.0, D, True),
        (105.1, 100.0, D, False),
        (4.0, 3.0, D, False),  # decimals are never ordinal
        (0.04, 0.0, D, True),  # reference 0: absolute 0.05
        (0.06, 0.0, D, False),
        (738001.0, 738000.0, DT, False),
        (738000.0, 738000.0, DT, True),
        (2.0, 2.0, C, True),
        (1.0, 2.0, C, False),
    ],
)
def test_agreement_rule_cases(label: float, reference: float, kind: int, expected: bool) -> None:
    assert bool(agrees(label, reference, kind, RULE)) is expected


def test_rule_is_data() -> None:
    loose = AgreementRule(relative_tolerance=0.2, date_tolerance_days=3)
    assert bool(agrees(115.0, 100.0, D, loose))
    assert bool(agrees(738003.0, 738000.0, DT, loose))


def test_relative_disagreement_matches_the_audit_triage() -> None:
    a = np.array([100.0, NA, NA, 3.0, 738000.0, 0.0])
    b = np.array([90.0, 5.0, NA, 3.0, 738001.0, 0.0])
    k = np.array([D, D, D, INT, DT, D], dtype=np.int8)
    np.testing.assert_allclose(relative_disagreement(a, b, k), [0.1, np.inf, 0.0, 0.0, np.inf, 0])


@settings(deadline=None)  # the first example may load the kernels from the cache
@given(
    ref=st.floats(-1e6, 1e6, allow_nan=False),
    kind=st.sampled_from([D, INT, DT]),
    extra=st.floats(0, 10),
)
def test_a_shift_by_the_gap_always_disagrees(ref: float, kind: int, extra: float) -> None:
    if kind != D:
        ref = float(np.round(ref))
    gap = tolerance_gap(ref, kind, rule_array(RULE))
    for shifted in (ref + gap + extra, ref - gap - extra):
        assert not bool(agrees(shifted, ref, kind, RULE))
