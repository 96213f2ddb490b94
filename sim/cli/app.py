"""``python -m sim``: run a scenario's replications and write a complete run folder.

Bad config stops the run before anything is written, with one line naming the key, the value
and what is allowed (exit code 2)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import DictConfig, OmegaConf

from sim import interrupt
from sim.cli.compose import CONF_DIR, to_root_config
from sim.cli.precheck import (
    CompositionError,
    compose_checked,
    fixed_overrides,
    unknown_option,
    unparsable,
)
from sim.cli.run_folder import WriteError, run_summary, save_run
from sim.cli.store import register
from sim.cli.summary import (
    counted,
    format_estimates,
    format_leaderboard,
    format_rl,
    format_summary,
)
from sim.config.schema import RootConfig
from sim.config.validate import ConfigError
from sim.downstream.rl import run_on_replications
from sim.engines.numba_engine import NumbaEngine
from sim.engines.warmup import learning_replication_is_cached
from sim.interrupt import as_interrupt
from sim.io.run_dir import writable_reason
from sim.kernels import cache_is_warm, prune_stale_caches
from sim.processes import process_count
from sim.runner import RunResult, run_scenario
from sim.scenario import Scenario, build_scenario
from sim.sweep.trial import run_trial


def validate_config(cfg: DictConfig) -> None:
    """Raise :class:`ConfigError` if the composed config (without ``hydra``) cannot run,
    including the checks that need the scenario's arrays."""
    build_scenario(to_root_config(cfg))


def announce_compiling(sc: Scenario) -> None:
    """Say so on standard error when this run will compile kernels first, and for how long."""
    engine = sc.engine
    learning = isinstance(engine, NumbaEngine) and engine.has_compiled_replication(sc.policy_class)
    if learning and not learning_replication_is_cached():
        seconds = 25 if not cache_is_warm() else 20
    elif not cache_is_warm():
        seconds = 15
    else:
        return
    print(
        f"compiling the simulation kernels (first run only, about {seconds} s) ...",
        file=sys.stderr,
        flush=True,
    )


def run(
    root: RootConfig, config_yaml: str
) -> tuple[Scenario, RunResult, dict[str, Any], Path | None]:
    """Validate, simulate and (if ``output.write``) write the run folder; returns the folder."""
    sc = build_scenario(root)
    if root.output.write:
        reason = writable_reason(Path(root.output.dir) / "runs")
        if reason is not None:
            raise ConfigError("output.dir", root.output.dir, f"a writable folder ({reason})")
    rl_cfg = root.downstream.rl
    prune_stale_caches()
    if root.progress:
        announce_compiling(sc)
    result = run_scenario(
        sc,
        root.replications,
        root.seed,
        item_replications=root.output.item_replications if root.output.write else 0,
        event_replications=root.output.event_replications if root.output.write else 0,
        label_replications=rl_cfg.label_replications if rl_cfg.enabled else 0,
        progress=root.progress,
        processes=process_count(root.engine.processes),
    )
    rl_result = None
    if rl_cfg.enabled:
        rl_result = run_on_replications(result.labels, sc, rl_cfg, root.seed)
    summary = run_summary(sc, root, result, rl_result)
    folder: Path | None = None
    if root.output.write:
        folder = save_run(root, sc, result, summary, config_yaml, rl_result)
    return sc, result, summary, folder


def sweep_trial(cfg: DictConfig) -> dict[str, Any]:
    """A trial of ``hydra/sweeper=stewardsim``: errors propagate so the sweeper records them."""
    hc = HydraConfig.get()
    with as_interrupt():
        return run_trial(cfg, to_root_config(cfg), list(hc.overrides.task), Path(str(hc.sweep.dir)))


def task(cfg: DictConfig) -> dict[str, Any] | None:
    """The app on a composed config: a sweep's trial, or a run that prints its summary."""
    if cfg.sweep.trial >= 0:
        return sweep_trial(cfg)
    try:
        root = to_root_config(cfg)
        with as_interrupt():
            sc, _, summary, folder = run(root, OmegaConf.to_yaml(cfg, resolve=True))
    except ConfigError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except WriteError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(1)
    except MemoryError:
        print(
            f"error: out of memory with replications={cfg.replications} (and "
            f"output.item_replications={cfg.output.item_replications}); run fewer, nothing "
            "was written",
            file=sys.stderr,
        )
        sys.exit(1)
    title = (
        f"{sc.name} · policy={sc.policy_class.name} · engine={sc.engine.name} · "
        f"{counted(root.replications, 'replication')} · seed {root.seed}"
    )
    print(format_summary(summary["metrics"], title))
    if summary["estimator_coverage"]:
        print(format_estimates(summary["estimator_coverage"]))
    if summary["leaderboard"]:
        print(format_leaderboard(summary["leaderboard"]))
    if summary["rl"] is not None:
        print(format_rl(summary["rl"]))
    if folder is not None:
        print(f"results: {folder}")
    return None


main = hydra.main(config_path=CONF_DIR, config_name="config")(task)


def is_sweep(overrides: list[str]) -> bool:
    """Whether the command line asks for a sweep (``+sweep=...`` or a sweep override)."""
    if any(ov.lstrip("+").startswith("sweep=") for ov in overrides):
        return True
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except Exception:
        return False
    return any(p.is_sweep_override() for p in parsed)


def entry() -> None:
    register()
    overrides = sys.argv[1:]
    unfinished = (
        "finished trials are kept; the same command resumes the sweep"
        if is_sweep(overrides)
        else "nothing of the unfinished run was written"
    )
    interrupt.exit_command(interrupt.run_command(lambda: start(overrides), unfinished))


def start(overrides: list[str]) -> int:
    """The command line after the interrupt handler: check the composition, then run Hydra."""
    if any(ov.lstrip("+").startswith("sweep=") for ov in overrides) and not (
        {"-m", "--multirun"} & set(overrides)
    ):
        sys.argv.insert(1, "--multirun")  # a sweep config is a multirun by definition
    # Also in a sweep or a multirun, which Hydra would end with several lines.
    problem = unparsable(overrides) or unknown_option(Path(CONF_DIR), overrides)
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    flags = {a for a in overrides if a.startswith("-")}
    sweep = is_sweep(overrides)
    if (sweep or flags) and flags <= {"-m", "--multirun"}:
        # A sweep's fixed values, Hydra's settings among them, as Hydra will compose them.
        try:
            compose_checked(Path(CONF_DIR), fixed_overrides(overrides), with_hydra=True)
        except CompositionError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
    # Sweeps and Hydra's own flags (--help, --cfg, -m) compose differently: leave them to Hydra.
    if not flags and not sweep:
        try:
            cfg = compose_checked(Path(CONF_DIR), overrides)
        except CompositionError as err:
            print(f"error: {err}", file=sys.stderr)
            return 2
        if runs_without_hydra(overrides, cfg):
            task(cfg)
            return 0
    main()
    return 0


def runs_without_hydra(overrides: list[str], cfg: DictConfig) -> bool:
    """Whether a checked composition can go to :func:`task` as it is, without Hydra composing
    it again: a plain run whose command line sets nothing of Hydra's own (with this app's
    ``hydra`` settings, Hydra's run mode only hands the task its config)."""
    touches_hydra = any(ov.lstrip("+~").startswith("hydra") for ov in overrides)
    return not touches_hydra and cfg.sweep.trial < 0
