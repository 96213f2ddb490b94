"""Trials one at a time in this process, as Hydra's basic launcher runs them, without the two
copies of each trial's config that Hydra's ``run_job`` makes (a deep copy of the whole config
for the task and one of its ``hydra`` node: about 35 ms a trial for the medcalc scenario, whose
55 strata are thousands of config nodes). The sweeper's config loader hands every trial a config
of its own (:class:`~sim.sweep.compose.ComposedOnce` unpickles one), so the trial can take it
as it is.

Only what a sweep of this app uses is reproduced: trials whose config asks for more (job
callbacks, a saved ``.hydra`` folder, a change of directory) go through Hydra's ``run_job``."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra._internal.execution_policy import execution_whitelist
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import (
    JobReturn,
    JobRuntime,
    JobStatus,
    _flush_loggers,
    configure_log,
    env_override,
    setup_globals,
)
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, OmegaConf, open_dict, read_write


def takes_trials_as_they_are(config: DictConfig) -> bool:
    """Does the sweep ask for nothing of ``run_job`` beyond what :func:`run_trial_job` does?"""
    hydra = config.hydra
    return hydra.output_subdir is None and not hydra.job.chdir and not hydra.callbacks


class UncopiedLauncher(Launcher):
    """Hydra's basic launcher, with :func:`run_trial_job` for ``run_job`` when
    :func:`takes_trials_as_they_are`."""

    def __init__(self, basic: BasicLauncher) -> None:
        self.basic = basic

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.basic.setup(hydra_context=hydra_context, task_function=task_function, config=config)

    def launch(
        self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int
    ) -> Sequence[JobReturn]:
        basic = self.basic
        config, context, task = basic.config, basic.hydra_context, basic.task_function
        assert config is not None
        assert context is not None
        assert task is not None
        if not takes_trials_as_they_are(config):
            return basic.launch(job_overrides, initial_job_idx)
        setup_globals()
        log_args: dict[str, Any] = {"execution_whitelist": context.execution_whitelist}
        configure_log(config.hydra.hydra_logging, config.hydra.verbose, **log_args)
        Path(str(config.hydra.sweep.dir)).mkdir(parents=True, exist_ok=True)
        runs = []
        for offset, overrides in enumerate(job_overrides):
            idx = initial_job_idx + offset
            trial_config = context.config_loader.load_sweep_config(config, list(overrides))
            with open_dict(trial_config):
                trial_config.hydra.job.id = str(idx)
                trial_config.hydra.job.num = idx
            runs.append(run_trial_job(context, task, trial_config))
            configure_log(config.hydra.hydra_logging, config.hydra.verbose, **log_args)
        return runs


def run_trial_job(
    hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
) -> JobReturn:
    """Hydra's ``run_job`` for a sweep job whose ``config`` is its own: the task gets
    ``config`` itself without its ``hydra`` node, and the job's Hydra config is the one
    ``HydraConfig`` made, not copies of them."""
    with execution_whitelist(hydra_context.execution_whitelist, reset=True):
        previous = HydraConfig.instance().cfg
        HydraConfig.instance().set_config(config)
        try:
            output_dir = os.path.join(
                str(OmegaConf.select(config, "hydra.sweep.dir")),
                str(OmegaConf.select(config, "hydra.sweep.subdir")),
            )
            with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
                config.hydra.runtime.output_dir = os.path.abspath(output_dir)
            HydraConfig.instance().set_config(config)
            hydra_cfg = HydraConfig.instance().cfg
            assert isinstance(hydra_cfg, DictConfig)
            env_set = hydra_cfg.hydra.job.env_set
            with read_write(env_set):
                OmegaConf.resolve(env_set)
            ret = JobReturn()
            ret.hydra_cfg = hydra_cfg
            overrides = OmegaConf.to_container(config.hydra.overrides.task)
            assert isinstance(overrides, list)
            ret.overrides = overrides
            with read_write(config), open_dict(config):
                del config["hydra"]
            ret.cfg = config
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            ret.working_dir = os.getcwd()
            configure_log(
                hydra_cfg.hydra.job_logging,
                hydra_cfg.hydra.verbose,
                execution_whitelist=hydra_context.execution_whitelist,
            )
            ret.task_name = JobRuntime.instance().get("name")
            try:
                with env_override(hydra_cfg.hydra.job.env_set):
                    ret.return_value = task_function(config)
                    ret.status = JobStatus.COMPLETED
            except Exception as error:
                ret.return_value = error
                ret.status = JobStatus.FAILED
            finally:
                _flush_loggers()
            return ret
        finally:
            HydraConfig.instance().cfg = previous
