"""``python -m sim.study stress``: the box of settings, the tallies, and the command end to end."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from sim.config.validate import ConfigError
from sim.study.stress import (
    MAX_INSIDE,
    MAX_KEYS,
    Outcome,
    Range,
    best_counts,
    points,
    stress_table,
)
from tests.study.cli import study_cli


def test_ranges_parse_and_keep_whole_numbers_whole() -> None:
    r = Range.parse("verifier.recompute.run_accuracy=0.83:0.86")
    assert (r.key, r.low, r.high, r.whole) == ("verifier.recompute.run_accuracy", 0.83, 0.86, False)
    assert r.text == "verifier.recompute.run_accuracy=0.83:0.86"
    assert r.value(0.0) == "verifier.recompute.run_accuracy=0.83"
    assert r.value(1.0) == "verifier.recompute.run_accuracy=0.86"
    k = Range.parse("verifier.recompute.consensus_runs=3:5")
    assert k.whole
    assert k.value(0.5) == "verifier.recompute.consensus_runs=4"


@pytest.mark.parametrize(
    "text", ["run_accuracy=0.9:0.8", "run_accuracy=0.8", "run_accuracy=a:b", "=1:2", "x=1:1"]
)
def test_bad_ranges_name_vary(text: str) -> None:
    with pytest.raises(ConfigError, match=r"^--vary=.*expected KEY=LOW:HIGH"):
        Range.parse(text)


def test_the_centre_then_every_corner() -> None:
    ranges = [Range.parse("a.b=0:1"), Range.parse("c=0.5:1.5")]
    got = points(ranges)
    assert got[0] == ("centre", ["a.b=0", "c=1.0"])  # a.b=0:1 is whole: its centre rounds
    assert [label for label, _ in got[1:]] == [
        "a.b=low c=low",
        "a.b=low c=high",
        "a.b=high c=low",
        "a.b=high c=high",
    ]
    assert got[4][1] == ["a.b=1", "c=1.5"]
    with pytest.raises(ConfigError, match="each key once"):
        points([Range.parse("c=0:1"), Range.parse("c=2:3")])
    with pytest.raises(ConfigError, match=f"1 to {MAX_KEYS} ranges"):
        points([Range.parse(f"k{i}=0:1") for i in range(MAX_KEYS + 1)])


def test_points_inside_form_a_latin_hypercube() -> None:
    ranges = [Range.parse("a=0.0:1.0"), Range.parse("b.c=10.0:20.0"), Range.parse("k=1:9")]
    got = points(ranges, 8, np.random.default_rng(3))
    assert len(got) == 1 + 2**3 + 8
    inside = got[9:]
    assert [label.split(":")[0] for label, _ in inside] == [f"inside {k}" for k in range(1, 9)]
    a = np.array([float(o[0].split("=")[1]) for _, o in inside])
    c = np.array([float(o[1].split("=")[1]) for _, o in inside])
    k = [o[2] for _, o in inside]
    # one point in each eighth of every range
    assert sorted(np.floor(a * 8).astype(int).tolist()) == list(range(8))
    assert sorted(np.floor((c - 10.0) / 10.0 * 8).astype(int).tolist()) == list(range(8))
    assert all(o in {f"k={i}" for i in range(1, 10)} for o in k)  # whole numbers stay whole
    assert inside[0][0].startswith("inside 1: a=")
    assert " c=" in inside[0][0]
    assert got == points(ranges, 8, np.random.default_rng(3))
    assert got[9:] != points(ranges, 8, np.random.default_rng(4))[9:]
    assert points(ranges, 0) == got[:9]
    for bad in (-1, MAX_INSIDE + 1):
        with pytest.raises(ConfigError, match=r"^--inside="):
            points(ranges, bad)


def outcome(variant: str, point: int, residual: float) -> Outcome:
    summary = {"mean": residual, "mean_ci_low": residual - 0.01, "mean_ci_high": residual + 0.01}
    return Outcome(
        variant,
        point,
        {
            "residual_error_rate": summary,
            "errors_fixed": {"mean": 100.0 * (1 - residual)},
            "correct_changed_wrongly": {"mean": 5.0},
            "expert_hours": {"mean": 40.0},
        },
    )


def test_where_each_variant_is_best() -> None:
    outcomes = [
        outcome("a", 0, 0.2),
        outcome("b", 0, 0.3),
        outcome("a", 1, 0.25),
        outcome("b", 1, 0.25),  # a tie counts for both
        outcome("a", 2, 0.4),
        outcome("b", 2, 0.1),
    ]
    assert best_counts(outcomes, 3) == {"a": 2, "b": 2}
    table = stress_table(outcomes, ["centre", "x=low", "x=high"]).splitlines()
    assert (
        table[2] == "| a | 0.200 (0.190–0.210) | 0.250–0.400 | x=high | 60.0–75.0 | 5.0–5.0 | 2 |"
    )
    assert table[3].startswith("| b | 0.300 (0.290–0.310) | 0.100–0.250 | x=low |")
    with_inside = stress_table(
        [*outcomes, outcome("a", 3, 0.5), outcome("b", 3, 0.3)],
        ["centre", "x=low", "x=high", "inside 1: x=0.3"],
    ).splitlines()
    assert "| over the corners and 1 points inside | worst point |" in with_inside[0]
    assert with_inside[2].startswith("| a | 0.200 (0.190–0.210) | 0.250–0.500 | inside 1: x=0.3 |")


def stress(*args: str) -> subprocess.CompletedProcess[str]:
    return study_cli("stress", *args)


@pytest.mark.slow
def test_stress_end_to_end(tmp_path: Path) -> None:
    proc = stress(
        "--policies",
        "random",
        "disagreement",
        "--vary",
        "verifier.recompute.run_accuracy=0.7:0.95",
        "scenario=tiny",
        "replications=8",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 corners and the centre of verifier.recompute.run_accuracy (8 replications" in (
        proc.stdout
    )
    (folder,) = tmp_path.iterdir()
    assert {p.name for p in folder.iterdir()} == {"stress.md", "stress.json", "stress.png"}
    doc = json.loads((folder / "stress.json").read_text())
    assert doc["points"] == [
        "centre",
        "verifier.recompute.run_accuracy=low",
        "verifier.recompute.run_accuracy=high",
    ]
    by = {(o["variant"], o["point"]): o["metrics"] for o in doc["outcomes"]}
    assert len(by) == 6
    # random never reads the recomputation: with common random numbers its outcomes are the
    # same at every point, to the bit; disagreement triages on it, so its outcomes move.
    assert by[("random", 0)] == by[("random", 1)] == by[("random", 2)]
    assert by[("disagreement", 1)] != by[("disagreement", 2)]
    assert sum(doc["best_counts"].values()) >= 3


def test_stress_with_points_inside(tmp_path: Path) -> None:
    proc = stress(
        "--policies",
        "disagreement",
        "--vary",
        "verifier.recompute.run_accuracy=0.7:0.95",
        "--inside",
        "3",
        "--inside-seed",
        "5",
        "scenario=tiny",
        "replications=4",
        "--out",
        str(tmp_path),
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 corners, 3 points inside and the centre of verifier.recompute.run_accuracy" in (
        proc.stdout
    )
    assert "over the corners and 3 points inside" in proc.stdout
    (folder,) = tmp_path.iterdir()
    doc = json.loads((folder / "stress.json").read_text())
    assert [p.split(":")[0] for p in doc["points"][3:]] == ["inside 1", "inside 2", "inside 3"]
    assert len(doc["outcomes"]) == 6
    assert (folder / "stress.png").stat().st_size > 0


def test_too_many_points_inside_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    proc = stress(
        "--policies",
        "random",
        "--vary",
        "verifier.recompute.run_accuracy=0.7:0.9",
        "--inside",
        "500",
        "--out",
        str(tmp_path / "out"),
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: --inside=500: expected 0 to 200 points"
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("vary", "fragment"),
    [
        ("policy=1:2", "error: --vary='policy=1:2': expected a setting with a number, not a group"),
        ("verifier.recompute.run_accuracy=0.9:0.8", "expected KEY=LOW:HIGH"),
        ("verifier.recompute.run_acuracy=0.1:0.2", "run_acuracy"),
        ("verifier.recompute.run_accuracy=0.5:1.5", "run_accuracy"),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path, vary: str, fragment: str) -> None:
    proc = stress("--policies", "random", "--vary", vary, "--out", str(tmp_path / "out"))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert fragment in line
    assert not (tmp_path / "out").exists()
