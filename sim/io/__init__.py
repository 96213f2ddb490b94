"""Results on disk: Parquet tables with explicit schemas, written atomically (the only pyarrow
importer)."""

from sim.io.run_dir import RunDirectory, new_run_name
from sim.io.tables import (
    EVENT_SCHEMA,
    ITEM_SCHEMA,
    SCHEMA_VERSION,
    replication_schema,
    write_table,
)

__all__ = [
    "EVENT_SCHEMA",
    "ITEM_SCHEMA",
    "SCHEMA_VERSION",
    "RunDirectory",
    "new_run_name",
    "replication_schema",
    "write_table",
]
