"""Label text of a trace -> the float encoding of :mod:`sim.model.agreement` (parsed, never
evaluated): ``N/A`` -> NaN, ISO dates -> day ordinals, numbers -> float; empty -> None."""

from __future__ import annotations

import datetime as dt
import math

from sim.model.agreement import ValueKind


def parse_label(text: str, kind: ValueKind) -> float | None:
    """The label ``text`` as a float, ``None`` when empty; ValueError names what was expected."""
    t = text.strip()
    if t == "":
        return None
    if t.upper() == "N/A":
        return math.nan
    if kind == ValueKind.DATE:
        try:
            return float(dt.date.fromisoformat(t).toordinal())
        except ValueError:
            raise ValueError(f"{text!r} is not an ISO date YYYY-MM-DD or N/A") from None
    try:
        value = float(t)
    except ValueError:
        raise ValueError(f"{text!r} is not a number or N/A") from None
    if not math.isfinite(value):
        raise ValueError(f"{text!r} is not a finite number")
    if kind == ValueKind.INTEGER and not value.is_integer():
        raise ValueError(f"{text!r} is not a whole number (value kind integer)")
    return value
