"""Small statistical helpers shared by the estimators and the RL experiment."""

from __future__ import annotations

import math


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (Cornish-Fisher
    expansion around the normal to 1/df^4, within 3e-4 for df >= 5; tabulated below)."""
    if df < 5:
        return (math.nan, 12.706205, 4.302653, 3.182446, 2.776445)[df]
    z = 1.959963984540054
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )
