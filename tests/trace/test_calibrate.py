"""Calibration: the prior fit recovers known parameters, shrinkage pulls every stratum toward
the prior, the shipped calibrated scenario is reproducible, and unsupported traces say why."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.model.agreement import AgreementRule
from sim.trace.__main__ import calibrate
from sim.trace.calibrate import calibrate_strata, fit_prior
from sim.trace.format import load_mapping
from sim.trace.load import load_trace
from tests.conftest import REPO
from tests.trace.test_validate import MEDCALC_MAPPING, write_csv


def test_the_prior_fit_recovers_known_parameters() -> None:
    rng = np.random.default_rng(1)
    n = np.full(600, 25)
    error_free = rng.random(600) < 0.3
    k = rng.binomial(n, np.where(error_free, 0.0, rng.beta(1.5, 4.0, 600)))
    fit = fit_prior(k, n)
    assert fit.converged
    assert fit.zero_probability == pytest.approx(0.3, abs=0.07)
    assert fit.beta_a / (fit.beta_a + fit.beta_b) == pytest.approx(1.5 / 5.5, abs=0.04)


def test_shrinkage_pulls_every_stratum_toward_the_prior(trace_path: Path) -> None:
    mapping, explicit = load_mapping(MEDCALC_MAPPING)
    trace, _ = load_trace(trace_path, mapping, explicit=explicit)
    assert trace is not None
    fit, strata = calibrate_strata(trace, AgreementRule())
    prior_mean = (1 - fit.zero_probability) * fit.beta_a / (fit.beta_a + fit.beta_b)
    for s in strata:
        raw = s.errors / s.judged
        lo, hi = sorted((raw, prior_mean))
        assert lo - 1e-9 <= s.posterior_mean <= hi + 1e-9, s.name
        assert s.interval_90[0] <= s.posterior_mean <= s.interval_90[1]


@pytest.fixture(scope="module")
def medcalc_calibration(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """``python -m sim.trace calibrate`` on the shared trace, run once: the scenario YAML
    (stdout), the diagnostics (stderr) and the fitted verifier YAML, with the trace's path
    written as the shipped files write it."""
    from tests.conftest import TRACE

    if not TRACE.exists():
        pytest.fail(f"the shared MedCalc trace is missing: {TRACE}")
    verifier = tmp_path_factory.mktemp("calibration") / "v.yaml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim.trace",
            "calibrate",
            str(TRACE),
            "--mapping",
            str(MEDCALC_MAPPING),
            "--name",
            "medcalc_calibrated",
            "--absent-truth-is-underspecified",
            "--verifier-out",
            str(verifier),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    shipped_path = "../shared/data/medcalc_v1/trace.csv"
    return (
        proc.stdout.replace(str(TRACE), shipped_path),
        proc.stderr,
        verifier.read_text().replace(str(TRACE), shipped_path),
    )


def test_the_shipped_calibrated_scenario_is_reproducible(
    medcalc_calibration: tuple[str, str, str],
) -> None:
    scenario, diagnostics, _ = medcalc_calibration
    assert scenario == (REPO / "conf" / "scenario" / "medcalc_calibrated.yaml").read_text()
    assert "label_recomputed agrees with the experts on 37/50 = 74% (95% CI 60%-84%)" in (
        diagnostics
    )


def test_the_calibrated_scenario_runs() -> None:
    from sim.cli.compose import compose_config
    from sim.scenario import build_scenario

    sc = build_scenario(compose_config(["scenario=medcalc_calibrated"]))
    assert sc.strata.n_items == 1047
    assert ((sc.strata.error_rate > 0) & (sc.strata.error_rate < 1)).all()


def test_a_trace_without_truth_or_expert_labels_cannot_be_calibrated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [{"item_id": str(i), "stratum": "s", "label_original": "1"} for i in range(5)]
    out = tmp_path / "scenario.yaml"
    assert calibrate(write_csv(tmp_path / "t.csv", rows), None, "x", out, False) == 1
    err = capsys.readouterr().err
    assert "neither label_truth nor label_expert" in err
    assert not out.exists()


def test_error_magnitudes_are_estimated_robustly(tmp_path: Path) -> None:
    from sim.trace.calibrate import error_magnitudes

    rows = [
        {"item_id": str(i), "stratum": "s", "label_original": str(100 * 1.25), "label_truth": "100"}
        for i in range(20)
    ]
    rows.append(
        {"item_id": "outlier", "stratum": "s", "label_original": "1e6", "label_truth": "100"}
    )
    mapping, explicit = load_mapping(None)
    trace, _ = load_trace(write_csv(tmp_path / "t.csv", rows), mapping, explicit=explicit)
    assert trace is not None
    (m,) = error_magnitudes(trace, AgreementRule())
    assert m.field == "extraction_relative_scale"
    assert m.n == 21
    assert m.mean == pytest.approx(0.20 / np.log(2.0))  # the outlier does not move it


def test_the_shipped_verifier_is_the_fit_to_the_trace(
    medcalc_calibration: tuple[str, str, str],
) -> None:
    fitted = medcalc_calibration[2]
    assert fitted == (REPO / "conf" / "verifier" / "medcalc_calibrated.yaml").read_text()
    assert "contentious items 286 vs" in fitted


def test_a_trace_without_the_recomputation_cannot_fit_the_verifier(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        {"item_id": str(i), "stratum": "s", "label_original": "1", "label_truth": "1"}
        for i in range(5)
    ]
    out, verifier = tmp_path / "s.yaml", tmp_path / "v.yaml"
    code = calibrate(write_csv(tmp_path / "t.csv", rows), None, "x", out, False, verifier)
    assert code == 1
    assert "cannot fit the recomputation: the trace has no label_recomputed column" in (
        capsys.readouterr().err
    )
    assert not out.exists()
    assert not verifier.exists()


@pytest.mark.parametrize("which", ["out", "verifier_out"])
def test_an_output_path_that_cannot_be_written_stops_before_the_fit(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], which: str
) -> None:
    rows = [{"item_id": str(i), "stratum": "s", "label_original": "1"} for i in range(5)]
    trace = write_csv(tmp_path / "t.csv", rows)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    bad = blocker / "x.yaml"
    paths = {"out": None, "verifier_out": None, which: bad}
    assert calibrate(trace, None, "x", paths["out"], False, paths["verifier_out"]) == 2
    flag = "--out" if which == "out" else "--verifier-out"
    assert capsys.readouterr().err == (
        f"error: {flag}='{bad}': expected a file in a writable folder ({blocker} is a file)\n"
    )
    assert calibrate(trace, None, "x", tmp_path, False) == 2  # a folder, not a file
    assert "expected a file, not a folder" in capsys.readouterr().err
