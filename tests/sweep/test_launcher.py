"""A trial run without copies of its config is the trial Hydra's ``run_job`` runs: the same
task config, the same Hydra config during the task, the same return or failure."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hydra import initialize_config_dir
from hydra._internal.callbacks import Callbacks
from hydra.core.global_hydra import GlobalHydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.utils import JobReturn, JobStatus, run_job
from hydra.types import HydraContext, RunMode
from omegaconf import DictConfig, OmegaConf, open_dict

from sim.cli.compose import CONF_DIR
from sim.cli.store import register
from sim.sweep.launcher import run_trial_job, takes_trials_as_they_are

SWEEP = ["+sweep=residual_at_40h"]
TRIAL = ["policy=random", "policy.contentious_threshold=0.4", "experts=panel", "sweep.trial=3"]


@pytest.fixture
def trial_setup(tmp_path: Path) -> Iterator[tuple[HydraContext, DictConfig, DictConfig]]:
    """Hydra's context, the sweep's master config and one trial's config (job 3)."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR):
        gh = GlobalHydra.instance().hydra
        assert gh is not None
        overrides = [*SWEEP, f"output.dir={tmp_path}"]
        master = gh.config_loader.load_configuration("config", overrides, RunMode.MULTIRUN)
        trial = gh.config_loader.load_sweep_config(master, overrides + TRIAL)
        with open_dict(trial):
            trial.hydra.job.id = "3"
            trial.hydra.job.num = 3
        yield HydraContext(gh.config_loader, Callbacks()), master, trial


def seen_by(task_result: list[dict[str, Any]]) -> Any:
    """A task that records what it sees and returns its config's trial number."""

    def task(cfg: DictConfig) -> int:
        hc = HydraConfig.get()
        task_result.append(
            {
                "config": OmegaConf.to_container(cfg, resolve=True),
                "overrides": list(hc.overrides.task),
                "sweep_dir": str(hc.sweep.dir),
                "output_dir": str(hc.runtime.output_dir),
                "job_num": int(hc.job.num),
            }
        )
        return int(cfg.sweep.trial)

    return task


def both(context: HydraContext, trial: DictConfig, task: Any) -> tuple[JobReturn, JobReturn]:
    hydras = run_job(
        hydra_context=context,
        task_function=task,
        config=copy.deepcopy(trial),
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )
    ours = run_trial_job(context, task, trial)
    return hydras, ours


def test_the_task_sees_and_returns_what_it_does_under_run_job(
    trial_setup: tuple[HydraContext, DictConfig, DictConfig],
) -> None:
    context, _, trial = trial_setup
    seen: list[dict[str, Any]] = []
    hydras, ours = both(context, trial, seen_by(seen))
    assert seen[0] == seen[1]
    assert seen[1]["job_num"] == 3
    assert "policy=random" in seen[1]["overrides"]
    assert "hydra" not in seen[1]["config"]
    assert ours.status == hydras.status == JobStatus.COMPLETED
    assert ours.return_value == hydras.return_value == 3
    assert ours.overrides == hydras.overrides
    assert ours.task_name == hydras.task_name
    assert ours.working_dir == hydras.working_dir
    assert OmegaConf.to_container(ours.cfg) == OmegaConf.to_container(hydras.cfg)
    assert OmegaConf.to_container(ours.hydra_cfg) == OmegaConf.to_container(hydras.hydra_cfg)
    assert not HydraConfig.initialized() or HydraConfig.instance().cfg is None


def test_a_failing_task_fails_the_job_as_under_run_job(
    trial_setup: tuple[HydraContext, DictConfig, DictConfig],
) -> None:
    context, _, trial = trial_setup

    def task(cfg: DictConfig) -> int:
        raise ValueError(f"trial {cfg.sweep.trial} cannot run")

    hydras, ours = both(context, trial, task)
    assert ours.status == hydras.status == JobStatus.FAILED
    for ret in (hydras, ours):
        with pytest.raises(ValueError, match="trial 3 cannot run"):
            _ = ret.return_value


def test_only_a_sweep_that_asks_nothing_more_of_run_job_goes_uncopied(
    trial_setup: tuple[HydraContext, DictConfig, DictConfig],
) -> None:
    _, master, _ = trial_setup
    assert takes_trials_as_they_are(master)  # the app's settings
    for key, value in (
        ("hydra.job.chdir", True),
        ("hydra.output_subdir", ".hydra"),
        ("hydra.callbacks", {"log": {"_target_": "hydra.experimental.callback.Callback"}}),
    ):
        changed = copy.deepcopy(master)
        with open_dict(changed):
            OmegaConf.update(changed, key, value, force_add=True)
        assert not takes_trials_as_they_are(changed), key
