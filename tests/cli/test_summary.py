"""The run summary table: which rows it shows and how it prints them."""

from __future__ import annotations

import math

from sim.cli.summary import HEADLINE, counted, format_summary

STATS = ("mean", "mean_ci_low", "mean_ci_high", "p2_5", "p97_5")


def _summary(value: float) -> dict[str, dict[str, float]]:
    keys = {key for key, _, _ in HEADLINE} | {"items_propagated"}
    summary = {key: dict.fromkeys(STATS, value) for key in keys}
    summary["items_propagated"]["mean"] = 0.0
    return summary


def test_the_true_original_error_rate_leads_and_the_naive_estimate_says_what_it_counts() -> None:
    summary = _summary(0.5)
    summary["original_error_rate"] = dict.fromkeys(STATS, 0.347)
    lines = format_summary(summary, "title").splitlines()
    assert lines[0] == "title"
    assert lines[2].startswith("original error rate")
    assert lines[2].count("0.347") == 5  # mean, the mean's interval, the replications' range
    assert lines[3].startswith("residual error rate")
    assert any(line.startswith("reviewed originals found wrong") for line in lines)
    assert not any("estimated original error rate" in line for line in lines)


def test_amplification_rows_only_with_amplification_and_nan_as_a_dash() -> None:
    summary = _summary(math.nan)
    text = format_summary(summary, "t")
    assert "by amplification" not in text
    assert "—" in text
    assert "nan" not in text
    assert "— – —" not in text  # an undefined interval is one dash
    summary["items_propagated"]["mean"] = 3.0
    assert format_summary(summary, "t").count("by amplification") == 2


def test_counts_are_singular_only_for_one() -> None:
    assert [counted(n, "replication") for n in (0, 1, 3)] == [
        "0 replications",
        "1 replication",
        "3 replications",
    ]
