"""The sweeper's structured config, registered as ``hydra/sweeper=stewardsim``."""

from __future__ import annotations

from dataclasses import dataclass

from hydra.core.config_store import ConfigStore
from hydra_plugins.hydra_optuna_sweeper.config import OptunaSweeperConf


@dataclass
class StewardSweeperConf(OptunaSweeperConf):
    """The Optuna sweeper's settings (sampler, direction, storage, study_name, n_trials, n_jobs,
    max_failure_rate, params); ``storage`` defaults to ``study.db`` in the sweep folder,
    ``study_name`` to ``sweep.name``; ``n_trials`` counts the whole study; ``n_jobs`` trials are
    launched at a time (in parallel with the joblib launcher)."""

    _target_: str = "sim.sweep.sweeper.StewardSweeper"
    n_jobs: int = 1


def register_sweeper() -> None:
    """Registers the sweeper as ``hydra/sweeper=stewardsim`` and, in this app, as
    ``hydra/sweeper=optuna`` (its settings are the Optuna sweeper's, so both spellings work)."""
    for name in ("stewardsim", "optuna"):
        ConfigStore.instance().store(
            group="hydra/sweeper",
            name=name,
            node=StewardSweeperConf,
            provider="stewardsim",
            replace=True,
        )
