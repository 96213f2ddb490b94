"""Fixed-field records of a replication as NumPy columns (the I/O layer turns them into Arrow).

Labels stay float64 here with NaN = N/A; the I/O layer stores N/A as null."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import AgreementRule, agrees
from sim.policies.base import Decision
from sim.replication import ReplicationResult

Columns = dict[str, NDArray[np.generic]]


def item_columns(replication: int, res: ReplicationResult, rule: AgreementRule) -> Columns:
    """One row per item: truth, original, verifier outputs, expert verdict, final decision."""
    b = res.bench
    n = b.n_items
    nan = np.full(n, np.nan)
    return {
        "replication": np.full(n, replication, dtype=np.int32),
        "item": np.arange(n, dtype=np.int32),
        "stratum": b.stratum,
        "group": b.group,
        "value_kind": b.value_kind,
        "truth": b.truth,
        "original": b.original,
        "error_mode": b.error_mode,
        "audit_flagged": res.audit.flagged if res.audit else np.zeros(n, dtype=bool),
        "recompute_consensus": (
            res.recompute.consensus if res.recompute else np.zeros(n, dtype=bool)
        ),
        "recomputed": res.recompute.label if res.recompute else nan,
        "reviewed": res.log.reviewed,
        "expert_label": res.log.expert_label,
        "final_label": res.final_label,
        "decision": res.decision,
        "final_correct": (res.decision != Decision.DROPPED)
        & agrees(res.final_label, b.truth, b.value_kind, rule),
    }


def event_columns(replication: int, res: ReplicationResult, rule: AgreementRule) -> Columns:
    """One row per review, in the order reviews started."""
    log, b = res.log, res.bench
    m = log.n_reviews
    item = log.item
    return {
        "replication": np.full(m, replication, dtype=np.int32),
        "review": np.arange(m, dtype=np.int32),
        "item": item.astype(np.int32),
        "stratum": b.stratum[item],
        "expert": log.expert.astype(np.int16),
        "stage": log.stage,
        "start_minute": log.start_second / 60.0,
        "finish_minute": log.finish_second / 60.0,
        "work_minutes": log.work_seconds / 60.0,
        "n_segments": log.n_segments.astype(np.int16),
        "usd": log.usd,
        "label": log.label,
        "label_correct": agrees(log.label, b.truth[item], b.value_kind[item], rule),
        "original_wrong": ~agrees(b.original[item], b.truth[item], b.value_kind[item], rule),
    }
