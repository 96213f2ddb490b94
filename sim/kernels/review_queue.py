"""The review queue as an array-backed binary heap of ``(key, seq)`` entries.

``heap`` is a float64 ``(capacity, 5)`` array whose rows are ``key, seq, item, stage, version``
(integers below 2**53 are exact in float64); ``size`` lives in ``state[0]``. Same semantics as
:class:`sim.engines.queue.ReviewQueue`: the popped order is fixed by ``(key, seq)`` alone.
Push and pop allocate nothing and compile without reference counts
(:func:`~sim.kernels.njit_no_refcounts`)."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.kernels import njit_no_refcounts


@njit(cache=True, inline="always")
def _less(heap: np.ndarray, i: int, j: int) -> bool:
    if heap[i, 0] != heap[j, 0]:
        return bool(heap[i, 0] < heap[j, 0])
    return bool(heap[i, 1] < heap[j, 1])


@njit(cache=True, inline="always")
def _swap(heap: np.ndarray, i: int, j: int) -> None:
    for c in range(5):
        tmp = heap[i, c]
        heap[i, c] = heap[j, c]
        heap[j, c] = tmp


@njit_no_refcounts
def heap_push(
    heap: np.ndarray, size: int, key: float, seq: float, item: float, stage: float, version: float
) -> int:
    """Insert one entry; returns the new size."""
    i = size
    heap[i, 0] = key
    heap[i, 1] = seq
    heap[i, 2] = item
    heap[i, 3] = stage
    heap[i, 4] = version
    while i > 0:
        parent = (i - 1) // 2
        if _less(heap, i, parent):
            _swap(heap, i, parent)
            i = parent
        else:
            break
    return size + 1


@njit_no_refcounts
def heap_pop(heap: np.ndarray, size: int, out: np.ndarray) -> int:
    """Remove the smallest entry into ``out`` (float64[5]); returns the new size."""
    for c in range(5):
        out[c] = heap[0, c]
    size -= 1
    if size > 0:
        for c in range(5):
            heap[0, c] = heap[size, c]
        i = 0
        while True:
            left = 2 * i + 1
            right = left + 1
            smallest = i
            if left < size and _less(heap, left, smallest):
                smallest = left
            if right < size and _less(heap, right, smallest):
                smallest = right
            if smallest == i:
                break
            _swap(heap, i, smallest)
            i = smallest
    return size
