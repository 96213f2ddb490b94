"""``python -m sim.trace validate|calibrate|replay|queue PATH [--mapping FILE]``: real traces.

``validate`` prints every problem with its row and column (capped, with a count of the rest)
and exits 1, or prints what the trace holds and exits 0; it writes nothing. ``calibrate`` fits
a scenario's per-stratum error rates to the trace and prints (or atomically writes) its YAML.
``replay`` runs a policy on the trace's items, prints the same summary as a simulation and
writes the same run folder (``<output.dir>/runs/<date>_<time>_replay-<scenario>_<policy>``).
``queue`` writes the items a policy would have experts review next, in order, after telling it
the trace's expert labels (a CSV under ``<output.dir>/queues/``)."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import yaml

from sim import interrupt
from sim.cli.summary import counted
from sim.io.run_dir import writable_reason
from sim.model.agreement import AgreementRule
from sim.trace.format import load_mapping
from sim.trace.load import Trace, load_trace

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from sim.config.schema import RootConfig

MAX_SHOWN = 50


def validate(path: Path, mapping_file: Path | None, *, max_shown: int = MAX_SHOWN) -> int:
    try:
        mapping, explicit = load_mapping(mapping_file)
    except (OSError, ValueError, yaml.YAMLError) as err:
        print(f"error: --mapping: {err}", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"error: {path}: no such file", file=sys.stderr)
        return 2
    trace, problems = load_trace(path, mapping, explicit=explicit)
    if problems:
        print(f"{path}: {counted(len(problems), 'problem')}")
        for p in problems[:max_shown]:
            print(f"  {p}")
        if len(problems) > max_shown:
            print(f"  ... and {len(problems) - max_shown} more")
        return 1
    assert trace is not None
    print(
        f"{path}: OK — {trace.n_items:,} items, {len(trace.strata)} strata, "
        f"{len(trace.groups)} groups; columns: {', '.join(trace.columns)}"
    )
    return 0


def load_valid(path: Path, mapping_file: Path | None) -> Trace | int:
    """The validated trace, or the exit code after printing why there is none (2: a bad
    mapping; 1: a trace with problems)."""
    try:
        mapping, explicit = load_mapping(mapping_file)
    except (OSError, ValueError, yaml.YAMLError) as err:
        print(f"error: --mapping: {err}", file=sys.stderr)
        return 2
    trace, problems = load_trace(path, mapping, explicit=explicit)
    if trace is None:
        print(
            f"error: {path} does not validate ({counted(len(problems), 'problem')}; run "
            f"`python -m sim.trace validate`): {problems[0]}",
            file=sys.stderr,
        )
        return 1
    return trace


def calibrate(
    path: Path,
    mapping_file: Path | None,
    name: str,
    out: Path | None,
    absent_truth_is_underspecified: bool,
    verifier_out: Path | None = None,
) -> int:
    from sim.io.run_dir import write_text_atomic
    from sim.model.agreement import AgreementRule
    from sim.trace.calibrate import (
        calibrate_strata,
        error_magnitudes,
        scenario_yaml,
        verifier_diagnostics,
    )

    trace = load_valid(path, mapping_file)
    if isinstance(trace, int):
        return trace
    for flag, target in (("--out", out), ("--verifier-out", verifier_out)):
        problem = unwritable_file(target)
        if problem is not None:
            print(f"error: {flag}={str(target)!r}: expected {problem}", file=sys.stderr)
            return 2
    rule = AgreementRule()
    try:
        fit, strata = calibrate_strata(
            trace, rule, absent_truth_is_underspecified=absent_truth_is_underspecified
        )
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    note = (
        "Items without a truth label count as underspecified errors."
        if absent_truth_is_underspecified
        else "Items without a truth label are excluded."
    )
    magnitudes = error_magnitudes(trace, rule)
    text = scenario_yaml(name, trace, fit, strata, path.as_posix(), note, magnitudes)
    diagnostics = [
        f"prior: P(error-free stratum) {fit.zero_probability:.3f}, Beta({fit.beta_a:.3f}, "
        f"{fit.beta_b:.3f}); log-likelihood {fit.log_likelihood:.2f}; converged "
        f"{fit.converged} in {fit.iterations} iterations",
        *verifier_diagnostics(trace, rule),
    ]
    for line in diagnostics:
        print(line, file=sys.stderr)
    verifier_text = None
    if verifier_out is not None:
        verifier_text = fitted_verifier(trace, rule, text, path)
        if verifier_text is None:
            return 1
    if out is None:
        sys.stdout.write(text)
    else:
        write_text_atomic(out, text)
        print(f"wrote {out}", file=sys.stderr)
    if verifier_out is not None and verifier_text is not None:
        write_text_atomic(verifier_out, verifier_text)
        print(f"wrote {verifier_out}", file=sys.stderr)
    return 0


def unwritable_file(target: Path | None) -> str | None:
    """What is wrong with writing a file at ``target`` (None: nothing, or no target)."""
    if target is None:
        return None
    if target.is_dir():
        return "a file, not a folder"
    reason = writable_reason(target.parent)
    return None if reason is None else f"a file in a writable folder ({reason})"


def fitted_verifier(
    trace: Trace, rule: AgreementRule, scenario_text: str, path: Path
) -> str | None:
    """The fitted recomputation as a verifier YAML, or None (with the reason printed)."""
    import dataclasses

    from sim.config.schema import (
        AuditConfig,
        ErrorProfileConfig,
        RecomputeConfig,
        ScenarioConfig,
        StratumConfig,
    )
    from sim.trace.verifier_fit import fit_recompute, verifier_yaml

    raw = yaml.safe_load(scenario_text)
    scenario = ScenarioConfig(
        name=raw["name"],
        strata=[StratumConfig(**s) for s in raw["strata"]],
        error_profile=ErrorProfileConfig(**raw["error_profile"]),
    )
    try:
        fit = fit_recompute(trace, scenario, RecomputeConfig(), rule)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return None
    audit = AuditConfig()
    audit_lines = ["# The audit is not in the trace: its settings are the defaults.", "audit:"]
    audit_lines += [f"  {f.name}: {getattr(audit, f.name)}" for f in dataclasses.fields(audit)]
    r = fit.recompute
    print(
        f"recomputation fit: run_accuracy {r.run_accuracy}, error_correlation "
        f"{r.error_correlation}, systematic_error_probability "
        f"{r.systematic_error_probability} (objective {fit.objective:.2f}); 90% ranges "
        + ", ".join(f"{k} {lo:g}-{hi:g}" for k, (lo, hi) in fit.ranges.items()),
        file=sys.stderr,
    )
    return verifier_yaml(fit, audit_lines, path.as_posix())


def composed(
    command: str, overrides: list[str], flags: dict[str, int]
) -> tuple[DictConfig, RootConfig] | None:
    """The config and its :class:`RootConfig` for a ``command`` on a trace whose ``flags``
    (``--replications``, ``--seed``) replace the config's keys of those names; a bad override
    or flag prints one line and gives None."""
    from sim.cli.compose import CONF_DIR, to_root_config
    from sim.cli.precheck import CompositionError, compose_checked
    from sim.cli.store import register
    from sim.config.validate import ConfigError

    register()
    for text in overrides:
        key = text.lstrip("+~").partition("=")[0]
        if key in flags:
            print(f"error: {text}: a {command} takes --{key} instead", file=sys.stderr)
            return None
    for flag, value in flags.items():
        low = 1 if flag == "replications" else 0
        if value < low:
            print(f"error: --{flag}={value}: expected an integer >= {low}", file=sys.stderr)
            return None
    try:
        cfg = compose_checked(Path(CONF_DIR), overrides)
        for flag, value in flags.items():
            cfg[flag] = value
        return cfg, to_root_config(cfg)
    except (CompositionError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return None


def replay_command(
    path: Path, mapping_file: Path | None, replications: int, seed: int, overrides: list[str]
) -> int:
    from omegaconf import OmegaConf

    from sim.cli.run_folder import WriteError, run_summary, save_run
    from sim.cli.summary import format_summary
    from sim.config.validate import ConfigError
    from sim.trace.replay import replay_run

    made = composed("replay", overrides, {"replications": replications, "seed": seed})
    if made is None:
        return 2
    cfg, root = made
    out = root.output
    if out.write and (reason := writable_reason(Path(out.dir) / "runs")) is not None:
        print(
            f"error: output.dir={out.dir!r}: expected a writable folder ({reason})", file=sys.stderr
        )
        return 2
    trace = load_valid(path, mapping_file)
    if isinstance(trace, int):
        return trace
    detail = (out.item_replications, out.event_replications) if out.write else (0, 0)
    try:
        sc, result, _ = replay_run(trace, root, replications, seed, *detail)
    except (ConfigError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    title = (
        f"replay of {path.name} · policy={root.policy.name} · engine={root.engine.name} · "
        f"{counted(replications, 'replication')} · seed {seed}"
    )
    summary = run_summary(sc, root, result)
    print(format_summary(summary["metrics"], title))
    if out.write:
        summary["trace"] = {"path": str(path), "mapping": str(mapping_file or "")}
        try:
            folder = save_run(root, sc, result, summary, OmegaConf.to_yaml(cfg, resolve=True))
        except WriteError as err:
            print(f"error: {err}", file=sys.stderr)
            return 1
        print(f"results: {folder}")
    return 0


QUEUE_SHOWN = 10


def queue_command(
    path: Path, mapping_file: Path | None, seed: int, out: Path | None, overrides: list[str]
) -> int:
    from sim.cli.outputs import writable_or_said
    from sim.config.validate import ConfigError
    from sim.io.run_dir import new_run_name, write_text_atomic
    from sim.trace.queue import review_queue

    made = composed("queue", overrides, {"seed": seed})
    if made is None:
        return 2
    _, root = made
    if out is None:
        out = Path(root.output.dir) / "queues" / f"{new_run_name(path.stem, root.policy.name)}.csv"
    if not writable_or_said(out.parent, "--out"):
        return 2
    trace = load_valid(path, mapping_file)
    if isinstance(trace, int):
        return trace
    try:
        q = review_queue(trace, root, seed)
    except (ConfigError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    hours = q.cumulative_hours
    text = io.StringIO()
    table = csv.writer(text, lineterminator="\n")
    table.writerow(
        [
            "rank",
            "item_id",
            "stratum",
            "group",
            "key",
            "expected_minutes",
            "cumulative_expert_hours",
        ]
    )
    for rank, (item, key, minutes, cum) in enumerate(
        zip(q.item, q.key, q.expected_minutes, hours, strict=True), start=1
    ):
        table.writerow(
            [
                rank,
                trace.item_id[item],
                trace.strata[trace.stratum[item]],
                trace.groups[trace.group[item]],
                f"{key:.6g}",
                f"{minutes:.2f}",
                f"{cum:.3f}",
            ]
        )
    write_text_atomic(out, text.getvalue())
    lines = text.getvalue().splitlines()
    budget = root.budget.expert_hours
    for_queue = budget - q.reserved_hours
    within = int(np.searchsorted(hours, for_queue, side="right"))
    kept = f" ({q.reserved_hours:g} of them kept for the audit)" if q.reserved_hours else ""
    print(
        f"review queue of {path.name} · policy={root.policy.name}: {len(q.item)} items queued, "
        f"after {counted(q.verdicts_seen, 'expert label')} in the trace "
        f"({q.not_queued} unlabelled items not queued)"
    )
    print(
        f"budget.expert_hours={budget:g}{kept} covers the first {within} "
        f"({hours[-1] if len(hours) else 0.0:.1f} expert-hours for the whole queue, expected)"
    )
    for line in lines[: QUEUE_SHOWN + 1]:
        print("  " + line)
    if len(lines) > QUEUE_SHOWN + 1:
        print(f"  ... {len(lines) - QUEUE_SHOWN - 1} more")
    print(f"queue: {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m sim.trace", description="Work with real stewardship traces."
    )
    sub = ap.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="check a trace; exit 1 when it has problems")
    v.add_argument("path", type=Path, help="CSV or Parquet trace")
    v.add_argument(
        "--mapping",
        type=Path,
        default=None,
        help="YAML of canonical: column names (e.g. conf/trace/medcalc_v1.yaml)",
    )
    c = sub.add_parser("calibrate", help="fit a scenario's error rates to a trace")
    c.add_argument("path", type=Path, help="CSV or Parquet trace")
    c.add_argument("--mapping", type=Path, default=None, help="YAML of canonical: column names")
    c.add_argument("--name", default="calibrated", help="the scenario's name")
    c.add_argument(
        "--out",
        type=Path,
        default=None,
        help="write the scenario YAML here (default: standard output)",
    )
    c.add_argument(
        "--absent-truth-is-underspecified",
        action="store_true",
        help="count items without a truth label as underspecified errors",
    )
    r = sub.add_parser("replay", help="run a policy against the trace's own items")
    r.add_argument("path", type=Path, help="CSV or Parquet trace")
    r.add_argument("--mapping", type=Path, default=None, help="YAML of canonical: column names")
    r.add_argument(
        "--replications",
        type=int,
        default=50,
        help="replays (expert draws and calendars vary between them)",
    )
    r.add_argument("--seed", type=int, default=0)
    r.epilog = "Config overrides follow as key=value, e.g. policy=disagreement budget.usd=5000."
    q = sub.add_parser(
        "queue", help="the items a policy would have experts review next, in order (CSV)"
    )
    q.add_argument("path", type=Path, help="CSV or Parquet trace (label_truth not needed)")
    q.add_argument("--mapping", type=Path, default=None, help="YAML of canonical: column names")
    q.add_argument("--seed", type=int, default=0, help="for a policy that draws (random)")
    q.add_argument(
        "--out",
        type=Path,
        default=None,
        help="the CSV (default: <output.dir>/queues/<date>_<time>_<trace>_<policy>.csv)",
    )
    q.epilog = "Config overrides follow as key=value, e.g. policy=learning experts=panel."
    c.add_argument(
        "--verifier-out",
        type=Path,
        default=None,
        help="also fit the recomputation to the trace and write a verifier YAML here",
    )
    args, extra = ap.parse_known_args(argv)
    if args.command in ("replay", "queue"):
        bad = [a for a in extra if "=" not in a or a.startswith("-")]
        if bad:
            ap.error(f"unrecognized arguments: {' '.join(bad)} (overrides look like key=value)")
        if args.command == "queue":
            return queue_command(args.path, args.mapping, args.seed, args.out, extra)
        return replay_command(args.path, args.mapping, args.replications, args.seed, extra)
    if extra:
        ap.error(f"unrecognized arguments: {' '.join(extra)}")
    if args.command == "calibrate":
        return calibrate(
            args.path,
            args.mapping,
            args.name,
            args.out,
            args.absent_truth_is_underspecified,
            args.verifier_out,
        )
    return validate(args.path, args.mapping)


if __name__ == "__main__":
    interrupt.exit_command(interrupt.run_command(main, "a file is written whole or not at all"))
