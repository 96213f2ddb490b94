"""``python -m sim``: see :mod:`sim.cli.app`."""

from sim.cli.app import entry

entry()
