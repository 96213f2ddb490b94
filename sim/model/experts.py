"""The expert pool as arrays, and every per-review random draw made up front.

A review of item ``i`` at stage ``s`` (0 first review, 1 second, 2 adjudication) by expert ``e``
takes ``base_minutes[i, s]`` times the specialty factor, and its label is wrong when
``error_u[i, s] < error_probability[e]``. Drawing per (item, stage) rather than per event keeps
outcomes independent of event order, so both engines see the same numbers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import ErrorProfileConfig, ExpertPoolConfig
from sim.kernels import world
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
    """Per (item, stage) draws, shape ``(n, 3)`` each."""

    base_minutes: FloatArray
    """Minutes for a specialist: median x stratum complexity x lognormal noise."""
    error_u: FloatArray
    wrong_label: FloatArray
    """The label an expert gives when wrong: a plausible value that disagrees with the truth
    (a number when the truth is N/A)."""


def draw_reviews(
    bench: Benchmark,
    strata: Strata,
    pool: ExpertPool,
    profile: ErrorProfileConfig,
    rule: AgreementRule,
    stream: NDArray[np.uint64],
) -> ReviewDraws:
    """Draw every review's time noise, error uniform and wrong label for all items and stages."""
    shape = (bench.n_items, N_STAGES)
    base, error_u, wrong = np.empty(shape), np.empty(shape), np.empty(shape)
    world.draw_reviews(
        bench.stratum,
        bench.value_kind,
        bench.truth,
        strata.value_min,
        strata.value_max,
        strata.n_categories,
        strata.complexity,
        pool.review_minutes_median,
        pool.review_minutes_sigma,
        profile_array(profile),
        rule_array(rule),
        stream,
        base,
        error_u,
        wrong,
    )
    return ReviewDraws(base_minutes=base, error_u=error_u, wrong_label=wrong)
