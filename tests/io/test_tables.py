from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.io.run_dir import RunDirectory
from sim.io.tables import EVENT_SCHEMA, to_table, write_table


def event_chunk(m: int) -> dict[str, np.ndarray]:
    return {
        "replication": np.zeros(m, np.int32),
        "review": np.arange(m, dtype=np.int32),
        "item": np.arange(m, dtype=np.int32),
        "stratum": np.zeros(m, np.int32),
        "expert": np.ones(m, np.int16),
        "stage": np.ones(m, np.int8),
        "start_minute": np.zeros(m),
        "finish_minute": np.ones(m),
        "work_minutes": np.ones(m),
        "n_segments": np.ones(m, np.int16),
        "usd": np.ones(m),
        "label": np.array([1.5, np.nan][:m]),
        "label_correct": np.ones(m, bool),
        "original_wrong": np.zeros(m, bool),
    }


def test_na_labels_are_null_and_codes_are_named(tmp_path: Path) -> None:
    table = to_table([event_chunk(2)], EVENT_SCHEMA, {"stratum": ["s"], "expert": ["a", "b"]})
    write_table(table, tmp_path / "events.parquet")
    back = pq.read_table(tmp_path / "events.parquet")
    assert back.column("label").to_pylist() == [1.5, None]
    assert back.column("expert").to_pylist() == ["b", "b"]
    assert back.schema.metadata[b"stewardsim.table"] == b"events"
    assert not list(tmp_path.glob(".*"))


def test_a_failed_run_leaves_nothing(tmp_path: Path) -> None:
    def crash() -> None:
        with RunDirectory(tmp_path, "run") as tmp:
            (tmp / "half.parquet").write_text("x")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError):
        crash()
    assert list(tmp_path.iterdir()) == []


def test_a_finished_run_appears_whole_and_never_overwrites(tmp_path: Path) -> None:
    for _ in range(2):
        with RunDirectory(tmp_path, "run") as tmp:
            (tmp / "summary.json").write_text("{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run", "run-1"]
