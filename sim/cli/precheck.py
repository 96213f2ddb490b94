"""Composes the command line's config once, turning Hydra's composition errors (unknown option,
unknown key, wrong type) into one line that names the key, the value and what is allowed."""

from __future__ import annotations

from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import ValueType
from hydra.errors import (
    ConfigCompositionException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, OmegaConfBaseException


def group_options(conf_dir: Path, group: str) -> list[str]:
    return sorted(p.stem for p in (conf_dir / group).glob("*.yaml"))


def _value_of(key: str, overrides: list[str]) -> str:
    """The value the last override of ``key`` gives it (the one Hydra applies), or ``?``."""
    for ov in reversed(overrides):
        name, _, value = ov.lstrip("+~").partition("=")
        if name == key:
            return value
    return "?"


CONFIG_FLAGS = ("--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn")


def unknown_option(conf_dir: Path, overrides: list[str]) -> str | None:
    """One line naming the first option of a config group that ``conf_dir`` does not have, in
    a plain or a sweep override (``policy=bogus``, ``policy=random,bogus``, ``+sweep=nope``);
    None when every one exists, or when the command line adds config folders
    (``hydra.searchpath``, ``--config-dir``), whose options only Hydra knows. Arguments that
    are not overrides (``-m``, ``--cfg job``) or do not parse are left to Hydra, which says
    why."""
    if any(a.lstrip("+").startswith("hydra.searchpath") or a in CONFIG_FLAGS for a in overrides):
        return None
    parser = OverridesParser.create()
    parsed = []
    for text in overrides:
        try:
            parsed += parser.parse_overrides([text])
        except Exception:
            continue
    for o in parsed:
        group = o.key_or_group
        if o.package is not None or o.is_delete() or not (conf_dir / group).is_dir():
            continue
        if o.value_type in (ValueType.SIMPLE_CHOICE_SWEEP, ValueType.CHOICE_SWEEP):
            values = list(o.sweep_string_iterator())
        elif o.value_type == ValueType.ELEMENT and isinstance(o.value(), str):
            values = [str(o.value())]
        else:
            continue
        options = group_options(conf_dir, group)
        for value in values:
            if value not in options:
                return f"{group}={value!r}: expected one of {', '.join(options)}"
    return None


class CompositionError(ValueError):
    """The overrides do not compose; the message is the one line to show."""


def compose_checked(conf_dir: Path, overrides: list[str]) -> DictConfig:
    """``config.yaml`` in ``conf_dir`` with ``overrides`` (without the ``hydra`` node), or
    :class:`CompositionError` saying in one line why they do not compose."""
    try:
        with initialize_config_dir(config_dir=str(conf_dir)):
            return compose(config_name="config", overrides=overrides)
    except MissingConfigException as err:
        problem = unknown_option(conf_dir, overrides)
        raise CompositionError(problem or str(err).splitlines()[0]) from None
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
    except OverrideParseException:
        raise CompositionError(_unparsable(overrides)) from None
    except Exception as err:  # Hydra's first line says it
        first = str(err).splitlines()[0] if str(err) else ""
        raise CompositionError(f"{type(err).__name__}: {first}") from None


def _unparsable(overrides: list[str]) -> str:
    """One line naming the first override that does not parse."""
    parser = OverridesParser.create()
    for text in overrides:
        try:
            parser.parse_overrides([text])
        except OverrideParseException:
            return (
                f"{text!r}: not an override; expected key=value, e.g. budget.expert_hours=80 "
                "(quote a value with special characters: key='a=b')"
            )
    return "the overrides do not parse; expected key=value pairs"
