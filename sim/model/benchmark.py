"""The benchmark's items as struct-of-arrays, and the synthetic generator of truth and originals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import ErrorProfileConfig, ScenarioConfig
from sim.model.agreement import AgreementRule, ValueKind, agrees
from sim.model.errors import (
    ErrorMode,
    extra_magnitude,
    independent_errors,
    shifted_values,
    values_from_uniform,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Strata:
    """Per-stratum parameters, shape ``(S,)`` each. ``NaN`` error rate or share = draw it."""

    names: tuple[str, ...]
    group_names: tuple[str, ...]
    size: IntArray
    group: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    value_min: FloatArray
    value_max: FloatArray
    n_categories: IntArray
    error_rate: FloatArray
    underspecified_share: FloatArray
    complexity: FloatArray

    @property
    def n_strata(self) -> int:
        return len(self.names)

    @property
    def n_items(self) -> int:
        return int(self.size.sum())

    @classmethod
    def from_config(cls, scenario: ScenarioConfig) -> Strata:
        """Arrays from a validated scenario config; groups are numbered by first appearance."""
        groups: dict[str, int] = {}
        for s in scenario.strata:
            groups.setdefault(s.group, len(groups))
        st = scenario.strata

        def nan_if_none(v: float | None) -> float:
            return np.nan if v is None else float(v)

        return cls(
            names=tuple(s.name for s in st),
            group_names=tuple(groups),
            size=np.array([s.size for s in st], dtype=np.int64),
            group=np.array([groups[s.group] for s in st], dtype=np.int32),
            value_kind=np.array([ValueKind.parse(s.value_kind) for s in st], dtype=np.int8),
            value_min=np.array([s.value_min for s in st], dtype=np.float64),
            value_max=np.array([s.value_max for s in st], dtype=np.float64),
            n_categories=np.array([s.n_categories for s in st], dtype=np.int64),
            error_rate=np.array([nan_if_none(s.error_rate) for s in st], dtype=np.float64),
            underspecified_share=np.array(
                [nan_if_none(s.underspecified_share) for s in st], dtype=np.float64
            ),
            complexity=np.array([s.complexity for s in st], dtype=np.float64),
        )


@dataclass(frozen=True)
class Benchmark:
    """One replication's items, shape ``(n,)`` each; ``truth`` is hidden from policies.

    Labels are float64 with ``NaN`` = N/A; see :mod:`sim.model.agreement` for the encoding."""

    stratum: NDArray[np.int32]
    group: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    truth: FloatArray
    original: FloatArray
    error_mode: NDArray[np.int8]
    stratum_error_rate: FloatArray
    """The error probability each stratum was generated with, shape ``(S,)``."""

    @property
    def n_items(self) -> int:
        return int(self.stratum.shape[0])

    def original_wrong(self, rule: AgreementRule) -> NDArray[np.bool_]:
        """Items whose original label disagrees with the truth."""
        return ~agrees(self.original, self.truth, self.value_kind, rule)


def stratum_error_rates(
    strata: Strata, profile: ErrorProfileConfig, rng: np.random.Generator
) -> FloatArray:
    """Per-stratum error probability: the configured one, else 0 with the profile's point mass,
    else a Beta(a, b) draw. Always draws ``2 * S`` numbers so the stream layout is fixed."""
    zero = rng.random(strata.n_strata) < profile.zero_error_probability
    beta = rng.beta(profile.beta_a, profile.beta_b, size=strata.n_strata)
    drawn = np.where(zero, 0.0, beta)
    return np.where(np.isnan(strata.error_rate), drawn, strata.error_rate)


def generate_benchmark(
    strata: Strata, profile: ErrorProfileConfig, rule: AgreementRule, rng: np.random.Generator
) -> Benchmark:
    """Draw truth, error modes and original labels for every item of ``strata``.

    Items of stratum ``s`` are contiguous, in stratum order. Every item with a mode other than
    NONE has an original that the agreement rule calls wrong."""
    n = strata.n_items
    S = strata.n_strata
    stratum = np.repeat(np.arange(S, dtype=np.int32), strata.size)
    kind = strata.value_kind[stratum]
    lo, hi = strata.value_min[stratum], strata.value_max[stratum]
    ncat = strata.n_categories[stratum]

    rate = stratum_error_rates(strata, profile, rng)
    truth = values_from_uniform(rng.random(n), kind, lo, hi, ncat)
    wrong = rng.random(n) < rate[stratum]

    w_total = profile.extraction_weight + profile.logic_weight + profile.underspecified_weight
    default_share = profile.underspecified_weight / w_total
    share = np.where(
        np.isnan(strata.underspecified_share), default_share, strata.underspecified_share
    )[stratum]
    numeric_w = profile.extraction_weight + profile.logic_weight
    extraction_ratio = profile.extraction_weight / numeric_w if numeric_w > 0 else 1.0
    u_mode = rng.random(n)
    rest = np.where(share < 1.0, (u_mode - share) / np.where(share < 1.0, 1.0 - share, 1.0), 0.0)
    mode = np.where(
        u_mode < share,
        ErrorMode.UNDERSPECIFIED,
        np.where(rest < extraction_ratio, ErrorMode.EXTRACTION, ErrorMode.LOGIC),
    ).astype(np.int8)
    mode = np.where(wrong, mode, ErrorMode.NONE).astype(np.int8)

    # Draw every stream once, whatever the modes, so one mode's count never shifts another's.
    u_fabricated = rng.random(n)
    fabricated = values_from_uniform(u_fabricated, kind, lo, hi, ncat)
    sign_u, extra_u = rng.random(n), rng.random(n)
    stratum_sign, stratum_extra = rng.random(S), rng.random(S)

    extraction = independent_errors(
        truth,
        kind,
        lo,
        hi,
        ncat,
        u_fabricated,
        sign_u,
        extra_u,
        profile.extraction_relative_scale,
        profile.ordinal_extra_steps_mean,
        profile.date_shift_days_mean,
        rule,
    )
    logic_extra = extra_magnitude(
        stratum_extra[stratum],
        kind,
        truth,
        profile.logic_relative_scale,
        profile.ordinal_extra_steps_mean,
        profile.date_shift_days_mean,
        rule,
    )
    logic = shifted_values(truth, kind, lo, hi, ncat, stratum_sign[stratum], logic_extra, rule)

    original = truth.copy()
    original = np.where(mode == ErrorMode.EXTRACTION, extraction, original)
    original = np.where(mode == ErrorMode.LOGIC, logic, original)
    original = np.where(mode == ErrorMode.UNDERSPECIFIED, fabricated, original)
    truth = np.where(mode == ErrorMode.UNDERSPECIFIED, np.nan, truth)
    return Benchmark(
        stratum=stratum,
        group=strata.group[stratum],
        value_kind=kind,
        truth=truth,
        original=original,
        error_mode=mode,
        stratum_error_rate=rate,
    )
