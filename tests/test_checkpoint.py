"""Checkpoints: atomic, verified, pruned, and a corrupt newest one falls back to the previous."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalp_system.orchestration.checkpoint import CheckpointError, CheckpointStore


def test_latest_checkpoint_round_trips_its_state(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save({"a": 1})
    store.save({"a": 2, "pnl": "12.50"})
    loaded = store.load_latest()
    assert loaded is not None
    assert loaded.state == {"a": 2, "pnl": "12.50"}
    assert loaded.sequence == 2


def test_only_the_last_n_checkpoints_are_kept(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path, keep=3)
    for value in range(6):
        store.save({"v": value})
    assert len(list(tmp_path.glob("checkpoint-*.json"))) == 3


def test_a_torn_newest_checkpoint_falls_back_to_the_previous(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    store.save({"v": 1})
    newest = store.save({"v": 2})
    newest.write_bytes(newest.read_bytes()[:20])
    loaded = store.load_latest()
    assert loaded is not None and loaded.state == {"v": 1}
    assert loaded.skipped[0][0] == newest


def test_an_edited_checkpoint_fails_its_checksum(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path)
    path = store.save({"lots": 5})
    path.write_text(path.read_text().replace('\\"lots\\":5', '\\"lots\\":9'))
    with pytest.raises(CheckpointError, match="checksum mismatch"):
        CheckpointStore.read(path)


def test_no_checkpoint_means_none(tmp_path: Path) -> None:
    assert CheckpointStore(tmp_path / "missing").load_latest() is None


def test_no_temp_files_are_left_behind(tmp_path: Path) -> None:
    CheckpointStore(tmp_path).save({"v": 1})
    assert not list(tmp_path.glob("*.tmp"))
