"""The GRPO training loop in plain Python (NumPy for the arithmetic, the same random kernels),
written from the definition, for differential tests of :func:`sim.kernels.grpo.train`."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels.random import below, uniform


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def train_reference(
    reward: np.ndarray,
    stratum: np.ndarray,
    stratum_group: np.ndarray,
    train_items: np.ndarray,
    initial_logits: np.ndarray,
    steps: int,
    group_size: int,
    prompts_per_step: int,
    learning_rate: float,
    kl_coefficient: float,
    divide_by_std: bool,
    state: np.ndarray,
    n_groups: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(group logits, stratum logits) after training, as :func:`sim.kernels.grpo.train`."""
    W = np.tile(initial_logits, (n_groups, 1)).astype(float)
    U = np.zeros((stratum_group.shape[0], initial_logits.shape[0]))
    start = softmax(initial_logits)
    for _ in range(steps):
        gW = np.zeros_like(W)
        gU = np.zeros_like(U)
        for _b in range(prompts_per_step):
            i = train_items[below(state, train_items.shape[0])]
            s = stratum[i]
            g = stratum_group[s]
            pi = softmax(W[g] + U[s])
            cdf = np.cumsum(pi)
            acts = []
            for _k in range(group_size):
                u = uniform(state)
                acts.append(min(int(np.searchsorted(cdf, u, side="right")), len(pi) - 1))
            r = reward[i, acts]
            adv = r - r.mean()
            if divide_by_std:
                adv = adv / (r.std(ddof=1) + 1e-4)
            grad = np.zeros_like(pi)
            for a, A in zip(acts, adv, strict=True):
                onehot = np.zeros_like(pi)
                onehot[a] = 1.0
                grad += A * (onehot - pi)
            if kl_coefficient > 0:
                kl = float(np.sum(pi * (np.log(pi) - np.log(start))))
                grad -= group_size * kl_coefficient * pi * (np.log(pi) - np.log(start) - kl)
            scale = 1.0 / (prompts_per_step * group_size)
            gW[g] += grad * scale
            gU[s] += grad * scale
        W += learning_rate * gW
        U += learning_rate * gU
    assert math.isfinite(float(W.sum()))
    return W, U
