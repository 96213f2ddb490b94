"""The review queue a policy would hand to experts now, on a live trace: the items without an
expert label, in the policy's order, after it has learnt from the expert labels already in the
trace (in row order), with each item's expected review minutes and the expert-hours the queue
needs down to it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import RootConfig
from sim.kernels.random import stream_states
from sim.replication import STREAMS, policy_evidence
from sim.runner import replication_seeds
from sim.trace.load import Trace
from sim.trace.replay import replay_scenario


@dataclass(frozen=True)
class ReviewQueue:
    """Queued items in review order ``(q,)``, and what the policy learnt before ordering them."""

    item: NDArray[np.int64]
    key: NDArray[np.float64]
    expected_minutes: NDArray[np.float64]
    verdicts_seen: int
    not_queued: int
    """Items without an expert label that the policy keeps out of the queue."""
    reserved_hours: float
    """Expert-hours of the budget the policy keeps from this queue for a later phase (the
    learning policy's random audit)."""

    @property
    def cumulative_hours(self) -> NDArray[np.float64]:
        return np.cumsum(self.expected_minutes) / 60.0


def review_queue(trace: Trace, root: RootConfig, seed: int) -> ReviewQueue:
    """The configured policy's queue over ``trace``: triage, then every expert label of the
    trace told to the policy as a verdict; the items left, by key (ties by row)."""
    sc, bench, audit, recompute = replay_scenario(trace, root, require_truth=False)
    evidence = policy_evidence(sc, bench, audit, recompute)
    policy = sc.policy_class(sc.policy_config)
    streams = stream_states(replication_seeds(seed, 1)[0], len(STREAMS))
    keys = np.array(policy.triage(evidence, streams[STREAMS.index("policy")]), dtype=np.float64)
    labelled = trace.present.get("label_expert", np.zeros(trace.n_items, dtype=bool))
    seen = np.flatnonzero(labelled)
    for item in seen:
        items, new_keys = policy.on_verdict(int(item), float(trace.labels["label_expert"][item]))
        keys[items] = new_keys
    keys[seen] = np.inf
    queued = np.flatnonzero(np.isfinite(keys))
    order = queued[np.lexsort((queued, keys[queued]))]
    minutes = evidence.expected_review_minutes
    if minutes is None:  # a policy that needs no experts queues nothing
        minutes = np.zeros(trace.n_items)
    return ReviewQueue(
        item=order.astype(np.int64),
        key=keys[order],
        expected_minutes=np.asarray(minutes, dtype=np.float64)[order],
        verdicts_seen=int(seen.size),
        not_queued=int((~labelled).sum()) - int(order.size),
        reserved_hours=policy.reserved_seconds() / 3600.0,
    )
