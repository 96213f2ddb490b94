"""The composed configuration as the typed dataclass, outside a ``@hydra.main`` app (trace
commands, tests, benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

from sim.cli.store import register
from sim.config.schema import RootConfig

CONF_DIR = str(Path(__file__).resolve().parents[2] / "conf")


def to_root_config(cfg: DictConfig) -> RootConfig:
    """A composed config (without the ``hydra`` node) as the typed dataclass."""
    obj = OmegaConf.to_object(cfg)
    assert isinstance(obj, RootConfig)
    return obj


def compose_config(overrides: Sequence[str] = ()) -> RootConfig:
    """``conf/config.yaml`` with ``overrides`` (Hydra syntax), converted to :class:`RootConfig`."""
    register()
    with initialize_config_dir(config_dir=CONF_DIR):
        return to_root_config(compose(config_name="config", overrides=list(overrides)))
