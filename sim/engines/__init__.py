"""Engines that run the expert-review event loop; registered by name."""

from sim.engines.base import Engine, ReviewLog, ReviewProblem
from sim.engines.simpy_engine import SimpyEngine

ENGINES: dict[str, type[SimpyEngine]] = {SimpyEngine.name: SimpyEngine}

__all__ = ["ENGINES", "Engine", "ReviewLog", "ReviewProblem", "SimpyEngine"]
