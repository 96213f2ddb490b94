"""Error modes of original labels. The values they produce are drawn in
:mod:`sim.kernels.labels`."""

from __future__ import annotations

from enum import IntEnum


class ErrorMode(IntEnum):
    """Why an original label is wrong; int8 codes in item arrays."""

    NONE = 0
    EXTRACTION = 1
    """One input value misread: an item-specific perturbation."""
    LOGIC = 2
    """A wrong rule in the stratum's pipeline: one shift shared by the stratum's items."""
    UNDERSPECIFIED = 3
    """The note cannot support an answer (truth N/A) but the original gives a number."""


ERROR_MODE_NAMES: tuple[str, ...] = tuple(m.name.lower() for m in ErrorMode)
