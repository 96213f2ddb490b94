"""Evaluated models' answers and their accuracy against three label sets (original, maintained,
truth), and the distortion of the leaderboard the labels produce.

A model's answer on item ``i`` is one of three tokens, drawn counter-based from ``(key, i, m)``:
the original's answer (only on items whose original is wrong, with the model's shared
blind-spot probability), the true answer (with the model's accuracy for the item's group), or a
wrong answer that matches no label. The answer is scored against a label with the agreement
rule, so a maintained label that differs from the truth within tolerance still counts."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import agrees_one, rule_values
from sim.kernels.metrics import DROPPED
from sim.kernels.random import bits_at, bits_below, uniform_at

N_LEADERBOARD_METRICS = 6
ANSWER_WRONG, ANSWER_TRUTH, ANSWER_ORIGINAL = 0, 1, 2
ORIGINAL_LABELS, MAINTAINED_LABELS, TRUE_LABELS = 0, 1, 2


@kernel
def model_answer(
    key: np.uint64,
    item: int,
    model: int,
    n_models: int,
    original_wrong: bool,
    accuracy: float,
    blind_spot: float,
) -> int:
    """The answer token of ``model`` on ``item``: the definition :func:`model_accuracies`
    tallies."""
    base = 2 * (item * n_models + model)
    if original_wrong and uniform_at(key, base) < blind_spot:
        return ANSWER_ORIGINAL
    if uniform_at(key, base + 1) < accuracy:
        return ANSWER_TRUTH
    return ANSWER_WRONG


@kernel(called_from_python=True)
def model_accuracies(
    truth: np.ndarray,
    original: np.ndarray,
    final: np.ndarray,
    decision: np.ndarray,
    kind: np.ndarray,
    group: np.ndarray,
    rule: np.ndarray,
    accuracy: np.ndarray,
    blind_spot: np.ndarray,
    key: np.uint64,
    board: np.ndarray,
) -> None:
    """``board[m]`` = accuracy of model ``m`` against [original, maintained, true] labels.

    ``accuracy`` is ``(M, G)`` (per model and group), ``blind_spot`` ``(M,)``. The maintained
    benchmark leaves out dropped items; every label set scores its own items. Tallies the
    answers of :func:`model_answer` in two passes: every item's truth draw, compared as
    integer bits with integer thresholds (:func:`~sim.kernels.random.bits_below`) without a
    branch, so the loop runs in vector lanes; then the blind-spot draws of the wrong
    originals (the only items that can repeat one), which replace a truth draw they beat.
    A draw has no side effect, so skipping one changes no other."""
    n = truth.shape[0]
    n_models = accuracy.shape[0]
    wrong = np.empty(n, dtype=np.int64)
    truth_on_original = np.empty(n, dtype=np.int64)
    truth_on_final = np.empty(n, dtype=np.int64)
    original_on_final = np.empty(n, dtype=np.int64)
    kept = 0
    rule_t = rule_values(rule)
    for i in range(n):
        k = kind[i]
        is_kept = decision[i] != DROPPED
        kept += is_kept
        wrong[i] = not agrees_one(original[i], truth[i], k, rule_t)
        truth_on_original[i] = agrees_one(truth[i], original[i], k, rule_t)
        truth_on_final[i] = is_kept & agrees_one(truth[i], final[i], k, rule_t)
        original_on_final[i] = is_kept & agrees_one(original[i], final[i], k, rule_t)
    n_groups = accuracy.shape[1]
    group_below = np.empty(n_groups, dtype=np.uint64)
    item_below = np.empty(n, dtype=np.uint64)
    wrong_items = np.flatnonzero(wrong)
    for m in range(n_models):
        for g in range(n_groups):
            group_below[g] = bits_below(accuracy[m, g])
        for i in range(n):
            item_below[i] = group_below[group[i]]
        blind_below = bits_below(blind_spot[m])
        hits_original = np.int64(0)
        hits_maintained = np.int64(0)
        hits_truth = np.int64(0)
        for i in range(n):
            base = 2 * (i * n_models + m)
            says_truth = np.int64(bits_at(key, base + 1) < item_below[i])
            hits_original += says_truth * truth_on_original[i]
            hits_maintained += says_truth * truth_on_final[i]
            hits_truth += says_truth
        for q in range(wrong_items.shape[0]):  # only a wrong original can be repeated
            w = wrong_items[q]
            base = 2 * (w * n_models + m)
            says_original = np.int64(bits_at(key, base) < blind_below)
            beaten = says_original * np.int64(bits_at(key, base + 1) < item_below[w])
            hits_original += says_original - beaten * truth_on_original[w]
            hits_maintained += says_original * original_on_final[w] - beaten * truth_on_final[w]
            hits_truth -= beaten
        board[m, ORIGINAL_LABELS] = hits_original / n
        board[m, MAINTAINED_LABELS] = hits_maintained / kept if kept > 0 else np.nan
        board[m, TRUE_LABELS] = hits_truth / n


@kernel
def kendall_tau_b(x: np.ndarray, y: np.ndarray) -> float:
    """Kendall's tau-b between two score vectors (ties counted as in tau-b); NaN if either is
    constant or has fewer than two entries."""
    n = x.shape[0]
    concordant = 0.0
    discordant = 0.0
    ties_x = 0.0
    ties_y = 0.0
    for i in range(n):
        for j in range(i + 1, n):
            dx = x[i] - x[j]
            dy = y[i] - y[j]
            if dx == 0 and dy == 0:
                continue
            if dx == 0:
                ties_x += 1
            elif dy == 0:
                ties_y += 1
            elif (dx > 0) == (dy > 0):
                concordant += 1
            else:
                discordant += 1
    denom = math.sqrt((concordant + discordant + ties_x) * (concordant + discordant + ties_y))
    if denom == 0:
        return np.nan
    return (concordant - discordant) / denom


@kernel(called_from_python=True)
def leaderboard_metrics(board: np.ndarray, out: np.ndarray) -> None:
    """``out`` = [mean bias of the original-label leaderboard in points, its mean absolute
    bias, the same two for the maintained labels, Kendall tau of each against the true
    ranking]; NaNs without models."""
    n_models = board.shape[0]
    if n_models == 0:
        out[:] = np.nan
        return
    bias_original = 0.0
    abs_original = 0.0
    bias_maintained = 0.0
    abs_maintained = 0.0
    for m in range(n_models):
        d_orig = 100.0 * (board[m, ORIGINAL_LABELS] - board[m, TRUE_LABELS])
        d_maint = 100.0 * (board[m, MAINTAINED_LABELS] - board[m, TRUE_LABELS])
        bias_original += d_orig
        abs_original += abs(d_orig)
        bias_maintained += d_maint
        abs_maintained += abs(d_maint)
    out[0] = bias_original / n_models
    out[1] = abs_original / n_models
    out[2] = bias_maintained / n_models
    out[3] = abs_maintained / n_models
    out[4] = kendall_tau_b(board[:, ORIGINAL_LABELS], board[:, TRUE_LABELS])
    out[5] = kendall_tau_b(board[:, MAINTAINED_LABELS], board[:, TRUE_LABELS])
