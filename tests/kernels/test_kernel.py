"""A kernel compiles for Python callers with its wrappers and for compiled callers without
them, with the same arithmetic either way."""

from __future__ import annotations

import numba
import numpy as np

from sim.kernels import Kernel, kernel, njit_no_refcounts
from sim.kernels.random import uniform
from sim.kernels.world import consensus_of_rows, run_recompute


@kernel
def _scaled_sum(x: np.ndarray, factor: float) -> float:
    total = 0.0
    for v in x:
        total += v * factor
    return total


def test_a_compiled_caller_links_the_twin_and_python_the_wrapped_kernel() -> None:
    @numba.njit
    def caller(x: np.ndarray) -> float:
        return _scaled_sum(x, 0.1)

    x = np.linspace(0.0, 1.0, 11)
    assert not _scaled_sum.signatures
    assert not _scaled_sum.compiled.signatures
    from_compiled = caller(x)
    assert len(_scaled_sum.compiled.signatures) == 1
    assert not _scaled_sum.signatures, "a compiled caller compiled the wrappers"
    from_python = _scaled_sum(x, 0.1)
    assert len(_scaled_sum.signatures) == 1
    assert from_compiled == from_python == sum(v * 0.1 for v in x)


def test_the_twin_has_a_cache_of_its_own() -> None:
    assert _scaled_sum.compiled.py_func.__qualname__ == "_scaled_sum.compiled"
    assert _scaled_sum.compiled.targetoptions["no_cpython_wrapper"]
    assert not _scaled_sum.targetoptions.get("no_cpython_wrapper", False)
    assert _scaled_sum.compiled._cache.__class__.__name__ == "FunctionCache"


def test_the_package_kernels_are_kernels_and_keep_their_options() -> None:
    assert isinstance(consensus_of_rows, Kernel)
    assert not isinstance(run_recompute, Kernel), "the SimPy engine calls it from Python"
    assert isinstance(run_recompute, numba.core.registry.CPUDispatcher)
    assert isinstance(uniform, Kernel)
    assert uniform.compiled.targetoptions["_nrt"] is False
    assert isinstance(njit_no_refcounts(lambda x: x), Kernel)
