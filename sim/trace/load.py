"""Load and validate a stewardship trace (CSV or Parquet) into arrays.

Every problem is collected with its row (1 = the first data row) and column; label text is
parsed, never evaluated. A trace with problems yields no :class:`Trace`."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from sim.model.agreement import ValueKind
from sim.trace.format import BY_NAME, COLUMNS, fitting_mappings, shown_path
from sim.trace.labels import parse_label

TRUE = frozenset({"true", "1", "yes", "y", "t"})
FALSE = frozenset({"false", "0", "no", "n", "f"})


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a trace."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}column {self.column!r}: {self.message}"


@dataclass(frozen=True)
class Trace:
    """A validated trace as arrays ``(n,)``. Labels are float64 (NaN = N/A) with a presence
    mask (an empty cell is absent, not N/A); categories are codes into ``categories``."""

    source: str
    item_id: tuple[str, ...]
    strata: tuple[str, ...]
    groups: tuple[str, ...]
    stratum: NDArray[np.int32]
    group: NDArray[np.int32]
    value_kind: NDArray[np.int8]
    labels: dict[str, NDArray[np.float64]]
    present: dict[str, NDArray[np.bool_]]
    flags: dict[str, NDArray[np.bool_]]
    numbers: dict[str, NDArray[np.float64]]
    expert_id: tuple[str, ...] | None
    categories: tuple[str, ...]

    @property
    def n_items(self) -> int:
        return len(self.item_id)

    @property
    def columns(self) -> tuple[str, ...]:
        """Canonical columns the trace has."""
        return (
            *self.labels,
            *self.flags,
            *self.numbers,
            *(("expert_id",) if self.expert_id is not None else ()),
        )


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows as text; CSV by default, Parquet for ``.parquet`` / ``.pq``."""
    if path.suffix.lower() in (".parquet", ".pq"):
        from sim.io.traces import read_parquet_rows

        return read_parquet_rows(path)
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        rows = [dict(r) for r in reader]
        return list(reader.fieldnames or []), rows


def _parse_bool(text: str) -> bool | None:
    t = text.strip().lower()
    if t in TRUE:
        return True
    if t in FALSE:
        return False
    raise ValueError(f"{text!r} is not a boolean (true/false, 1/0, yes/no)")


def load_trace(
    path: Path, mapping: dict[str, str], *, explicit: frozenset[str] = frozenset()
) -> tuple[Trace | None, list[Problem]]:
    """Validate ``path`` under ``mapping`` (canonical -> the file's column); ``explicit`` names
    the canonical columns the user mapped, which must then exist."""
    problems: list[Problem] = []
    try:
        header, rows = read_rows(path)
    except (OSError, UnicodeDecodeError, csv.Error, ValueError) as err:
        return None, [Problem(None, "*", f"cannot read {path}: {err}")]
    have = set(header)
    present_cols = []
    for col in COLUMNS:
        theirs = mapping[col.name]
        if theirs in have:
            present_cols.append(col.name)
        elif col.required or col.name in explicit:
            problems.append(Problem(None, theirs, f"missing (canonical column {col.name!r})"))
    if problems and not explicit:
        fits = [shown_path(p) for p in fitting_mappings(have)]
        if fits:
            hint = f"; the file's columns fit {' and '.join(fits)}: add --mapping {fits[0]}"
            problems[0] = Problem(None, problems[0].column, problems[0].message + hint)
    if problems:
        return None, problems
    if not rows:
        return None, [Problem(None, "*", "the trace has no rows")]

    def cell(row: dict[str, str], name: str) -> str:
        value = row.get(mapping[name])
        return "" if value is None else str(value)

    n = len(rows)
    seen: dict[str, int] = {}
    strata: dict[str, int] = {}
    stratum_kind: dict[str, tuple[ValueKind, int]] = {}
    groups: dict[str, int] = {}
    categories: dict[str, int] = {}
    stratum = np.zeros(n, dtype=np.int32)
    group = np.zeros(n, dtype=np.int32)
    kinds = np.zeros(n, dtype=np.int8)
    label_cols = [c for c in present_cols if BY_NAME[c].parse == "label"]
    labels = {c: np.full(n, np.nan) for c in label_cols}
    present = {c: np.zeros(n, dtype=bool) for c in label_cols}
    flags = {c: np.zeros(n, dtype=bool) for c in present_cols if BY_NAME[c].parse == "bool"}
    numbers = {c: np.full(n, np.nan) for c in present_cols if BY_NAME[c].parse == "number"}
    experts: list[str] = []

    def label_of(text: str, kind: ValueKind) -> float | None:
        if kind != ValueKind.CATEGORICAL or text.strip().upper() in ("", "N/A"):
            return parse_label(text, kind)
        return float(categories.setdefault(text.strip(), len(categories)))

    for r, row in enumerate(rows, start=1):
        item = cell(row, "item_id").strip()
        if not item:
            problems.append(Problem(r, mapping["item_id"], "empty item id"))
        elif item in seen:
            problems.append(
                Problem(r, mapping["item_id"], f"duplicate id {item!r} (first at row {seen[item]})")
            )
        else:
            seen[item] = r
        name = cell(row, "stratum").strip()
        if not name:
            problems.append(Problem(r, mapping["stratum"], "empty stratum"))
        stratum[r - 1] = strata.setdefault(name, len(strata))
        if "group" in present_cols:
            group[r - 1] = groups.setdefault(cell(row, "group").strip() or "default", len(groups))
        else:
            group[r - 1] = groups.setdefault("default", 0)
        kind = ValueKind.DECIMAL
        if "value_kind" in present_cols:
            try:
                kind = ValueKind.parse(cell(row, "value_kind").strip() or "decimal")
            except ValueError as err:
                problems.append(Problem(r, mapping["value_kind"], str(err)))
        first = stratum_kind.setdefault(name, (kind, r))
        if first[0] != kind:
            problems.append(
                Problem(
                    r,
                    mapping["value_kind"],
                    f"{kind.name.lower()!r} in stratum {name!r}, which is "
                    f"{first[0].name.lower()!r} at row {first[1]} (one kind per stratum)",
                )
            )
        kinds[r - 1] = kind
        for c in label_cols:
            text = cell(row, c)
            try:
                value = label_of(text, kind)
            except ValueError as err:
                problems.append(Problem(r, mapping[c], str(err)))
                continue
            if value is None:
                if c == "label_original":
                    problems.append(Problem(r, mapping[c], "empty (the original is required)"))
                continue
            labels[c][r - 1] = value
            present[c][r - 1] = True
        for c in flags:
            text = cell(row, c)
            if text.strip():
                try:
                    flags[c][r - 1] = bool(_parse_bool(text))
                except ValueError as err:
                    problems.append(Problem(r, mapping[c], str(err)))
        for c in numbers:
            text = cell(row, c).strip()
            if not text:
                continue
            try:
                v = float(text)
                if not math.isfinite(v):
                    raise ValueError
            except ValueError:
                problems.append(Problem(r, mapping[c], f"{text!r} is not a finite number"))
                continue
            if c == "verifier_confidence" and not 0.0 <= v <= 1.0:
                problems.append(Problem(r, mapping[c], f"{v:g} is outside [0, 1]"))
            if c in ("expert_minutes", "n_votes") and v < 0:
                problems.append(Problem(r, mapping[c], f"{v:g} is negative"))
            numbers[c][r - 1] = v
        if "expert_id" in present_cols:
            experts.append(cell(row, "expert_id").strip())
        if "votes" in present_cols:
            problems.extend(_check_votes(r, cell(row, "votes"), kind, mapping, numbers, label_of))

    if problems:
        return None, problems
    return Trace(
        source=str(path),
        item_id=tuple(seen),
        strata=tuple(strata),
        groups=tuple(groups),
        stratum=stratum,
        group=group,
        value_kind=kinds,
        labels=labels,
        present=present,
        flags=flags,
        numbers=numbers,
        expert_id=tuple(experts) if "expert_id" in present_cols else None,
        categories=tuple(categories),
    ), []


def _check_votes(
    r: int,
    text: str,
    kind: ValueKind,
    mapping: dict[str, str],
    numbers: dict[str, NDArray[np.float64]],
    label_of: Callable[[str, ValueKind], float | None],
) -> list[Problem]:
    """Votes ``label:count;...``: counts are whole and positive, labels parse, and they add up
    to ``n_votes`` where that column is given."""
    problems: list[Problem] = []
    text = text.strip()
    if not text:
        return problems
    total = 0
    for part in text.split(";"):
        label, sep, count = part.rpartition(":")
        if not sep or not count.strip().isdigit() or int(count) <= 0:
            problems.append(
                Problem(
                    r, mapping["votes"], f"{part!r} is not label:count with a positive whole count"
                )
            )
            continue
        try:
            label_of(label, kind)
        except ValueError as err:
            problems.append(Problem(r, mapping["votes"], str(err)))
        total += int(count)
    if "n_votes" in numbers and not math.isnan(numbers["n_votes"][r - 1]):
        expected = numbers["n_votes"][r - 1]
        if total != expected:
            problems.append(
                Problem(
                    r, mapping["votes"], f"votes add up to {total}, but n_votes is {expected:g}"
                )
            )
    return problems
