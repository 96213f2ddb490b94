"""Amplification by re-running the pipeline: a verdict that shows a stratum's rule is wrong lets
the LLM pipeline relabel the stratum with the corrected rule (LLM cost, no expert time)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import ErrorProfileConfig, RerunConfig
from sim.kernels import rerun as kernels
from sim.model.agreement import AgreementRule, rule_array
from sim.model.benchmark import Benchmark, Strata, profile_array
from sim.policies.base import RerunResult


def rerun_corrected(
    bench: Benchmark,
    strata: Strata,
    requested: NDArray[np.int64],
    expert_label: NDArray[np.float64],
    reviewed: NDArray[np.bool_],
    profile: ErrorProfileConfig,
    rule: AgreementRule,
    cfg: RerunConfig,
    stream: NDArray[np.uint64],
    usd_left: float = float("inf"),
) -> RerunResult:
    """Re-run the requested strata whose reviews revealed the systematic error (a logic-mode
    item with a right verdict); the others are not re-run and cost nothing. Strata are re-run in
    index order while their cost fits the ``usd_left`` of the dollar budget; a stratum that
    does not fit is skipped."""
    n_strata = strata.n_strata
    asked = np.zeros(n_strata, dtype=np.bool_)
    asked[requested] = True
    revealed = np.zeros(n_strata, dtype=np.bool_)
    ra = rule_array(rule)
    kernels.revealed_strata(
        bench.stratum,
        bench.error_mode,
        bench.truth,
        bench.value_kind,
        expert_label,
        reviewed,
        ra,
        asked,
        revealed,
    )
    afford_within(
        revealed, np.bincount(bench.stratum, minlength=n_strata), cfg.usd_per_item, usd_left
    )
    n = bench.n_items
    label = np.empty(n)
    touched = np.empty(n, dtype=np.bool_)
    kernels.rerun_labels(
        bench.stratum,
        bench.error_mode,
        bench.truth,
        bench.original,
        bench.value_kind,
        strata.value_min,
        strata.value_max,
        strata.n_categories,
        revealed,
        cfg.success_probability,
        cfg.wrong_fix_probability,
        profile_array(profile),
        ra,
        stream,
        label,
        touched,
    )
    count = int(touched.sum())
    return RerunResult(
        label, touched, count * cfg.usd_per_item, count * cfg.seconds_per_item / 3600.0
    )


def afford_within(
    rerun: NDArray[np.bool_], size: NDArray[np.int64], usd_per_item: float, usd_left: float
) -> None:
    """Keep, in index order, the strata of ``rerun`` whose items (``size`` per stratum) the
    dollars left still pay for; unset the others in place."""
    count = 0
    for s in np.flatnonzero(rerun):
        if (count + int(size[s])) * usd_per_item <= usd_left:
            count += int(size[s])
        else:
            rerun[s] = False
