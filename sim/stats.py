"""Small statistical helpers shared by the estimators and the RL experiment."""

from __future__ import annotations

from sim.kernels import estimation


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher
    expansion around the normal to 1/df^4, within 3e-4 for df >= 5; tabulated below): the
    kernel the estimators use (:func:`sim.kernels.estimation.t_quantile_975`)."""
    if df < 0:
        raise ValueError(f"degrees of freedom: {df}; expected an integer >= 0")
    return float(estimation.t_quantile_975(int(df)))
