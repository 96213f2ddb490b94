"""The residual-error estimators: exact cases, and coverage of their 95% intervals over many
synthetic audits where the truth is known."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.estimation import Counts, audit_estimate, naive_estimate, ppi_estimate


def test_nothing_left_unreviewed_is_the_experts_error_alone() -> None:
    c = Counts(n_kept=100, reviewed=100, unreviewed=0, audited=0, expert_error=0.0)
    for est in (
        audit_estimate(c, np.zeros(0, bool)),
        naive_estimate(c, np.zeros(0, bool)),
        ppi_estimate(c, np.zeros(0, bool), np.zeros(0), np.zeros(0)),
    ):
        assert (est.value, est.low, est.high) == (0.0, 0.0, 0.0)


def test_unavailable_without_audit_or_with_uninformative_experts() -> None:
    c = Counts(n_kept=100, reviewed=10, unreviewed=90, audited=0, expert_error=0.05)
    assert math.isnan(audit_estimate(c, np.zeros(0, bool)).value)
    one = Counts(n_kept=100, reviewed=10, unreviewed=90, audited=1, expert_error=0.05)
    assert math.isnan(ppi_estimate(one, np.ones(1, bool), np.ones(1), np.ones(90)).value)
    blind = Counts(n_kept=100, reviewed=10, unreviewed=90, audited=5, expert_error=1.0)
    assert math.isnan(audit_estimate(blind, np.ones(5, bool)).value)


def test_audit_estimate_scales_the_sample_to_the_unreviewed_items() -> None:
    # 10 reviewed (perfect experts), 90 left; the audit reviewed 10 of them and found 2 wrong:
    # 2 + 0.2 * 80 = 18 residual errors of 100.
    c = Counts(n_kept=100, reviewed=10, unreviewed=90, audited=10, expert_error=0.0)
    y = np.array([1, 1] + [0] * 8, dtype=bool)
    est = audit_estimate(c, y)
    assert est.value == pytest.approx(0.16)
    assert est.low < est.value < est.high


def test_expert_errors_are_corrected_for() -> None:
    # With experts wrong 10% of the time, a 10% disagreement rate means no error at all.
    c = Counts(n_kept=1000, reviewed=0, unreviewed=1000, audited=1000, expert_error=0.1)
    y = np.zeros(1000, dtype=bool)
    y[:100] = True
    assert audit_estimate(c, y).value == pytest.approx(0.1 * 1000 / 1000)


def simulate_coverage(
    n_audit: int, p_wrong: float, e: float, informative: bool, seed: int, reps: int = 1500
) -> dict[str, float]:
    """Many synthetic replications: 200 reviewed items, 800 left, an audit of ``n_audit``."""
    rng = np.random.default_rng(seed)
    hits = {"audit": 0, "ppi": 0}
    widths = {"audit": 0.0, "ppi": 0.0}
    for _ in range(reps):
        # informative: a share p_wrong of items flagged 0.9 likely wrong, the rest 0.02
        flagged = rng.random(800) < p_wrong
        f = np.where(flagged, 0.9, 0.02) if informative else rng.random(800)
        wrong = rng.random(800) < (f if informative else p_wrong)
        expert_wrong_reviewed = (rng.random(200) < e).sum()
        audit = rng.choice(800, n_audit, replace=False)
        expert_wrong_audit = rng.random(n_audit) < e
        y = wrong[audit] | expert_wrong_audit
        truth = (expert_wrong_reviewed + expert_wrong_audit.sum() + wrong.sum()) / 1000
        truth -= wrong[audit].sum() / 1000
        c = Counts(1000, 200, 800, n_audit, e)
        for name, est in (
            ("audit", audit_estimate(c, y)),
            ("ppi", ppi_estimate(c, y, f[audit], f)),
        ):
            hits[name] += est.low <= truth <= est.high
            widths[name] += est.high - est.low
    return {f"{k}_coverage": v / reps for k, v in hits.items()} | {
        f"{k}_width": v / reps for k, v in widths.items()
    }


@pytest.mark.parametrize(
    ("n_audit", "p_wrong", "e"), [(10, 0.2, 0.05), (40, 0.1, 0.05), (80, 0.3, 0.0)]
)
def test_intervals_cover_the_truth(n_audit: int, p_wrong: float, e: float) -> None:
    out = simulate_coverage(n_audit, p_wrong, e, informative=False, seed=n_audit)
    assert out["audit_coverage"] >= 0.93, out
    assert out["ppi_coverage"] >= 0.93, out


def test_ppi_is_narrower_with_an_informative_predictor() -> None:
    out = simulate_coverage(60, 0.15, 0.0, informative=True, seed=5, reps=800)
    assert out["ppi_coverage"] >= 0.93, out
    assert out["ppi_width"] < 0.7 * out["audit_width"], out
