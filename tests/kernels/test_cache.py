"""Old kernel caches are removed once idle; the current one and unrelated folders stay."""

from __future__ import annotations

import os
from pathlib import Path

from sim.kernels import _DIGEST_FOLDER, CACHE_DIR, prune_stale_caches

DAY = 86400.0


def _folder(root: Path, name: str, idle_days: float, now: float) -> Path:
    folder = root / name
    (folder / "sim" / "kernels").mkdir(parents=True)
    (folder / "sim" / "kernels" / "world.run_audit-126.py311.nbi").write_bytes(b"x")
    os.utime(folder, (now - idle_days * DAY, now - idle_days * DAY))
    return folder


def test_idle_digest_folders_go_and_the_rest_stay(tmp_path: Path) -> None:
    now = 2_000_000_000.0
    current = _folder(tmp_path, "0123456789abcdef-O2", 400, now)
    old = _folder(tmp_path, "fedcba9876543210-O2", 31, now)
    old_unsuffixed = _folder(tmp_path, "51a71f8f05be534f", 90, now)
    recent = _folder(tmp_path, "aaaaaaaaaaaaaaaa-Omax", 29, now)
    unrelated = _folder(tmp_path, "my-notes", 900, now)
    removed = prune_stale_caches(30.0, current, now)
    assert sorted(removed) == sorted([old, old_unsuffixed])
    assert not old.exists()
    assert not old_unsuffixed.exists()
    for kept in (current, recent, unrelated):
        assert kept.exists()
    assert current.stat().st_mtime == now  # marked as used: it stays for another 30 days


def test_a_missing_cache_root_is_not_an_error(tmp_path: Path) -> None:
    assert prune_stale_caches(30.0, tmp_path / "absent" / "0123456789abcdef-O2") == []


def test_the_current_cache_is_named_like_the_folders_it_prunes() -> None:
    assert _DIGEST_FOLDER.fullmatch(CACHE_DIR.name)
