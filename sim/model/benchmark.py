"""The benchmark's items as struct-of-arrays, and the synthetic generator of truth and originals."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import ErrorProfileConfig, ScenarioConfig
from sim.kernels import world
from sim.model.agreement import AgreementRule, ValueKind, agrees, rule_array

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


def profile_array(profile: ErrorProfileConfig) -> FloatArray:
    """The error profile as the float64[10] the kernels take (see :mod:`sim.kernels.world`)."""
    return np.array(
        [
            profile.zero_error_probability,
            profile.beta_a,
            profile.beta_b,
            profile.extraction_weight,
            profile.logic_weight,
            profile.underspecified_weight,
            profile.extraction_relative_scale,
            profile.logic_relative_scale,
            profile.ordinal_extra_steps_mean,
            profile.date_shift_days_mean,
        ],
        dtype=np.float64,
    )


def generate_benchmark(
    strata: Strata, profile: ErrorProfileConfig, rule: AgreementRule, stream: NDArray[np.uint64]
) -> Benchmark:
    """Draw truth, error modes and original labels for every item of ``strata`` from
    ``stream`` (a kernel stream state, advanced in place).

    Items of stratum ``s`` are contiguous, in stratum order. Per-stratum error rates are the
    configured ones, else 0 with the profile's point mass, else a Beta(a, b) draw. Every item
    with a mode other than NONE has an original that the agreement rule calls wrong."""
    n = strata.n_items
    stratum = np.empty(n, dtype=np.int32)
    group = np.empty(n, dtype=np.int32)
    kind = np.empty(n, dtype=np.int8)
    truth = np.empty(n)
    original = np.empty(n)
    mode = np.empty(n, dtype=np.int8)
    rate = np.empty(strata.n_strata)
    world.generate_benchmark(
        strata.size,
        strata.group,
        strata.value_kind,
        strata.value_min,
        strata.value_max,
        strata.n_categories,
        strata.error_rate,
        strata.underspecified_share,
        profile_array(profile),
        rule_array(rule),
        stream,
        stratum,
        group,
        kind,
        truth,
        original,
        mode,
        rate,
    )
    return Benchmark(
        stratum=stratum,
        group=group,
        value_kind=kind,
        truth=truth,
        original=original,
        error_mode=mode,
        stratum_error_rate=rate,
    )
