"""A stable argsort for kernels: the order ``np.argsort(values, kind="stable")`` gives, by a
least-significant-digit radix sort of the values' bits (no comparisons, so no branches on the
values), which also compiles in a fraction of the time of NumPy's generic sort in Numba."""

from __future__ import annotations

import numpy as np
from numba import njit

_SIGN = np.uint64(1) << np.uint64(63)
_EXPONENT = np.uint64(0x7FF0000000000000)
_MANTISSA = np.uint64(0x000FFFFFFFFFFFFF)
_LAST = np.uint64(0xFFFFFFFFFFFFFFFF)


@njit(cache=True)
def stable_argsort(values: np.ndarray) -> np.ndarray:
    """Indices that sort ``values`` ascending, equal values in index order (NaN last)."""
    n = values.shape[0]
    keys = sort_keys(values)
    counts = np.zeros((8, 256), dtype=np.int64)
    for i in range(n):
        key = keys[i]
        for digit in range(8):
            counts[digit, (key >> np.uint64(8 * digit)) & np.uint64(255)] += 1
    order = np.arange(n)
    spare = np.empty(n, dtype=order.dtype)
    start = np.empty(256, dtype=np.int64)
    for digit in range(8):
        shift = np.uint64(8 * digit)
        total = 0
        shared = False
        for b in range(256):
            c = counts[digit, b]
            if c == n:
                shared = True  # every key has this digit: the pass would keep the order
                break
            start[b] = total
            total += c
        if shared:
            continue
        for i in range(n):
            item = order[i]
            b = (keys[item] >> shift) & np.uint64(255)
            spare[start[b]] = item
            start[b] += 1
        order, spare = spare, order
    return order


@njit(cache=True)
def sort_keys(values: np.ndarray) -> np.ndarray:
    """Unsigned integers in the order of ``values`` (both zeros equal, every NaN equal and
    last): the bits with the sign bit flipped for positives, all bits flipped for negatives."""
    n = values.shape[0]
    canonical = np.empty(n)
    for i in range(n):
        v = values[i]
        canonical[i] = 0.0 if v == 0.0 else v  # -0.0 sorts with 0.0
    keys = canonical.view(np.uint64)
    for i in range(n):
        bits = keys[i]
        if canonical[i] != canonical[i]:
            keys[i] = _LAST
        elif bits & _SIGN:
            keys[i] = ~bits
        else:
            keys[i] = bits | _SIGN
    return keys
