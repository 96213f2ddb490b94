"""The review queue as an array-backed binary heap of ``(key, seq)`` entries.

``heap`` is a float64 ``(capacity, 5)`` array whose rows are ``key, seq, item, stage, version``
(integers below 2**53 are exact in float64). Same semantics as
:class:`sim.engines.queue.ReviewQueue`: the popped order is fixed by ``(key, seq)`` alone, so
entries may wait in any structure that yields them in that order. Queue keys that are the ranks
``0..q-1`` (the built-in triage's) are already that order: they wait in a ranked array
(:func:`ranked_entries`) and only later pushes go through the heap (:func:`pop_next`).
Push and pop allocate nothing and compile without reference counts
(:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import kernel, njit_no_refcounts


@njit(cache=True, inline="always")
def _before(key: float, seq: float, heap: np.ndarray, j: int) -> bool:
    """Does entry ``(key, seq)`` come before row ``j``?"""
    if key != heap[j, 0]:
        return bool(key < heap[j, 0])
    return bool(seq < heap[j, 1])


@njit(cache=True, inline="always")
def _less(heap: np.ndarray, i: int, j: int) -> bool:
    return _before(heap[i, 0], heap[i, 1], heap, j)


@njit(cache=True, inline="always")
def _move(heap: np.ndarray, src: int, dst: int) -> None:
    for c in range(5):
        heap[dst, c] = heap[src, c]


@njit_no_refcounts
def heap_push(
    heap: np.ndarray, size: int, key: float, seq: float, item: float, stage: float, version: float
) -> int:
    """Insert one entry; returns the new size. Parents that come after the entry move down
    into the hole until its place is found (the layout of swapping it up, with fewer writes)."""
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if not _before(key, seq, heap, parent):
            break
        _move(heap, parent, i)
        i = parent
    heap[i, 0] = key
    heap[i, 1] = seq
    heap[i, 2] = item
    heap[i, 3] = stage
    heap[i, 4] = version
    return size + 1


@njit_no_refcounts
def heap_pop(heap: np.ndarray, size: int, out: np.ndarray) -> int:
    """Remove the smallest entry into ``out`` (float64[5]); returns the new size. The last
    entry sinks from the root through a hole, as swapping it down would place it."""
    for c in range(5):
        out[c] = heap[0, c]
    size -= 1
    if size > 0:
        last = size
        key = heap[last, 0]
        seq = heap[last, 1]
        i = 0
        while True:
            left = 2 * i + 1
            if left >= size:
                break
            child = left
            right = left + 1
            if right < size and _less(heap, right, left):
                child = right
            if _before(key, seq, heap, child):  # entries are distinct: no ties
                break
            _move(heap, child, i)
            i = child
        _move(heap, last, i)
    return size


@kernel
def ranked_entries(keys: np.ndarray, ranked_item: np.ndarray, ranked_seq: np.ndarray) -> int:
    """If the finite ``keys`` are exactly the ranks ``0..q-1``, write the item of rank ``r`` to
    ``ranked_item[r]`` and its push sequence number (its position among the finite keys in
    item order) to ``ranked_seq[r]``, and return ``q``; otherwise return -1."""
    q = ranked_item.shape[0]
    ranked_item[:] = -1
    seq = 0
    for i in range(keys.shape[0]):
        key = keys[i]
        if not np.isfinite(key):
            continue
        rank = int(key)
        if rank != key or rank < 0 or rank >= q or ranked_item[rank] >= 0:
            return -1
        ranked_item[rank] = i
        ranked_seq[rank] = seq
        seq += 1
    return q if seq == q else -1


@njit_no_refcounts
def pop_next(
    heap: np.ndarray,
    size: int,
    ranked_item: np.ndarray,
    ranked_seq: np.ndarray,
    front: int,
    n_ranked: int,
    out: np.ndarray,
) -> tuple[int, int]:
    """Remove the first entry of the ranked array (from ``front``) and the heap together into
    ``out``; returns the new ``(size, front)``. A ranked entry is ``(rank, seq, item, 0, 0)``."""
    if front < n_ranked:
        key = float(front)
        seq = float(ranked_seq[front])
        if size == 0 or _before(key, seq, heap, 0):
            out[0] = key
            out[1] = seq
            out[2] = float(ranked_item[front])
            out[3] = 0.0
            out[4] = 0.0
            return size, front + 1
    return heap_pop(heap, size, out), front
