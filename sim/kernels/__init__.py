"""``@njit`` kernels: pure functions over arrays, no configs, files or global randomness.

Both engines call these, so their arithmetic is the same to the last bit. Every kernel is
compiled with ``cache=True``: a second process loads the machine code instead of recompiling.

Numba invalidates a cached function only when its own file changes, not when a kernel it calls
does, so a stale caller could run old code. The cache therefore lives in a directory named by a
digest of every kernel's source: any change to any kernel starts a fresh cache.

Kernels compile at LLVM's -O2 unless ``NUMBA_OPT`` says otherwise (a process-wide Numba
setting): -O3 re-optimizes every kernel's callees at each level of the call tree for 2 s more of
a cold start, and its replications ran no faster (``benchmarks/engines.py``). The optimization
level is part of the cache directory's name."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
import types as pytypes
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar, cast, overload

import numba
from numba import types
from numba.core.registry import CPUDispatcher

_config: Any = numba.config  # its settings are set at run time, so stubs do not list them
_SOURCES = sorted(Path(__file__).parent.glob("*.py"))
SOURCE_DIGEST = hashlib.sha256(b"".join(p.read_bytes() for p in _SOURCES)).hexdigest()[:16]


def _cache_root() -> Path:
    if _config.CACHE_DIR:
        return Path(_config.CACHE_DIR)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "stewardsim" / "numba"


if "NUMBA_OPT" not in os.environ:
    _config.OPT = type(_config.OPT)(2)
OPT_LEVEL = "max" if _config.OPT.is_opt_max else str(int(_config.OPT))
CACHE_DIR = _cache_root() / f"{SOURCE_DIGEST}-O{OPT_LEVEL}"
_config.CACHE_DIR = str(CACHE_DIR)


_Kernel = TypeVar("_Kernel")


class Kernel(CPUDispatcher):  # type: ignore[misc]
    """A cached ``@njit`` function that compiles twice over: called from Python, with the
    wrappers that convert Python objects; called from compiled code, as its twin
    (:attr:`compiled`), without them. Numba types a global by its ``_numba_type_``, so a
    compiled caller links the twin."""

    compiled: Any

    @property
    def _numba_type_(self) -> Any:
        return types.Dispatcher(self.compiled)


def _twin(fn: Any, options: dict[str, Any]) -> Any:
    """``fn`` compiled without the Python and C wrappers, cached under its own name."""
    twin_fn = pytypes.FunctionType(
        fn.__code__, fn.__globals__, fn.__name__, fn.__defaults__, fn.__closure__
    )
    twin_fn.__qualname__ = f"{fn.__qualname__}.compiled"
    twin_options = {**options, "no_cpython_wrapper": True, "no_cfunc_wrapper": True}
    dispatcher: Any = CPUDispatcher(py_func=twin_fn, locals={}, targetoptions=twin_options)
    dispatcher.enable_caching()
    return dispatcher


def _kernel(fn: Any, options: dict[str, Any]) -> Any:
    targetoptions = {"nopython": True, **options}
    public = Kernel(py_func=fn, locals={}, targetoptions=targetoptions)
    public.enable_caching()
    public.compiled = _twin(fn, targetoptions)
    return public


@overload
def kernel(fn: _Kernel) -> _Kernel: ...


@overload
def kernel(
    fn: None = None, *, called_from_python: bool = False, **options: Any
) -> Callable[[_Kernel], _Kernel]: ...


def kernel(fn: Any = None, *, called_from_python: bool = False, **options: Any) -> Any:
    """``@njit(cache=True, **options)`` as a :class:`Kernel`: ``@kernel`` or
    ``@kernel(nogil=True)``. Each of a replication's hundred-odd functions costs a first run
    about 40 ms for the wrappers a compiled caller never uses; the twin leaves them out.

    ``called_from_python=True``: a plain cached dispatcher, for the kernels that the
    step-by-step engine calls from Python and the compiled replications call from compiled
    code; one compile with the wrappers serves both, where a twin would compile them twice."""
    if called_from_python:
        plain = numba.njit(cache=True, **options)
        return plain if fn is None else plain(fn)
    if fn is not None:
        return _kernel(fn, options)
    return lambda f: _kernel(f, options)


def njit_no_refcounts(fn: _Kernel) -> _Kernel:
    """:func:`kernel` without the runtime's reference counts, for kernels that allocate
    nothing and run once per item or event: the atomic counts on their array arguments would
    cost more than their bodies."""
    return cast(_Kernel, _kernel(fn, {"_nrt": False}))


_known_warm = False


def cache_is_warm() -> bool:
    """Have these kernels been compiled and cached before? Once they have, the answer is kept,
    so callers on a hot path (every progress chunk of a run) do not walk the cache again."""
    global _known_warm
    if not _known_warm:
        _known_warm = CACHE_DIR.is_dir() and any(CACHE_DIR.rglob("*.nbi"))
    return _known_warm


_DIGEST_FOLDER = re.compile(r"[0-9a-f]{16}(-O(\d|max))?")


def prune_stale_caches(
    max_idle_days: float = 30.0, current: Path = CACHE_DIR, now: float | None = None
) -> list[Path]:
    """Mark ``current`` as used and remove its siblings (the caches of other kernel sources,
    e.g. older releases) unused for ``max_idle_days``; returns the removed folders. Only
    folders named like a digest are touched, and a folder that cannot be removed is left."""
    now = time.time() if now is None else now
    if current.is_dir():
        os.utime(current, (now, now))
    removed: list[Path] = []
    try:
        siblings = list(current.parent.iterdir())
    except OSError:
        return removed
    for folder in siblings:
        if folder == current or not _DIGEST_FOLDER.fullmatch(folder.name):
            continue
        try:
            idle_days = (now - folder.stat().st_mtime) / 86400.0
        except OSError:
            continue
        if folder.is_dir() and idle_days > max_idle_days:
            shutil.rmtree(folder, ignore_errors=True)
            if not folder.exists():
                removed.append(folder)
    return removed
