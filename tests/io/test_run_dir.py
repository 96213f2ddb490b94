"""Checking a folder for runs before simulating."""

from __future__ import annotations

from pathlib import Path

from sim.io.run_dir import writable_reason


def test_a_missing_folder_passes_and_is_not_left_behind(tmp_path: Path) -> None:
    assert writable_reason(tmp_path / "a" / "b") is None
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "kept").mkdir()
    assert writable_reason(tmp_path / "kept") is None
    assert [p.name for p in tmp_path.iterdir()] == ["kept"]
    assert list((tmp_path / "kept").iterdir()) == []  # no probe left


def test_a_file_on_the_way_or_an_impossible_path_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert writable_reason(blocker / "runs") == f"{blocker} is a file"
    assert writable_reason(blocker / "runs" / "deeper") == f"{blocker} is a file"
    assert writable_reason(Path("/proc/no/such/folder")) is not None
