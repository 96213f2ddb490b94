"""A sweep's search space from Hydra override syntax, checked before any trial runs: every key
names a setting or config group, every range holds a value, every value it can take is valid."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra_plugins.hydra_optuna_sweeper._impl import create_params_from_overrides
from omegaconf import DictConfig, OmegaConf, open_dict
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from sim.config.validate import ConfigError

_ABSENT = object()


class SearchSpaceError(ValueError):
    """A search space that cannot be searched: names the parameter, its range and why."""


@dataclass(frozen=True)
class SearchSpace:
    distributions: dict[str, BaseDistribution]
    """Searched parameters (Hydra override keys) and their Optuna distributions."""
    fixed: dict[str, Any]
    """Parameters every trial sets to the same value."""
    fixed_overrides: list[str]


def candidate_values(dist: BaseDistribution) -> list[Any]:
    """The values worth validating: every choice, or both ends of a range."""
    if isinstance(dist, CategoricalDistribution):
        return list(dist.choices)
    if isinstance(dist, IntDistribution | FloatDistribution):
        return [dist.low, dist.high]
    return []


def parse_space(overrides: Sequence[str]) -> SearchSpace:
    """Hydra sweep overrides (``key=interval(a,b)``, ``key=choice(...)``, ``key=range(...)``)
    as distributions; an unparsable or empty range raises :class:`SearchSpaceError`."""
    for ov in overrides:
        try:
            dists, fixed, fixed_overrides = create_params_from_overrides([ov])
        except Exception as err:
            reason = str(err).strip().splitlines()[0] if str(err).strip() else "cannot be parsed"
            raise SearchSpaceError(
                f"hydra.sweeper.params: {ov}: {reason}; expected interval(low, high) with "
                "low < high, choice(a, b, ...) or range(start, stop, step) holding a value"
            ) from None
    dists, fixed, fixed_overrides = create_params_from_overrides(list(overrides))
    for key, dist in dists.items():
        if isinstance(dist, CategoricalDistribution) and len(dist.choices) == 0:
            raise SearchSpaceError(f"hydra.sweeper.params: {key}: an empty choice")
    return SearchSpace(dists, fixed, fixed_overrides)


def check_space(
    space: SearchSpace,
    task_config: DictConfig,
    conf_dir: Path,
    validate: Callable[[DictConfig], None],
) -> None:
    """Every searched key exists (a setting of ``task_config`` or a group under ``conf_dir``), and
    every choice or range end passes ``validate`` when set alone on ``task_config``. (Fixed
    parameters are already part of ``task_config``.)"""
    params = {k: candidate_values(d) for k, d in space.distributions.items()}
    for key, values in params.items():
        name = key.lstrip("+~")
        group_dir = conf_dir / name
        if group_dir.is_dir():
            options = sorted(p.stem for p in group_dir.glob("*.yaml"))
            for v in values:
                if str(v) not in options:
                    raise SearchSpaceError(
                        f"hydra.sweeper.params: {key}: option {v!r} does not exist; expected "
                        f"one of {', '.join(options)}"
                    )
            continue
        if OmegaConf.select(task_config, name, default=_ABSENT) is _ABSENT:
            raise SearchSpaceError(
                f"hydra.sweeper.params: {key}: no such setting (check the spelling; see conf/)"
            )
        for v in values:
            trial_cfg = task_config.copy()
            try:
                with open_dict(trial_cfg):
                    OmegaConf.update(trial_cfg, name, v, merge=False)
                validate(trial_cfg)
            except ConfigError as err:
                raise SearchSpaceError(
                    f"hydra.sweeper.params: {key} can take {v!r}, which is invalid: {err}"
                ) from None
            except Exception as err:
                first = str(err).strip().splitlines()[0]
                raise SearchSpaceError(
                    f"hydra.sweeper.params: {key} can take {v!r}, which is invalid: {first}"
                ) from None
