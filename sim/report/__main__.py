"""``python -m sim.report DIR [--storage URL] [--study NAME] [--replay-replications N]``:
figures (PNG) and one HTML page for a run folder (``outputs/runs/<run>``), a sweep folder
(``outputs/sweeps/<name>``), or the folder of a comparison or a study (their tables and figures),
written to ``DIR/report/`` (replaced whole, never half written)."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from sim import interrupt
from sim.report.html import page
from sim.report.run import is_run_dir, run_sections
from sim.report.sweep import ReportError, is_sweep_dir, sweep_sections
from sim.report.tables import KINDS, results_kind, results_sections
from sim.sweep.storage import StorageError

REPORT_DIR = "report"


def build(
    folder: Path,
    storage: str | None = None,
    study: str | None = None,
    replay_replications: int = 20,
) -> Path:
    """Write ``folder/report/index.html`` and its figures; returns the page's path."""
    if not folder.is_dir():
        raise ReportError(f"{folder}: no such folder; expected a run or a sweep folder")
    final = folder / REPORT_DIR
    tmp = folder / f".{REPORT_DIR}.partial-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        if storage is not None or is_sweep_dir(folder):
            subtitle, sections = sweep_sections(folder, tmp, storage, study, replay_replications)
            title = f"Sweep report: {folder.name}"
        elif is_run_dir(folder):
            subtitle, sections = run_sections(folder, tmp)
            title = f"Run report: {folder.name}"
        elif (kind := results_kind(folder)) is not None:
            subtitle, sections = results_sections(folder, tmp, command=kind[1])
            title = f"{kind[0]} report: {folder.name}"
        else:
            raise ReportError(
                f"{folder}: neither a run folder (summary.json, replications.parquet), a "
                "sweep folder (study.db, trials/) nor a comparison's or study's folder "
                f"({', '.join(KINDS)})"
            )
        (tmp / "index.html").write_text(page(title, subtitle, sections))
        old = folder / f".{REPORT_DIR}.old-{os.getpid()}"
        if final.exists():
            os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sim.report", description=__doc__)
    parser.add_argument("folder", type=Path, help="a run, sweep, comparison or study folder")
    parser.add_argument("--storage", help="SQLAlchemy URL of the study (default: DIR/study.db)")
    parser.add_argument("--study", help="study name (default: the sweep's name)")
    parser.add_argument(
        "--replay-replications",
        type=int,
        default=20,
        help="replications of the shown trials re-run for their review events (default 20)",
    )
    args = parser.parse_args(argv)
    if args.replay_replications < 1:
        print(
            f"error: --replay-replications={args.replay_replications}: expected >= 1",
            file=sys.stderr,
        )
        return 2
    try:
        path = build(args.folder, args.storage, args.study, args.replay_replications)
    except (ReportError, StorageError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"report: {path}")
    return 0


if __name__ == "__main__":
    interrupt.exit_command(
        interrupt.run_command(main, "nothing of the unfinished report was written")
    )
