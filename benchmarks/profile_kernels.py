"""Where a compiled replication spends its time, per kernel, sampled by Linux ``perf``.

    python benchmarks/profile_kernels.py                          # medcalc x 1000, needs perf
    python benchmarks/profile_kernels.py --scenario 1e6               # 1 replication, 20 passes

A child process compiles the whole-replication kernel in a fresh cache (so LLVM's symbols are at
hand) and writes ``/tmp/perf-<pid>.map`` so perf can name the compiled functions; only then is
``perf record`` attached to it, and the child runs ``--reps`` replications of ``--scenario``
(a scenario of ``benchmarks/engines.py``) on one thread, ``--passes`` times. Shares count the
samples in compiled code and the C runtime it calls (libm, the allocator, Numba's reference
counts), not the interpreter. Writes ``benchmarks/results/profile_kernels_<scenario>.md``."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
RUNTIME = ("libm", "_nrt_python", "_helperlib")
ALLOCATOR = re.compile(r"malloc|free|memset|memmove|memcpy|memcmp")


def run_under_perf(scenario: str, reps: int, passes: int) -> None:
    """The profiled process: compile, publish the symbol map, then run the replications."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.engines import build
    from sim.kernels.replications import run_replications
    from sim.metrics import METRICS
    from sim.runner import replication_seeds

    sc = build(scenario, "numba", threads=1)
    seeds = replication_seeds(0, reps)
    sc.engine.run_replications(sc, seeds[:1], len(METRICS))  # compiles
    kernel: Any = run_replications
    addresses: dict[int, str] = {}
    for cres in kernel.overloads.values():
        library = cres.library
        for fn in library._final_module.functions:
            if not fn.is_declaration:
                address = library._codegen._engine.get_function_address(fn.name)
                if address:
                    addresses[address] = fn.name
    starts = sorted(addresses)
    with open(f"/tmp/perf-{os.getpid()}.map", "w") as f:
        for start, end in zip(starts, [*starts[1:], starts[-1] + 4096], strict=True):
            f.write(f"{start:x} {end - start:x} {addresses[start]}\n")
    print("ready", flush=True)
    sys.stdin.readline()  # perf is attached
    for _ in range(passes):
        sc.engine.run_replications(sc, seeds, len(METRICS))


def kernel_name(symbol: str) -> str:
    """``module.function`` of a Numba-mangled symbol, else the symbol."""
    match = re.match(r"_ZN(.*?)B\d", symbol)
    if not match:
        return symbol.split("@")[0]
    parts: list[str] = []
    rest = match.group(1)
    while (m := re.match(r"(\d+)(.*)", rest)) is not None:
        k = int(m.group(1))
        parts.append(m.group(2)[:k])
        rest = m.group(2)[k:]
    return ".".join(parts[-2:]).replace("_3c", "<").replace("_3e", ">")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", default="medcalc")
    ap.add_argument("--reps", type=int, help="default: 1000, or 1 from 10^5 items up")
    ap.add_argument("--passes", type=int, help="default: 30, or 20 from 10^5 items up")
    ap.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from benchmarks.engines import SCENARIOS

    if args.scenario not in SCENARIOS:
        raise SystemExit(f"profile_kernels: --scenario {args.scenario!r}: one of {list(SCENARIOS)}")
    large = SCENARIOS[args.scenario][1] >= 100_000
    args.reps = args.reps or (1 if large else 1000)
    args.passes = args.passes or (20 if large else 30)
    if args.inner:
        run_under_perf(args.scenario, args.reps, args.passes)
        return
    if shutil.which("perf") is None:
        raise SystemExit("profile_kernels: needs Linux perf on PATH (apt install linux-perf)")
    with tempfile.TemporaryDirectory(prefix="profile-") as tmp:
        data = Path(tmp) / "perf.data"
        env = {**os.environ, "NUMBA_CACHE_DIR": str(Path(tmp) / "numba")}
        inner = [sys.executable, __file__, "--inner", "--scenario", args.scenario]
        inner += ["--reps", str(args.reps)]
        inner += ["--passes", str(args.passes)]
        child = subprocess.Popen(
            inner, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert child.stdin is not None
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise SystemExit("profile_kernels: the profiled process did not start")
        perf = subprocess.Popen(
            ["perf", "record", "-q", "-F", "4000", "-o", str(data), "-p", str(child.pid)]
        )
        time.sleep(1.0)  # perf attaches
        child.stdin.write("go\n")
        child.stdin.flush()
        if child.wait() != 0:
            raise SystemExit("profile_kernels: the profiled process failed")
        perf.wait()
        report = subprocess.run(
            ["perf", "report", "-i", str(data), "--no-children", "--sort", "dso,sym", "--stdio"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        Path(f"/tmp/perf-{child.pid}.map").unlink(missing_ok=True)  # read by the report only
    shares: dict[str, float] = {}
    for line in report.splitlines():
        m = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        percent, dso, symbol = float(m.group(1)), m.group(2).strip(), m.group(3).strip()
        compiled = dso.startswith("[JIT]") or any(r in dso for r in RUNTIME)
        if compiled or (dso.startswith("libc") and ALLOCATOR.search(symbol)):
            name = kernel_name(symbol)
            shares[name] = shares.get(name, 0.0) + percent
    total = sum(shares.values())
    lines = [
        f"# Where a compiled {args.scenario} replication spends its time",
        "",
        f"`python benchmarks/profile_kernels.py --scenario {args.scenario} --reps {args.reps} "
        f"--passes {args.passes}`: perf samples at 4 kHz, one thread, policy phased (the "
        "scenarios of `benchmarks/engines.py`). Share of the samples in compiled "
        "code and the C runtime it calls; functions LLVM inlined count in their caller.",
        "",
        "| function | share |",
        "| --- | --- |",
    ]
    lines += [
        f"| {name} | {share / total:.1%} |"
        for name, share in sorted(shares.items(), key=lambda kv: -kv[1])
        if share / total >= 0.005
    ]
    table = "\n".join(lines) + "\n"
    print(table)
    out = RESULTS / f"profile_kernels_{args.scenario}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(table)


if __name__ == "__main__":
    main()
