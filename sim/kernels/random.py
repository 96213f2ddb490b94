"""Random streams inside kernels: xoshiro256** over a uint64[4] state that is advanced in
place. Each (replication, component) gets its own state from one ``SeedSequence``, so draws never
depend on threads or chunking. Distributions use fixed algorithms (inversion, Box-Muller,
Marsaglia-Tsang), so both engines and every thread see the same numbers."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.kernels import kernel, njit_no_refcounts

_TWO_53 = 1.0 / 9007199254740992.0


def stream_states(seed: np.random.SeedSequence, n_streams: int) -> np.ndarray:
    """``(n_streams, 4)`` uint64 states, one per component, from ``seed``'s hashed entropy
    (``generate_state``, which is pure: calling it twice gives the same states)."""
    state: np.ndarray = seed.generate_state(4 * n_streams, np.uint64).reshape(n_streams, 4)
    return state


# SeedSequence's output hash (numpy/random/bit_generator.pyx): 32-bit words, masked to 32 bits.
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_XSHIFT = 16
_MASK32 = 0xFFFFFFFF


@kernel
def states_from_pool(pool: np.ndarray, out: np.ndarray) -> None:
    """``out`` ``(n_streams, 4)`` = :func:`stream_states` of the ``SeedSequence`` whose entropy
    pool (``seed.pool``, uint32[4]) is ``pool``, without Python's per-word loop."""
    n_pool = pool.shape[0]
    hash_const = np.uint64(_INIT_B)
    word = 0
    for i in range(out.shape[0]):
        for j in range(4):
            value = np.uint64(0)
            for half in range(2):
                mixed = np.uint64(pool[word % n_pool]) ^ hash_const
                hash_const = (hash_const * np.uint64(_MULT_B)) & np.uint64(_MASK32)
                mixed = (mixed * hash_const) & np.uint64(_MASK32)
                mixed ^= mixed >> np.uint64(_XSHIFT)
                value |= mixed << np.uint64(32 * half)
                word += 1
            out[i, j] = value


@njit(cache=True, inline="always")
def _rotl(x: np.uint64, k: int) -> np.uint64:
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit_no_refcounts
def next_u64(s: np.ndarray) -> np.uint64:
    """Advance ``s`` and return 64 random bits."""
    result, state = next_u64_held(held(s))
    release(s, state)
    return result


@njit_no_refcounts
def uniform(s: np.ndarray) -> float:
    """A float64 in [0, 1) with 53 random bits."""
    return float(next_u64(s) >> np.uint64(11)) * _TWO_53


@njit_no_refcounts
def held(s: np.ndarray) -> tuple[np.uint64, np.uint64, np.uint64, np.uint64]:
    """The state of stream ``s`` as a tuple, for a hot loop to keep in registers and draw from
    with :func:`uniform_held`; :func:`release` writes it back. The draws are those of
    :func:`uniform` on ``s``."""
    return s[0], s[1], s[2], s[3]


@njit_no_refcounts
def release(s: np.ndarray, state: tuple[np.uint64, np.uint64, np.uint64, np.uint64]) -> None:
    """Write a held state back into stream ``s``."""
    s[0], s[1], s[2], s[3] = state


@njit_no_refcounts
def next_u64_held(
    state: tuple[np.uint64, np.uint64, np.uint64, np.uint64],
) -> tuple[np.uint64, tuple[np.uint64, np.uint64, np.uint64, np.uint64]]:
    """One xoshiro256** step on a held state: 64 random bits and the advanced state."""
    s0, s1, s2, s3 = state
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    return result, (s0, s1, s2, s3)


@njit_no_refcounts
def uniform_held(
    state: tuple[np.uint64, np.uint64, np.uint64, np.uint64],
) -> tuple[float, tuple[np.uint64, np.uint64, np.uint64, np.uint64]]:
    """:func:`uniform` on a held state: the draw and the advanced state."""
    bits, state = bits_held(state)
    return float(bits) * _TWO_53, state


@njit_no_refcounts
def bits_held(
    state: tuple[np.uint64, np.uint64, np.uint64, np.uint64],
) -> tuple[np.uint64, tuple[np.uint64, np.uint64, np.uint64, np.uint64]]:
    """The 53 bits behind :func:`uniform_held` as an integer, and the advanced state: compare
    them with :func:`bits_below` ``(p)`` to draw ``uniform < p`` without a float."""
    bits, state = next_u64_held(state)
    return bits >> np.uint64(11), state


@njit_no_refcounts
def standard_normal(s: np.ndarray) -> float:
    """Box-Muller (one value per two uniforms)."""
    u1 = 1.0 - uniform(s)
    u2 = uniform(s)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit_no_refcounts
def gamma(s: np.ndarray, shape: float) -> float:
    """Gamma(shape, 1) by Marsaglia-Tsang (boosted for shape < 1)."""
    boost = 1.0
    if shape < 1.0:
        boost = uniform(s) ** (1.0 / shape)
        shape += 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    while True:
        x = standard_normal(s)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(s)
        if u < 1.0 - 0.0331 * x * x * x * x or math.log(u) < 0.5 * x * x + d * (
            1.0 - v + math.log(v)
        ):
            return d * v * boost


@njit_no_refcounts
def beta(s: np.ndarray, a: float, b: float) -> float:
    x = gamma(s, a)
    y = gamma(s, b)
    return x / (x + y)


@njit_no_refcounts
def below(s: np.ndarray, n: int) -> int:
    """A uniform integer in [0, n)."""
    return min(int(uniform(s) * n), n - 1)


@kernel
def uniforms(s: np.ndarray, n: int) -> np.ndarray:
    """``n`` uniforms in [0, 1), drawn in order."""
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(s)
    return out


@kernel
def permutation(s: np.ndarray, n: int) -> np.ndarray:
    """A uniform random permutation of 0..n-1 (Fisher-Yates)."""
    out = np.arange(n)
    for i in range(n - 1, 0, -1):
        j = below(s, i + 1)
        tmp = out[i]
        out[i] = out[j]
        out[j] = tmp
    return out


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@njit(cache=True, inline="always")
def _mix64(z: np.uint64) -> np.uint64:
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def bits_at(key: np.uint64, index: int) -> np.uint64:
    """The 53 random bits behind :func:`uniform_at` ``(key, index)``, as an integer."""
    return _mix64(key + np.uint64(index + 1) * _GOLDEN) >> np.uint64(11)


@njit_no_refcounts
def uniform_at(key: np.uint64, index: int) -> float:
    """The ``index``-th uniform of a counter-based stream (SplitMix64 of key + index * golden
    ratio): random access, so a draw never depends on which draws came before it."""
    return float(bits_at(key, index)) * _TWO_53


@njit_no_refcounts
def bits_below(p: float) -> np.uint64:
    """The integer ``t`` with ``bits_at(k, i) < t`` exactly when ``uniform_at(k, i) < p``:
    a uniform is ``b / 2**53`` for an integer ``b``, so ``b < p * 2**53`` iff ``b < ceil``."""
    if not p > 0.0:
        return np.uint64(0)
    if p >= 1.0:
        return np.uint64(1) << np.uint64(53)
    return np.uint64(math.ceil(p * 9007199254740992.0))
