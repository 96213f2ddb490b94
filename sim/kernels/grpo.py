"""Group-relative policy optimisation of per-stratum softmax policies over solution procedures.

The logits of stratum ``s`` are ``group_logits[group(s)] + stratum_logits[s]``: what is learnt on
trained strata carries to the untrained strata of the same group. Each step samples
``prompts_per_step`` training items; for each, ``group_size`` actions from the current policy,
their rewards from the table, and the advantage = reward minus the group's mean (optionally
divided by the group's standard deviation). The logits then move along the mean policy gradient,
minus an optional KL(policy || starting policy) penalty."""

from __future__ import annotations

import math

import numpy as np

from sim.kernels import kernel
from sim.kernels.random import below, uniform

N_ACTIONS = 5
CORRECT, EXTRACTION, LOGIC, ANSWER_ANYWAY, ABSTAIN = 0, 1, 2, 3, 4


@kernel
def softmax(logits: np.ndarray, out: np.ndarray) -> None:
    """``out`` = softmax of ``logits`` (numerically stable)."""
    top = logits.max()
    total = 0.0
    for a in range(logits.shape[0]):
        out[a] = math.exp(logits[a] - top)
        total += out[a]
    for a in range(logits.shape[0]):
        out[a] /= total


@kernel
def train(
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
    group_logits: np.ndarray,
    stratum_logits: np.ndarray,
) -> None:
    """Train from ``group_logits[g] = initial_logits`` and ``stratum_logits = 0`` (both written
    here). ``reward`` is ``(n_items, N_ACTIONS)``; prompts are drawn from ``train_items`` with
    the stream ``state``, which is advanced in place."""
    n_actions = initial_logits.shape[0]
    for g in range(group_logits.shape[0]):
        group_logits[g, :] = initial_logits
    stratum_logits[:, :] = 0.0
    start = np.empty(n_actions)
    softmax(initial_logits, start)
    log_start = np.log(start)
    grad_group = np.zeros_like(group_logits)
    grad_stratum = np.zeros_like(stratum_logits)
    logits = np.empty(n_actions)
    pi = np.empty(n_actions)
    actions = np.empty(group_size, dtype=np.int64)
    rewards = np.empty(group_size)
    grad = np.empty(n_actions)
    n_train = train_items.shape[0]
    scale = 1.0 / (prompts_per_step * group_size)
    for _ in range(steps):
        grad_group[:, :] = 0.0
        grad_stratum[:, :] = 0.0
        for _b in range(prompts_per_step):
            i = train_items[below(state, n_train)]
            s = stratum[i]
            g = stratum_group[s]
            for a in range(n_actions):
                logits[a] = group_logits[g, a] + stratum_logits[s, a]
            softmax(logits, pi)
            mean = 0.0
            for k in range(group_size):
                u = uniform(state)
                a = 0
                cum = pi[0]
                while u >= cum and a < n_actions - 1:
                    a += 1
                    cum += pi[a]
                actions[k] = a
                rewards[k] = reward[i, a]
                mean += rewards[k]
            mean /= group_size
            sd = 0.0
            if divide_by_std:
                for k in range(group_size):
                    sd += (rewards[k] - mean) ** 2
                sd = math.sqrt(sd / (group_size - 1))
            grad[:] = 0.0
            for k in range(group_size):
                adv = rewards[k] - mean
                if divide_by_std:
                    adv = adv / (sd + 1e-4)
                if adv == 0.0:
                    continue
                for a in range(n_actions):
                    grad[a] -= adv * pi[a]
                grad[actions[k]] += adv
            if kl_coefficient > 0.0:
                kl = 0.0
                for a in range(n_actions):
                    kl += pi[a] * (math.log(pi[a]) - log_start[a])
                for a in range(n_actions):
                    grad[a] -= (
                        group_size * kl_coefficient * pi[a] * (math.log(pi[a]) - log_start[a] - kl)
                    )
            for a in range(n_actions):
                grad_group[g, a] += grad[a] * scale
                grad_stratum[s, a] += grad[a] * scale
        group_logits += learning_rate * grad_group
        stratum_logits += learning_rate * grad_stratum


@kernel
def policy_probabilities(
    group_logits: np.ndarray, stratum_logits: np.ndarray, stratum_group: np.ndarray
) -> np.ndarray:
    """``(S, N_ACTIONS)`` action probabilities of every stratum."""
    S, n_actions = stratum_logits.shape
    out = np.empty((S, n_actions))
    logits = np.empty(n_actions)
    for s in range(S):
        for a in range(n_actions):
            logits[a] = group_logits[stratum_group[s], a] + stratum_logits[s, a]
        softmax(logits, out[s])
    return out
