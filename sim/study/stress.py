"""A stress test of policy variants against what is not known about the world: every corner of
a box of settings (each varied key at its low or high end), its centre, and optionally points
inside it (a Latin hypercube), each run from the same seed, so the outcomes move with the
settings alone. Which variant is best at how many points says whether a choice of policy holds
up."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.cli.compose import compose_values
from sim.config.schema import RootConfig
from sim.config.validate import ConfigError
from sim.metrics import summarize
from sim.scenario import Scenario, build_scenario
from sim.study.plan import Variant, metrics_of, quiet

MAX_KEYS = 6
"""At most 2**6 = 64 corners."""
MAX_INSIDE = 200
"""At most this many points inside the box."""
_RANGE = re.compile(r"^([A-Za-z_][\w.]*)=([-+0-9.eE]+):([-+0-9.eE]+)$")
SHOWN = ("residual_error_rate", "errors_fixed", "correct_changed_wrongly", "expert_hours")


@dataclass(frozen=True)
class StressRun:
    """A variant at one point of the box (``point`` 0 is the centre)."""

    variant: Variant
    point: int
    root: RootConfig
    scenario: Scenario


@dataclass(frozen=True)
class Range:
    """A setting varied from ``low`` to ``high`` (whole numbers stay whole)."""

    key: str
    low: float
    high: float
    whole: bool
    text: str
    """As given on the command line."""

    @staticmethod
    def parse(text: str) -> Range:
        m = _RANGE.match(text)
        expected = (
            "KEY=LOW:HIGH with LOW < HIGH numbers, e.g. verifier.recompute.run_accuracy=0.83:0.86"
        )
        if m is None:
            raise ConfigError("--vary", text, expected)
        try:
            low, high = float(m.group(2)), float(m.group(3))
        except ValueError:
            raise ConfigError("--vary", text, expected) from None
        if not low < high:
            raise ConfigError("--vary", text, expected)
        whole = all(re.fullmatch(r"[-+]?\d+", g) for g in (m.group(2), m.group(3)))
        return Range(m.group(1), low, high, whole, text)

    def value(self, where: float) -> str:
        """The override text at ``where`` in [0, 1] of the range (0 low, 1 high)."""
        return f"{self.key}={self.number(where)}"

    def number(self, where: float, digits: int = 0) -> str:
        """The value at ``where`` in [0, 1] of the range, as the override writes it, or to
        ``digits`` significant digits."""
        v = self.low + where * (self.high - self.low)
        if self.whole:
            return str(round(v))
        return f"{v:.{digits}g}" if digits else repr(v)


def points(
    ranges: list[Range], inside: int = 0, rng: np.random.Generator | None = None
) -> list[tuple[str, list[str]]]:
    """``(label, overrides)`` of the centre, then every corner (``low``/``high`` per key, the
    first key slowest), then ``inside`` points of a Latin hypercube drawn with ``rng``: each
    key's range cut into ``inside`` equal slices, one point in each, the slices paired at
    random across keys."""
    if not 1 <= len(ranges) <= MAX_KEYS:
        raise ConfigError("--vary", len(ranges), f"1 to {MAX_KEYS} ranges")
    if len({r.key for r in ranges}) < len(ranges):
        raise ConfigError("--vary", [r.key for r in ranges], "each key once")
    if not 0 <= inside <= MAX_INSIDE:
        raise ConfigError("--inside", inside, f"0 to {MAX_INSIDE} points")
    out = [("centre", [r.value(0.5) for r in ranges])]
    for ends in itertools.product((0, 1), repeat=len(ranges)):
        label = " ".join(
            f"{r.key}={'high' if e else 'low'}" for r, e in zip(ranges, ends, strict=True)
        )
        out.append((label, [r.value(float(e)) for r, e in zip(ranges, ends, strict=True)]))
    if inside:
        rng = np.random.default_rng(0) if rng is None else rng
        where = (
            np.stack([rng.permutation(inside) for _ in ranges], axis=1)
            + rng.random((inside, len(ranges)))
        ) / inside
        for k in range(inside):
            label = f"inside {k + 1}: " + " ".join(
                f"{r.key.split('.')[-1]}={r.number(float(w), digits=4)}"
                for r, w in zip(ranges, where[k], strict=True)
            )
            out.append((label, [r.value(float(w)) for r, w in zip(ranges, where[k], strict=True)]))
    return out


def plan_stress(
    variants: list[Variant],
    ranges: list[Range],
    overrides: list[str],
    inside: int = 0,
    inside_seed: int = 0,
) -> tuple[list[str], list[StressRun]]:
    """The points' labels and every (variant, point) run's validated config (``inside`` points
    inside the box, from ``inside_seed``); a bad value raises before anything runs."""
    labelled = points(ranges, inside, np.random.default_rng(inside_seed))
    runs = []
    for v in variants:
        try:
            roots = compose_values(
                [*overrides, f"policy={v.policy}", *v.overrides], [o for _, o in labelled]
            )
        except ValueError as err:  # a group among the varied keys
            key = str(err).split("=")[0]
            given = next((r.text for r in ranges if r.key == key), key)
            raise ConfigError("--vary", given, "a setting with a number, not a group") from None
        for i, root in enumerate(map(quiet, roots)):
            runs.append(StressRun(v, i, root, build_scenario(root)))
    return [label for label, _ in labelled], runs


@dataclass
class Outcome:
    """One variant at one point: the summaries of :data:`SHOWN`."""

    variant: str
    point: int
    metrics: dict[str, dict[str, float]]


def simulate_stress(
    runs: list[StressRun], on_run: Callable[[StressRun], None] | None = None
) -> list[Outcome]:
    """Every run, in order: the summaries of :data:`SHOWN`."""
    out = []
    for run in runs:
        metrics = metrics_of(run.scenario, run.root)
        shown = {m: metrics[m] for m in SHOWN}
        out.append(Outcome(run.variant.label, run.point, summarize(shown)))
        if on_run is not None:
            on_run(run)
    return out


def best_counts(outcomes: list[Outcome], n_points: int) -> dict[str, int]:
    """Per variant, at how many points (centre included) it leaves the lowest mean residual
    error (ties count for each)."""
    counts = {o.variant: 0 for o in outcomes}
    for i in range(n_points):
        at = [o for o in outcomes if o.point == i]
        best = min(o.metrics["residual_error_rate"]["mean"] for o in at)
        for o in at:
            counts[o.variant] += o.metrics["residual_error_rate"]["mean"] == best
    return counts


def stress_table(outcomes: list[Outcome], labels: list[str]) -> str:
    """Per variant: residual error at the centre, its range over the corners (and the points
    inside) and the worst of them, errors fixed and wrong fixes over them, and where the
    variant is best."""
    counts = best_counts(outcomes, len(labels))
    n_inside = sum(label.startswith("inside ") for label in labels)
    where = f"the corners and {n_inside} points inside" if n_inside else "the corners"
    head = [
        "policy",
        "residual error at the centre (95% CI)",
        f"over {where}",
        "worst point" if n_inside else "worst corner",
        f"errors fixed over {where}",
        f"wrong fixes over {where}",
        f"best of the policies at (of {len(labels)})",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    for variant in dict.fromkeys(o.variant for o in outcomes):
        mine = [o for o in outcomes if o.variant == variant]
        centre = next(o for o in mine if o.point == 0).metrics["residual_error_rate"]
        corners = [o for o in mine if o.point > 0]

        worst = max(corners, key=lambda o: o.metrics["residual_error_rate"]["mean"])
        cells = [
            variant,
            f"{centre['mean']:.3f} ({centre['mean_ci_low']:.3f}–{centre['mean_ci_high']:.3f})",
            _span(corners, "residual_error_rate", "{:.3f}"),
            labels[worst.point],
            _span(corners, "errors_fixed", "{:.1f}"),
            _span(corners, "correct_changed_wrongly", "{:.1f}"),
            str(counts[variant]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _span(outcomes: list[Outcome], metric: str, fmt: str) -> str:
    values = [o.metrics[metric]["mean"] for o in outcomes]
    return f"{fmt.format(min(values))}–{fmt.format(max(values))}"


def as_data(labels: list[str], ranges: list[Range], outcomes: list[Outcome]) -> dict[str, Any]:
    return {
        "ranges": [dataclasses.asdict(r) for r in ranges],
        "points": labels,
        "outcomes": [dataclasses.asdict(o) for o in outcomes],
        "best_counts": best_counts(outcomes, len(labels)),
    }


def residual_matrix(outcomes: list[Outcome], n_points: int) -> dict[str, np.ndarray]:
    """Per variant, its mean residual error at every point (centre first)."""
    out: dict[str, np.ndarray] = {}
    for o in outcomes:
        out.setdefault(o.variant, np.full(n_points, np.nan))[o.point] = o.metrics[
            "residual_error_rate"
        ]["mean"]
    return out
