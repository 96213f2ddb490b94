"""The MedCalc trace, loaded once per test that asks for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.trace.format import load_mapping
from sim.trace.load import Trace, load_trace
from tests.trace.test_validate import MEDCALC_MAPPING


@pytest.fixture
def trace(trace_path: Path) -> Trace:
    mapping, explicit = load_mapping(MEDCALC_MAPPING)
    t, problems = load_trace(trace_path, mapping, explicit=explicit)
    assert t is not None, problems
    return t
