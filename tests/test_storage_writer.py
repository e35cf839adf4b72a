"""BackgroundWriter: batching on an adaptive cadence, durable writes, and an event loop that never waits."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from scalp_system.config import StorageConfig
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.core.orders import Fill, Order, Side
from scalp_system.storage import (
    BackgroundWriter,
    CadencePolicy,
    Durability,
    Store,
    WriterClosedError,
    WriterMode,
    read_books,
)


def config_for(tmp_path: Path, **overrides: object) -> StorageConfig:
    values: dict[str, object] = {
        "db_path": tmp_path / "scalp.db",
        "spill_dir": tmp_path / "spill",
        "backup_dir": tmp_path / "backup",
        "min_flush_ms": 5,
        "max_flush_ms": 80,
        "lock_timeout_s": 5.0,
    }
    values.update(overrides)
    return StorageConfig(**values)  # type: ignore[arg-type]


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll a condition (a wait, not a timing assertion: the timeout only guards against hangs)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.005)


def book(i: int, instrument: str = "SBER", ts: int | None = None) -> OrderBook:
    return OrderBook.build(
        instrument, [(10_000 - i % 7, 1 + i % 5)], [(10_001 + i % 3, 2)], ts or 1_000 + i, depth=20
    )


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[BackgroundWriter]:
    w = BackgroundWriter(config_for(tmp_path)).start()
    yield w
    w.close()


# --- the cadence rule (pure) ----------------------------------------------------------------------


def test_cadence_drops_to_the_minimum_under_a_backlog() -> None:
    policy = CadencePolicy(50, 2_000, target_batch_rows=1_000)
    assert policy.next_interval_ms(1_500, depth=1_000, latency_ms=300) == 50


def test_cadence_grows_toward_the_maximum_when_idle() -> None:
    policy = CadencePolicy(50, 2_000)
    interval = 50.0
    for _ in range(20):
        interval = policy.next_interval_ms(interval, depth=0, latency_ms=1)
    assert interval == 2_000


def test_cadence_never_flushes_faster_than_the_write_latency_allows() -> None:
    policy = CadencePolicy(50, 2_000, target_batch_rows=1_000, duty=0.2)
    assert policy.next_interval_ms(100, depth=400, latency_ms=60) == pytest.approx(300)  # 60 ms / 0.2


def test_cadence_stays_within_bounds_for_any_depth_and_latency() -> None:
    policy = CadencePolicy(50, 2_000, target_batch_rows=500)
    rng = np.random.default_rng(3)
    interval = 50.0
    for depth, latency in zip(rng.integers(0, 3_000, 5_000), rng.exponential(200, 5_000), strict=True):
        interval = policy.next_interval_ms(interval, int(depth), float(latency))
        assert 50 <= interval <= 2_000


def test_the_writers_interval_rises_when_idle_falls_under_load_and_stays_in_bounds(tmp_path: Path) -> None:
    cadence = CadencePolicy(5, 80, target_batch_rows=200)
    with BackgroundWriter(config_for(tmp_path), cadence=cadence).start() as w:
        wait_until(lambda: w.stats.interval_ms == 80)  # idle: drifts to the maximum
        w.submit_many("metrics", ({"ts_ns": i, "name": "x", "value": 1.0} for i in range(1_000)))
        wait_until(lambda: w.stats.interval_min_seen_ms == 5 and w.stats.queued_rows == 0)
        history = w.interval_history()
    assert min(history) == 5 and max(history) == 80
    assert all(5 <= value <= 80 for value in history)


# --- writing --------------------------------------------------------------------------------------


def test_submitted_rows_are_in_the_database_after_flush(writer: BackgroundWriter) -> None:
    for i in range(500):
        writer.record_book(book(i))
    writer.record_trade(Trade("SBER", 10_000, 3, Aggressor.BUY, 2_000, 2_001, "t-1"))
    assert writer.flush(10)
    with Store(writer.db_path, read_only=True) as reader:
        assert len(read_books(reader, "SBER")) == 500
        assert reader.count("trades") == 1


def test_a_durable_write_resolves_once_committed_and_another_connection_sees_it(
    writer: BackgroundWriter,
) -> None:
    order = Order(
        "7b4c0a62-1d1e-4d61-9f25-1f6f0b2b8a11", "SBER", Side.BUY, 2, 27_500, created_ts_ns=1, updated_ts_ns=1
    )
    assert writer.save_order(order).result(10) is Durability.COMMITTED
    with Store(writer.db_path, read_only=True) as reader:
        assert reader.order(order.intent_key) == order


def test_books_sharing_an_exchange_time_are_all_kept_in_arrival_order(writer: BackgroundWriter) -> None:
    for i in range(5):
        writer.record_book(book(i, ts=42))
    assert writer.flush(10)
    with Store(writer.db_path, read_only=True) as reader:
        frame = read_books(reader, "SBER")
    assert frame.bid_qty[:, 0].tolist() == [book(i).bid_qty[0] for i in range(5)]


def test_a_bad_row_is_rejected_with_an_alert_and_the_rest_of_the_batch_is_kept(tmp_path: Path) -> None:
    alerts: list[tuple[str, str]] = []
    with BackgroundWriter(config_for(tmp_path), on_alert=lambda k, d: alerts.append((k, d))).start() as w:
        w.submit("metrics", {"ts_ns": 1, "name": "ok", "value": 1.0})
        w.submit("metrics", {"ts_ns": 2, "name": "bad"})  # no value
        bad_money = w.submit_durable(
            "fills",
            {
                "trade_id": "t",
                "order_id": "o",
                "intent_key": "k",
                "instrument_id": "SBER",
                "side": 1,
                "lots": 1,
                "price": 1.5,
                "ts_ns": 1,
            },
        )
        with pytest.raises(ValueError, match="money"):
            bad_money.result(10)
        assert w.flush(10)
        assert w.stats.rows_rejected == 2
    assert alerts[0][0] == "STORAGE_ROW_REJECTED"
    with Store(tmp_path / "scalp.db") as reader:
        assert reader.count("metrics") == 1


def test_close_stores_everything_and_refuses_later_rows(tmp_path: Path) -> None:
    w = BackgroundWriter(config_for(tmp_path, min_flush_ms=1_000, max_flush_ms=2_000)).start()
    for i in range(100):
        w.record_book(book(i))
    assert w.close()
    assert w.mode is WriterMode.CLOSED
    with pytest.raises(WriterClosedError):
        w.record_book(book(0))
    with Store(tmp_path / "scalp.db") as reader:
        assert reader.count("books") == 100


# --- the event loop never waits on disk ----------------------------------------------------------


def test_submit_returns_while_the_writer_thread_is_stuck_on_a_lock(tmp_path: Path) -> None:
    cfg = config_for(tmp_path, lock_timeout_s=30.0)  # the writer would wait up to 30 s for the lock
    Store(cfg.db_path, cfg).close()
    blocker = sqlite3.connect(cfg.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    w = BackgroundWriter(cfg).start()
    try:
        w.record_book(book(0))
        wait_until(lambda: w.stats.in_flight_rows == 1)  # the writer holds the batch, blocked on the lock
        for i in range(1, 2_001):
            w.record_book(book(i))  # every call returns although the writer cannot write
        stats = w.stats
        assert stats.in_flight_rows == 1 and stats.rows_committed == 0  # still stuck: nobody waited for it
        assert stats.queued_rows == 2_000
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert w.flush(30)
    w.close()
    with Store(cfg.db_path) as reader:
        assert reader.count("books") == 2_001


async def test_the_event_loop_keeps_running_while_a_durable_write_waits_for_a_lock(tmp_path: Path) -> None:
    cfg = config_for(tmp_path, lock_timeout_s=30.0)
    Store(cfg.db_path, cfg).close()
    blocker = sqlite3.connect(cfg.db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    w = BackgroundWriter(cfg).start()
    fill = Fill("T-9", "O-9", "k-9", "SBER", Side.BUY, 1, Decimal("275.10"), 5)
    pending = asyncio.ensure_future(asyncio.wrap_future(w.save_fill(fill)))
    for _ in range(1_000):  # the loop turns a thousand times while the fill cannot be written
        await asyncio.sleep(0)
    assert not pending.done()
    blocker.execute("ROLLBACK")
    blocker.close()
    assert await pending is Durability.COMMITTED
    assert await w.flush_async(10)
    w.close()
