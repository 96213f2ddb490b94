"""Engines that run the expert-review event loop; registered by name."""

from sim.engines.base import Engine, ReviewLog, ReviewProblem
from sim.engines.numba_engine import NumbaEngine
from sim.engines.simpy_engine import SimpyEngine

ENGINES: dict[str, type[SimpyEngine] | type[NumbaEngine]] = {
    SimpyEngine.name: SimpyEngine,
    NumbaEngine.name: NumbaEngine,
}

__all__ = ["ENGINES", "Engine", "NumbaEngine", "ReviewLog", "ReviewProblem", "SimpyEngine"]
