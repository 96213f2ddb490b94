"""Registers the dataclass schemas with Hydra's ConfigStore so every YAML is type-checked."""

from __future__ import annotations

from hydra.core.config_store import ConfigStore

from sim.config.schema import RootConfig
from sim.sweep.conf import register_sweeper


def register() -> None:
    ConfigStore.instance().store(name="base_config", node=RootConfig, replace=True)
    register_sweeper()
