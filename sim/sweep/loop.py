"""The sweep over an Optuna study behind ``hydra/sweeper=stewardsim`` (:mod:`sim.sweep.sweeper`
loads it when a sweep is set up).

It builds on the Optuna sweeper's search-space syntax and samplers, and adds what sweeps of this
simulator need: everything is checked before a trial runs (search space, objectives, storage);
the study lives in an SQLite file in the sweep folder unless a URL is given; ``n_trials`` is the
study's total, so re-running the command resumes it and several workers share it; trials that
break a constraint are recorded as infeasible; each trial writes its rows of the results dataset.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import shutil
import sys
from pathlib import Path
from typing import Any, Literal, cast

import optuna
from hydra._internal.core_plugins.basic_launcher import BasicLauncher
from hydra.core.plugins import Plugins
from hydra.plugins.sweeper import Sweeper
from hydra.types import HydraContext, TaskFunction
from hydra.utils import instantiate
from hydra_plugins.hydra_optuna_sweeper._impl import OptunaSweeperImpl
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.trial import TrialState
from tqdm import tqdm

from sim import interrupt
from sim.config.validate import ConfigError
from sim.io.run_dir import writable_reason
from sim.sweep.compose import ComposedOnce
from sim.sweep.dataset import remove_trials
from sim.sweep.launcher import UncopiedLauncher
from sim.sweep.objectives import parse_all
from sim.sweep.space import SearchSpace, SearchSpaceError, check_space, parse_space
from sim.sweep.storage import (
    StorageError,
    claim_trial,
    default_url,
    end_write_ahead_log,
    open_storage,
    recover_interrupted,
    worker_id,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)

DONE_STATES = (TrialState.COMPLETE, TrialState.FAIL, TrialState.RUNNING)
SAMPLER_WHITELIST = (
    "optuna.samplers.*",
    "hydra_plugins.hydra_optuna_sweeper.*",
    "hydra.utils.get_method",
)


class SweepSetupError(RuntimeError):
    """Raised before any trial runs; the message names the key, the value and what is expected."""


def counted(trial: optuna.trial.FrozenTrial) -> bool:
    """Whether a trial counts towards ``n_trials`` (interrupted ones are queued again)."""
    return trial.state in DONE_STATES and not trial.user_attrs.get("interrupted", False)


def tell(
    study: optuna.Study,
    trial: optuna.Trial,
    values: list[float] | None = None,
    state: TrialState | None = None,
) -> None:
    """:meth:`optuna.Study.tell`, letting the sampler end the study (the grid sampler does
    after its last point) instead of raising: Optuna only allows that inside ``optimize``."""
    study._thread_local.in_optimize_loop = True
    try:
        study.tell(trial, values, state=state)
    finally:
        study._thread_local.in_optimize_loop = False


def grid_done(study: optuna.Study) -> bool:
    """Has a grid sampler run every point of its grid? Then the sweep ends before
    ``n_trials``: more trials would only repeat points."""
    sampler = study.sampler
    return isinstance(sampler, optuna.samplers.GridSampler) and sampler.is_exhausted(study)


class SweepLoop(Sweeper):
    """See the module docstring; configured by :class:`sim.sweep.conf.StewardSweeperConf`."""

    def __init__(
        self,
        sampler: Any,
        direction: Any,
        storage: str | None,
        study_name: str | None,
        n_trials: int,
        n_jobs: int,
        max_failure_rate: float,
        params: DictConfig | None,
        custom_search_space: str | None = None,
    ) -> None:
        self.sampler_config = sampler
        many = isinstance(direction, list | tuple) or OmegaConf.is_list(direction)
        directions = list(direction) if many else [direction]
        self.directions = [getattr(d, "name", str(d)) for d in directions]
        self.storage_url = storage
        self.study_name = study_name
        self.n_trials = n_trials
        self.n_jobs = n_jobs
        self.max_failure_rate = max_failure_rate
        self.params = params
        self.custom_search_space = custom_search_space
        self.job_idx = 0
        self.storage: optuna.storages.RDBStorage | None = None

    def setup(
        self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig
    ) -> None:
        self.config = config
        loader = ComposedOnce(hydra_context.config_loader)  # a ConfigLoader by delegation
        hydra_context = dataclasses.replace(hydra_context, config_loader=cast(Any, loader))
        self.hydra_context = hydra_context
        launcher = Plugins.instance().instantiate_launcher(
            config=config, hydra_context=hydra_context, task_function=task_function
        )
        if type(launcher) is BasicLauncher:  # trials one at a time, here: no copies of configs
            launcher = UncopiedLauncher(launcher)
        self.launcher = launcher
        self.sweep_dir = Path(str(config.hydra.sweep.dir))

    # -- checks before any trial ---------------------------------------------------------------

    def _task_config(self) -> DictConfig:
        assert self.config is not None
        cfg = self.config.copy()
        with open_dict(cfg):
            del cfg["hydra"]
        return cfg

    def _check(self, arguments: list[str]) -> SearchSpace:
        from sim.cli.app import validate_config  # the app imports this module's package
        from sim.cli.compose import CONF_DIR

        if self.custom_search_space:
            raise SweepSetupError(
                "hydra.sweeper.custom_search_space: not supported; write the search space in "
                "hydra.sweeper.params"
            )
        for d in self.directions:
            if d not in ("minimize", "maximize"):
                raise SweepSetupError(
                    f"hydra.sweeper.direction: {d!r}: expected minimize or maximize"
                )
        if self.n_trials < 1:
            raise SweepSetupError(f"hydra.sweeper.n_trials={self.n_trials}: expected >= 1")
        if self.n_jobs < 1:
            raise SweepSetupError(f"hydra.sweeper.n_jobs={self.n_jobs}: expected >= 1")
        params = [f"{k!s}={v}" for k, v in (self.params or {}).items()] + list(arguments)
        space = parse_space(params)
        if not space.distributions:
            raise SweepSetupError(
                "hydra.sweeper.params: nothing to search; expected at least one key with "
                "interval(...), choice(...) or range(...)"
            )
        task = self._task_config()
        check_space(space, task, Path(CONF_DIR), validate_config)
        try:
            validate_config(task)
            objectives, _ = parse_all(
                list(task.sweep.objectives), list(task.sweep.constraints), task
            )
        except ConfigError as err:
            raise SweepSetupError(str(err)) from None
        if len(objectives) != len(self.directions):
            raise SweepSetupError(
                f"sweep.objectives: {len(objectives)} objectives for "
                f"{len(self.directions)} directions in hydra.sweeper.direction; expected one "
                "direction per objective"
            )
        return space

    def _sampler(self, space: SearchSpace) -> optuna.samplers.BaseSampler:
        sampler = instantiate(self.sampler_config, _execution_whitelist_=SAMPLER_WHITELIST)
        if isinstance(sampler, functools.partial):  # the grid sampler needs the grid
            grid = {
                k: OptunaSweeperImpl._to_grid_sampler_choices(d)
                for k, d in space.distributions.items()
            }
            sampler = sampler(grid)
        return cast(optuna.samplers.BaseSampler, sampler)

    def _open_study(self, space: SearchSpace, task: DictConfig) -> optuna.Study:
        try:
            sampler = self._sampler(space)
        except Exception as err:
            first = str(err).strip().splitlines()[0]
            raise SweepSetupError(f"hydra.sweeper.sampler: cannot be created: {first}") from None
        created = not self.sweep_dir.exists()
        reason = writable_reason(self.sweep_dir)
        if reason is not None:
            raise SweepSetupError(
                f"hydra.sweep.dir={str(self.sweep_dir)!r}: expected a writable folder ({reason}); "
                "it follows output.dir"
            )
        try:
            self.sweep_dir.mkdir(parents=True, exist_ok=True)
            url = self.storage_url or default_url(self.sweep_dir)
            storage = open_storage(url, write_ahead=True)
            self.storage = storage
            study = optuna.create_study(
                study_name=self.study_name or str(task.sweep.name),
                storage=storage,
                sampler=sampler,
                directions=cast(list[Literal["minimize", "maximize"]], self.directions),
                load_if_exists=True,
            )
        except StorageError as err:
            if created:
                shutil.rmtree(self.sweep_dir, ignore_errors=True)
            raise SweepSetupError(str(err)) from None
        except ValueError as err:
            if created:
                shutil.rmtree(self.sweep_dir, ignore_errors=True)
            raise SweepSetupError(f"hydra.sweeper: {err}") from None
        attrs = {
            "objectives": list(task.sweep.objectives),
            "constraints": list(task.sweep.constraints),
            "search_space": {k: repr(d) for k, d in space.distributions.items()},
        }
        for key, value in attrs.items():
            old = study.user_attrs.get(key)
            if old is None:
                study.set_user_attr(key, value)
            elif old != value:
                where = self.storage_url or default_url(self.sweep_dir)
                raise SweepSetupError(
                    f"study {study.study_name!r} in {where} was run with {key}={old}, not "
                    f"{value}; give this sweep another sweep.name (or hydra.sweeper.study_name)"
                )
        return study

    # -- the loop ------------------------------------------------------------------------------

    def sweep(self, arguments: list[str]) -> None:
        try:
            space = self._check(arguments)
            task = self._task_config()
            study = self._open_study(space, task)
        except (SweepSetupError, SearchSpaceError) as err:
            print(f"error: {err}", file=sys.stderr)
            sys.exit(2)
        lost = recover_interrupted(study)
        remove_trials(self.sweep_dir, lost)
        if lost:
            print(f"resuming: trials {lost} were interrupted and run again", file=sys.stderr)
        done = sum(counted(t) for t in study.get_trials(deepcopy=False))
        bar = tqdm(
            total=self.n_trials,
            initial=min(done, self.n_trials),
            desc=f"sweep {study.study_name}",
            unit="trial",
            file=sys.stderr,
            disable=not bool(task.progress),
        )
        me = worker_id()
        with bar:
            while True:
                done = sum(counted(t) for t in study.get_trials(deepcopy=False))
                to_go = self.n_trials - done
                if to_go <= 0:
                    break
                if grid_done(study):
                    print(
                        f"every point of the grid has run ({done} trials): the sweep ends "
                        f"before hydra.sweeper.n_trials={self.n_trials}",
                        file=sys.stderr,
                    )
                    break
                batch = [claim_trial(study, me) for _ in range(min(self.n_jobs, to_go))]
                overrides = []
                for trial in batch:
                    for name, dist in space.distributions.items():
                        trial._suggest(name, dist)
                    params = {**trial.params, **space.fixed}
                    overrides.append(
                        tuple(f"{k}={v}" for k, v in params.items())
                        + tuple(space.fixed_overrides)
                        + (f"sweep.trial={trial.number}",)
                    )
                assert self.launcher is not None
                returns = self.launcher.launch(overrides, initial_job_idx=self.job_idx)
                self.job_idx += len(returns)
                failures = 0
                for trial, ret in zip(batch, returns, strict=True):
                    try:
                        out = ret.return_value
                        values = [float(v) for v in out["values"]]
                        violations = [float(v) for v in out["violations"]]
                    except Exception as err:
                        failures += 1
                        trial.set_user_attr("error", f"{type(err).__name__}: {err}")
                        tell(study, trial, state=TrialState.FAIL)
                        print(f"trial {trial.number} failed: {err}", file=sys.stderr)
                        continue
                    if "outcome" in out:
                        trial.set_user_attr("outcome", out["outcome"])
                    for text, v in zip(task.sweep.constraints, violations, strict=True):
                        trial.set_constraint(str(text), v)
                    trial.set_user_attr("feasible", all(v <= 0 for v in violations))
                    if any(math.isnan(v) for v in values):
                        trial.set_user_attr("error", "an objective is NaN")
                        tell(study, trial, state=TrialState.FAIL)
                        failures += 1
                        continue
                    tell(study, trial, values)
                bar.update(len(batch))
                interrupt.check()
                if failures / len(batch) > self.max_failure_rate:
                    print(
                        f"error: {failures} of {len(batch)} trials failed (max_failure_rate="
                        f"{self.max_failure_rate}); see the messages above",
                        file=sys.stderr,
                    )
                    sys.exit(1)
        self._finish(study, task)

    def _finish(self, study: optuna.Study, task: DictConfig) -> None:
        from sim.sweep.summary import (
            best_trials,
            front_lines,
            results_yaml,
            runner_up_lines,
            runner_ups,
        )

        objectives = list(task.sweep.objectives)
        ups = runner_ups(study, objectives, self.sweep_dir)
        (self.sweep_dir / "optimization_results.yaml").write_text(results_yaml(study, ups))
        for line in front_lines(study, objectives):
            print(line)
        if ups:
            for line in runner_up_lines(best_trials(study)[0].number, objectives[0], ups):
                print(line)
        print(f"results: {self.sweep_dir}  (report: python -m sim.report {self.sweep_dir})")
        OmegaConf.save(task, self.sweep_dir / "sweep_config.yaml", resolve=True)
        assert self.storage is not None
        end_write_ahead_log(self.storage)
