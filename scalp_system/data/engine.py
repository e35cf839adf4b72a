"""DataEngine: the one door market data comes through (SPEC §2).

Consumes core ``OrderBook``/``Trade`` events for many instruments — from the broker client, a replay
or the simulated venue alike — validates each at the door (``validation``), keeps the latest good
book per instrument with a TTL, and bounded history rings of books and trades (``rings``). Bad input
is counted per reason and instrument, logged at most once per reason per interval, and never raises
out of ``on_book``/``on_trade``. A memory guard holds the rings' total under ``data.max_memory_mb``
by freeing the oldest history of the least recently updated instruments first. ``maybe_publish``
returns a ``DataEngineMetrics`` once per ``data.metrics_interval_s``.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Mapping
from dataclasses import dataclass, field

from scalp_system.config import DataConfig
from scalp_system.core.clock import NS_PER_S, Clock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade
from scalp_system.data.metrics import DataEngineMetrics, InstrumentDataMetrics
from scalp_system.data.rings import DEFAULT_BOOK_BLOCK_ROWS, DEFAULT_TRADE_BLOCK_ROWS, BookRing, TradeRing
from scalp_system.data.validation import RejectReason, check_book, check_trade

logger = logging.getLogger(__name__)

BYTES_PER_MB = 1024 * 1024
_MAX_UNKNOWN_UIDS = 256  # distinct unknown instrument ids counted separately; the rest share one key
_OTHER_UNKNOWN = "<other>"


@dataclass(slots=True)
class _InstrumentState:
    """Everything the engine knows about one instrument; ``forget`` drops it whole."""

    instrument: Instrument
    books: BookRing
    trades: TradeRing
    latest_book: OrderBook | None = None
    latest_book_at_ns: int | None = None  # clock time the latest book was accepted
    last_book_exchange_ns: int | None = None
    last_trade_exchange_ns: int | None = None
    book_updates: int = 0
    trade_updates: int = 0
    rejects: Counter[RejectReason] = field(default_factory=Counter)

    @property
    def memory_bytes(self) -> int:
        return self.books.nbytes + self.trades.nbytes


class DataEngine:
    """Latest books with TTL, history rings, validation counters, memory guard and 1 Hz metrics.

    ``instruments`` is the universe the engine accepts data for (more can be added with
    ``add_instrument``); state for an instrument is created on its first event and dropped by
    ``forget``. ``clock`` stamps acceptance times, so TTLs work the same on wall and simulated time.
    """

    def __init__(
        self,
        config: DataConfig,
        instruments: Mapping[str, Instrument],
        clock: Clock,
        *,
        book_block_rows: int = DEFAULT_BOOK_BLOCK_ROWS,
        trade_block_rows: int = DEFAULT_TRADE_BLOCK_ROWS,
        reject_log_interval_s: float = 60.0,
    ) -> None:
        self._config = config
        self._instruments: dict[str, Instrument] = dict(instruments)
        self._clock = clock
        self._book_block_rows = book_block_rows
        self._trade_block_rows = trade_block_rows
        self._ttl_ns = int(config.book_ttl_s * NS_PER_S)
        self._budget_bytes = config.max_memory_mb * BYTES_PER_MB
        self._metrics_interval_ns = max(1, int(config.metrics_interval_s * NS_PER_S))
        self._log_interval_ns = int(reject_log_interval_s * NS_PER_S)
        # Least recently updated first: the memory guard walks this order.
        self._states: OrderedDict[str, _InstrumentState] = OrderedDict()
        self._memory_bytes = 0
        self._rejects: Counter[RejectReason] = Counter()
        self._unknown_rejects: Counter[str] = Counter()
        self._log_last_ns: dict[RejectReason, int] = {}
        self._log_suppressed: Counter[RejectReason] = Counter()
        self._evictions = 0
        self._evicted_rows = 0
        self._budget_overruns = 0
        self._eviction_durations_ns: deque[int] = deque(maxlen=4096)
        self._eviction_max_ns = 0
        self._overrun_logged_ns: int | None = None
        start = clock.now_ns()
        self._window_start_ns = start
        self._next_publish_ns = start + self._metrics_interval_ns
        self._window_counts: dict[str, tuple[int, int]] = {}

    # -- configuration ----------------------------------------------------------------------------
    @property
    def config(self) -> DataConfig:
        """The DataConfig the engine runs with."""
        return self._config

    def add_instrument(self, instrument: Instrument) -> None:
        """Accept data for ``instrument`` from now on (rotation may bring in new ones)."""
        self._instruments[instrument.uid] = instrument

    def instrument(self, uid: str) -> Instrument | None:
        """The configured Instrument for ``uid``, if any."""
        return self._instruments.get(uid)

    def tracked(self) -> tuple[str, ...]:
        """Instruments with state (data seen and not forgotten), least recently updated first."""
        return tuple(self._states)

    # -- input ------------------------------------------------------------------------------------
    def on_book(self, book: OrderBook) -> bool:
        """Validate and store one book; True when accepted. Never raises for bad input."""
        uid = "?"
        try:
            uid = str(book.instrument_id)
            state = self._state_for(uid)
            if state is None:
                self._reject(uid, None, RejectReason.INSTRUMENT_UNKNOWN)
                return False
            reason = check_book(book, state.instrument, state.last_book_exchange_ns)
            if reason is not None:
                self._reject(uid, state, reason)
                return False
            allocated = state.books.append(book)
            state.latest_book = book
            state.latest_book_at_ns = self._clock.now_ns()
            state.last_book_exchange_ns = book.exchange_ts_ns
            state.book_updates += 1
            self._states.move_to_end(uid)
            if allocated:
                self._grew(allocated)
            return True
        except Exception:  # bad input must never take the engine down
            logger.debug("book for %s raised during validation", uid, exc_info=True)
            self._reject(uid, self._states.get(uid), RejectReason.INPUT_MALFORMED)
            return False

    def on_trade(self, trade: Trade) -> bool:
        """Validate and store one public trade; True when accepted. Never raises for bad input."""
        uid = "?"
        try:
            uid = str(trade.instrument_id)
            state = self._state_for(uid)
            if state is None:
                self._reject(uid, None, RejectReason.INSTRUMENT_UNKNOWN)
                return False
            book = state.latest_book
            reason = check_trade(
                trade,
                state.instrument,
                state.last_trade_exchange_ns,
                limit_down_ticks=book.limit_down_ticks if book is not None else None,
                limit_up_ticks=book.limit_up_ticks if book is not None else None,
            )
            if reason is not None:
                self._reject(uid, state, reason)
                return False
            allocated = state.trades.append(trade)
            state.last_trade_exchange_ns = trade.exchange_ts_ns
            state.trade_updates += 1
            self._states.move_to_end(uid)
            if allocated:
                self._grew(allocated)
            return True
        except Exception:  # bad input must never take the engine down
            logger.debug("trade for %s raised during validation", uid, exc_info=True)
            self._reject(uid, self._states.get(uid), RejectReason.INPUT_MALFORMED)
            return False

    def absorb(
        self,
        uid: str,
        books: BookFrame,
        trades: TradeFrame,
        latest_book: OrderBook | None,
        latest_book_at_ns: int | None,
    ) -> None:
        """Store many books and trades of ``uid`` already known to pass validation (the backtest's
        fast path validated the recording up front with the same rules): the same state as
        accepting them one by one. ``latest_book`` is the last of ``books`` as an OrderBook."""
        state = self._state_for(uid)
        if state is None:
            raise KeyError(f"absorb: unknown instrument {uid!r}")
        allocated = 0
        if len(books):
            if latest_book is None or latest_book_at_ns is None:
                raise ValueError("absorb: books without the latest one as an OrderBook")
            allocated += state.books.extend(books)
            state.latest_book = latest_book
            state.latest_book_at_ns = latest_book_at_ns
            state.last_book_exchange_ns = int(books.exchange_ts_ns[-1])
            state.book_updates += len(books)
        if len(trades):
            allocated += state.trades.extend(trades)
            state.last_trade_exchange_ns = int(trades.exchange_ts_ns[-1])
            state.trade_updates += len(trades)
        if len(books) or len(trades):
            self._states.move_to_end(uid)
        if allocated:
            self._grew(allocated)

    def forget(self, uid: str) -> None:
        """Drop everything about ``uid`` (books, trades, timestamps, counters); frees its memory.

        Called on rotation re-entry so history from before the gap never feeds features, and so the
        next book is not refused as TIME_BACKWARDS against a stale last time.
        """
        state = self._states.pop(uid, None)
        if state is not None:
            self._memory_bytes -= state.memory_bytes
            state.books.clear()
            state.trades.clear()
        self._window_counts.pop(uid, None)

    # -- queries ----------------------------------------------------------------------------------
    def latest_book(self, uid: str, *, allow_stale: bool = False) -> OrderBook | None:
        """The last accepted book of ``uid``; None when there is none or it is older than the TTL
        (unless ``allow_stale``: e.g. to manage an open position under its stop)."""
        state = self._states.get(uid)
        if state is None or state.latest_book is None:
            return None
        if not allow_stale and self._is_stale(state, self._clock.now_ns()):
            return None
        return state.latest_book

    def is_stale(self, uid: str) -> bool:
        """True when ``uid`` has had no valid book for longer than ``data.book_ttl_s`` (or never)."""
        state = self._states.get(uid)
        return state is None or self._is_stale(state, self._clock.now_ns())

    def book_age_ns(self, uid: str) -> int | None:
        """Nanoseconds since the last accepted book of ``uid`` (None: never had one)."""
        state = self._states.get(uid)
        if state is None or state.latest_book_at_ns is None:
            return None
        return self._clock.now_ns() - state.latest_book_at_ns

    def book_history(self, uid: str, n: int | None = None) -> BookFrame:
        """The last ``n`` accepted books of ``uid`` (all held when None), oldest first; may be empty.

        Arrays are read-only and may be views valid only until the next ``on_book``: copy to keep.
        """
        state = self._states.get(uid)
        if state is None:
            return BookRing(1, self._config.lob_levels).frame(uid)
        return state.books.frame(uid, n)

    def trade_history(self, uid: str, n: int | None = None) -> TradeFrame:
        """The last ``n`` accepted trades of ``uid`` (all held when None), oldest first; may be empty."""
        state = self._states.get(uid)
        if state is None:
            return TradeRing(1).frame(uid)
        return state.trades.frame(uid, n)

    def reject_count(self, reason: RejectReason, uid: str | None = None) -> int:
        """How many inputs were refused for ``reason`` (for one instrument, or all when ``uid`` None).

        Per-instrument counts of a forgotten instrument restart from zero; the totals do not.
        """
        if uid is None:
            return self._rejects[reason]
        state = self._states.get(uid)
        if state is not None:
            return state.rejects[reason]
        if reason is RejectReason.INSTRUMENT_UNKNOWN:
            return self._unknown_rejects[uid]
        return 0

    def rejects_by_reason(self) -> Mapping[RejectReason, int]:
        """Cumulative refusals per reason, all instruments."""
        return dict(self._rejects)

    @property
    def memory_bytes(self) -> int:
        """Bytes of history storage held now (all rings)."""
        return self._memory_bytes

    @property
    def memory_budget_bytes(self) -> int:
        """The guard's budget: ``data.max_memory_mb`` in bytes."""
        return self._budget_bytes

    def eviction_durations_ns(self) -> tuple[int, ...]:
        """How long each of the last (up to 4096) memory-guard runs took, ns."""
        return tuple(self._eviction_durations_ns)

    # -- metrics ----------------------------------------------------------------------------------
    def metrics(self, now_ns: int | None = None) -> DataEngineMetrics:
        """A health snapshot; rates cover the time since the last ``maybe_publish`` publication."""
        now = self._clock.now_ns() if now_ns is None else now_ns
        window_ns = max(1, now - self._window_start_ns)
        window_s = window_ns / NS_PER_S
        per_instrument: dict[str, InstrumentDataMetrics] = {}
        total_books = total_trades = 0
        memory = 0
        for uid, state in self._states.items():
            books0, trades0 = self._window_counts.get(uid, (0, 0))
            books = state.book_updates - books0
            trades = state.trade_updates - trades0
            total_books += books
            total_trades += trades
            state_memory = state.memory_bytes
            memory += state_memory
            age = None if state.latest_book_at_ns is None else (now - state.latest_book_at_ns) / NS_PER_S
            per_instrument[uid] = InstrumentDataMetrics(
                uid=uid,
                book_updates_per_s=books / window_s,
                trade_updates_per_s=trades / window_s,
                rejects=dict(state.rejects),
                book_age_s=age,
                stale=self._is_stale(state, now),
                book_rows=len(state.books),
                book_fill=state.books.fill_ratio,
                trade_rows=len(state.trades),
                trade_fill=state.trades.fill_ratio,
                memory_bytes=state_memory,
            )
        self._memory_bytes = memory  # resynchronise the running total with the rings themselves
        return DataEngineMetrics(
            ts_ns=now,
            window_s=window_s,
            updates_per_s=(total_books + total_trades) / window_s,
            book_updates_per_s=total_books / window_s,
            trade_updates_per_s=total_trades / window_s,
            rejects_by_reason=dict(self._rejects),
            rejects_total=sum(self._rejects.values()),
            instruments=per_instrument,
            stale_instruments=tuple(uid for uid, m in per_instrument.items() if m.stale),
            memory_bytes=memory,
            memory_budget_bytes=self._budget_bytes,
            evictions=self._evictions,
            evicted_rows=self._evicted_rows,
            eviction_max_us=self._eviction_max_ns / 1_000,
            budget_overruns=self._budget_overruns,
        )

    def maybe_publish(self, now_ns: int) -> DataEngineMetrics | None:
        """Metrics once per ``data.metrics_interval_s`` (on a fixed grid from the engine's start),
        else None; each publication starts a new rate window."""
        if now_ns < self._next_publish_ns:
            return None
        snapshot = self.metrics(now_ns)
        while self._next_publish_ns <= now_ns:
            self._next_publish_ns += self._metrics_interval_ns
        self._window_start_ns = now_ns
        self._window_counts = {
            uid: (state.book_updates, state.trade_updates) for uid, state in self._states.items()
        }
        return snapshot

    # -- internals --------------------------------------------------------------------------------
    def _state_for(self, uid: str) -> _InstrumentState | None:
        state = self._states.get(uid)
        if state is not None:
            return state
        instrument = self._instruments.get(uid)
        if instrument is None:
            return None
        state = _InstrumentState(
            instrument=instrument,
            books=BookRing(self._config.history_len, self._config.lob_levels, self._book_block_rows),
            trades=TradeRing(self._config.trade_history_len, self._trade_block_rows),
        )
        self._states[uid] = state
        self._states.move_to_end(uid, last=False)  # no update accepted yet: least recently updated
        return state

    def _is_stale(self, state: _InstrumentState, now_ns: int) -> bool:
        at = state.latest_book_at_ns
        return at is None or now_ns - at > self._ttl_ns

    def _reject(self, uid: str, state: _InstrumentState | None, reason: RejectReason) -> None:
        try:
            self._rejects[reason] += 1
            if state is not None:
                state.rejects[reason] += 1
            elif uid in self._unknown_rejects or len(self._unknown_rejects) < _MAX_UNKNOWN_UIDS:
                self._unknown_rejects[uid] += 1
            else:
                self._unknown_rejects[_OTHER_UNKNOWN] += 1
            self._log_reject(uid, reason)
        except Exception:  # counting must never raise either
            logger.debug("reject accounting failed", exc_info=True)

    def _log_reject(self, uid: str, reason: RejectReason) -> None:
        now = self._clock.now_ns()
        last = self._log_last_ns.get(reason)
        if last is not None and now - last < self._log_interval_ns:
            self._log_suppressed[reason] += 1
            return
        suppressed = self._log_suppressed.pop(reason, 0)
        self._log_last_ns[reason] = now
        logger.warning(
            "market data refused: %s for %s (%d more of this reason since the last report; total %d)",
            reason.value,
            uid[:64],
            suppressed,
            self._rejects[reason],
        )

    def _grew(self, allocated: int) -> None:
        self._memory_bytes += allocated
        if self._memory_bytes > self._budget_bytes:
            self._enforce_budget()

    def _enforce_budget(self) -> None:
        """Free memory until under budget, oldest history first, a block at a time.

        1. spare blocks (free storage, no history lost); 2. walking instruments from the least
        recently updated, their oldest blocks of history, down to the block being written — and
        that one too when the instrument is stale (no valid book within the TTL). Each step frees
        one block in O(1) and the run stops as soon as the total is under budget; the run is timed.
        """
        started = time.perf_counter_ns()
        now = self._clock.now_ns()
        over = self._memory_bytes - self._budget_bytes
        freed_rows = 0
        for state in self._states.values():
            if over <= 0:
                break
            for ring in (state.books, state.trades):
                freed = ring.release_spare()
                self._memory_bytes -= freed
                over -= freed
        for state in self._states.values():
            if over <= 0:
                break
            stale = self._is_stale(state, now)
            for ring in (state.books, state.trades):
                while over > 0:
                    rows = ring.evict_oldest_block()
                    freed = ring.block_nbytes
                    if not rows:
                        if not stale or ring.nbytes == 0:
                            break
                        rows, freed = len(ring), ring.nbytes
                        ring.clear()
                    freed_rows += rows
                    self._memory_bytes -= freed
                    over -= freed
        elapsed = time.perf_counter_ns() - started
        self._eviction_durations_ns.append(elapsed)
        self._eviction_max_ns = max(self._eviction_max_ns, elapsed)
        self._evictions += 1
        self._evicted_rows += freed_rows
        if over > 0:
            self._budget_overruns += 1
            if self._overrun_logged_ns is None or now - self._overrun_logged_ns >= self._log_interval_ns:
                self._overrun_logged_ns = now
                logger.warning(
                    "data memory budget of %d MB is too small for %d instruments: %d bytes over after "
                    "evicting all evictable history",
                    self._config.max_memory_mb,
                    len(self._states),
                    over,
                )
