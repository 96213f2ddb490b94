"""The compiled review queue pops entries in ``(key, seq)`` order whatever holds them: ranked
queue keys in their array, anything else and every later push in the heap."""

from __future__ import annotations

import heapq

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.kernels.review_queue import heap_push, pop_next, ranked_entries

Entry = tuple[float, float, float, float, float]


@st.composite
def initial_keys(draw: st.DrawFn) -> np.ndarray:
    """Queue keys: ranks 0..q-1 in any order, or arbitrary keys (ties, gaps, fractions), with
    items that are never queued (inf) in between."""
    n = draw(st.integers(0, 40))
    queued = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    q = sum(queued)
    if draw(st.booleans()):
        values = [float(r) for r in draw(st.permutations(range(q)))]
    else:
        values = draw(
            st.lists(st.sampled_from([0.0, 1.0, 1.5, 2.0, 7.0, -3.0]), min_size=q, max_size=q)
        )
    keys = np.full(n, np.inf)
    keys[np.flatnonzero(queued)] = values
    return keys


@settings(max_examples=300, deadline=None)
@given(
    keys=initial_keys(),
    ops=st.lists(st.one_of(st.none(), st.sampled_from([-np.inf, 0.5, 1.0, 3.0])), max_size=80),
)
def test_entries_pop_in_key_then_sequence_order(keys: np.ndarray, ops: list[float | None]) -> None:
    n_live = int(np.isfinite(keys).sum())
    heap = np.empty((n_live + len(ops) + 1, 5))
    ranked_item = np.empty(n_live, dtype=np.int64)
    ranked_seq = np.empty(n_live, dtype=np.int64)
    n_ranked = ranked_entries(keys, ranked_item, ranked_seq)
    is_ranks = n_live > 0 and sorted(keys[np.isfinite(keys)]) == list(range(n_live))
    assert n_ranked == (n_live if is_ranks or n_live == 0 else -1)
    reference: list[Entry] = []
    size, front, seq = 0, 0, 0.0
    for i in np.flatnonzero(np.isfinite(keys)):
        entry = (float(keys[i]), seq, float(i), 0.0, 0.0)
        heapq.heappush(reference, entry)
        if n_ranked < 0:
            size = heap_push(heap, size, *entry)
        seq += 1.0
    n_ranked = max(n_ranked, 0)
    out = np.empty(5)
    for op in [*ops, *[None] * (n_live + len(ops))]:  # then drain the queue
        if op is None:
            if not reference:
                assert size == 0
                assert front == n_ranked
                continue
            size, front = pop_next(heap, size, ranked_item, ranked_seq, front, n_ranked, out)
            assert tuple(out) == heapq.heappop(reference)
        else:
            entry = (op, seq, 99.0, 1.0, 0.0)
            heapq.heappush(reference, entry)
            size = heap_push(heap, size, *entry)
            seq += 1.0
