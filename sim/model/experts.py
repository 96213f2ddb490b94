"""The expert pool as arrays, and the per-review random draws.

A review of item ``i`` at stage ``s`` (0 first review, 1 second, 2 adjudication) by expert ``e``
takes the draw's specialist minutes times the specialty factor, and its label is wrong when the
draw's error uniform is below ``error_probability[e]``. Draws are keyed by (item, stage), not by
event order, so both engines see the same numbers, and only reviews that happen are drawn."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import ErrorProfileConfig, ExpertPoolConfig
from sim.kernels import world
from sim.kernels.random import next_u64
from sim.model.agreement import AgreementRule, rule_array
from sim.model.benchmark import Benchmark, Strata, profile_array

FloatArray = NDArray[np.float64]

N_STAGES = 3


@dataclass(frozen=True)
class ExpertPool:
    """Experts ``(E,)`` and their specialties ``(E, G)`` over the scenario's groups."""

    names: tuple[str, ...]
    specialty: NDArray[np.bool_]
    usd_per_hour: FloatArray
    error_probability: FloatArray
    hours_per_weekday: FloatArray
    day_start_hour: FloatArray
    absence_probability: FloatArray
    start_date: dt.date
    holidays: tuple[dt.date, ...]
    review_minutes_median: float
    review_minutes_sigma: float
    outside_specialty_slowdown: float
    double_review: bool

    @property
    def n_experts(self) -> int:
        return len(self.names)

    def _hour_weights(self) -> FloatArray:
        hours = self.hours_per_weekday.sum(axis=1) * (1.0 - self.absence_probability)
        total = hours.sum()
        return hours / total if total > 0 else np.full(self.n_experts, 1.0 / self.n_experts)

    def verdict_error_probability(self) -> float:
        """Probability that a verdict is wrong: the experts' error rate weighted by their
        hours; with double review, both first reviews wrong, or one wrong and the adjudicator
        too (wrong labels rarely agree with each other)."""
        e = float(self._hour_weights() @ self.error_probability)
        return 2.0 * e * (1.0 - e) * e + e * e if self.double_review else e

    def expected_verdict_minutes(
        self, group: NDArray[np.int32], complexity: FloatArray
    ) -> FloatArray:
        """Expected expert minutes of one item's verdict ``(n,)``: the lognormal's mean
        (median x exp(sigma^2 / 2)) x its stratum's ``complexity`` x the pool's hour-weighted
        specialty slowdown for its group, times the expected reviews per verdict (2 plus
        adjudication with double review)."""
        w = self._hour_weights()
        slowdown = np.where(self.specialty, 1.0, self.outside_specialty_slowdown)  # (E, G)
        per_group = w @ slowdown if self.n_experts else np.ones(self.specialty.shape[1])
        reviews = 1.0
        if self.double_review:
            e = float(w @ self.error_probability)
            reviews = 2.0 + 2.0 * e * (1.0 - e)
        mean_minutes = self.review_minutes_median * math.exp(self.review_minutes_sigma**2 / 2.0)
        return mean_minutes * complexity * per_group[group] * reviews

    @classmethod
    def from_config(cls, cfg: ExpertPoolConfig, group_names: tuple[str, ...]) -> ExpertPool:
        """Arrays from a validated pool config; specialties index ``group_names`` (a specialty
        the scenario has no group for is ignored: pools are reused across scenarios)."""
        gidx = {g: i for i, g in enumerate(group_names)}
        specialty = np.zeros((len(cfg.pool), len(group_names)), dtype=bool)
        for e, ex in enumerate(cfg.pool):
            for g in ex.specialties:
                if g in gidx:
                    specialty[e, gidx[g]] = True
        return cls(
            names=tuple(e.name for e in cfg.pool),
            specialty=specialty,
            usd_per_hour=np.array([e.usd_per_hour for e in cfg.pool], dtype=np.float64),
            error_probability=np.array([e.error_probability for e in cfg.pool], dtype=np.float64),
            hours_per_weekday=np.array(
                [list(e.hours_per_weekday) for e in cfg.pool], dtype=np.float64
            ).reshape(len(cfg.pool), 7),
            day_start_hour=np.array([e.day_start_hour for e in cfg.pool], dtype=np.float64),
            absence_probability=np.array(
                [e.absence_probability for e in cfg.pool], dtype=np.float64
            ),
            start_date=dt.date.fromisoformat(cfg.start_date),
            holidays=tuple(dt.date.fromisoformat(h) for h in cfg.holidays),
            review_minutes_median=cfg.review_minutes_median,
            review_minutes_sigma=cfg.review_minutes_sigma,
            outside_specialty_slowdown=cfg.outside_specialty_slowdown,
            double_review=cfg.double_review,
        )


@dataclass(frozen=True)
class ReviewDraws:
    """Every review's random draws, on demand: :meth:`draw` of ``(item, stage)`` is fixed by
    the stream key alone (see :func:`sim.kernels.world.review_draw`)."""

    key: np.uint64
    stratum: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    truth: FloatArray
    value_min: FloatArray
    value_max: FloatArray
    n_categories: NDArray[np.int64]
    complexity: FloatArray
    median_minutes: float
    sigma: float
    profile: FloatArray
    rule: FloatArray

    def draw(self, item: int, stage: int) -> tuple[float, float, float]:
        """``(specialist minutes, error uniform, wrong label)`` of review ``(item, stage)``."""
        minutes, error_u, wrong = world.review_draws_with_label(
            self.key,
            item,
            stage,
            int(self.stratum[item]),
            int(self.value_kind[item]),
            float(self.truth[item]),
            self.value_min,
            self.value_max,
            self.n_categories,
            self.complexity,
            self.median_minutes,
            self.sigma,
            self.profile,
            self.rule,
        )
        return float(minutes), float(error_u), float(wrong)


def draw_reviews(
    bench: Benchmark,
    strata: Strata,
    pool: ExpertPool,
    profile: ErrorProfileConfig,
    rule: AgreementRule,
    stream: NDArray[np.uint64],
) -> ReviewDraws:
    """The review draws of this replication, keyed by one number from ``stream``."""
    return ReviewDraws(
        key=np.uint64(next_u64(stream)),
        stratum=bench.stratum,
        value_kind=bench.value_kind,
        truth=bench.truth,
        value_min=strata.value_min,
        value_max=strata.value_max,
        n_categories=strata.n_categories,
        complexity=strata.complexity,
        median_minutes=pool.review_minutes_median,
        sigma=pool.review_minutes_sigma,
        profile=profile_array(profile),
        rule=rule_array(rule),
    )
