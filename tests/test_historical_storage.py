"""Historical storage and the schema: WAL, migrations, exact frame round trips, idempotent writes, info."""

from __future__ import annotations

import gzip
import sqlite3
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from scalp_system.config import StorageConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Fill, Order, OrderStatus, Side
from scalp_system.storage import (
    LATEST_VERSION,
    SchemaTooNewError,
    Store,
    info,
    read_books,
    read_books_many,
    read_trades,
    write_book_frame,
    write_trade_frame,
)
from scalp_system.storage.rows import book_row, fill_row, order_row

LEVELS = 20


def make_books(
    instrument: str, n: int, seed: int = 7, levels: int = LEVELS, t0: int = 1_000_000
) -> BookFrame:
    """Synthetic depth-``levels`` books with repeated timestamps and some thin (zero-padded) levels."""
    rng = np.random.default_rng(seed)
    exchange = t0 + np.cumsum(rng.integers(0, 3, n)).astype(np.int64)  # 0 steps → equal times
    local = exchange + rng.integers(0, 5, n)  # arrival times need not follow exchange-time ties
    mid = 10_000 + np.cumsum(rng.integers(-1, 2, n))
    offsets = np.arange(levels)
    bid_px = (mid[:, None] - 1 - offsets[None, :]).astype(np.int64)
    ask_px = (mid[:, None] + 1 + offsets[None, :]).astype(np.int64)
    bid_qty = rng.integers(1, 500, (n, levels)).astype(np.int64)
    ask_qty = rng.integers(1, 500, (n, levels)).astype(np.int64)
    thin = rng.random(n) < 0.1
    bid_px[thin, levels // 2 :] = 0
    bid_qty[thin, levels // 2 :] = 0
    consistent = rng.random(n) > 0.05
    return BookFrame(instrument, exchange, local, bid_px, bid_qty, ask_px, ask_qty, consistent)


def make_trades(instrument: str, n: int, seed: int = 11, t0: int = 1_000_000) -> TradeFrame:
    """Synthetic trades with tied timestamps and unique ids."""
    rng = np.random.default_rng(seed)
    exchange = t0 + np.cumsum(rng.integers(0, 3, n)).astype(np.int64)
    return TradeFrame(
        instrument,
        exchange,
        exchange + 5,
        rng.integers(9_900, 10_100, n).astype(np.int64),
        rng.integers(1, 50, n).astype(np.int64),
        rng.integers(1, 3, n).astype(np.int8),
        np.array([f"{instrument}-{i}" for i in range(n)], dtype=np.str_),
    )


def assert_books_equal(got: BookFrame, want: BookFrame) -> None:
    assert got.instrument_id == want.instrument_id
    for name in ("exchange_ts_ns", "local_ts_ns", "bid_px", "bid_qty", "ask_px", "ask_qty", "is_consistent"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


def assert_trades_equal(got: TradeFrame, want: TradeFrame) -> None:
    for name in ("exchange_ts_ns", "local_ts_ns", "price_ticks", "lots", "aggressor", "trade_id"):
        np.testing.assert_array_equal(getattr(got, name), getattr(want, name), err_msg=name)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "scalp.db", StorageConfig()) as opened:
        yield opened


# --- schema, WAL, migrations -------------------------------------------------------------------


def test_a_new_store_is_in_wal_mode_at_the_latest_schema_version(store: Store) -> None:
    assert store.journal_mode == "wal"
    assert store.schema_version == LATEST_VERSION
    raw = sqlite3.connect(store.path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persistent, seen by every connection
    raw.close()


def test_migrations_run_in_order_from_version_zero_and_keep_existing_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store(path, migrate_to=1) as old:
        assert old.schema_version == 1
        tables = {r[0] for r in old.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "books" in tables and "orders" not in tables
        write_book_frame(old, make_books("SBER", 10))
    with Store(path) as upgraded:
        assert upgraded.schema_version == LATEST_VERSION
        assert upgraded.count("orders") == 0
        assert len(read_books(upgraded, "SBER")) == 10


def test_reopening_a_migrated_store_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    with Store(path) as first:
        write_book_frame(first, make_books("SBER", 5))
        schema = first.conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()
    with Store(path) as second:
        assert second.schema_version == LATEST_VERSION
        assert second.conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall() == schema
        assert len(read_books(second, "SBER")) == 5


def test_a_database_from_newer_software_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {LATEST_VERSION + 1}")
    raw.close()
    with pytest.raises(SchemaTooNewError):
        Store(path)


# --- frames round trip ---------------------------------------------------------------------------


def test_a_book_frame_round_trips_exactly(store: Store) -> None:
    books = make_books("SBER", 3_000)
    assert write_book_frame(store, books) == 3_000
    assert_books_equal(read_books(store, "SBER"), books)


def test_a_trade_frame_round_trips_exactly(store: Store) -> None:
    trades = make_trades("SBER", 9_000)
    assert write_trade_frame(store, trades) == 9_000
    assert_trades_equal(read_trades(store, "SBER"), trades)


def test_a_time_range_is_half_open_on_exchange_time(store: Store) -> None:
    books = make_books("SBER", 5_000)
    trades = make_trades("SBER", 5_000)
    write_book_frame(store, books)
    write_trade_frame(store, trades)
    start, end = int(books.exchange_ts_ns[1_234]), int(books.exchange_ts_ns[3_456])
    mask = (books.exchange_ts_ns >= start) & (books.exchange_ts_ns < end)
    got = read_books(store, "SBER", start, end)
    assert len(got) == int(mask.sum())
    np.testing.assert_array_equal(got.bid_qty, books.bid_qty[mask])
    tmask = (trades.exchange_ts_ns >= start) & (trades.exchange_ts_ns < end)
    np.testing.assert_array_equal(read_trades(store, "SBER", start, end).trade_id, trades.trade_id[tmask])


def test_writing_the_same_frames_twice_adds_nothing(store: Store) -> None:
    books, trades = make_books("SBER", 2_500), make_trades("SBER", 2_500)
    write_book_frame(store, books)
    write_trade_frame(store, trades)
    assert write_book_frame(store, books) == 0
    assert write_trade_frame(store, trades) == 0
    assert_books_equal(read_books(store, "SBER"), books)
    assert_trades_equal(read_trades(store, "SBER"), trades)


def tie_seq(books: BookFrame) -> list[int]:
    """The seq a live recorder gives each book: its arrival rank among books with equal exchange time."""
    seen: dict[int, int] = {}
    out = []
    for e in books.exchange_ts_ns.tolist():
        seen[e] = seen.get(e, -1) + 1
        out.append(seen[e])
    return out


def group_start_at_or_after(books: BookFrame, index: int) -> int:
    """The first row at or after ``index`` whose exchange time differs from the row before it."""
    while books.exchange_ts_ns[index] == books.exchange_ts_ns[index - 1]:
        index += 1
    return index


def test_overlapping_frames_and_live_rows_read_back_once_each(store: Store) -> None:
    books = make_books("SBER", 3_000)
    cut_a, cut_b = group_start_at_or_after(books, 1_500), group_start_at_or_after(books, 2_000)
    write_book_frame(store, books.slice(0, cut_b))
    write_book_frame(store, books.slice(cut_a, 3_000), block_rows=700)  # overlap, other chunking
    seq = tie_seq(books)
    store.write_rows("books", [book_row(books.book(i), seq[i]) for i in range(2_900, 3_000)])  # live copies
    assert_books_equal(read_books(store, "SBER"), books)


def test_live_rows_alone_read_back_exactly(store: Store) -> None:
    books = make_books("SBER", 400)
    seq = tie_seq(books)
    rows = [book_row(books.book(i), seq[i]) for i in range(len(books))]
    assert store.write_rows("books", rows) == 400
    assert store.write_rows("books", rows) == 0
    assert_books_equal(read_books(store, "SBER"), books)


def test_several_instruments_are_read_as_one_frame_each(store: Store) -> None:
    frames = {uid: make_books(uid, 700, seed=i) for i, uid in enumerate(("SBER", "GAZP", "LKOH"))}
    for frame in frames.values():
        write_book_frame(store, frame)
    got = read_books_many(store, ["GAZP", "SBER", "UNKNOWN"])
    assert_books_equal(got["GAZP"], frames["GAZP"])
    assert_books_equal(got["SBER"], frames["SBER"])
    assert len(got["UNKNOWN"]) == 0


def test_the_levels_option_cuts_deeper_and_pads_thinner_books(store: Store) -> None:
    books = make_books("SBER", 50, levels=10)
    write_book_frame(store, books)
    cut = read_books(store, "SBER", levels=5)
    np.testing.assert_array_equal(cut.ask_px, books.ask_px[:, :5])
    padded = read_books(store, "SBER", levels=20)
    np.testing.assert_array_equal(padded.ask_px[:, :10], books.ask_px)
    assert not padded.ask_px[:, 10:].any()


def test_a_real_recording_round_trips_exactly(store: Store, shared_data: Path) -> None:
    path = shared_data / "usdm_btcusdt_20240808_depth20.csv.gz"
    with gzip.open(path, "rt") as handle:
        handle.readline()  # header
        lines = [line.rstrip("\n").split(",") for line in handle]
    local = np.array([int(p[0]) for p in lines], dtype=np.int64)  # ns: too big for float64, parse as int
    exchange = np.array([int(p[1]) for p in lines], dtype=np.int64) * 1_000_000
    levels = np.array([p[2:] for p in lines], dtype=np.float64).reshape(len(lines), LEVELS, 4)
    raw = levels
    books = BookFrame(
        "BTCUSDT",
        exchange,
        local,
        np.rint(levels[:, :, 0] / 0.1).astype(np.int64),
        np.rint(levels[:, :, 1] / 0.001).astype(np.int64),
        np.rint(levels[:, :, 2] / 0.1).astype(np.int64),
        np.rint(levels[:, :, 3] / 0.001).astype(np.int64),
        np.ones(len(raw), dtype=np.bool_),
    )
    assert write_book_frame(store, books) == len(books)
    assert_books_equal(read_books(store, "BTCUSDT"), books)


def test_info_summarises_instruments_row_counts_and_time_ranges(store: Store) -> None:
    books, trades = make_books("SBER", 1_000), make_trades("SBER", 300)
    write_book_frame(store, books)
    write_trade_frame(store, trades)
    store.write_rows("books", [book_row(OrderBook.build("GAZP", [(10, 1)], [(11, 1)], 5, 6, depth=20))])
    summary = info(store)
    by_uid = {s.uid: s for s in summary.instruments}
    assert by_uid["SBER"].book_rows == 1_000 and by_uid["SBER"].trade_rows == 300
    assert by_uid["SBER"].book_first_ns == int(books.exchange_ts_ns[0])
    assert by_uid["SBER"].book_last_ns == int(books.exchange_ts_ns[-1])
    assert by_uid["SBER"].trade_last_ns == int(trades.exchange_ts_ns[-1])
    assert (
        by_uid["GAZP"].book_rows == 1 and by_uid["GAZP"].book_depth == 20 and by_uid["GAZP"].trade_rows == 0
    )
    assert summary.schema_version == LATEST_VERSION
    assert summary.to_dict()["table_rows"]["books"] == 1


# --- trading rows: exact money, natural keys ------------------------------------------------------


def test_order_money_is_stored_exactly_and_an_older_snapshot_never_overwrites_a_newer_one(
    store: Store,
) -> None:
    pending = Order("k-1", "SBER", Side.BUY, 3, 27_512, created_ts_ns=10, updated_ts_ns=10)
    filled = pending.with_changes(
        status=OrderStatus.FILL,
        lots_executed=3,
        executed_value=Decimal("8253.600000001"),
        updated_ts_ns=20,
    )
    store.write_rows("orders", [order_row(pending)], durable=True)
    store.write_rows("orders", [order_row(filled)], durable=True)
    store.write_rows("orders", [order_row(pending)], durable=True)  # a replay of the older snapshot
    assert store.order("k-1") == filled
    assert store.orders(open_only=True) == []


def test_fills_are_deduplicated_by_trade_id(store: Store) -> None:
    fill = Fill("T-1", "O-1", "k-1", "SBER", Side.SELL, 2, Decimal("275.13"), 99, Decimal("0.05"))
    assert store.write_rows("fills", [fill_row(fill)], durable=True) == 1
    assert store.write_rows("fills", [fill_row(fill)], durable=True) == 0
    assert store.fills("k-1") == [fill]
