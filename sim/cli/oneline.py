"""Bad input on the command lines outside the Hydra app: one ``error:`` line, exit code 2."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

from hydra.errors import HydraException
from omegaconf.errors import OmegaConfBaseException

from sim.cli.precheck import CompositionError
from sim.config.validate import ConfigError

T = TypeVar("T")


def or_one_line_error(make: Callable[[], T]) -> T | None:
    """``make()``; a bad value or override prints one ``error:`` line and gives None."""
    try:
        return make()
    except (ConfigError, CompositionError) as err:
        print(f"error: {err}", file=sys.stderr)
    except (HydraException, OmegaConfBaseException) as err:
        print(f"error: {str(err).splitlines()[0]}", file=sys.stderr)
    return None
