"""Reading trace files stored as Parquet (the only place traces meet pyarrow)."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq


def read_parquet_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows with every value as text (null -> empty), like a CSV reader."""
    table = pq.read_table(path)
    header = table.column_names
    columns = [table.column(c).to_pylist() for c in header]
    rows = [
        {
            h: "" if v is None else (str(v).lower() if isinstance(v, bool) else str(v))
            for h, v in zip(header, values, strict=True)
        }
        for values in zip(*columns, strict=True)
    ]
    return header, rows
