"""The population of models evaluated on the benchmark, as the arrays the leaderboard kernel
takes."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import LeaderboardConfig


@dataclass(frozen=True)
class EvaluatedModels:
    """``accuracy`` ``(M, G)``: probability of the true answer per model and group;
    ``blind_spot`` ``(M,)``: probability of repeating a wrong original's answer."""

    names: tuple[str, ...]
    accuracy: NDArray[np.float64]
    blind_spot: NDArray[np.float64]

    @property
    def n_models(self) -> int:
        return len(self.names)

    @classmethod
    def from_config(cls, cfg: LeaderboardConfig, group_names: tuple[str, ...]) -> EvaluatedModels:
        """Arrays from a validated config; a group without an override takes the model's
        ``accuracy``."""
        accuracy = np.empty((len(cfg.models), len(group_names)))
        for m, model in enumerate(cfg.models):
            for g, name in enumerate(group_names):
                accuracy[m, g] = model.group_accuracy.get(name, model.accuracy)
        return cls(
            names=tuple(m.name for m in cfg.models),
            accuracy=accuracy,
            blind_spot=np.array([m.shared_blind_spot_probability for m in cfg.models]),
        )
