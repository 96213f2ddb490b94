"""The leaderboard across replications: each evaluated model's accuracy against the original,
the maintained and the true labels, and its bias in points."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from sim.kernels.leaderboard import MAINTAINED_LABELS, ORIGINAL_LABELS, TRUE_LABELS

LABEL_SETS = ("original", "maintained", "truth")


def leaderboard_summary(
    names: tuple[str, ...], board: NDArray[np.float64]
) -> list[dict[str, float | str]]:
    """One row per model, ranked by true accuracy: mean accuracy (over replications ``board``
    ``(R, M, 3)``) against each label set, the bias of the original and maintained
    leaderboards in points, and the model's rank on each."""
    mean = np.nanmean(board, axis=0) if board.shape[0] else np.full((len(names), 3), np.nan)
    ranks = {
        which: _ranks(mean[:, col])
        for which, col in (
            ("original", ORIGINAL_LABELS),
            ("maintained", MAINTAINED_LABELS),
            ("truth", TRUE_LABELS),
        )
    }
    rows: list[dict[str, float | str]] = []
    for m in np.argsort(-mean[:, TRUE_LABELS], kind="stable"):
        rows.append(
            {
                "model": names[m],
                "accuracy_original": float(mean[m, ORIGINAL_LABELS]),
                "accuracy_maintained": float(mean[m, MAINTAINED_LABELS]),
                "accuracy_truth": float(mean[m, TRUE_LABELS]),
                "bias_original_points": float(
                    100 * (mean[m, ORIGINAL_LABELS] - mean[m, TRUE_LABELS])
                ),
                "bias_maintained_points": float(
                    100 * (mean[m, MAINTAINED_LABELS] - mean[m, TRUE_LABELS])
                ),
                "rank_original": float(ranks["original"][m]),
                "rank_maintained": float(ranks["maintained"][m]),
                "rank_truth": float(ranks["truth"][m]),
            }
        )
    return rows


def _ranks(score: NDArray[np.float64]) -> NDArray[np.int64]:
    """1 = best; ties broken by model order."""
    order = np.argsort(-score, kind="stable")
    ranks = np.empty(score.shape[0], dtype=np.int64)
    ranks[order] = np.arange(1, score.shape[0] + 1)
    return ranks
