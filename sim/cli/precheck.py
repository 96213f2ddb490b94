"""Composes the command line's config once, turning Hydra's composition errors (unknown option,
unknown key, wrong type) into one line that names the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException, MissingConfigException
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, OmegaConfBaseException

GROUPS = ("scenario", "experts", "verifier", "policy", "engine")


def group_options(conf_dir: Path, group: str) -> list[str]:
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))


def _value_of(key: str, overrides: list[str]) -> str:
    for ov in overrides:
        name, _, value = ov.lstrip("+~").partition("=")
        if name == key:
            return value
    return "?"


class CompositionError(ValueError):
    """The overrides do not compose; the message is the one line to show."""


def compose_checked(conf_dir: Path, overrides: list[str]) -> DictConfig:
    """``config.yaml`` in ``conf_dir`` with ``overrides`` (without the ``hydra`` node), or
    :class:`CompositionError` saying in one line why they do not compose."""
    try:
        with initialize_config_dir(config_dir=str(conf_dir)):
            return compose(config_name="config", overrides=overrides)
    except MissingConfigException as err:
        for group in GROUPS:
            value = _value_of(group, overrides)
            if value != "?" and value not in group_options(conf_dir, group):
                raise CompositionError(
                    f"{group}={value!r}: expected one of "
                    f"{', '.join(group_options(conf_dir, group))}"
                ) from None
        raise CompositionError(str(err).splitlines()[0]) from None
    except ConfigCompositionException as err:
        cause = err.__cause__
        if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
            key = str(cause.full_key)
            value = _value_of(key, overrides)
            if isinstance(cause, ConfigAttributeError):
                raise CompositionError(
                    f"{key}={value}: no such setting (check the spelling; see conf/)"
                ) from None
            reason = str(cause).splitlines()[0]
            raise CompositionError(f"{key}={value}: {reason}") from None
        raise CompositionError(str(err).splitlines()[0]) from None
    except Exception as err:  # grammar errors and the like: Hydra's first line says it
        first = str(err).splitlines()[0] if str(err) else ""
        raise CompositionError(f"{type(err).__name__}: {first}") from None
