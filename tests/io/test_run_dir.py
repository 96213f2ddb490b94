"""Checking a folder for runs before simulating."""

from __future__ import annotations

from pathlib import Path

from sim.io.run_dir import writable_reason


def test_a_missing_folder_is_created_and_left_without_the_probe(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    assert writable_reason(folder) is None
    assert folder.is_dir()
    assert list(folder.iterdir()) == []


def test_a_file_on_the_way_or_an_impossible_path_is_named(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert writable_reason(blocker / "runs") == "Not a directory"
    assert writable_reason(Path("/proc/no/such/folder")) is not None
