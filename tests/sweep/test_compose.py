"""A trial's config composed once per group choice is the config Hydra composes."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from typing import Any

import pytest
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import ConfigCompositionException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.cli.compose import CONF_DIR
from sim.cli.store import register
from sim.sweep.compose import ComposedOnce

SWEEP = ["+sweep=residual_at_40h"]
TRIALS = [
    ["policy=phased", "policy.contentious_threshold=0.25", "experts=trio", "sweep.trial=0"],
    ["policy=random", "policy.contentious_threshold=0.4", "experts=panel", "sweep.trial=1"],
    ["policy=phased", "policy.contentious_threshold=0.05", "experts=trio", "sweep.trial=2"],
    [
        "policy=disagreement",
        "budget.expert_hours=12.5",
        "experts=panel",
        "experts.double_review=true",
        "verifier.recompute.consensus_runs=3",
        "sweep.trial=3",
    ],
    ["policy=phased", "policy.contentious_threshold=0.25", "experts=trio", "sweep.trial=4"],
    ["scenario=tiny", "policy=phased", "budget.usd=1e9", "hydra.job.name=x", "sweep.trial=5"],
]


@pytest.fixture
def hydra_loader() -> Iterator[tuple[Any, DictConfig]]:
    """Hydra's config loader and the sweep's master config, as a multirun starts them."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR):
        gh = GlobalHydra.instance().hydra
        assert gh is not None
        master = gh.config_loader.load_configuration("config", SWEEP, RunMode.MULTIRUN)
        yield gh.config_loader, master


def plain(cfg: DictConfig) -> Any:
    return OmegaConf.to_container(cfg, resolve=False)


def test_each_trial_config_is_the_one_hydra_composes(
    hydra_loader: tuple[Any, DictConfig],
) -> None:
    loader, master = hydra_loader
    once = ComposedOnce(loader)
    for overrides in TRIALS:
        want = loader.load_sweep_config(master, SWEEP + overrides)
        got = once.load_sweep_config(master, SWEEP + overrides)
        assert plain(got) == plain(want), overrides
        assert OmegaConf.is_struct(got)
        assert OmegaConf.get_type(got) is OmegaConf.get_type(want)
        got.hydra.job.num = 99  # as the launcher does: the next trial must not see it
    # four sets of group choices (and Hydra overrides) among six trials, each composed once
    assert len(once.composed) == 4


def test_a_plain_value_a_key_does_not_have_is_refused_as_hydra_refuses_it(
    hydra_loader: tuple[Any, DictConfig],
) -> None:
    loader, master = hydra_loader
    with pytest.raises(ConfigCompositionException, match=r"budget\.expert_hour"):
        ComposedOnce(loader).load_sweep_config(master, [*SWEEP, "budget.expert_hour=3"])


def test_it_travels_to_other_processes_without_its_configs(
    hydra_loader: tuple[Any, DictConfig],
) -> None:
    loader, master = hydra_loader
    once = ComposedOnce(loader)
    once.load_sweep_config(master, SWEEP + TRIALS[0])
    copied = pickle.loads(pickle.dumps(once))
    assert copied.composed == {}
    assert plain(copied.load_sweep_config(master, SWEEP + TRIALS[1])) == plain(
        loader.load_sweep_config(master, SWEEP + TRIALS[1])
    )
