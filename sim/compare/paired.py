"""Differences between two sets of replications, with 95% intervals: paired (replication ``r``
of both drew from the same seed) or unpaired (Welch), and the share of replications in which
the second is better."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from sim.stats import t_quantile_975

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Difference:
    """``b - a`` of one metric: the means, the mean difference with its 95% interval, and the
    unpaired interval's half-width for contrast (NaN where there is none)."""

    mean_a: float
    mean_b: float
    mean: float
    low: float
    high: float
    n: int
    """Replications (pairs, when paired) with the metric in both."""
    paired: bool
    unpaired_half_width: float
    better_share: float
    """Share of the pairs in which ``b`` is better (NaN unpaired or without a direction)."""
    worse_share: float

    @property
    def narrowing(self) -> float:
        """How many times narrower the paired interval is than the unpaired one."""
        half = 0.5 * (self.high - self.low)
        if not self.paired or not half > 0.0 or math.isnan(self.unpaired_half_width):
            return math.nan
        return self.unpaired_half_width / half


def welch_half_width(a: FloatArray, b: FloatArray) -> float:
    """Half-width of the 95% Welch interval of ``mean(b) - mean(a)`` (NaN under 2 values each)."""
    if a.size < 2 or b.size < 2:
        return math.nan
    va, vb = float(a.var(ddof=1)) / a.size, float(b.var(ddof=1)) / b.size
    se2 = va + vb
    if se2 == 0.0:
        return 0.0
    spread = va**2 / (a.size - 1) + vb**2 / (b.size - 1)
    # Welch-Satterthwaite; variances so small that their squares underflow take the pooled df
    df = se2**2 / spread if spread > 0.0 else a.size + b.size - 2
    return t_quantile_975(max(1, int(df))) * math.sqrt(se2)


def paired_difference(a: FloatArray, b: FloatArray, direction: int = 0) -> Difference:
    """``b - a`` over the pairs ``(a[r], b[r])`` where both are numbers; ``direction`` +1 when
    higher is better, -1 when lower is, 0 when neither (no shares)."""
    if a.shape != b.shape:
        raise ValueError(f"paired arrays differ in shape: {a.shape} and {b.shape}")
    ok = ~(np.isnan(a) | np.isnan(b))
    x, y = a[ok], b[ok]
    n = int(x.size)
    if n == 0:
        return _no_difference(a, b, paired=True)
    d = y - x
    mean = float(d.mean())
    half = t_quantile_975(n - 1) * float(d.std(ddof=1)) / math.sqrt(n) if n > 1 else math.nan
    better = worse = math.nan
    if direction != 0:
        better = float((direction * d > 0).mean())
        worse = float((direction * d < 0).mean())
    return _around(
        x,
        y,
        mean,
        half,
        n=n,
        paired=True,
        unpaired_half_width=welch_half_width(x, y),
        better_share=better,
        worse_share=worse,
    )


def unpaired_difference(a: FloatArray, b: FloatArray) -> Difference:
    """``mean(b) - mean(a)`` of independent replications, NaNs left out, Welch interval."""
    x, y = a[~np.isnan(a)], b[~np.isnan(b)]
    if x.size == 0 or y.size == 0:
        return _no_difference(a, b, paired=False)
    mean = float(y.mean() - x.mean())
    half = welch_half_width(x, y)
    return _around(
        x,
        y,
        mean,
        half,
        n=int(min(x.size, y.size)),
        paired=False,
        unpaired_half_width=half,
        better_share=math.nan,
        worse_share=math.nan,
    )


def _around(x: FloatArray, y: FloatArray, mean: float, half: float, **rest: Any) -> Difference:
    """The :class:`Difference` of means ``x`` and ``y`` with ``mean`` +- ``half``."""
    return Difference(
        mean_a=float(x.mean()),
        mean_b=float(y.mean()),
        mean=mean,
        low=mean - half,
        high=mean + half,
        **rest,
    )


def _no_difference(a: FloatArray, b: FloatArray, paired: bool) -> Difference:
    """No pair (or no value on one side): each side's own mean where it has values."""
    nan = math.nan

    def mean(x: FloatArray) -> float:
        x = x[~np.isnan(x)]
        return float(x.mean()) if x.size else nan

    return Difference(mean(a), mean(b), nan, nan, nan, 0, paired, nan, nan, nan)
