"""Hydra sweeper over an Optuna study (``hydra/sweeper=stewardsim``): Hydra's handle on
:class:`sim.sweep.loop.SweepLoop`.

Hydra imports every sweeper plugin whenever it composes a config, a plain run's included, so
this module imports nothing heavy: the loop and Optuna and SQLAlchemy with it load only when a
sweep is set up."""

from __future__ import annotations

from typing import Any

from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig


class StewardSweeper(Sweeper):
    """Keeps its settings (:class:`sim.sweep.conf.StewardSweeperConf`) for the loop it makes at
    set-up."""

    def __init__(self, **settings: Any) -> None:
        self.settings = settings
        self.loop: Sweeper | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        from sim.sweep.loop import SweepLoop

        self.loop = SweepLoop(**self.settings)
        self.loop.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def sweep(self, arguments: list[str]) -> Any:
        assert self.loop is not None, "setup() comes first"
        return self.loop.sweep(arguments)
