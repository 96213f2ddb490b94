"""Arrow schemas of the result tables and their Parquet writer.

Every file carries ``stewardsim.schema_version`` and ``stewardsim.table`` in its metadata.
Label columns are float64 with N/A stored as null; dates are day numbers (proleptic Gregorian
ordinal, 1 = 0001-01-01); categories are integer codes. Dictionary columns spell out the codes
(strata, groups, value kinds, error modes, decisions, experts)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from numpy.typing import NDArray

SCHEMA_VERSION = "1"

_LABEL = pa.float64()


def _meta(table: str) -> dict[bytes, bytes]:
    return {
        b"stewardsim.schema_version": SCHEMA_VERSION.encode(),
        b"stewardsim.table": table.encode(),
    }


def replication_schema(metric_names: Sequence[str]) -> pa.Schema:
    """One row per replication: its index, the policy, and every metric as float64."""
    fields = [
        pa.field("replication", pa.int32(), nullable=False),
        pa.field("policy", pa.string(), nullable=False),
    ]
    fields += [pa.field(name, pa.float64()) for name in metric_names]
    return pa.schema(fields, metadata=_meta("replications"))


ITEM_SCHEMA = pa.schema(
    [
        pa.field("replication", pa.int32(), nullable=False),
        pa.field("item", pa.int32(), nullable=False),
        pa.field("stratum", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("group", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("value_kind", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("truth", _LABEL),
        pa.field("original", _LABEL),
        pa.field("error_mode", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("audit_flagged", pa.bool_(), nullable=False),
        pa.field("recompute_consensus", pa.bool_(), nullable=False),
        pa.field("recomputed", _LABEL),
        pa.field("reviewed", pa.bool_(), nullable=False),
        pa.field("expert_label", _LABEL),
        pa.field("final_label", _LABEL),
        pa.field("decision", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("final_correct", pa.bool_(), nullable=False),
    ],
    metadata=_meta("items"),
)

EVENT_SCHEMA = pa.schema(
    [
        pa.field("replication", pa.int32(), nullable=False),
        pa.field("review", pa.int32(), nullable=False),
        pa.field("item", pa.int32(), nullable=False),
        pa.field("stratum", pa.dictionary(pa.int32(), pa.string()), nullable=False),
        pa.field("expert", pa.dictionary(pa.int16(), pa.string()), nullable=False),
        pa.field("stage", pa.int8(), nullable=False),
        pa.field("start_minute", pa.float64(), nullable=False),
        pa.field("finish_minute", pa.float64(), nullable=False),
        pa.field("work_minutes", pa.float64(), nullable=False),
        pa.field("n_segments", pa.int16(), nullable=False),
        pa.field("usd", pa.float64(), nullable=False),
        pa.field("label", _LABEL),
        pa.field("label_correct", pa.bool_(), nullable=False),
        pa.field("original_wrong", pa.bool_(), nullable=False),
    ],
    metadata=_meta("events"),
)

LEADERBOARD_SCHEMA = pa.schema(
    [
        pa.field("replication", pa.int32(), nullable=False),
        pa.field("model", pa.dictionary(pa.int16(), pa.string()), nullable=False),
        pa.field("accuracy_original", pa.float64()),
        pa.field("accuracy_maintained", pa.float64()),
        pa.field("accuracy_truth", pa.float64()),
    ],
    metadata=_meta("leaderboard"),
)

RL_SCHEMA = pa.schema(
    [
        pa.field("label_replication", pa.int32(), nullable=False),
        pa.field("seed", pa.int32(), nullable=False),
        pa.field("arm", pa.dictionary(pa.int8(), pa.string()), nullable=False),
        pa.field("accuracy_heldout_items", pa.float64()),
        pa.field("accuracy_heldout_strata", pa.float64()),
    ],
    metadata=_meta("rl"),
)

NULL_IS_NA = frozenset({"truth", "original", "recomputed", "expert_label", "final_label", "label"})


def _column(
    name: str,
    values: NDArray[np.generic],
    typ: pa.DataType,
    dictionaries: Mapping[str, Sequence[str]],
) -> pa.Array:
    if pa.types.is_dictionary(typ):
        indices = pa.array(values, type=typ.index_type)
        return pa.DictionaryArray.from_arrays(indices, pa.array(list(dictionaries[name])))
    if name in NULL_IS_NA:
        v = np.asarray(values, dtype=np.float64)
        return pa.array(v, type=typ, mask=np.isnan(v))
    return pa.array(values, type=typ)


def to_table(
    chunks: Sequence[Mapping[str, NDArray[np.generic]]],
    schema: pa.Schema,
    dictionaries: Mapping[str, Sequence[str]] | None = None,
) -> pa.Table:
    """Concatenate column chunks into one table of ``schema`` (codes mapped via
    ``dictionaries`` for dictionary columns)."""
    dictionaries = dictionaries or {}
    arrays = []
    for f in schema:
        parts = [np.asarray(c[f.name]) for c in chunks]
        values = np.concatenate(parts) if parts else np.zeros(0)
        arrays.append(_column(f.name, values, f.type, dictionaries))
    return pa.Table.from_arrays(arrays, schema=schema)


def write_table(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a temporary file renamed into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)
