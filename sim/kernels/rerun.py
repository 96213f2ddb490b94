"""Re-running the labelling pipeline on a stratum with a rule an expert corrected."""

from __future__ import annotations

import numpy as np

from sim.kernels import kernel
from sim.kernels.agreement import agrees_one
from sim.kernels.labels import independent_error
from sim.kernels.random import uniform

LOGIC = 2


@kernel(called_from_python=True)
def revealed_strata(
    stratum: np.ndarray,
    error_mode: np.ndarray,
    truth: np.ndarray,
    kind: np.ndarray,
    expert_label: np.ndarray,
    reviewed: np.ndarray,
    rule: np.ndarray,
    requested: np.ndarray,
    out: np.ndarray,
) -> None:
    """``out[s]``: stratum ``s`` was requested and one of its reviewed items carries the
    stratum's systematic (logic) error with a right verdict, which shows the rule to correct."""
    out[:] = False
    for i in range(stratum.shape[0]):
        s = stratum[i]
        if (
            requested[s]
            and reviewed[i]
            and error_mode[i] == LOGIC
            and agrees_one(expert_label[i], truth[i], kind[i], rule)
        ):
            out[s] = True


@kernel(called_from_python=True)
def rerun_labels(
    stratum: np.ndarray,
    error_mode: np.ndarray,
    truth: np.ndarray,
    original: np.ndarray,
    kind: np.ndarray,
    value_min: np.ndarray,
    value_max: np.ndarray,
    n_categories: np.ndarray,
    rerun: np.ndarray,
    success_probability: float,
    wrong_fix_probability: float,
    profile: np.ndarray,
    rule: np.ndarray,
    stream: np.ndarray,
    label: np.ndarray,
    touched: np.ndarray,
) -> None:
    """Every item of a re-run stratum gets a label: the truth with ``success_probability``
    where it carries the logic error (else its original), a new wrong label with
    ``wrong_fix_probability`` elsewhere (else its original). Four uniforms per re-run item, in
    item order."""
    for i in range(stratum.shape[0]):
        s = stratum[i]
        touched[i] = rerun[s]
        if not rerun[s]:
            label[i] = np.nan
            continue
        u = uniform(stream)
        u_value = uniform(stream)
        u_sign = uniform(stream)
        u_extra = uniform(stream)
        if error_mode[i] == LOGIC:
            label[i] = truth[i] if u < success_probability else original[i]
        elif u < wrong_fix_probability:
            label[i] = independent_error(
                truth[i],
                kind[i],
                value_min[s],
                value_max[s],
                n_categories[s],
                u_value,
                u_sign,
                u_extra,
                profile,
                rule,
            )
        else:
            label[i] = original[i]
