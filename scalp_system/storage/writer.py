"""BackgroundWriter: the event loop hands rows over and never waits on disk.

``submit`` appends to an in-memory queue and returns (no I/O, a lock held for microseconds). One
daemon thread owns the ``Store``: it wakes on the adaptive cadence (cadence.py: 50 ms – 2 s from
queue depth and commit latency), writes everything waiting in one transaction, and resolves the
futures of durable rows. ``submit_durable`` (orders with their intent keys, fills) wakes the thread at
once and its future resolves only when the row is on disk — committed with ``synchronous=FULL``, or
fsynced into a spill file — so the execution engine can store an intent key before sending the
order (SPEC §4).

When a write fails (disk full, locked past ``lock_timeout_s``, corrupt or unopenable file, read-only)
the writer switches to spilling: the batch and every later one go to fsynced JSONL files (spill.py),
an alert ``on_alert(kind, detail)`` is raised once per episode, and a backup of the database is
attempted in a side thread. It then probes the database with backoff (``recovery_probe_s`` doubling
up to ``max_probe_s``); once a probe can write, the spill files are merged back (idempotent, natural
keys) and normal writing resumes. On start the writer merges whatever spill a previous run left.

What "accepted" means: a durable row is accepted when its future resolves; it survives crashes and
storage failures. A plain ``submit`` row is accepted into memory: it survives storage failures (it
spills, and if even the spill fails it is kept in memory and retried), and a process crash can lose
at most the rows of the current cadence interval (≤ ``max_flush_ms``). ``close()`` flushes everything.

``on_alert`` is called from the writer thread; hand it to the event loop with
``loop.call_soon_threadsafe`` if it touches loop objects. It must not block for long.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any

from scalp_system.config import StorageConfig
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import Fill, Order, Position
from scalp_system.storage.cadence import CadencePolicy
from scalp_system.storage.migrations import SchemaTooNewError
from scalp_system.storage.rows import (
    book_row,
    fill_row,
    metric_row,
    order_event_row,
    order_row,
    position_row,
    risk_event_row,
    trade_row,
)
from scalp_system.storage.schema import Row, RowError, table_spec
from scalp_system.storage.spill import (
    BackupResult,
    MergeReport,
    SpillWriter,
    StorageFailure,
    attempt_backup,
    classify_failure,
    merge_spill,
)
from scalp_system.storage.store import StorageError, Store

log = logging.getLogger(__name__)

AlertCallback = Callable[[str, str], None]
_WRITE_ERRORS = (sqlite3.Error, OSError, StorageError, SchemaTooNewError)


class Durability(StrEnum):
    """Where a durable row ended up: committed to SQLite or fsynced into a spill file."""

    COMMITTED = "committed"
    SPILLED = "spilled"


class WriterMode(StrEnum):
    """What the writer thread is doing with batches."""

    STARTING = "starting"
    SQLITE = "sqlite"
    SPILLING = "spilling"
    CLOSED = "closed"


class WriterClosedError(RuntimeError):
    """A row was submitted after ``close()``."""


class StorageUnavailableError(RuntimeError):
    """Neither SQLite nor the spill directory could take a durable row: it was NOT stored."""


class AlertKind(StrEnum):
    """Alert kinds raised by the writer besides the ``StorageFailure`` codes."""

    RECOVERED = "STORAGE_RECOVERED"
    SPILL_FAILED = "STORAGE_SPILL_FAILED"
    ROW_REJECTED = "STORAGE_ROW_REJECTED"
    BACKUP_DONE = "STORAGE_BACKUP_DONE"
    BACKUP_FAILED = "STORAGE_BACKUP_FAILED"
    ROWS_ABANDONED = "STORAGE_ROWS_ABANDONED"


@dataclass(frozen=True, slots=True)
class WriterStats:
    """A snapshot of the writer's counters (for metrics and tests)."""

    mode: WriterMode
    queued_rows: int
    in_flight_rows: int
    rows_submitted: int
    rows_committed: int
    rows_spilled: int
    rows_rejected: int
    batches_committed: int
    failures: int
    last_failure: StorageFailure | None
    interval_ms: float
    interval_min_seen_ms: float
    interval_max_seen_ms: float
    latency_ms: float
    last_backup: BackupResult | None
    alerts: int


_Payload = Row | Callable[[], Row]
_Item = tuple[str, _Payload, "Future[Durability] | None"]


class BackgroundWriter:
    """Batches rows into SQLite from a dedicated thread; spills to JSONL when SQLite fails.

    ``store_factory`` opens the store (default ``Store(db_path, config)``); the writer calls it in its
    own thread at start and on every recovery probe. ``db_path`` defaults to ``config.db_path``.
    """

    def __init__(
        self,
        config: StorageConfig | None = None,
        *,
        db_path: Path | None = None,
        on_alert: AlertCallback | None = None,
        store_factory: Callable[[], Store] | None = None,
        cadence: CadencePolicy | None = None,
        recovery_probe_s: float = 2.0,
        max_probe_s: float = 60.0,
        alert_interval_s: float = 60.0,
        max_batch_rows: int | None = None,
    ) -> None:
        self.config = config or StorageConfig()
        self.db_path = Path(db_path) if db_path is not None else self.config.db_path
        self._store_factory = store_factory or (lambda: Store(self.db_path, self.config))
        self._on_alert = on_alert
        self.cadence = cadence or CadencePolicy(
            float(self.config.min_flush_ms), float(self.config.max_flush_ms)
        )
        self._max_batch = max_batch_rows or 2 * self.cadence.target_batch_rows
        self._probe_base_s = recovery_probe_s
        self._probe_max_s = max_probe_s
        self._alert_interval_s = alert_interval_s
        self._spill = SpillWriter(self.config.spill_dir, self.config.spill_rotate_mb)

        self._cond = threading.Condition()
        self._normal: deque[_Item] = deque()
        self._urgent: deque[_Item] = deque()
        self._submitted = 0
        self._processed = 0
        self._flush_waiters = 0
        self._closing = False
        self._abandon = False
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()  # set once the start-up open and spill merge are done
        self._backup_thread: threading.Thread | None = None

        self._store: Store | None = None
        self._mode = WriterMode.STARTING
        self._in_flight = 0
        self._interval_ms = self.cadence.min_ms
        self._interval_seen = (self.cadence.min_ms, self.cadence.min_ms)
        self._interval_history: deque[float] = deque(maxlen=4096)
        self._latency_ms = 0.0
        self._blocked_until = 0.0
        self._next_probe = 0.0
        self._probe_s = recovery_probe_s
        self._counts = {"committed": 0, "spilled": 0, "rejected": 0, "batches": 0, "failures": 0, "alerts": 0}
        self._last_failure: StorageFailure | None = None
        self._last_backup: BackupResult | None = None
        self._alerted_at: dict[str, float] = {}
        self._seq_state: dict[tuple[str, str], tuple[int, int]] = {}
        self.last_merge: MergeReport | None = None
        """The report of the most recent spill merge (start or recovery)."""

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> BackgroundWriter:
        """Start the writer thread (it opens the store and merges leftover spill first)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="storage-writer", daemon=True)
            self._thread.start()
        return self

    def __enter__(self) -> BackgroundWriter:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def flush(self, timeout: float | None = None) -> bool:
        """Block until every row submitted before this call is committed, spilled or rejected.

        Also waits for the start-up merge and a backup in progress. Returns False on timeout. Call
        from a thread (or use ``flush_async``), never directly on the event loop.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        if self._thread is not None and not self._ready.wait(timeout):
            return False
        with self._cond:
            target = self._submitted
            self._flush_waiters += 1
            self._cond.notify_all()
            try:
                while self._processed < target:
                    if self._thread is None or not self._thread.is_alive():
                        return False
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._cond.wait(remaining)
            finally:
                self._flush_waiters -= 1
        backup = self._backup_thread
        if backup is not None:
            backup.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            return not backup.is_alive()
        return True

    async def flush_async(self, limit_s: float | None = None) -> bool:
        """``flush`` without blocking the event loop (``limit_s`` as flush's timeout)."""
        return await asyncio.to_thread(self.flush, limit_s)

    def close(self, timeout: float | None = 30.0) -> bool:
        """Flush, stop the thread and close the store and spill file; True when everything was stored.

        Rows that could be stored nowhere within ``timeout`` are abandoned with a
        ``STORAGE_ROWS_ABANDONED`` alert (only possible when SQLite and the spill both fail).
        """
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        thread = self._thread
        clean = True
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                with self._cond:
                    self._abandon = True
                    self._cond.notify_all()
                thread.join()
                clean = False
        else:
            self._shutdown()
        if self._backup_thread is not None:
            self._backup_thread.join(timeout)
        self._mode = WriterMode.CLOSED
        return clean

    # --- submission (any thread; never blocks on disk) -------------------------------------------

    def submit(self, table: str, row: Mapping[str, Any] | Callable[[], Row]) -> None:
        """Queue a row (or a zero-argument function building it in the writer thread); returns at once."""
        self._enqueue(table, row, None)

    def submit_many(self, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
        """Queue many rows of one table."""
        with self._cond:
            if self._closing:
                raise WriterClosedError("storage writer is closed")
            before = len(self._normal)
            self._normal.extend((table, dict(row), None) for row in rows)
            added = len(self._normal) - before
            self._submitted += added
            if len(self._normal) >= self.cadence.target_batch_rows:
                self._cond.notify()

    def submit_durable(self, table: str, row: Mapping[str, Any] | Callable[[], Row]) -> Future[Durability]:
        """Queue a row for an immediate durable write; the future resolves once it is on disk.

        The result says where (``Durability``); ``StorageUnavailableError`` means it was stored
        nowhere (then it is not retried: the caller must treat it as not accepted).
        """
        future: Future[Durability] = Future()
        self._enqueue(table, row, future)
        return future

    async def persist(self, table: str, row: Mapping[str, Any]) -> Durability:
        """Await a durable write from the event loop (the loop keeps running meanwhile)."""
        return await asyncio.wrap_future(self.submit_durable(table, row))

    def _enqueue(
        self, table: str, row: Mapping[str, Any] | Callable[[], Row], future: Future[Durability] | None
    ) -> None:
        payload: _Payload = row if callable(row) else dict(row)
        with self._cond:
            if self._closing:
                raise WriterClosedError("storage writer is closed")
            self._submitted += 1
            if future is not None:
                self._urgent.append((table, payload, future))
                self._cond.notify()
            else:
                self._normal.append((table, payload, None))
                if len(self._normal) == self.cadence.target_batch_rows:
                    self._cond.notify()

    # --- typed helpers --------------------------------------------------------------------------

    def _next_seq(self, kind: str, instrument_id: str, exchange_ts_ns: int) -> int:
        """Arrival rank among this instrument's events with the same exchange time (the natural key)."""
        last = self._seq_state.get((kind, instrument_id))
        seq = last[1] + 1 if last is not None and last[0] == exchange_ts_ns else 0
        self._seq_state[(kind, instrument_id)] = (exchange_ts_ns, seq)
        return seq

    def record_book(self, book: OrderBook) -> None:
        """Queue a book (the row, including its levels blob, is built in the writer thread)."""
        seq = self._next_seq("b", book.instrument_id, book.exchange_ts_ns)
        self._enqueue("books", partial(book_row, book, seq), None)

    def record_trade(self, trade: Trade) -> None:
        """Queue a public trade."""
        seq = self._next_seq("t", trade.instrument_id, trade.exchange_ts_ns)
        self._enqueue("trades", partial(trade_row, trade, seq), None)

    def save_order(self, order: Order) -> Future[Durability]:
        """Durably store an order snapshot (store the intent BEFORE sending it, SPEC §4)."""
        return self.submit_durable("orders", order_row(order))

    def save_order_event(self, order: Order, kind: str, ts_ns: int, detail: str = "") -> Future[Durability]:
        """Durably store what happened to an order."""
        return self.submit_durable("order_events", order_event_row(order, kind, ts_ns, detail))

    def save_fill(self, fill: Fill) -> Future[Durability]:
        """Durably store a fill (deduplicated by ``trade_id``)."""
        return self.submit_durable("fills", fill_row(fill))

    def record_position(self, position: Position, ts_ns: int) -> None:
        """Queue a position snapshot."""
        self.submit("positions", position_row(position, ts_ns))

    def record_risk_event(
        self, ts_ns: int, kind: str, detail: str = "", instrument_id: str | None = None
    ) -> None:
        """Queue a risk event."""
        self.submit("risk_events", risk_event_row(ts_ns, kind, detail, instrument_id))

    def record_metric(self, ts_ns: int, name: str, value: float, labels: str = "") -> None:
        """Queue a metric sample."""
        self.submit("metrics", metric_row(ts_ns, name, value, labels))

    # --- observation ----------------------------------------------------------------------------

    @property
    def mode(self) -> WriterMode:
        """What the writer is doing now."""
        return self._mode

    @property
    def stats(self) -> WriterStats:
        """Counters and cadence state right now."""
        with self._cond:
            c = self._counts
            return WriterStats(
                mode=self._mode,
                queued_rows=len(self._normal) + len(self._urgent),
                in_flight_rows=self._in_flight,
                rows_submitted=self._submitted,
                rows_committed=c["committed"],
                rows_spilled=c["spilled"],
                rows_rejected=c["rejected"],
                batches_committed=c["batches"],
                failures=c["failures"],
                last_failure=self._last_failure,
                interval_ms=self._interval_ms,
                interval_min_seen_ms=self._interval_seen[0],
                interval_max_seen_ms=self._interval_seen[1],
                latency_ms=self._latency_ms,
                last_backup=self._last_backup,
                alerts=c["alerts"],
            )

    def interval_history(self) -> list[float]:
        """The most recent flush intervals chosen (ms), oldest first."""
        with self._cond:
            return list(self._interval_history)

    # --- the writer thread ----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._open_at_start()
        finally:
            self._ready.set()
        next_flush = time.monotonic() + self._interval_ms / 1000
        while True:
            with self._cond:
                while True:
                    now = time.monotonic()
                    if self._abandon or self._urgent:
                        break
                    unblocked = now >= self._blocked_until
                    if unblocked and (
                        self._closing
                        or self._flush_waiters
                        or now >= next_flush
                        or len(self._normal) >= self.cadence.target_batch_rows
                    ):
                        break
                    wake_at = max(next_flush, self._blocked_until)
                    if self._mode is WriterMode.SPILLING:
                        wake_at = min(wake_at, max(self._next_probe, now + 0.001))
                    if self._mode is WriterMode.SPILLING and now >= self._next_probe:
                        break
                    self._cond.wait(max(0.0, wake_at - now))
                if self._abandon:
                    break
                urgent = list(self._urgent)
                self._urgent.clear()
                depth = len(self._normal)
                due = now >= self._blocked_until and (
                    self._closing
                    or self._flush_waiters > 0
                    or now >= next_flush
                    or depth >= self.cadence.target_batch_rows
                )
                normal = [self._normal.popleft() for _ in range(min(depth, self._max_batch))] if due else []
                self._in_flight = len(urgent) + len(normal)
            done = 0
            self._maybe_probe()
            if urgent:
                done += self._process(urgent, durable=True)
            if normal:
                done += self._process(normal, durable=False)
            if due:
                self._adapt_interval(depth)
                next_flush = time.monotonic() + self._interval_ms / 1000
            with self._cond:
                self._processed += done
                self._in_flight = 0
                self._cond.notify_all()
                if self._closing and not self._normal and not self._urgent:
                    break
        self._shutdown()

    def _adapt_interval(self, depth: int) -> None:
        interval = self.cadence.next_interval_ms(self._interval_ms, depth, self._latency_ms)
        with self._cond:
            self._interval_ms = interval
            self._interval_history.append(interval)
            low, high = self._interval_seen
            self._interval_seen = (min(low, interval), max(high, interval))

    def _shutdown(self) -> None:
        with self._cond:
            left = len(self._normal) + len(self._urgent)
            dropped = list(self._urgent)
            self._normal.clear()
            self._urgent.clear()
        for _, _, future in dropped:
            if future is not None and not future.done():
                future.set_exception(StorageUnavailableError("writer closed before the row could be stored"))
        if left:
            self._alert(AlertKind.ROWS_ABANDONED, f"{left} row(s) could be stored nowhere before close")
        try:
            self._spill.close()
        except OSError as exc:
            log.error("closing spill file failed: %s", exc)
        if self._store is not None:
            self._store.close()
            self._store = None
        self._mode = WriterMode.CLOSED

    def _open_at_start(self) -> None:
        try:
            store = self._store_factory()
        except _WRITE_ERRORS as exc:
            self._enter_spilling(exc)
            return
        self._store = store
        try:
            self.last_merge = merge_spill(store, self.config.spill_dir)
        except _WRITE_ERRORS as exc:
            self._enter_spilling(exc)
            return
        self._mode = WriterMode.SQLITE

    def _process(self, items: list[_Item], *, durable: bool) -> int:
        """Store one batch; returns how many items are finished (committed, spilled or rejected)."""
        batch: dict[str, list[Row]] = {}
        records: list[tuple[str, Row]] = []
        futures: list[Future[Durability]] = []
        finished = 0
        for table, payload, future in items:
            try:
                row = table_spec(table).normalize(payload() if callable(payload) else payload)
            except Exception as exc:  # a bad row is a programming error: reject it, keep the rest
                finished += 1
                self._count("rejected")
                self._alert(AlertKind.ROW_REJECTED, f"{table}: {exc}")
                if future is not None:
                    future.set_exception(exc)
                continue
            batch.setdefault(table, []).append(row)
            records.append((table, row))
            if future is not None:
                futures.append(future)
        if not records:
            return finished
        if self._mode is WriterMode.SQLITE and self._store is not None:
            started = time.perf_counter()
            try:
                self._store.write_batch(batch, durable=durable, checked=True)
            except _WRITE_ERRORS as exc:
                self._enter_spilling(exc)
            except RowError as exc:  # defensive: normalize() already checked every row
                self._alert(AlertKind.ROW_REJECTED, str(exc))
            else:
                sample = (time.perf_counter() - started) * 1000
                with self._cond:
                    self._latency_ms = self.cadence.smooth_latency_ms(self._latency_ms, sample)
                    self._counts["committed"] += len(records)
                    self._counts["batches"] += 1
                for future in futures:
                    future.set_result(Durability.COMMITTED)
                return finished + len(records)
        try:
            self._spill.append(records)
        except OSError as exc:
            self._alert(AlertKind.SPILL_FAILED, f"spill to {self.config.spill_dir} failed: {exc}")
            retained = [item for item in items if item[2] is None]
            for future in futures:
                future.set_exception(StorageUnavailableError(f"database and spill both failed: {exc}"))
            with self._cond:
                self._normal.extendleft(reversed(retained))
                self._blocked_until = time.monotonic() + self._probe_s
            return finished + len(futures)
        self._count("spilled", len(records))
        for future in futures:
            future.set_result(Durability.SPILLED)
        return finished + len(records)

    def _enter_spilling(self, exc: BaseException) -> None:
        kind = classify_failure(exc)
        first = self._mode is not WriterMode.SPILLING
        with self._cond:
            self._mode = WriterMode.SPILLING
            self._counts["failures"] += 1
            self._last_failure = kind
            self._next_probe = time.monotonic() + self._probe_s
        if self._store is not None:
            self._store.close()
            self._store = None
        self._alert(kind, f"{self.db_path}: {exc}; rows now spill to {self.config.spill_dir}")
        if first:
            self._start_backup()

    def _start_backup(self) -> None:
        if self._backup_thread is not None and self._backup_thread.is_alive():
            return
        self._backup_thread = threading.Thread(target=self._backup, name="storage-backup", daemon=True)
        self._backup_thread.start()

    def _backup(self) -> None:
        result = attempt_backup(self.db_path, self.config.backup_dir)
        with self._cond:
            self._last_backup = result
        if result.path is not None:
            note = f" ({result.error})" if result.error else ""
            self._alert(AlertKind.BACKUP_DONE, f"{result.method} → {result.path}{note}", force=True)
        else:
            self._alert(AlertKind.BACKUP_FAILED, result.error, force=True)

    def _maybe_probe(self) -> None:
        if self._mode is not WriterMode.SPILLING or time.monotonic() < self._next_probe:
            return
        store: Store | None = None
        try:
            store = self._store_factory()
            with store.busy_timeout(min(self.config.lock_timeout_s, 0.25)):
                self._spill.close_current()
                report = merge_spill(store, self.config.spill_dir, include_partial=False)
                store.set_state("storage.last_recovery_ns", str(time.time_ns()))
        except _WRITE_ERRORS as exc:
            if store is not None:
                store.close()
            with self._cond:
                self._probe_s = min(self._probe_s * 2, self._probe_max_s)
                self._next_probe = time.monotonic() + self._probe_s
                self._last_failure = classify_failure(exc)
            log.warning("storage still failing (%s); next probe in %.1f s", exc, self._probe_s)
            return
        self._store = store
        self.last_merge = report
        with self._cond:
            self._mode = WriterMode.SQLITE
            self._probe_s = self._probe_base_s
            self._blocked_until = 0.0
        self._alert(
            AlertKind.RECOVERED,
            f"{self.db_path}: writable again; merged {report.rows_read} spilled row(s) from "
            f"{len(report.files_merged) + len(report.files_rejected)} file(s)",
            force=True,
        )

    def _count(self, name: str, n: int = 1) -> None:
        with self._cond:
            self._counts[name] += n

    def _alert(self, kind: str, detail: str, *, force: bool = False) -> None:
        now = time.monotonic()
        last = self._alerted_at.get(kind)
        if not force and last is not None and now - last < self._alert_interval_s:
            return
        self._alerted_at[kind] = now
        self._count("alerts")
        log.warning("storage alert %s: %s", kind, detail)
        if self._on_alert is not None:
            try:
                self._on_alert(str(kind), detail)
            except Exception:  # a failing alert sink never stops the writer
                log.exception("storage alert callback failed")
