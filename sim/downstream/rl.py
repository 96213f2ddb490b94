"""The reward-noise RL experiment: train per-stratum procedure policies with rewards against the
original, the maintained or the true labels of one replication, and evaluate them against the
truth on held-out items and on strata never trained on.

Procedures (actions) and the answer each gives on an item:

- ``correct``: the true answer (N/A where the note cannot support one);
- ``extraction_error`` / ``logic_error``: the original's answer on items whose original has that
  error mode, a wrong number elsewhere;
- ``answer_anyway``: the original's answer where the truth is N/A, the true answer elsewhere;
- ``abstain``: N/A.

Seed ``k`` of label replication ``r`` draws from ``SeedSequence(seed, spawn_key=(r, 1000 + k))``:
its split of strata and items and its prompt sequence are the same in every arm (paired)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from sim.config.schema import RLConfig
from sim.engines.warmup import await_downstream_helper
from sim.kernels import grpo
from sim.kernels.random import permutation, stream_states, uniforms
from sim.model.agreement import AgreementRule, agrees
from sim.model.benchmark import Benchmark
from sim.model.errors import ErrorMode
from sim.stats import t_quantile_975

if TYPE_CHECKING:  # the runner imports this module's package
    from sim.replication import ReplicationResult
    from sim.scenario import Scenario

ACTION_NAMES = ("correct", "extraction_error", "logic_error", "answer_anyway", "abstain")
ARMS = ("original", "maintained", "truth")
SEED_SPAWN_OFFSET = 1000
TRAIN, HELDOUT_ITEM, HELDOUT_STRATUM = 0, 1, 2
DROPPED = 3

FloatArray = NDArray[np.float64]


def answers(bench: Benchmark) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Each procedure's answer on each item ``(n, 5)``, and where it is a wrong number that
    matches no label (``True``; its value is then meaningless)."""
    n = bench.n_items
    value = np.empty((n, grpo.N_ACTIONS))
    other_wrong = np.zeros((n, grpo.N_ACTIONS), dtype=bool)
    value[:, grpo.CORRECT] = bench.truth
    for action, mode in ((grpo.EXTRACTION, ErrorMode.EXTRACTION), (grpo.LOGIC, ErrorMode.LOGIC)):
        carries = bench.error_mode == mode
        value[:, action] = np.where(carries, bench.original, np.nan)
        other_wrong[:, action] = ~carries
    truth_na = np.isnan(bench.truth)
    original_number = ~np.isnan(bench.original)
    value[:, grpo.ANSWER_ANYWAY] = np.where(truth_na, bench.original, bench.truth)
    other_wrong[:, grpo.ANSWER_ANYWAY] = truth_na & ~original_number
    value[:, grpo.ABSTAIN] = np.nan
    return value, other_wrong


def rewards(
    value: FloatArray,
    other_wrong: NDArray[np.bool_],
    label: FloatArray,
    bench: Benchmark,
    rule: AgreementRule,
    match: float,
    wrong_answer: float,
) -> FloatArray:
    """Reward ``(n, 5)`` of each procedure against ``label``: ``match`` inside the agreement
    rule's tolerance or for a matching N/A, ``wrong_answer`` for a number that does not match,
    0 for an N/A that does not match."""
    out = np.empty_like(value)
    for a in range(value.shape[1]):
        hit = agrees(value[:, a], label, bench.value_kind, rule) & ~other_wrong[:, a]
        is_number = ~np.isnan(value[:, a]) | other_wrong[:, a]
        out[:, a] = np.where(hit, match, np.where(is_number, wrong_answer, 0.0))
    return out


@dataclass(frozen=True)
class SeedOutcome:
    """One arm trained from one seed: accuracy against the truth on each evaluation set."""

    accuracy_heldout_items: float
    accuracy_heldout_strata: float
    probabilities: FloatArray
    """Final action probabilities per stratum ``(S, 5)``."""


@dataclass(frozen=True)
class RLResult:
    """Accuracy ``(label replications, seeds, arms)`` on held-out items and held-out strata,
    and the starting policy's accuracy on the same sets ``(label replications, seeds)``."""

    heldout_items: FloatArray
    heldout_strata: FloatArray
    start_heldout_items: FloatArray
    start_heldout_strata: FloatArray


def split_items(
    bench: Benchmark, stratum_group: NDArray[np.int32], cfg: RLConfig, state: NDArray[np.uint64]
) -> NDArray[np.int8]:
    """Role of each item: trained, held out in a trained stratum, or in a held-out stratum.
    Per group, ``round(share * strata)`` strata are held out, leaving at least one trained."""
    n_strata = stratum_group.shape[0]
    held_stratum = np.zeros(n_strata, dtype=bool)
    for g in np.unique(stratum_group):
        members = np.flatnonzero(stratum_group == g)
        n_hold = min(math.floor(cfg.heldout_strata_share * members.size + 0.5), members.size - 1)
        if n_hold > 0:
            order = permutation(state, members.size)
            held_stratum[members[order[:n_hold]]] = True
    u = uniforms(state, bench.n_items)
    role = np.where(u < cfg.heldout_item_share, HELDOUT_ITEM, TRAIN).astype(np.int8)
    role[held_stratum[bench.stratum]] = HELDOUT_STRATUM
    return role


def arm_labels(
    bench: Benchmark, final_label: FloatArray, decision: NDArray[np.int8]
) -> dict[str, tuple[FloatArray, NDArray[np.bool_]]]:
    """Per arm, the training labels and which items have one (dropped items have none)."""
    every = np.ones(bench.n_items, dtype=bool)
    return {
        "original": (bench.original, every),
        "maintained": (final_label, decision != DROPPED),
        "truth": (bench.truth, every),
    }


def run_on_replications(
    labelled: list[ReplicationResult], sc: Scenario, cfg: RLConfig, seed: int
) -> RLResult:
    """:func:`run_experiment` on replications kept in full (``RunResult.labels``) of scenario
    ``sc``."""
    return run_experiment(
        [(res.bench, res.final_label, res.decision) for res in labelled],
        sc.strata.group,
        len(sc.strata.group_names),
        sc.rule,
        cfg,
        seed,
    )


def run_experiment(
    replications: list[tuple[Benchmark, FloatArray, NDArray[np.int8]]],
    stratum_group: NDArray[np.int32],
    n_groups: int,
    rule: AgreementRule,
    cfg: RLConfig,
    seed: int,
) -> RLResult:
    """Train every arm from every seed on each replication's labels (benchmark, final labels,
    decisions) and evaluate against the truth."""
    await_downstream_helper()  # a cold start: the second core may be compiling our kernels
    R, K, A = len(replications), cfg.seeds, len(ARMS)
    heldout_items = np.empty((R, K, A))
    heldout_strata = np.empty((R, K, A))
    start_items = np.empty((R, K))
    start_strata = np.empty((R, K))
    initial_logits = np.log(np.asarray(cfg.initial_probabilities, dtype=np.float64))
    n_strata = stratum_group.shape[0]
    start_pi = np.tile(np.asarray(cfg.initial_probabilities, dtype=np.float64), (n_strata, 1))
    for r, (bench, final_label, decision) in enumerate(replications):
        value, other_wrong = answers(bench)
        correct = (rewards(value, other_wrong, bench.truth, bench, rule, 1.0, 0.0) == 1.0).astype(
            np.float64
        )
        tables = {
            arm: (
                rewards(
                    value,
                    other_wrong,
                    label,
                    bench,
                    rule,
                    cfg.reward_match,
                    cfg.reward_wrong_answer,
                ),
                has_label,
            )
            for arm, (label, has_label) in arm_labels(bench, final_label, decision).items()
        }
        for k in range(K):
            ss = np.random.SeedSequence(seed, spawn_key=(r, SEED_SPAWN_OFFSET + k))
            split_state, prompt_state = stream_states(ss, 2)
            role = split_items(bench, stratum_group, cfg, split_state)
            start_items[r, k], start_strata[r, k] = _evaluate(start_pi, bench, correct, role)
            for a, arm in enumerate(ARMS):
                reward, has_label = tables[arm]
                train_items = np.flatnonzero((role == TRAIN) & has_label)
                pi = train_arm(
                    reward,
                    bench.stratum,
                    stratum_group,
                    n_groups,
                    train_items,
                    initial_logits,
                    cfg,
                    prompt_state.copy(),
                )
                heldout_items[r, k, a], heldout_strata[r, k, a] = _evaluate(
                    pi, bench, correct, role
                )
    return RLResult(heldout_items, heldout_strata, start_items, start_strata)


def train_arm(
    reward: FloatArray,
    stratum: NDArray[np.int32],
    stratum_group: NDArray[np.int32],
    n_groups: int,
    train_items: NDArray[np.int64],
    initial_logits: FloatArray,
    cfg: RLConfig,
    state: NDArray[np.uint64],
) -> FloatArray:
    """Action probabilities ``(S, 5)`` after training on ``train_items`` with ``reward``."""
    group_logits = np.empty((n_groups, grpo.N_ACTIONS))
    stratum_logits = np.empty((stratum_group.shape[0], grpo.N_ACTIONS))
    if train_items.size:
        grpo.train(
            reward,
            stratum,
            stratum_group,
            train_items,
            initial_logits,
            cfg.steps,
            cfg.group_size,
            cfg.prompts_per_step,
            cfg.learning_rate,
            cfg.kl_coefficient,
            cfg.divide_advantage_by_std,
            state,
            group_logits,
            stratum_logits,
        )
    else:
        group_logits[:] = initial_logits
        stratum_logits[:] = 0.0
    pi: FloatArray = grpo.policy_probabilities(group_logits, stratum_logits, stratum_group)
    return pi


def _evaluate(
    pi: FloatArray, bench: Benchmark, correct: FloatArray, role: NDArray[np.int8]
) -> tuple[float, float]:
    """Expected accuracy against the truth on held-out items and on held-out strata (NaN for
    an empty set)."""
    expected = (pi[bench.stratum] * correct).sum(axis=1)
    out = []
    for which in (HELDOUT_ITEM, HELDOUT_STRATUM):
        mask = role == which
        out.append(float(expected[mask].mean()) if mask.any() else math.nan)
    return out[0], out[1]


def paired_gap(a: FloatArray, b: FloatArray) -> dict[str, float]:
    """Mean of ``a - b`` in points with its 95% t interval over the paired units."""
    d = 100.0 * (np.asarray(a) - np.asarray(b)).ravel()
    d = d[~np.isnan(d)]
    n = d.size
    if n < 2:
        return {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": n}
    mean = float(d.mean())
    half = t_quantile_975(n - 1) * float(d.std(ddof=1)) / math.sqrt(n)
    return {"mean": mean, "ci_low": mean - half, "ci_high": mean + half, "n": n}


SUMMARY_KEYS: tuple[str, ...] = tuple(
    f"{where}.{what}"
    for where in ("heldout_items", "heldout_strata")
    for what in (
        "start_accuracy",
        *(f"{arm}_accuracy" for arm in ARMS),
        "gap_maintained_vs_original",
        "gap_truth_vs_original",
        "gap_truth_vs_maintained",
    )
)
"""The keys of :func:`summarize`, in its order."""


def summarize(result: RLResult) -> dict[str, dict[str, float]]:
    """Mean accuracy per arm and the paired gaps, in points, with 95% intervals over seeds (and
    label replications)."""
    out: dict[str, dict[str, float]] = {}
    o, m, t = ARMS.index("original"), ARMS.index("maintained"), ARMS.index("truth")
    for where, acc, start in (
        ("heldout_items", result.heldout_items, result.start_heldout_items),
        ("heldout_strata", result.heldout_strata, result.start_heldout_strata),
    ):
        zero = np.zeros_like(start)
        out[f"{where}.start_accuracy"] = paired_gap(start, zero)
        for a, arm in enumerate(ARMS):
            out[f"{where}.{arm}_accuracy"] = paired_gap(acc[..., a], zero)
        out[f"{where}.gap_maintained_vs_original"] = paired_gap(acc[..., m], acc[..., o])
        out[f"{where}.gap_truth_vs_original"] = paired_gap(acc[..., t], acc[..., o])
        out[f"{where}.gap_truth_vs_maintained"] = paired_gap(acc[..., t], acc[..., m])
    return out
