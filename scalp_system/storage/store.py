"""The synchronous SQLite store: open (WAL, pragmas, migrations), write idempotent batches, read back.

One ``Store`` wraps one connection and is used by one thread at a time: the BackgroundWriter's
thread for live writes, a CLI command or a research script for bulk writes and reads. Many
``Store`` objects (threads, processes) may open the same file: WAL lets readers run beside the one
writer.

Durability choice: the connection runs ``synchronous=NORMAL`` (in WAL mode a commit is safe against
a process crash; only an OS crash or power cut can lose the last commits), which keeps market-data
batches cheap. A batch written with ``durable=True`` — orders, intent keys, fills — switches that
commit to ``synchronous=FULL``: the WAL is fsynced before ``COMMIT`` returns, so an intent key is on
disk before its order is sent (SPEC §4), and because the WAL is sequential that fsync also hardens
every NORMAL commit before it.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import quote

from scalp_system.config import StorageConfig
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Order, OrderStatus, Position
from scalp_system.storage.migrations import LATEST_VERSION, migrate, schema_version
from scalp_system.storage.rows import (
    fill_from_row,
    instrument_from_row,
    instrument_row,
    order_from_row,
    position_from_row,
)
from scalp_system.storage.schema import TABLES, Row, table_spec


class StorageError(RuntimeError):
    """The store cannot be used as asked (not WAL, closed, read-only write...)."""


_ORDER_COLUMNS = ", ".join(TABLES["orders"].column_names)
_FILL_COLUMNS = ", ".join(TABLES["fills"].column_names)
_INSTRUMENT_COLUMNS = ", ".join(TABLES["instruments"].column_names)
_OPEN_STATUSES = tuple(int(s) for s in OrderStatus if not s.is_terminal)


class Store:
    """A SQLite database in WAL mode with the project schema, migrated to the latest version on open.

    ``read_only`` opens with ``mode=ro`` (no migration, no writes). ``max_db_pages`` caps the file
    size via ``PRAGMA max_page_count`` (a quota; writes beyond it fail with SQLITE_FULL exactly as on
    a full disk). ``migrate_to`` stops migrations at an older version (tests of the upgrade path).
    """

    def __init__(
        self,
        path: Path | str,
        config: StorageConfig | None = None,
        *,
        read_only: bool = False,
        max_db_pages: int | None = None,
        migrate_to: int = LATEST_VERSION,
    ) -> None:
        self.path = Path(path)
        self.config = config or StorageConfig()
        self.read_only = read_only
        self._inst_keys: dict[str, int] = {}
        self._stubs_created = 0
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = "ro" if read_only else "rwc"
        uri = f"file:{quote(str(self.path.resolve()))}?mode={mode}"
        self._conn: sqlite3.Connection | None = sqlite3.connect(
            uri, uri=True, timeout=self.config.lock_timeout_s, isolation_level=None, check_same_thread=False
        )
        try:
            self._configure(max_db_pages)
            if not read_only:
                migrate(self.conn, migrate_to)
        except BaseException:
            self.close()
            raise

    def _configure(self, max_db_pages: int | None) -> None:
        conn = self.conn
        if not self.read_only:
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise StorageError(f"{self.path}: journal_mode is {mode!r}, WAL required")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA temp_store=MEMORY")
        conn.execute("PRAGMA cache_size=-32768")  # 32 MiB page cache
        conn.execute("PRAGMA mmap_size=268435456")  # 256 MiB of the file mapped for reads
        if max_db_pages is not None:
            conn.execute(f"PRAGMA max_page_count={int(max_db_pages):d}")

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def conn(self) -> sqlite3.Connection:
        """The open connection (StorageError once closed)."""
        if self._conn is None:
            raise StorageError(f"{self.path}: store is closed")
        return self._conn

    def close(self) -> None:
        """Close the connection (idempotent; a failing close is ignored: the file stays consistent)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        """``PRAGMA user_version`` of the file."""
        return schema_version(self.conn)

    @property
    def journal_mode(self) -> str:
        """The journal mode in effect ("wal")."""
        return str(self.conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()

    @contextmanager
    def busy_timeout(self, seconds: float) -> Iterator[None]:
        """Temporarily wait at most ``seconds`` for a lock (probes use a short wait)."""
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout={int(seconds * 1000):d}")
        try:
            yield
        finally:
            if self._conn is not None:
                self._conn.execute(f"PRAGMA busy_timeout={int(self.config.lock_timeout_s * 1000):d}")

    # --- writes ---------------------------------------------------------------------------------

    def instrument_key(self, uid: str) -> int:
        """The integer key of instrument ``uid`` (a stub row with ticker = uid is created if unknown).

        Call inside a write transaction: a rollback forgets keys created in it.
        """
        key = self._inst_keys.get(uid)
        if key is None:
            conn = self.conn
            found = conn.execute("SELECT inst FROM instruments WHERE uid = ?", (uid,)).fetchone()
            if found is None:
                conn.execute("INSERT INTO instruments (uid, ticker) VALUES (?, ?)", (uid, uid))
                self._stubs_created += 1
                found = conn.execute("SELECT inst FROM instruments WHERE uid = ?", (uid,)).fetchone()
            key = int(found[0])
            self._inst_keys[uid] = key
        return key

    @contextmanager
    def transaction(self, *, durable: bool = False) -> Iterator[sqlite3.Connection]:
        """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error); ``durable`` commits with synchronous=FULL."""
        conn = self.conn
        if durable:
            conn.execute("PRAGMA synchronous=FULL")
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                self._inst_keys.clear()
                if self._conn is not None and self._conn.in_transaction:
                    with suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise
        finally:
            if durable and self._conn is not None:
                with suppress(sqlite3.Error):
                    self._conn.execute("PRAGMA synchronous=NORMAL")

    def write_batch(
        self,
        batch: Mapping[str, Sequence[Mapping[str, Any]]],
        *,
        durable: bool = False,
        checked: bool = False,
    ) -> int:
        """Write rows of several tables in ONE transaction; returns how many rows changed the database.

        Rows are checked and defaulted (``TableSpec.normalize``); duplicates by natural key are
        ignored or merged (see schema.py), so the same batch written twice changes nothing the second
        time. Raises ``RowError`` for an unstorable row and ``sqlite3.Error`` when the write fails
        (nothing of the batch is then committed). ``checked`` = the rows already went through
        ``normalize`` (the writer does that before it decides between SQLite and spill).
        """
        prepared = []
        for table, rows in batch.items():
            spec = table_spec(table)
            prepared.append((spec, list(rows) if checked else [spec.normalize(row) for row in rows]))
        conn = self.conn
        before, stubs_before = conn.total_changes, self._stubs_created
        with self.transaction(durable=durable):
            for spec, rows in prepared:
                if not rows:
                    continue
                if spec.instrument_keyed:
                    params = []
                    for row in rows:
                        values = list(row.values())
                        values[0] = self.instrument_key(row["instrument_id"])
                        params.append(values)
                    conn.executemany(spec.insert_sql, params)
                else:
                    conn.executemany(spec.insert_sql, [tuple(row.values()) for row in rows])
        return conn.total_changes - before - (self._stubs_created - stubs_before)

    def write_rows(self, table: str, rows: Sequence[Mapping[str, Any]], *, durable: bool = False) -> int:
        """``write_batch`` for one table."""
        return self.write_batch({table: rows}, durable=durable)

    def upsert_instrument(self, instrument: Instrument) -> int:
        """Store (or update) an instrument's metadata; returns its integer key."""
        self.write_rows("instruments", [instrument_row(instrument)])
        self._inst_keys.pop(instrument.uid, None)
        with self.transaction():
            return self.instrument_key(instrument.uid)

    def set_state(self, key: str, value: str, ts_ns: int | None = None) -> None:
        """Set a run_state entry durably (kept unless a newer ``ts_ns`` is already stored)."""
        stamp = time.time_ns() if ts_ns is None else ts_ns
        self.write_rows("run_state", [{"key": key, "value": value, "updated_ts_ns": stamp}], durable=True)

    # --- reads ----------------------------------------------------------------------------------

    def count(self, table: str) -> int:
        """Number of rows in ``table``."""
        table_spec(table)
        return int(self.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])

    def rows(self, table: str, where: str = "", params: Sequence[Any] = ()) -> list[Row]:
        """Rows of a table as dicts keyed like writer rows (books/trades carry ``instrument_id``)."""
        spec = table_spec(table)
        if spec.instrument_keyed:
            cols = ", ".join(f"t.{c}" if c != "instrument_id" else "i.uid" for c in spec.column_names)
            sql = f"SELECT {cols} FROM {table} t JOIN instruments i ON i.inst = t.inst"
        else:
            sql = f"SELECT {', '.join(spec.column_names)} FROM {table}"
        if where:
            sql += f" WHERE {where}"
        names = spec.column_names
        return [dict(zip(names, values, strict=True)) for values in self.conn.execute(sql, tuple(params))]

    def instrument(self, uid: str) -> Instrument | None:
        """The stored instrument ``uid`` (None when unknown)."""
        found = self.conn.execute(
            f"SELECT {_INSTRUMENT_COLUMNS} FROM instruments WHERE uid = ?", (uid,)
        ).fetchone()
        return None if found is None else instrument_from_row(found)

    def instruments(self) -> list[Instrument]:
        """Every stored instrument, by key order."""
        sql = f"SELECT {_INSTRUMENT_COLUMNS} FROM instruments ORDER BY inst"
        return [instrument_from_row(r) for r in self.conn.execute(sql)]

    def order(self, intent_key: str) -> Order | None:
        """The latest stored snapshot of an order intent."""
        found = self.conn.execute(
            f"SELECT {_ORDER_COLUMNS} FROM orders WHERE intent_key = ?", (intent_key,)
        ).fetchone()
        return None if found is None else order_from_row(found)

    def orders(self, *, open_only: bool = False) -> list[Order]:
        """Stored orders by creation time; ``open_only`` keeps the non-terminal ones (restore path)."""
        sql = f"SELECT {_ORDER_COLUMNS} FROM orders"
        params: tuple[int, ...] = ()
        if open_only:
            sql += f" WHERE status IN ({', '.join('?' for _ in _OPEN_STATUSES)})"
            params = _OPEN_STATUSES
        sql += " ORDER BY created_ts_ns, intent_key"
        return [order_from_row(r) for r in self.conn.execute(sql, params)]

    def fills(self, intent_key: str | None = None) -> list[Fill]:
        """Stored fills by time (of one intent when given)."""
        sql = f"SELECT {_FILL_COLUMNS} FROM fills"
        params: tuple[str, ...] = ()
        if intent_key is not None:
            sql += " WHERE intent_key = ?"
            params = (intent_key,)
        return [fill_from_row(r) for r in self.conn.execute(sql + " ORDER BY ts_ns, trade_id", params)]

    def latest_positions(self) -> dict[str, Position]:
        """The newest position snapshot per instrument."""
        sql = (
            "SELECT p.instrument_id, p.lots, p.avg_price, p.realized_pnl, p.commission_paid FROM positions p "
            "JOIN (SELECT instrument_id, MAX(ts_ns) AS ts FROM positions GROUP BY instrument_id) m "
            "ON m.instrument_id = p.instrument_id AND m.ts = p.ts_ns"
        )
        return {r[0]: position_from_row(r) for r in self.conn.execute(sql)}

    def get_state(self, key: str) -> str | None:
        """A run_state value (None when unset)."""
        found = self.conn.execute("SELECT value FROM run_state WHERE key = ?", (key,)).fetchone()
        return None if found is None else str(found[0])

    def integrity_ok(self) -> bool:
        """``PRAGMA quick_check`` passes."""
        try:
            return str(self.conn.execute("PRAGMA quick_check").fetchone()[0]) == "ok"
        except sqlite3.DatabaseError:
            return False

    def backup_to(self, dest: Path) -> Path:
        """A consistent copy of the database at ``dest`` through the SQLite online backup API."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        target = sqlite3.connect(str(dest))
        try:
            self.conn.backup(target)
        finally:
            target.close()
        return dest
