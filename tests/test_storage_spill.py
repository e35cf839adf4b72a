"""Storage failures: each kind spills to JSONL, raises an alert, backs up, and merges back losing nothing.

Every failure is real SQLite behaviour on real files: a page quota (``max_page_count``) makes SQLite
return SQLITE_FULL exactly as a full disk does; another connection holds an EXCLUSIVE lock; the file
header is overwritten; the database is opened ``mode=ro``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from scalp_system.config import StorageConfig
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Fill, Order, OrderStatus, Side
from scalp_system.storage import (
    BackgroundWriter,
    Durability,
    SpillWriter,
    StorageFailure,
    StorageUnavailableError,
    Store,
    WriterMode,
    classify_failure,
    merge_spill,
)
from scalp_system.storage.rows import book_row, decode_record, encode_record, fill_row, order_row
from scalp_system.storage.spill import MERGED_DIR, attempt_backup

Alerts = list[tuple[str, str]]


def config_for(tmp_path: Path, **overrides: object) -> StorageConfig:
    values: dict[str, object] = {
        "db_path": tmp_path / "scalp.db",
        "spill_dir": tmp_path / "spill",
        "backup_dir": tmp_path / "backup",
        "min_flush_ms": 5,
        "max_flush_ms": 50,
        "lock_timeout_s": 0.2,
    }
    values.update(overrides)
    return StorageConfig(**values)  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    """Poll a condition (a wait, not a timing assertion: the timeout only guards against hangs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def order(i: int) -> Order:
    return Order(
        f"00000000-0000-4000-8000-{i:012d}",
        "SBER",
        Side.BUY,
        1 + i % 3,
        27_500 + i,
        created_ts_ns=i,
        updated_ts_ns=i,
    )


def fill(i: int) -> Fill:
    return Fill(
        f"T-{i}",
        f"O-{i}",
        order(i).intent_key,
        "SBER",
        Side.BUY,
        1,
        Decimal("275.01") + i,
        i,
        Decimal("0.0275"),
    )


class Workload:
    """A mixed stream of accepted rows: books (plain submit), orders and fills (durable)."""

    def __init__(self) -> None:
        self.books: list[OrderBook] = []
        self.orders: list[Order] = []
        self.fills: list[Fill] = []

    def send(self, writer: BackgroundWriter, start: int, count: int) -> list[Durability]:
        outcomes = []
        for i in range(start, start + count):
            b = OrderBook.build(
                "SBER", [(10_000 - i % 9, 1 + i % 4)], [(10_001, 2 + i % 5)], 1_000 + i, depth=20
            )
            writer.record_book(b)
            self.books.append(b)
            if i % 10 == 0:
                self.orders.append(order(i))
                self.fills.append(fill(i))
                outcomes.append(writer.save_order(order(i)).result(30))
                outcomes.append(writer.save_fill(fill(i)).result(30))
        return outcomes

    def assert_stored_exactly_once(self, store: Store) -> None:
        books = Counter(tuple(sorted(r.items())) for r in store.rows("books"))
        want = Counter(tuple(sorted(book_row(b).items())) for b in self.books)
        assert books == want  # every accepted book, none twice
        assert store.orders() == sorted(self.orders, key=lambda o: (o.created_ts_ns, o.intent_key))
        assert store.fills() == self.fills


def alert_kinds(alerts: Alerts) -> list[str]:
    return [kind for kind, _ in alerts]


# --- each failure kind ----------------------------------------------------------------------------


def test_disk_full_spills_alerts_backs_up_and_merges_back_without_loss_or_duplicates(tmp_path: Path) -> None:
    cfg = config_for(tmp_path)
    with Store(cfg.db_path, cfg) as fresh:
        full_at = int(fresh.conn.execute("PRAGMA page_count").fetchone()[0])
    disk_freed = False
    alerts: Alerts = []

    def open_store() -> Store:  # until the operator frees space, the "disk" holds no more pages
        return Store(cfg.db_path, cfg, max_db_pages=None if disk_freed else full_at)

    work = Workload()
    w = BackgroundWriter(
        cfg, store_factory=open_store, on_alert=lambda k, d: alerts.append((k, d)), recovery_probe_s=0.05
    ).start()
    outcomes = work.send(w, 0, 300)
    assert w.flush(30)
    assert StorageFailure.DISK_FULL in alert_kinds(alerts)
    assert Durability.SPILLED in outcomes and w.stats.rows_spilled > 0
    backup = w.stats.last_backup
    assert backup is not None and backup.method == "sqlite_backup" and backup.path is not None
    assert backup.path.exists()
    disk_freed = True
    wait_until(lambda: w.mode is WriterMode.SQLITE)
    work.send(w, 300, 50)
    assert w.close()
    assert "STORAGE_RECOVERED" in alert_kinds(alerts)
    with Store(cfg.db_path, cfg) as store:
        work.assert_stored_exactly_once(store)


def test_a_lock_held_past_the_timeout_spills_and_the_writer_recovers_by_itself(tmp_path: Path) -> None:
    cfg = config_for(tmp_path)
    Store(cfg.db_path, cfg).close()
    alerts: Alerts = []
    blocker = sqlite3.connect(cfg.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    work = Workload()
    w = BackgroundWriter(cfg, on_alert=lambda k, d: alerts.append((k, d)), recovery_probe_s=0.05).start()
    outcomes = work.send(w, 0, 200)
    assert w.flush(30)
    assert set(outcomes) == {Durability.SPILLED}
    assert alert_kinds(alerts)[0] == StorageFailure.LOCKED
    assert (
        w.stats.last_backup is not None and w.stats.last_backup.path is not None
    )  # readers still work in WAL
    blocker.execute("ROLLBACK")
    blocker.close()
    wait_until(lambda: w.mode is WriterMode.SQLITE)
    assert w.last_merge is not None and w.last_merge.rows_read > 0
    work.send(w, 200, 30)
    assert w.close()
    with Store(cfg.db_path, cfg) as store:
        work.assert_stored_exactly_once(store)


def test_a_corrupt_database_spills_keeps_a_raw_copy_and_merges_into_a_replacement(tmp_path: Path) -> None:
    cfg = config_for(tmp_path)
    with Store(cfg.db_path, cfg) as store:
        store.write_rows("metrics", [{"ts_ns": 1, "name": "before", "value": 1.0}])
    with open(cfg.db_path, "r+b") as handle:
        handle.write(b"this is not an sqlite file at all" * 3)  # the 100-byte header is gone
    alerts: Alerts = []
    work = Workload()
    w = BackgroundWriter(cfg, on_alert=lambda k, d: alerts.append((k, d)), recovery_probe_s=60).start()
    outcomes = work.send(w, 0, 120)
    assert w.flush(30)
    assert set(outcomes) == {Durability.SPILLED}
    assert alert_kinds(alerts)[0] == StorageFailure.CORRUPT
    backup = w.stats.last_backup
    assert backup is not None and backup.method == "raw_copy" and backup.path is not None
    assert (backup.path / "scalp.db").read_bytes() == cfg.db_path.read_bytes()
    assert w.close()
    replacement = tmp_path / "replacement.db"
    with Store(replacement, cfg) as store:
        report = merge_spill(store, cfg.spill_dir)
        assert report.rows_read == len(work.books) + len(work.orders) + len(work.fills)
        work.assert_stored_exactly_once(store)


def test_a_read_only_database_spills_and_merges_once_writable_again(tmp_path: Path) -> None:
    cfg = config_for(tmp_path)
    keeper = Store(cfg.db_path, cfg)  # keeps the WAL index alive so read-only opens work
    writable = False
    alerts: Alerts = []

    def open_store() -> Store:
        return Store(cfg.db_path, cfg, read_only=not writable)

    work = Workload()
    w = BackgroundWriter(
        cfg, store_factory=open_store, on_alert=lambda k, d: alerts.append((k, d)), recovery_probe_s=0.05
    ).start()
    outcomes = work.send(w, 0, 100)
    assert w.flush(30)
    assert set(outcomes) == {Durability.SPILLED}
    assert alert_kinds(alerts)[0] == StorageFailure.READ_ONLY
    writable = True
    wait_until(lambda: w.mode is WriterMode.SQLITE)
    assert w.close()
    keeper.close()
    with Store(cfg.db_path, cfg) as store:
        work.assert_stored_exactly_once(store)


def test_a_durable_row_fails_loudly_when_neither_database_nor_spill_can_take_it(tmp_path: Path) -> None:
    cfg = config_for(tmp_path, spill_dir=tmp_path / "not-a-dir")
    (tmp_path / "not-a-dir").write_text("a file where the spill directory should be")
    raw = sqlite3.connect(cfg.db_path)
    raw.execute("PRAGMA user_version = 999")  # unusable store: written by "newer software"
    raw.close()
    alerts: Alerts = []
    w = BackgroundWriter(cfg, on_alert=lambda k, d: alerts.append((k, d)), recovery_probe_s=60).start()
    with pytest.raises(StorageUnavailableError):
        w.save_fill(fill(1)).result(30)
    assert "STORAGE_SPILL_FAILED" in alert_kinds(alerts)
    w.close(timeout=0.5)


# --- merge mechanics --------------------------------------------------------------------------------


def spill_some(spill_dir: Path, rows: list[tuple[str, dict[str, Any]]]) -> None:
    writer = SpillWriter(spill_dir, rotate_mb=64)
    writer.append(rows)
    writer.close()


def test_merging_the_same_spill_twice_or_after_a_crash_before_archiving_adds_nothing(tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    rows = [("fills", fill_row(fill(i))) for i in range(50)] + [
        ("orders", order_row(order(i))) for i in range(50)
    ]
    spill_some(spill_dir, rows)
    with Store(tmp_path / "scalp.db") as store:
        first = merge_spill(store, spill_dir)
        assert first.rows_read == 100 and first.rows_changed == 100
        for archived in (spill_dir / MERGED_DIR).iterdir():  # as if the move had never happened
            shutil.copy(archived, spill_dir / archived.name)
        again = merge_spill(store, spill_dir)
        assert again.rows_read == 100
        assert store.count("fills") == 50 and store.count("orders") == 50


def test_an_older_order_snapshot_in_the_spill_never_overwrites_a_newer_committed_one(tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    old = order(1)
    newer = old.with_changes(status=OrderStatus.FILL, lots_executed=old.lots_requested, updated_ts_ns=99)
    spill_some(spill_dir, [("orders", order_row(old))])
    with Store(tmp_path / "scalp.db") as store:
        store.write_rows("orders", [order_row(newer)], durable=True)
        merge_spill(store, spill_dir)
        assert store.order(old.intent_key) == newer


def test_an_orphaned_partial_file_is_merged_at_start_and_its_torn_last_line_skipped(tmp_path: Path) -> None:
    cfg = config_for(tmp_path)
    cfg.spill_dir.mkdir()
    good = b"".join(encode_record("fills", fill_row(fill(i))) for i in range(3))
    torn = encode_record("fills", fill_row(fill(3)))[:25]  # the crash hit mid-append
    (cfg.spill_dir / "spill-00000000000000000001-0001.jsonl.part").write_bytes(good + torn)
    w = BackgroundWriter(cfg).start()
    assert w.flush(10)
    assert w.last_merge is not None and w.last_merge.torn_lines == 1 and w.last_merge.rows_read == 3
    w.close()
    with Store(cfg.db_path, cfg) as store:
        assert [f.trade_id for f in store.fills()] == ["T-0", "T-1", "T-2"]


def test_a_live_writers_partial_file_is_left_alone_by_a_concurrent_merge(tmp_path: Path) -> None:
    spill_dir = tmp_path / "spill"
    live = SpillWriter(spill_dir, rotate_mb=64)
    live.append([("fills", fill_row(fill(1)))])
    with Store(tmp_path / "scalp.db") as store:
        report = merge_spill(store, spill_dir)
        assert report.rows_read == 0 and live.current_path is not None and live.current_path.exists()
        live.close()
        assert merge_spill(store, spill_dir).rows_read == 1


def test_spill_files_rotate_at_the_size_limit_and_are_fsynced_lines(tmp_path: Path) -> None:
    writer = SpillWriter(tmp_path / "spill", rotate_mb=1)
    rows = [
        ("books", book_row(OrderBook.build("SBER", [(i, 1)] * 20, [(i + 1, 1)] * 20, i, depth=20), 0))
        for i in range(2_500)
    ]
    for start in range(0, len(rows), 100):
        writer.append(rows[start : start + 100])
    writer.close()
    files = sorted((tmp_path / "spill").glob("spill-*.jsonl"))
    assert len(files) >= 2
    assert all(os.path.getsize(f) < 2 * 1024 * 1024 for f in files)
    decoded = [decode_record(line) for f in files for line in f.read_bytes().splitlines()]
    assert decoded == rows  # bytes (level blobs) survive the JSON round trip


def test_a_bad_line_in_a_spill_file_sends_the_file_to_rejected_after_merging_its_good_lines(
    tmp_path: Path,
) -> None:
    spill_dir = tmp_path / "spill"
    spill_dir.mkdir()
    (spill_dir / "spill-00000000000000000001-0001.jsonl").write_bytes(
        encode_record("fills", fill_row(fill(1))) + b"{garbage}\n" + encode_record("fills", fill_row(fill(2)))
    )
    with Store(tmp_path / "scalp.db") as store:
        report = merge_spill(store, spill_dir)
        assert store.count("fills") == 2
    assert len(report.bad_lines) == 1 and "line 2" in report.bad_lines[0]
    assert (spill_dir / "rejected" / "spill-00000000000000000001-0001.jsonl").exists()


# --- classification and backup -------------------------------------------------------------------


def test_each_sqlite_failure_is_classified_by_its_error_code(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    with Store(path) as store:
        pages = int(store.conn.execute("PRAGMA page_count").fetchone()[0])
    with Store(path, max_db_pages=pages) as capped, pytest.raises(sqlite3.Error) as full:
        capped.write_rows("metrics", [{"ts_ns": i, "name": "n" * 200, "value": 1.0} for i in range(2_000)])
    assert classify_failure(full.value) is StorageFailure.DISK_FULL
    with Store(path, read_only=True) as ro, pytest.raises(sqlite3.Error) as readonly:
        ro.write_rows("metrics", [{"ts_ns": 1, "name": "x", "value": 1.0}])
    assert classify_failure(readonly.value) is StorageFailure.READ_ONLY
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00garbage" * 512)
    with pytest.raises(sqlite3.DatabaseError) as corrupt:
        Store(garbage)
    assert classify_failure(corrupt.value) is StorageFailure.CORRUPT
    assert classify_failure(OSError(28, "No space left on device")) is StorageFailure.DISK_FULL


def test_a_backup_of_a_healthy_database_is_a_readable_copy(tmp_path: Path) -> None:
    with Store(tmp_path / "scalp.db") as store:
        store.write_rows("fills", [fill_row(fill(1))], durable=True)
    result = attempt_backup(tmp_path / "scalp.db", tmp_path / "backup")
    assert result.method == "sqlite_backup" and result.path is not None
    with Store(result.path, read_only=True) as copy:
        assert copy.fills() == [fill(1)]
