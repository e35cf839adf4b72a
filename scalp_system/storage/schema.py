"""The SQLite schema: DDL per schema version and one ``TableSpec`` per writable table.

Every row type has a natural idempotency key, so writing the same row twice (a replayed spill
file, a retried batch whose commit outcome was unknown) never duplicates it:

| table | key | on conflict |
|---|---|---|
| instruments | uid | update metadata |
| books | (inst, exchange_ts_ns, seq) | ignore |
| trades | (inst, exchange_ts_ns, seq), and (inst, trade_id) when trade_id ≠ '' | ignore |
| orders | intent_key | update, unless the stored row is newer (``updated_ts_ns``) |
| order_events | (intent_key, ts_ns, kind, status, lots_executed) | ignore |
| fills | trade_id | ignore |
| positions | (instrument_id, ts_ns) | update |
| risk_events | (ts_ns, kind, instrument_id, detail) | ignore |
| metrics | (name, labels, ts_ns) | ignore |
| run_state | key | update, unless the stored row is newer |

Market data lives in two shapes. Rows (``books``, ``trades``) are what the live writer appends one
event at a time. Blocks (``book_blocks``, ``trade_blocks``) are what bulk writers (import, recording
flushes) store: up to ~1000 books or ~4000 trades of one instrument per row as columnar int64 blobs,
keyed by their first event, so a range read copies a few large blobs instead of building millions of
Python objects. Readers merge both shapes and drop repeated (exchange_ts, seq) keys.

``seq`` is the arrival rank of an event among events of the same instrument with the same exchange
time (0 for the first), so (exchange_ts, seq) is both the natural key and the frame order.

A book row keeps its depth-N levels in ONE little-endian int64 BLOB laid out as
``[bid_px × depth, bid_qty × depth, ask_px × depth, ask_qty × depth]``: a range read joins the blobs
and reshapes them with one ``numpy.frombuffer``, which is what makes historical reads fast. Books and
trades refer to instruments by a small integer (``inst``) instead of repeating the uid string.
Money in orders, fills and positions is a decimal string (exact); limit prices are integer ticks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

Row = dict[str, Any]
"""One row as the writer and the spill files carry it: column name → JSON-friendly value (bytes for BLOBs)."""


class RowError(ValueError):
    """A row that can never be stored (unknown table, missing column, wrong type)."""


class Kind(Enum):
    """How a column's value is checked and bound."""

    INT = "int"
    TEXT = "text"
    BLOB = "blob"
    REAL = "real"
    DECIMAL = "decimal"  # exact money as a decimal string; binary floats refused


_REQUIRED = object()


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a writable table."""

    name: str
    kind: Kind
    default: Any = _REQUIRED
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class TableSpec:
    """A writable table: its columns (in bind order) and the statement that writes a row idempotently.

    ``instrument_keyed`` tables take an ``instrument_id`` string in the row and store the integer
    ``inst`` of the instruments table in its place.
    """

    name: str
    columns: tuple[Column, ...]
    conflict: str
    instrument_keyed: bool = False

    @property
    def column_names(self) -> tuple[str, ...]:
        """Row keys in bind order."""
        return tuple(c.name for c in self.columns)

    @property
    def insert_sql(self) -> str:
        """The idempotent INSERT for one row (positional parameters, in ``column_names`` order)."""
        stored = ["inst" if self.instrument_keyed and c == "instrument_id" else c for c in self.column_names]
        verb = "INSERT OR IGNORE" if self.conflict == "IGNORE" else "INSERT"
        tail = "" if self.conflict == "IGNORE" else " " + self.conflict
        marks = ", ".join("?" for _ in stored)
        return f"{verb} INTO {self.name} ({', '.join(stored)}) VALUES ({marks}){tail}"

    def normalize(self, row: Mapping[str, Any]) -> Row:
        """A checked copy of ``row`` with defaults filled in; raises RowError when it cannot be stored."""
        unknown = set(row) - set(self.column_names)
        if unknown:
            raise RowError(f"{self.name}: unknown column(s) {sorted(unknown)}")
        out: Row = {}
        for column in self.columns:
            if column.name in row:
                value = row[column.name]
            elif column.default is not _REQUIRED:
                value = column.default
            else:
                raise RowError(f"{self.name}: missing column {column.name!r}")
            out[column.name] = _check(self.name, column, value)
        return out


_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _check(table: str, column: Column, value: Any) -> Any:
    kind = column.kind
    value_type = type(value)  # the common cases first, checked without building messages
    if value_type is int and kind is Kind.INT and _INT64_MIN <= value <= _INT64_MAX:
        return value
    if (value_type is str and kind is Kind.TEXT) or (value_type is bytes and kind is Kind.BLOB):
        return value
    where = f"{table}.{column.name}"
    if value is None:
        if column.nullable:
            return None
        raise RowError(f"{where} must not be null")
    if kind is Kind.INT:
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, int):
            if not -(2**63) <= value < 2**63:
                raise RowError(f"{where} = {value} overflows int64")
            return value
        if hasattr(value, "__index__"):  # numpy integers
            return int(value)
        raise RowError(f"{where} must be an integer, got {type(value).__name__}")
    if kind is Kind.TEXT:
        if isinstance(value, str):
            return value
        raise RowError(f"{where} must be a string, got {type(value).__name__}")
    if kind is Kind.BLOB:
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise RowError(f"{where} must be bytes, got {type(value).__name__}")
    if kind is Kind.REAL:
        if isinstance(value, int | float) and not isinstance(value, bool):
            number = float(value)
            if math.isnan(number):
                raise RowError(f"{where} must not be NaN")
            return number
        raise RowError(f"{where} must be a number, got {type(value).__name__}")
    # DECIMAL: exact only
    if isinstance(value, float):
        raise RowError(f"{where} is money: pass Decimal or str, never a binary float")
    try:
        exact = Decimal(value) if isinstance(value, str | int | Decimal) else None
    except InvalidOperation:
        exact = None
    if exact is None or not exact.is_finite():
        raise RowError(f"{where} must be a finite decimal, got {value!r}")
    return str(value) if isinstance(value, str) else str(exact)


def _c(name: str, kind: Kind, default: Any = _REQUIRED, nullable: bool = False) -> Column:
    return Column(name, kind, default, nullable)


INT, TXT, BLB, REAL, DEC = Kind.INT, Kind.TEXT, Kind.BLOB, Kind.REAL, Kind.DECIMAL


def _update_all(key: str, columns: tuple[Column, ...], newer_than: str | None = None, table: str = "") -> str:
    sets = ", ".join(f"{c.name} = excluded.{c.name}" for c in columns if c.name not in key.split(", "))
    guard = f" WHERE excluded.{newer_than} >= {table}.{newer_than}" if newer_than else ""
    return f"ON CONFLICT({key}) DO UPDATE SET {sets}{guard}"


_INSTRUMENT_COLUMNS = (
    _c("uid", TXT),
    _c("ticker", TXT),
    _c("figi", TXT, ""),
    _c("class_code", TXT, ""),
    _c("lot", DEC, "1"),
    _c("tick", DEC, "0.01"),
    _c("currency", TXT, "rub"),
    _c("kind", TXT, "share"),
    _c("name", TXT, ""),
    _c("tick_value", DEC, None, nullable=True),
    _c("flags", INT, 7),
    _c("extra", TXT, "{}"),
)
_ORDER_COLUMNS = (
    _c("intent_key", TXT),
    _c("instrument_id", TXT),
    _c("side", INT),
    _c("lots_requested", INT),
    _c("limit_price_ticks", INT, None, nullable=True),
    _c("order_type", INT, 1),
    _c("time_in_force", INT, 2),
    _c("status", INT),
    _c("order_id", TXT, ""),
    _c("lots_executed", INT, 0),
    _c("executed_value", DEC, "0"),
    _c("commission", DEC, "0"),
    _c("created_ts_ns", INT),
    _c("updated_ts_ns", INT),
    _c("reject_reason", TXT, ""),
)
_POSITION_COLUMNS = (
    _c("instrument_id", TXT),
    _c("ts_ns", INT),
    _c("lots", INT),
    _c("avg_price", DEC, "0"),
    _c("realized_pnl", DEC, "0"),
    _c("commission_paid", DEC, "0"),
)
_RUN_STATE_COLUMNS = (_c("key", TXT), _c("value", TXT), _c("updated_ts_ns", INT))

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("instruments", _INSTRUMENT_COLUMNS, _update_all("uid", _INSTRUMENT_COLUMNS)),
        TableSpec(
            "books",
            (
                _c("instrument_id", TXT),
                _c("exchange_ts_ns", INT),
                _c("local_ts_ns", INT),
                _c("seq", INT, 0),
                _c("depth", INT),
                _c("is_consistent", INT, 1),
                _c("levels", BLB),
            ),
            "IGNORE",
            instrument_keyed=True,
        ),
        TableSpec(
            "trades",
            (
                _c("instrument_id", TXT),
                _c("exchange_ts_ns", INT),
                _c("local_ts_ns", INT),
                _c("seq", INT, 0),
                _c("price_ticks", INT),
                _c("lots", INT),
                _c("aggressor", INT, 0),
                _c("trade_id", TXT, ""),
            ),
            "IGNORE",
            instrument_keyed=True,
        ),
        TableSpec(
            "orders", _ORDER_COLUMNS, _update_all("intent_key", _ORDER_COLUMNS, "updated_ts_ns", "orders")
        ),
        TableSpec(
            "order_events",
            (
                _c("intent_key", TXT),
                _c("ts_ns", INT),
                _c("kind", TXT),
                _c("status", INT),
                _c("lots_executed", INT, 0),
                _c("order_id", TXT, ""),
                _c("detail", TXT, ""),
            ),
            "IGNORE",
        ),
        TableSpec(
            "fills",
            (
                _c("trade_id", TXT),
                _c("order_id", TXT),
                _c("intent_key", TXT),
                _c("instrument_id", TXT),
                _c("side", INT),
                _c("lots", INT),
                _c("price", DEC),
                _c("ts_ns", INT),
                _c("commission", DEC, "0"),
            ),
            "IGNORE",
        ),
        TableSpec("positions", _POSITION_COLUMNS, _update_all("instrument_id, ts_ns", _POSITION_COLUMNS)),
        TableSpec(
            "risk_events",
            (_c("ts_ns", INT), _c("kind", TXT), _c("instrument_id", TXT, ""), _c("detail", TXT, "")),
            "IGNORE",
        ),
        TableSpec(
            "metrics",
            (_c("ts_ns", INT), _c("name", TXT), _c("labels", TXT, ""), _c("value", REAL)),
            "IGNORE",
        ),
        TableSpec(
            "run_state",
            _RUN_STATE_COLUMNS,
            _update_all("key", _RUN_STATE_COLUMNS, "updated_ts_ns", "run_state"),
        ),
    )
}
"""Every table the writer accepts, by name."""

DURABLE_TABLES = frozenset({"orders", "order_events", "fills", "positions", "risk_events", "run_state"})
"""Tables whose rows are trading state: written with ``synchronous=FULL`` when submitted durably."""

# --- DDL, one tuple of statements per schema version (applied in order by migrations.py) -----------

DDL_V1_MARKET_DATA = (
    """CREATE TABLE instruments (
        inst INTEGER PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        ticker TEXT NOT NULL,
        figi TEXT NOT NULL DEFAULT '',
        class_code TEXT NOT NULL DEFAULT '',
        lot TEXT NOT NULL DEFAULT '1',
        tick TEXT NOT NULL DEFAULT '0.01',
        currency TEXT NOT NULL DEFAULT 'rub',
        kind TEXT NOT NULL DEFAULT 'share',
        name TEXT NOT NULL DEFAULT '',
        tick_value TEXT,
        flags INTEGER NOT NULL DEFAULT 7,
        extra TEXT NOT NULL DEFAULT '{}'
    )""",
    """CREATE TABLE books (
        inst INTEGER NOT NULL,
        exchange_ts_ns INTEGER NOT NULL,
        local_ts_ns INTEGER NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        depth INTEGER NOT NULL,
        is_consistent INTEGER NOT NULL DEFAULT 1,
        levels BLOB NOT NULL
    )""",
    "CREATE UNIQUE INDEX books_key ON books (inst, exchange_ts_ns, seq)",
    """CREATE TABLE trades (
        inst INTEGER NOT NULL,
        exchange_ts_ns INTEGER NOT NULL,
        local_ts_ns INTEGER NOT NULL,
        seq INTEGER NOT NULL DEFAULT 0,
        price_ticks INTEGER NOT NULL,
        lots INTEGER NOT NULL,
        aggressor INTEGER NOT NULL DEFAULT 0,
        trade_id TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (inst, exchange_ts_ns, seq)
    ) WITHOUT ROWID""",
    "CREATE UNIQUE INDEX trades_trade_id ON trades (inst, trade_id) WHERE trade_id <> ''",
    # Columnar blocks written by bulk imports/recordings: one row holds up to ~1000 consecutive books
    # (or ~4000 trades) of one instrument as little-endian int64 arrays; read = a few memcpy's.
    """CREATE TABLE book_blocks (
        inst INTEGER NOT NULL,
        first_exchange_ts_ns INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_exchange_ts_ns INTEGER NOT NULL,
        n INTEGER NOT NULL,
        depth INTEGER NOT NULL,
        exchange_ts BLOB NOT NULL,
        local_ts BLOB NOT NULL,
        seq BLOB NOT NULL,
        consistent BLOB NOT NULL,
        levels BLOB NOT NULL,
        PRIMARY KEY (inst, first_exchange_ts_ns, first_seq)
    )""",
    "CREATE INDEX book_blocks_range ON book_blocks (inst, last_exchange_ts_ns, first_exchange_ts_ns)",
    """CREATE TABLE trade_blocks (
        inst INTEGER NOT NULL,
        first_exchange_ts_ns INTEGER NOT NULL,
        first_seq INTEGER NOT NULL,
        last_exchange_ts_ns INTEGER NOT NULL,
        n INTEGER NOT NULL,
        exchange_ts BLOB NOT NULL,
        local_ts BLOB NOT NULL,
        seq BLOB NOT NULL,
        price_ticks BLOB NOT NULL,
        lots BLOB NOT NULL,
        aggressor BLOB NOT NULL,
        trade_ids TEXT NOT NULL,
        PRIMARY KEY (inst, first_exchange_ts_ns, first_seq)
    )""",
    "CREATE INDEX trade_blocks_range ON trade_blocks (inst, last_exchange_ts_ns, first_exchange_ts_ns)",
)

DDL_V2_TRADING = (
    """CREATE TABLE orders (
        intent_key TEXT PRIMARY KEY,
        instrument_id TEXT NOT NULL,
        side INTEGER NOT NULL,
        lots_requested INTEGER NOT NULL,
        limit_price_ticks INTEGER,
        order_type INTEGER NOT NULL,
        time_in_force INTEGER NOT NULL,
        status INTEGER NOT NULL,
        order_id TEXT NOT NULL DEFAULT '',
        lots_executed INTEGER NOT NULL DEFAULT 0,
        executed_value TEXT NOT NULL DEFAULT '0',
        commission TEXT NOT NULL DEFAULT '0',
        created_ts_ns INTEGER NOT NULL,
        updated_ts_ns INTEGER NOT NULL,
        reject_reason TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX orders_status ON orders (status)",
    """CREATE TABLE order_events (
        intent_key TEXT NOT NULL,
        ts_ns INTEGER NOT NULL,
        kind TEXT NOT NULL,
        status INTEGER NOT NULL,
        lots_executed INTEGER NOT NULL DEFAULT 0,
        order_id TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (intent_key, ts_ns, kind, status, lots_executed)
    ) WITHOUT ROWID""",
    """CREATE TABLE fills (
        trade_id TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        intent_key TEXT NOT NULL,
        instrument_id TEXT NOT NULL,
        side INTEGER NOT NULL,
        lots INTEGER NOT NULL,
        price TEXT NOT NULL,
        ts_ns INTEGER NOT NULL,
        commission TEXT NOT NULL DEFAULT '0'
    )""",
    "CREATE INDEX fills_intent ON fills (intent_key)",
    """CREATE TABLE positions (
        instrument_id TEXT NOT NULL,
        ts_ns INTEGER NOT NULL,
        lots INTEGER NOT NULL,
        avg_price TEXT NOT NULL DEFAULT '0',
        realized_pnl TEXT NOT NULL DEFAULT '0',
        commission_paid TEXT NOT NULL DEFAULT '0',
        PRIMARY KEY (instrument_id, ts_ns)
    ) WITHOUT ROWID""",
    """CREATE TABLE risk_events (
        ts_ns INTEGER NOT NULL,
        kind TEXT NOT NULL,
        instrument_id TEXT NOT NULL DEFAULT '',
        detail TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (ts_ns, kind, instrument_id, detail)
    ) WITHOUT ROWID""",
)

DDL_V3_METRICS_AND_RUN_STATE = (
    """CREATE TABLE metrics (
        ts_ns INTEGER NOT NULL,
        name TEXT NOT NULL,
        labels TEXT NOT NULL DEFAULT '',
        value REAL NOT NULL,
        PRIMARY KEY (name, labels, ts_ns)
    ) WITHOUT ROWID""",
    """CREATE TABLE run_state (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_ts_ns INTEGER NOT NULL
    )""",
)


def table_spec(name: str) -> TableSpec:
    """The spec of a writable table; RowError names the table when it does not exist."""
    try:
        return TABLES[name]
    except KeyError:
        raise RowError(f"unknown table {name!r} (known: {', '.join(sorted(TABLES))})") from None
