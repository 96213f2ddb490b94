"""The trace format: canonical column names, what each holds, and the mapping from a user's own
column names (see docs/traces.md)."""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import yaml

SHIPPED_MAPPINGS = Path(__file__).resolve().parents[2] / "conf" / "trace"
"""The column mappings of the traces the project knows (``conf/trace/*.yaml``)."""


@dataclass(frozen=True)
class Column:
    """One canonical column: its name, whether it is required, and how its text parses."""

    name: str
    parse: str
    """``text``, ``label`` (per the row's value kind), ``bool``, ``number``, ``kind`` or
    ``votes``."""
    required: bool = False
    doc: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("item_id", "text", True, "unique id of the item"),
    Column("stratum", "text", True, "stratum (e.g. calculator); errors cluster by it"),
    Column("label_original", "label", True, "the label under audit"),
    Column("group", "text", doc="group of strata (e.g. category); experts specialise by it"),
    Column("value_kind", "kind", doc="decimal, integer, date or categorical (default decimal)"),
    Column("audit_flag", "bool", doc="the audit flagged the original as suspect"),
    Column("audit_score", "number", doc="the audit's suspicion score"),
    Column("label_verifier", "label", doc="a verifier's own label (e.g. a classifier's)"),
    Column("verifier_confidence", "number", doc="the verifier's confidence in [0, 1]"),
    Column("label_recomputed", "label", doc="the independent recomputation's label"),
    Column("recompute_consensus", "bool", doc="the recomputation reached consensus"),
    Column("label_expert", "label", doc="an expert's label"),
    Column("expert_id", "text", doc="who gave label_expert"),
    Column("expert_minutes", "number", doc="minutes the expert spent"),
    Column("votes", "votes", doc="crowd votes as label:count pairs separated by ';'"),
    Column("n_votes", "number", doc="how many votes were cast (checked against votes)"),
    Column("label_truth", "label", doc="the true label, or the best proxy for it"),
)
BY_NAME = {c.name: c for c in COLUMNS}


def load_mapping(path: Path | None) -> tuple[dict[str, str], frozenset[str]]:
    """Canonical name -> the trace's column name, from a YAML file of ``canonical: theirs``
    pairs (under an optional ``columns:`` key; unmapped canonical names are looked up under
    their own name), and the canonical names the file maps explicitly."""
    mapping = {c.name: c.name for c in COLUMNS}
    if path is None:
        return mapping, frozenset()
    raw = yaml.safe_load(path.read_text()) or {}
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: expected a mapping of canonical: column names")
    columns = raw.get("columns", raw)
    for key, value in columns.items():
        if key not in BY_NAME:
            raise ValueError(
                f"{path}: {key!r} is not a trace column; expected one of {', '.join(BY_NAME)}"
            )
        mapping[key] = str(value)
    return mapping, frozenset(str(k) for k in columns)


def fitting_mappings(columns: Collection[str], folder: Path = SHIPPED_MAPPINGS) -> list[Path]:
    """The mapping files in ``folder`` whose every mapped column is among ``columns``: what to
    suggest when a trace is read without ``--mapping`` and lacks canonical columns."""
    fits = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            mapping, explicit = load_mapping(path)
        except (OSError, ValueError, yaml.YAMLError):
            continue
        if explicit and all(mapping[name] in columns for name in explicit):
            fits.append(path)
    return fits


def shown_path(path: Path) -> str:
    """``path`` relative to the working directory when it is below it, else absolute."""
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)
