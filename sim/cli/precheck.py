"""Turns Hydra's composition errors (unknown option, unknown key, wrong type) into one line that
names the key, the value and what is allowed, before the app starts."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.errors import ConfigCompositionException, MissingConfigException
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


def composition_error(conf_dir: Path, overrides: list[str]) -> str | None:
    """One line describing why ``overrides`` do not compose, or None when they do."""
    try:
        with initialize_config_dir(config_dir=str(conf_dir)):
            compose(config_name="config", overrides=overrides)
    except MissingConfigException as err:
        for group in GROUPS:
            value = _value_of(group, overrides)
            if value != "?" and value not in group_options(conf_dir, group):
                return (
                    f"{group}={value!r}: expected one of "
                    f"{', '.join(group_options(conf_dir, group))}"
                )
        return str(err).splitlines()[0]
    except ConfigCompositionException as err:
        cause = err.__cause__
        if isinstance(cause, OmegaConfBaseException) and getattr(cause, "full_key", None):
            key = str(cause.full_key)
            value = _value_of(key, overrides)
            if isinstance(cause, ConfigAttributeError):
                return f"{key}={value}: no such setting (check the spelling; see conf/)"
            reason = str(cause).splitlines()[0]
            return f"{key}={value}: {reason}"
        return str(err).splitlines()[0]
    except Exception as err:  # grammar errors and the like: Hydra's first line says it
        return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
    return None
