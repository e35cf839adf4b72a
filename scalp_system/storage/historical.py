"""Historical storage: bulk-write and range-read books and trades as numpy frames.

The research side of the store: ``scalp data import`` and ``scalp record`` write ``BookFrame``s and
``TradeFrame``s in bulk; batch features, training and backtests read a time range back as frames.
Reads are one indexed range scan per instrument; book levels come back by joining the per-row
int64 blobs and one ``numpy.frombuffer`` (no per-level Python work), trades by transposing the
fetched tuples straight into int64 arrays. Ranges are half-open ``[start_ns, end_ns)`` on exchange
time; rows come in (exchange time, seq) order — seq is the arrival rank among equal exchange times —
which is the frame contract. A stored block or row that cannot be decoded (a blob of the wrong
length or type, a bad count, unreadable trade ids) raises ``StorageDataError`` naming the table and
the row instead of letting a numpy or json error out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.storage.migrations import schema_version
from scalp_system.storage.store import StorageError, Store

_I64_MIN, _I64_MAX = -(2**63), 2**63 - 1
_LE_I64 = np.dtype("<i8")
I64 = npt.NDArray[np.int64]
BOOK_BLOCK_ROWS = 1024
TRADE_BLOCK_ROWS = 4096


class StorageDataError(StorageError):
    """Stored market data that cannot be decoded; names the table, the row and what is wrong."""

    def __init__(self, table: str, row: str, problem: str) -> None:
        super().__init__(f"corrupted stored data in table {table}, row {row}: {problem}")
        self.table = table
        self.row = row
        self.problem = problem


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


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(i, min(i + size, n)) for i in range(0, n, size)]


def _i64(values: npt.NDArray[Any]) -> bytes:
    return np.ascontiguousarray(values, dtype=_LE_I64).tobytes()


def write_book_frame(store: Store, frame: BookFrame, *, block_rows: int = BOOK_BLOCK_ROWS) -> int:
    """Write every book of ``frame`` as columnar blocks in one transaction; returns rows added.

    Books with equal exchange times get ``seq`` 0, 1, ... in frame order. Chunking is
    deterministic, so writing the same frame again adds nothing (blocks are keyed by their first book).
    """
    n = len(frame)
    if n == 0:
        return 0
    depth = frame.levels
    sides = (frame.bid_px, frame.bid_qty, frame.ask_px, frame.ask_qty)
    seq = _tie_seq(frame.exchange_ts_ns)
    added = 0
    with store.transaction() as conn:
        inst = store.instrument_key(frame.instrument_id)
        for lo, hi in _chunks(n, block_rows):
            cursor = conn.execute(
                "INSERT OR IGNORE INTO book_blocks (inst, first_exchange_ts_ns, first_seq, "
                "last_exchange_ts_ns, n, depth, exchange_ts, local_ts, seq, consistent, levels) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    inst,
                    int(frame.exchange_ts_ns[lo]),
                    int(seq[lo]),
                    int(frame.exchange_ts_ns[lo:hi].max()),
                    hi - lo,
                    depth,
                    _i64(frame.exchange_ts_ns[lo:hi]),
                    _i64(frame.local_ts_ns[lo:hi]),
                    _i64(seq[lo:hi]),
                    np.ascontiguousarray(frame.is_consistent[lo:hi], dtype=np.uint8).tobytes(),
                    b"".join(_i64(side[lo:hi]) for side in sides),
                ),
            )
            added += (hi - lo) * cursor.rowcount
    return added


def write_trade_frame(store: Store, frame: TradeFrame, *, block_rows: int = TRADE_BLOCK_ROWS) -> int:
    """Write every trade of ``frame`` as columnar blocks in one transaction; returns rows added."""
    n = len(frame)
    if n == 0:
        return 0
    trade_ids = [""] * n if frame.trade_id is None else [str(t) for t in frame.trade_id.tolist()]
    seq = _tie_seq(frame.exchange_ts_ns)
    added = 0
    with store.transaction() as conn:
        inst = store.instrument_key(frame.instrument_id)
        for lo, hi in _chunks(n, block_rows):
            cursor = conn.execute(
                "INSERT OR IGNORE INTO trade_blocks (inst, first_exchange_ts_ns, first_seq, "
                "last_exchange_ts_ns, n, exchange_ts, local_ts, seq, price_ticks, lots, aggressor, "
                "trade_ids) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    inst,
                    int(frame.exchange_ts_ns[lo]),
                    int(seq[lo]),
                    int(frame.exchange_ts_ns[lo:hi].max()),
                    hi - lo,
                    _i64(frame.exchange_ts_ns[lo:hi]),
                    _i64(frame.local_ts_ns[lo:hi]),
                    _i64(seq[lo:hi]),
                    _i64(frame.price_ticks[lo:hi]),
                    _i64(frame.lots[lo:hi]),
                    np.ascontiguousarray(frame.aggressor[lo:hi], dtype=np.int8).tobytes(),
                    json.dumps(trade_ids[lo:hi], separators=(",", ":")),
                ),
            )
            added += (hi - lo) * cursor.rowcount
    return added


def _inst(store: Store, instrument_id: str) -> int | None:
    found = store.conn.execute("SELECT inst FROM instruments WHERE uid = ?", (instrument_id,)).fetchone()
    return None if found is None else int(found[0])


def _bounds(start_ns: int | None, end_ns: int | None) -> tuple[int, int]:
    return (_I64_MIN if start_ns is None else start_ns), (_I64_MAX if end_ns is None else end_ns)


def _order_and_dedupe(ex: I64, seq: I64) -> npt.NDArray[np.int64] | None:
    """Row selection putting merged pieces in key order without repeated keys (None: already clean)."""
    n = ex.shape[0]
    if n < 2:
        return None
    e0, e1, s0, s1 = ex[:-1], ex[1:], seq[:-1], seq[1:]
    if bool(((e1 > e0) | ((e1 == e0) & (s1 > s0))).all()):
        return None  # the common case: blocks of one recording, in order, no overlap
    order = np.lexsort((seq, ex))
    e, sq = ex[order], seq[order]
    keep = np.ones(n, dtype=np.bool_)
    keep[1:] = ~((e[1:] == e[:-1]) & (sq[1:] == sq[:-1]))
    return np.asarray(order[keep], dtype=np.int64)


def _empty_books(instrument_id: str, levels: int) -> BookFrame:
    z = np.zeros(0, dtype=np.int64)
    lv = np.zeros((0, levels), dtype=np.int64)
    return BookFrame(
        instrument_id, z, z.copy(), lv, lv.copy(), lv.copy(), lv.copy(), np.zeros(0, dtype=np.bool_)
    )


def _frombuffer(blob: bytes, dtype: Any = _LE_I64) -> npt.NDArray[Any]:
    return np.frombuffer(blob, dtype=dtype)


def _count(table: str, row: str, column: str, value: object) -> int:
    """A stored count (``n``, ``depth``): a non-negative int, else StorageDataError."""
    if type(value) is not int or value < 0:
        raise StorageDataError(table, row, f"{column} is {value!r}, not a non-negative integer")
    return value


def _array(table: str, row: str, column: str, blob: object, count: int, dtype: Any = _LE_I64) -> Any:
    """A stored column blob checked to hold exactly ``count`` items of ``dtype``."""
    if not isinstance(blob, bytes):
        raise StorageDataError(table, row, f"{column} is a {type(blob).__name__}, not a blob")
    expected = count * np.dtype(dtype).itemsize
    if len(blob) != expected:
        raise StorageDataError(table, row, f"{column} holds {len(blob)} bytes, expected {expected}")
    return np.frombuffer(blob, dtype=dtype)


def _trade_ids(table: str, row: str, text: object, count: int) -> npt.NDArray[Any]:
    """A block's JSON list of ``count`` trade-id strings."""
    try:
        ids = json.loads(text)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise StorageDataError(table, row, f"trade_ids is not JSON ({exc})") from None
    if not isinstance(ids, list) or len(ids) != count or not all(isinstance(i, str) for i in ids):
        raise StorageDataError(table, row, f"trade_ids is not a list of {count} strings")
    return np.array(ids, dtype=np.str_)


def read_books(
    store: Store,
    instrument_id: str,
    start_ns: int | None = None,
    end_ns: int | None = None,
    *,
    levels: int | None = None,
) -> BookFrame:
    """Books of one instrument with ``start_ns <= exchange_ts_ns < end_ns`` as a BookFrame.

    ``levels``: output depth (deeper stored books are cut, thinner ones zero-padded); default the
    deepest book in the range. Blocks and rows are merged in (exchange time, seq) order.
    """
    inst = _inst(store, instrument_id)
    if inst is None:
        return _empty_books(instrument_id, levels or 0)
    lo, hi = _bounds(start_ns, end_ns)
    conn = store.conn
    pieces: list[_BookPiece] = []
    for rowid, n_v, depth_v, ex_b, loc_b, seq_b, cons_b, lv_b in conn.execute(
        "SELECT rowid, n, depth, exchange_ts, local_ts, seq, consistent, levels FROM book_blocks "
        "WHERE inst = ? AND last_exchange_ts_ns >= ? AND first_exchange_ts_ns < ? "
        "ORDER BY first_exchange_ts_ns, first_seq",
        (inst, lo, hi),
    ):
        row = f"rowid {rowid}"
        n = _count("book_blocks", row, "n", n_v)
        depth = _count("book_blocks", row, "depth", depth_v)
        ex = _array("book_blocks", row, "exchange_ts", ex_b, n)
        sides = _array("book_blocks", row, "levels", lv_b, 4 * n * depth).reshape(4, n, depth)  # side-major
        piece = _BookPiece(
            ex,
            _array("book_blocks", row, "local_ts", loc_b, n),
            _array("book_blocks", row, "seq", seq_b, n),
            _array("book_blocks", row, "consistent", cons_b, n, np.uint8),
            sides,
        )
        inside = (ex >= lo) & (ex < hi)
        pieces.append(piece if inside.all() else piece.select(inside))
    rows = conn.execute(
        "SELECT exchange_ts_ns, local_ts_ns, seq, is_consistent, depth, levels FROM books "
        "WHERE inst = ? AND exchange_ts_ns >= ? AND exchange_ts_ns < ? "
        "ORDER BY exchange_ts_ns, seq",
        (inst, lo, hi),
    ).fetchall()
    if rows:
        try:
            pieces.append(_book_rows_to_piece(rows))
        except (TypeError, ValueError, OverflowError) as exc:
            raise _bad_row("books", rows, _book_row_problem, exc) from None
    pieces = [p for p in pieces if p.ex.shape[0]]
    if not pieces:
        return _empty_books(instrument_id, levels or 0)
    out_levels = max(p.sides.shape[2] for p in pieces) if levels is None else levels
    ex = np.concatenate([p.ex for p in pieces]).astype(np.int64, copy=False)
    loc = np.concatenate([p.loc for p in pieces]).astype(np.int64, copy=False)
    seq = np.concatenate([p.seq for p in pieces]).astype(np.int64, copy=False)
    cons = np.concatenate([p.consistent for p in pieces]).astype(np.bool_)
    sides_out = [np.concatenate([p.side(k, out_levels) for p in pieces]) for k in range(4)]
    select = _order_and_dedupe(ex, seq)
    if select is not None:
        ex, loc, cons = ex[select], loc[select], cons[select]
        sides_out = [side[select] for side in sides_out]
    return BookFrame(instrument_id, ex, loc, sides_out[0], sides_out[1], sides_out[2], sides_out[3], cons)


@dataclass(frozen=True, slots=True)
class _BookPiece:
    """Books from one block (or from the row table) before merging; ``sides`` is (4, n, depth)."""

    ex: npt.NDArray[np.int64]
    loc: npt.NDArray[np.int64]
    seq: npt.NDArray[np.int64]
    consistent: npt.NDArray[Any]
    sides: npt.NDArray[np.int64]

    def select(self, mask: npt.NDArray[np.bool_]) -> _BookPiece:
        return _BookPiece(
            self.ex[mask], self.loc[mask], self.seq[mask], self.consistent[mask], self.sides[:, mask]
        )

    def side(self, k: int, levels: int) -> npt.NDArray[np.int64]:
        """Side ``k`` cut or zero-padded to ``levels``."""
        values = self.sides[k, :, :levels]
        if values.shape[1] == levels:
            return values
        padded = np.zeros((values.shape[0], levels), dtype=np.int64)
        padded[:, : values.shape[1]] = values
        return padded


def _is_int(value: object) -> bool:
    return type(value) is int


def _book_row_problem(row: tuple[Any, ...]) -> str | None:
    """What is wrong with one stored ``books`` row (None when it decodes)."""
    names = ("exchange_ts_ns", "local_ts_ns", "seq", "is_consistent", "depth")
    for name, value in zip(names, row[:5], strict=True):
        if not _is_int(value):
            return f"{name} is {value!r}, not an integer"
    depth, blob = row[4], row[5]
    if depth < 0:
        return f"depth is {depth}"
    if not isinstance(blob, bytes) or len(blob) != 32 * depth:
        shown = f"{len(blob)} bytes" if isinstance(blob, bytes) else f"a {type(blob).__name__}"
        return f"levels holds {shown}, expected {32 * depth} bytes for depth {depth}"
    return None


def _trade_row_problem(row: tuple[Any, ...]) -> str | None:
    """What is wrong with one stored ``trades`` row (None when it decodes)."""
    names = ("exchange_ts_ns", "local_ts_ns", "seq", "price_ticks", "lots", "aggressor")
    for name, value in zip(names, row[:6], strict=True):
        if not _is_int(value):
            return f"{name} is {value!r}, not an integer"
    if not -128 <= row[5] <= 127:
        return f"aggressor is {row[5]}"
    return None


def _bad_row(
    table: str,
    rows: list[tuple[Any, ...]],
    problem_of: Callable[[tuple[Any, ...]], str | None],
    error: Exception,
) -> StorageDataError:
    """The first undecodable row of ``rows`` (slow path, only after a fast decode failed)."""
    for row in rows:
        problem = problem_of(row)
        if problem is not None:
            return StorageDataError(table, f"(exchange_ts_ns={row[0]!r}, seq={row[2]!r})", problem)
    return StorageDataError(table, "unknown", f"{error.__class__.__name__}: {error}")


def _book_rows_to_piece(rows: list[tuple[Any, ...]]) -> _BookPiece:
    n = len(rows)
    exchange, local, seq, consistent, depths, blobs = zip(*rows, strict=True)
    depth_arr = np.fromiter(depths, dtype=np.int64, count=n)
    if int(depth_arr.min()) < 0:
        raise ValueError("negative depth")
    lengths = np.fromiter(map(len, blobs), dtype=np.int64, count=n)
    if not np.array_equal(lengths, depth_arr * 32):
        raise ValueError("a levels blob does not match its depth")
    max_depth = int(depth_arr.max())
    if int(depth_arr.min()) == max_depth:
        cube = np.frombuffer(b"".join(blobs), dtype=_LE_I64).reshape(n, 4, max_depth)
    else:  # mixed depths (a depth change mid-recording): pad row by row
        cube = np.zeros((n, 4, max_depth), dtype=np.int64)
        for i, blob in enumerate(blobs):
            d = int(depth_arr[i])
            cube[i, :, :d] = np.frombuffer(blob, dtype=_LE_I64).reshape(4, d)
    return _BookPiece(
        np.fromiter(exchange, dtype=np.int64, count=n),
        np.fromiter(local, dtype=np.int64, count=n),
        np.fromiter(seq, dtype=np.int64, count=n),
        np.fromiter(consistent, dtype=np.bool_, count=n),
        cube.transpose(1, 0, 2),
    )


def read_trades(
    store: Store, instrument_id: str, start_ns: int | None = None, end_ns: int | None = None
) -> TradeFrame:
    """Trades of one instrument with ``start_ns <= exchange_ts_ns < end_ns`` as a TradeFrame."""
    inst = _inst(store, instrument_id)
    if inst is None:
        return _empty_trades(instrument_id)
    lo, hi = _bounds(start_ns, end_ns)
    conn = store.conn
    pieces: list[list[npt.NDArray[Any]]] = []
    for rowid, n_v, ex_b, loc_b, seq_b, px_b, lots_b, ag_b, ids in conn.execute(
        "SELECT rowid, n, exchange_ts, local_ts, seq, price_ticks, lots, aggressor, trade_ids "
        "FROM trade_blocks WHERE inst = ? AND last_exchange_ts_ns >= ? AND first_exchange_ts_ns < ? "
        "ORDER BY first_exchange_ts_ns, first_seq",
        (inst, lo, hi),
    ):
        row = f"rowid {rowid}"
        n = _count("trade_blocks", row, "n", n_v)
        ex = _array("trade_blocks", row, "exchange_ts", ex_b, n)
        parts = [
            ex,
            _array("trade_blocks", row, "local_ts", loc_b, n),
            _array("trade_blocks", row, "seq", seq_b, n),
            _array("trade_blocks", row, "price_ticks", px_b, n),
            _array("trade_blocks", row, "lots", lots_b, n),
            _array("trade_blocks", row, "aggressor", ag_b, n, np.int8),
            _trade_ids("trade_blocks", row, ids, n),
        ]
        inside = (ex >= lo) & (ex < hi)
        if not inside.all():
            parts = [a[inside] for a in parts]
        pieces.append(parts)
    rows = conn.execute(
        "SELECT exchange_ts_ns, local_ts_ns, seq, price_ticks, lots, aggressor, trade_id FROM trades "
        "WHERE inst = ? AND exchange_ts_ns >= ? AND exchange_ts_ns < ? "
        "ORDER BY exchange_ts_ns, seq",
        (inst, lo, hi),
    ).fetchall()
    if rows:
        try:
            pieces.append(_trade_rows_to_parts(rows))
        except (TypeError, ValueError, OverflowError) as exc:
            raise _bad_row("trades", rows, _trade_row_problem, exc) from None
    pieces = [p for p in pieces if p[0].shape[0]]
    if not pieces:
        return _empty_trades(instrument_id)
    merged = [np.concatenate([p[k] for p in pieces]) for k in range(7)]
    select = _order_and_dedupe(merged[0], merged[2])
    if select is not None:
        merged = [a[select] for a in merged]
    ex, loc, _, px, lots, aggressor, ids = merged
    return TradeFrame(
        instrument_id,
        ex.astype(np.int64),
        loc.astype(np.int64),
        px.astype(np.int64),
        lots.astype(np.int64),
        aggressor.astype(np.int8),
        ids,
    )


def _trade_rows_to_parts(rows: list[tuple[Any, ...]]) -> list[npt.NDArray[Any]]:
    n = len(rows)
    columns = list(zip(*rows, strict=True))
    return [np.fromiter(c, dtype=np.int64, count=n) for c in columns[:5]] + [
        np.fromiter(columns[5], dtype=np.int8, count=n),
        np.array(columns[6], dtype=np.str_),
    ]


def _empty_trades(instrument_id: str) -> TradeFrame:
    z = np.zeros(0, dtype=np.int64)
    return TradeFrame(
        instrument_id, z, z.copy(), z.copy(), z.copy(), np.zeros(0, np.int8), np.zeros(0, np.str_)
    )


def read_books_many(
    store: Store,
    instrument_ids: Iterable[str],
    start_ns: int | None = None,
    end_ns: int | None = None,
    *,
    levels: int | None = None,
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


def _combine(old: list[Any] | None, new: list[Any]) -> list[Any]:
    if old is None:
        return new
    return [old[0] + new[0], max(old[1], new[1]), min(old[2], new[2]), max(old[3], new[3])]


def info(store: Store) -> StoreInfo:
    """Instruments with stored book/trade counts and time ranges, plus row counts of the other tables.

    Counts are stored rows (row and block shapes added up); a re-recorded overlap counts twice here
    although reads return it once.
    """
    conn = store.conn
    books: dict[int, list[Any]] = {}
    for sql in (
        "SELECT inst, COUNT(*), MAX(depth), MIN(exchange_ts_ns), MAX(exchange_ts_ns) "
        "FROM books GROUP BY inst",
        "SELECT inst, SUM(n), MAX(depth), MIN(first_exchange_ts_ns), MAX(last_exchange_ts_ns) "
        "FROM book_blocks GROUP BY inst",
    ):
        for inst, count, depth, first, last in conn.execute(sql):
            books[inst] = _combine(books.get(inst), [count, depth, first, last])
    trades: dict[int, list[Any]] = {}
    for sql in (
        "SELECT inst, COUNT(*), 0, MIN(exchange_ts_ns), MAX(exchange_ts_ns) FROM trades GROUP BY inst",
        "SELECT inst, SUM(n), 0, MIN(first_exchange_ts_ns), MAX(last_exchange_ts_ns) "
        "FROM trade_blocks GROUP BY inst",
    ):
        for inst, count, depth, first, last in conn.execute(sql):
            trades[inst] = _combine(trades.get(inst), [count, depth, first, last])
    summaries = []
    for inst, uid, ticker in conn.execute(
        "SELECT inst, uid, ticker FROM instruments ORDER BY inst"
    ).fetchall():
        b = books.get(inst, [0, 0, None, None])
        t = trades.get(inst, [0, 0, None, None])
        summaries.append(
            InstrumentSummary(uid, ticker, int(b[0]), int(b[1] or 0), b[2], b[3], int(t[0]), t[2], t[3])
        )
    tables = ("orders", "order_events", "fills", "positions", "risk_events", "metrics", "run_state")
    counts = {name: store.count(name) for name in ("books", "trades", *tables)}
    page_count = int(conn.execute("PRAGMA page_count").fetchone()[0])
    page_size = int(conn.execute("PRAGMA page_size").fetchone()[0])
    return StoreInfo(
        str(store.path),
        schema_version(conn),
        page_count * page_size,
        tuple(summaries),
        counts,
    )
