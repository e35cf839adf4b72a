"""Historical storage: bulk-write and range-read books and trades as numpy frames.

The research side of the store: ``scalp data import`` and ``scalp record`` write ``BookFrame``s and
``TradeFrame``s in bulk; batch features, training and backtests read a time range back as frames.
Reads are one indexed range scan per instrument; book levels come back by joining the per-row
int64 blobs and one ``numpy.frombuffer`` (no per-level Python work), trades by transposing the
fetched tuples straight into int64 arrays. Ranges are half-open ``[start_ns, end_ns)`` on exchange
time; rows come in (exchange time, local time, seq) order, which is the frame contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.storage.migrations import schema_version
from scalp_system.storage.store import Store

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_LE_I64 = np.dtype("<i8")


def _tie_seq(*keys: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Occurrence number of each row among earlier rows with equal ``keys`` (0 for the first)."""
    n = keys[0].shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    index = np.arange(n, dtype=np.int64)
    order = np.lexsort((index, *reversed(keys)))  # first key primary, file order last
    same = np.ones(n - 1, dtype=np.bool_)
    for key in keys:
        sorted_key = key[order]
        same &= sorted_key[1:] == sorted_key[:-1]
    new_group = np.empty(n, dtype=np.bool_)
    new_group[0] = True
    new_group[1:] = ~same
    starts = np.maximum.accumulate(np.where(new_group, index, 0))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = index - starts
    return seq


def write_book_frame(store: Store, frame: BookFrame) -> int:
    """Write every book of ``frame`` in one transaction; returns rows added (duplicates ignored).

    Books with equal exchange and local times get ``seq`` 0, 1, ... in frame order, so writing the
    same frame again adds nothing.
    """
    n = len(frame)
    if n == 0:
        return 0
    depth = frame.levels
    blobs = np.ascontiguousarray(
        np.stack([frame.bid_px, frame.bid_qty, frame.ask_px, frame.ask_qty], axis=1), dtype=_LE_I64
    ).reshape(n, 4 * depth)
    seq = _tie_seq(frame.exchange_ts_ns, frame.local_ts_ns)
    conn = store.conn
    before = conn.total_changes
    with store.transaction():
        inst = store.instrument_key(frame.instrument_id)
        stubs = conn.total_changes - before
        rows = zip(
            frame.exchange_ts_ns.tolist(), frame.local_ts_ns.tolist(), seq.tolist(),
            frame.is_consistent.astype(np.int64).tolist(), (row.tobytes() for row in blobs), strict=True,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO books (inst, exchange_ts_ns, local_ts_ns, seq, depth, is_consistent, levels) "
            f"VALUES ({inst:d}, ?, ?, ?, {depth:d}, ?, ?)",
            rows,
        )
    return conn.total_changes - before - stubs


def write_trade_frame(store: Store, frame: TradeFrame) -> int:
    """Write every trade of ``frame`` in one transaction; returns rows added (duplicates ignored)."""
    n = len(frame)
    if n == 0:
        return 0
    trade_ids = [""] * n if frame.trade_id is None else [str(t) for t in frame.trade_id.tolist()]
    seq = _tie_seq(frame.exchange_ts_ns, frame.local_ts_ns)
    conn = store.conn
    before = conn.total_changes
    with store.transaction():
        inst = store.instrument_key(frame.instrument_id)
        stubs = conn.total_changes - before
        rows = zip(
            frame.exchange_ts_ns.tolist(), frame.local_ts_ns.tolist(), seq.tolist(), frame.price_ticks.tolist(),
            frame.lots.tolist(), frame.aggressor.astype(np.int64).tolist(), trade_ids, strict=True,
        )
        conn.executemany(
            "INSERT OR IGNORE INTO trades (inst, exchange_ts_ns, local_ts_ns, seq, price_ticks, lots, aggressor,"
            f" trade_id) VALUES ({inst:d}, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
    return conn.total_changes - before - stubs


def _inst(store: Store, instrument_id: str) -> int | None:
    found = store.conn.execute("SELECT inst FROM instruments WHERE uid = ?", (instrument_id,)).fetchone()
    return None if found is None else int(found[0])


def _bounds(start_ns: int | None, end_ns: int | None) -> tuple[int, int]:
    return (_I64_MIN if start_ns is None else start_ns), (_I64_MAX if end_ns is None else end_ns)


def _empty_books(instrument_id: str, levels: int) -> BookFrame:
    z = np.zeros(0, dtype=np.int64)
    lv = np.zeros((0, levels), dtype=np.int64)
    return BookFrame(instrument_id, z, z.copy(), lv, lv.copy(), lv.copy(), lv.copy(), np.zeros(0, dtype=np.bool_))


def read_books(
    store: Store, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None,
    *, levels: int | None = None,
) -> BookFrame:
    """Books of one instrument with ``start_ns <= exchange_ts_ns < end_ns`` as a BookFrame.

    ``levels``: output depth (deeper stored books are cut, thinner ones zero-padded); default the
    deepest book in the range.
    """
    inst = _inst(store, instrument_id)
    if inst is None:
        return _empty_books(instrument_id, levels or 0)
    lo, hi = _bounds(start_ns, end_ns)
    cursor = store.conn.execute(
        "SELECT exchange_ts_ns, local_ts_ns, is_consistent, depth, levels FROM books "
        "WHERE inst = ? AND exchange_ts_ns >= ? AND exchange_ts_ns < ? "
        "ORDER BY exchange_ts_ns, local_ts_ns, seq",
        (inst, lo, hi),
    )
    rows = cursor.fetchall()
    if not rows:
        return _empty_books(instrument_id, levels or 0)
    exchange, local, consistent, depths, blobs = zip(*rows, strict=True)
    n = len(rows)
    depth_arr = np.fromiter(depths, dtype=np.int64, count=n)
    max_depth = int(depth_arr.max())
    out_levels = max_depth if levels is None else levels
    if int(depth_arr.min()) == max_depth:
        cube = np.frombuffer(b"".join(blobs), dtype=_LE_I64).reshape(n, 4, max_depth)
    else:  # mixed depths in the range: pad row by row (rare: a depth change mid-recording)
        cube = np.zeros((n, 4, max_depth), dtype=np.int64)
        for i, blob in enumerate(blobs):
            d = int(depth_arr[i])
            cube[i, :, :d] = np.frombuffer(blob, dtype=_LE_I64).reshape(4, d)
    if out_levels <= max_depth:
        cube = cube[:, :, :out_levels]
    else:
        padded = np.zeros((n, 4, out_levels), dtype=np.int64)
        padded[:, :, :max_depth] = cube
        cube = padded
    sides = [np.ascontiguousarray(cube[:, k, :], dtype=np.int64) for k in range(4)]
    return BookFrame(
        instrument_id,
        np.fromiter(exchange, dtype=np.int64, count=n),
        np.fromiter(local, dtype=np.int64, count=n),
        sides[0], sides[1], sides[2], sides[3],
        np.fromiter(consistent, dtype=np.bool_, count=n),
    )


def read_trades(store: Store, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None) -> TradeFrame:
    """Trades of one instrument with ``start_ns <= exchange_ts_ns < end_ns`` as a TradeFrame."""
    inst = _inst(store, instrument_id)
    rows: list[tuple[Any, ...]] = []
    if inst is not None:
        lo, hi = _bounds(start_ns, end_ns)
        rows = store.conn.execute(
            "SELECT exchange_ts_ns, local_ts_ns, price_ticks, lots, aggressor, trade_id FROM trades "
            "WHERE inst = ? AND exchange_ts_ns >= ? AND exchange_ts_ns < ? "
            "ORDER BY exchange_ts_ns, local_ts_ns, seq",
            (inst, lo, hi),
        ).fetchall()
    n = len(rows)
    if n == 0:
        z = np.zeros(0, dtype=np.int64)
        return TradeFrame(instrument_id, z, z.copy(), z.copy(), z.copy(), np.zeros(0, np.int8), np.zeros(0, np.str_))
    exchange, local, price, lots, aggressor, trade_id = zip(*rows, strict=True)
    return TradeFrame(
        instrument_id,
        np.fromiter(exchange, dtype=np.int64, count=n),
        np.fromiter(local, dtype=np.int64, count=n),
        np.fromiter(price, dtype=np.int64, count=n),
        np.fromiter(lots, dtype=np.int64, count=n),
        np.fromiter(aggressor, dtype=np.int8, count=n),
        np.array(trade_id, dtype=np.str_),
    )


def read_books_many(
    store: Store, instrument_ids: Iterable[str], start_ns: int | None = None, end_ns: int | None = None,
    *, levels: int | None = None,
) -> dict[str, BookFrame]:
    """``read_books`` for several instruments over one range."""
    return {uid: read_books(store, uid, start_ns, end_ns, levels=levels) for uid in instrument_ids}


def read_trades_many(
    store: Store, instrument_ids: Iterable[str], start_ns: int | None = None, end_ns: int | None = None
) -> dict[str, TradeFrame]:
    """``read_trades`` for several instruments over one range."""
    return {uid: read_trades(store, uid, start_ns, end_ns) for uid in instrument_ids}


@dataclass(frozen=True, slots=True)
class InstrumentSummary:
    """What a store holds for one instrument (times are UTC ns; None when no rows)."""

    uid: str
    ticker: str
    book_rows: int
    book_depth: int
    book_first_ns: int | None
    book_last_ns: int | None
    trade_rows: int
    trade_first_ns: int | None
    trade_last_ns: int | None


@dataclass(frozen=True, slots=True)
class StoreInfo:
    """A summary of a store for ``scalp data info``."""

    path: str
    schema_version: int
    size_bytes: int
    instruments: tuple[InstrumentSummary, ...]
    table_rows: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        return asdict(self)


def info(store: Store) -> StoreInfo:
    """Instruments with row counts and time ranges, plus row counts of the trading tables."""
    conn = store.conn
    books = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT inst, COUNT(*), MAX(depth), MIN(exchange_ts_ns), MAX(exchange_ts_ns) FROM books GROUP BY inst"
        )
    }
    trades = {
        r[0]: r[1:]
        for r in conn.execute("SELECT inst, COUNT(*), MIN(exchange_ts_ns), MAX(exchange_ts_ns) FROM trades GROUP BY inst")
    }
    summaries = []
    for inst, uid, ticker in conn.execute("SELECT inst, uid, ticker FROM instruments ORDER BY inst").fetchall():
        b = books.get(inst, (0, 0, None, None))
        t = trades.get(inst, (0, None, None))
        summaries.append(InstrumentSummary(uid, ticker, int(b[0]), int(b[1] or 0), b[2], b[3], int(t[0]), t[1], t[2]))
    tables = ("orders", "order_events", "fills", "positions", "risk_events", "metrics", "run_state")
    counts = {name: store.count(name) for name in ("books", "trades", *tables)}
    page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return StoreInfo(
        str(store.path), schema_version(conn), page_count * page_size, tuple(summaries), counts,
    )
