"""Replications spread over threads: a kernel that releases the GIL runs on consecutive slices
of the rows, which threads take one after another as they finish (guided scheduling: slices
shrink as the rows run out, so the threads finish together even on a busy machine)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor


def slices(n_rows: int, threads: int, smallest: int = 4) -> list[tuple[int, int]]:
    """Consecutive ``(start, stop)`` slices covering ``0..n_rows``: each takes ``1 / (2 threads)``
    of the rows still left, and at least ``smallest``."""
    out = []
    start = 0
    while start < n_rows:
        take = max(smallest, (n_rows - start) // (2 * threads))
        stop = min(n_rows, start + take)
        out.append((start, stop))
        start = stop
    return out


def run_sliced(run_slice: Callable[[int, int], None], n_rows: int, threads: int) -> None:
    """Call ``run_slice(start, stop)`` over :func:`slices` of ``n_rows`` on ``threads`` threads.

    ``run_slice`` must write only its own rows, so the split cannot change the results. The
    first error raised by a slice is raised here, after every thread has stopped."""
    parts = slices(n_rows, threads)
    if threads <= 1 or len(parts) <= 1:
        for start, stop in parts:
            run_slice(start, stop)
        return
    lock = threading.Lock()
    queue = iter(parts)

    def worker() -> None:
        while True:
            with lock:
                part = next(queue, None)
            if part is None:
                return
            run_slice(*part)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(worker) for _ in range(min(threads, len(parts)))]
    for future in futures:
        future.result()
