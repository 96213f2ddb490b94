"""The command line checked before the app or Hydra's sweep starts: arguments Hydra cannot read,
options a config group lacks, and the composition itself, each failure one line that names the
argument or key, the value and what is allowed (the order: ``docs/ARCHITECTURE.md``, "Bad input
on the command line")."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override, ValueType
from hydra.errors import (
    ConfigCompositionException,
    MissingConfigException,
    OverrideParseException,
)
from omegaconf import DictConfig
from omegaconf.errors import ConfigAttributeError, OmegaConfBaseException


def is_group(conf_dir: Path, key: str) -> bool:
    """Is ``key`` a config group (a folder of options in ``conf_dir``), not a setting?"""
    return (conf_dir / key).is_dir()


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
    for _, o in read_arguments(overrides).overrides:
        group = o.key_or_group
        if o.package is not None or o.is_delete() or not is_group(conf_dir, group):
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


def compose_checked(
    conf_dir: Path, overrides: list[str], *, with_hydra: bool = False
) -> DictConfig:
    """``config.yaml`` in ``conf_dir`` with ``overrides`` (with the ``hydra`` node only if
    ``with_hydra``), or :class:`CompositionError` saying in one line why they do not compose."""
    try:
        with initialize_config_dir(config_dir=str(conf_dir)):
            return compose(
                config_name="config", overrides=overrides, return_hydra_config=with_hydra
            )
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
    except OverrideParseException as err:
        raise CompositionError(unparsable(overrides) or str(err).splitlines()[0]) from None
    except Exception as err:  # Hydra's first line says it
        first = str(err).splitlines()[0] if str(err) else ""
        raise CompositionError(f"{type(err).__name__}: {first}") from None


VALUE_FLAGS = ("--cfg", "-c", "--package", "-p", *CONFIG_FLAGS, "--experimental-rerun")
INFO_FLAGS = ("--info", "-i")
INFO_TOPICS = ("all", "config", "defaults", "defaults-tree", "plugins", "searchpath")


@dataclass
class Arguments:
    """A command line read one argument at a time, flags and their values left out: the
    overrides Hydra can read, and for the others Hydra's reason."""

    overrides: list[tuple[str, Override]] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)


def read_arguments(arguments: list[str]) -> Arguments:
    """Each argument that is neither a flag nor a flag's value, parsed alone."""
    parser = OverridesParser.create()
    read = Arguments()
    previous = ""
    for text in arguments:
        flag_value = previous in VALUE_FLAGS or (previous in INFO_FLAGS and text in INFO_TOPICS)
        previous = text
        if text.startswith("-") or flag_value:
            continue
        try:
            (override,) = parser.parse_overrides([text])
        except OverrideParseException as err:
            read.unreadable.append((text, _parse_reason(str(err))))
            continue
        read.overrides.append((text, override))
    return read


def fixed_overrides(arguments: list[str]) -> list[str]:
    """The overrides of a command line that set one value each: neither flags nor sweeps
    (``policy=random,phased``, ``x=interval(0, 1)``); arguments that do not parse are left
    out (:func:`unparsable` names them)."""
    overrides = read_arguments(arguments).overrides
    return [text for text, o in overrides if not o.is_sweep_override()]


def unparsable(arguments: list[str]) -> str | None:
    """One line naming the first command-line argument that is neither a flag, a flag's value
    nor an override Hydra can read (``policy``, ``x=interval(0.5)``); None when there is none."""
    unreadable = read_arguments(arguments).unreadable
    if not unreadable:
        return None
    text, reason = unreadable[0]
    hint = "quote a value with special characters: key='f(x)'"
    return f"{text!r}: {reason}; expected key=value ({hint})"


def _parse_reason(message: str) -> str:
    """The line of Hydra's parse error that says what is wrong, or where."""
    lines = [line for line in message.splitlines()[1:] if line.strip()]
    carets = [line for line in lines if set(line.strip()) == {"^"}]
    reasons = [
        line
        for line in lines
        if line not in carets and not line.startswith(("Error parsing override", "See https"))
    ]
    lexer = "LexerNoViableAltException: "
    if carets and reasons and reasons[0].startswith(lexer):
        return f"cannot read the character at position {carets[0].index('^') - len(lexer) + 1}"
    return reasons[0] if reasons else message.splitlines()[0]
