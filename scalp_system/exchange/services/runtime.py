"""The shared state behind every servicer: the core, the market clock, the journal and the event hub.

The exchange core is synchronous and runs on the event loop thread, so nothing here needs a lock:
``sync()`` moves the core to the current market time (wall clock × speed; in lockstep, the time the
core was stepped to, so calls never move the market themselves). The runtime listens to
the core, so every event — whichever call caused it (market flow, PostOrder, CancelOrder) — goes
to the journal and to the stream sessions that listen (each puts what it wants into its own queue
without awaiting). Servicers call ``sync()`` before touching the market so that a request always
sees the book as of now.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import marketdata_pb2
from scalp_system.core.instrument import Instrument
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.faults import FaultSwitches
from scalp_system.exchange.journal import Journal
from scalp_system.exchange.reports import BookChanged, ExchangeEvent, FillExecuted, OrderUpdated, TradePrinted

NS_PER_S = 1_000_000_000


class MarketClock:
    """Market time = start + wall seconds elapsed × speed (monotonic, never backwards)."""

    def __init__(self, start_ns: int, speed: float, *, wall: Callable[[], float] = time.monotonic) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.start_ns = start_ns
        self.speed = speed
        self._wall = wall
        self._wall_start = wall()
        self._last = start_ns

    def restart(self) -> None:
        """Let market time start flowing from ``start_ns`` now (the exchange starts serving)."""
        self._wall_start = self._wall()

    def now_ns(self) -> int:
        """The current market time, UTC ns."""
        now = self.start_ns + int((self._wall() - self._wall_start) * self.speed * NS_PER_S)
        self._last = max(self._last, now)
        return self._last


class SteppedClock:
    """Market time of a lockstep exchange (a test facility): the time the core was last stepped to.

    It never flows on its own; ``LocalExchange.step`` moves the core and with it this clock."""

    speed = 0.0

    def __init__(self, core: ExchangeCore) -> None:
        self._core = core

    def restart(self) -> None:
        """Nothing to restart: lockstep time does not follow the wall clock."""

    def now_ns(self) -> int:
        """The time the core has reached, UTC ns."""
        return self._core.now_ns


class MarketTime(Protocol):
    """What the runtime needs of a market clock (``MarketClock`` or ``SteppedClock``)."""

    def now_ns(self) -> int:
        """The current market time, UTC ns."""
        ...


class EventListener(Protocol):
    """A stream session that wants exchange events (it must not block)."""

    def on_exchange_event(self, event: ExchangeEvent) -> None:
        """Take one event (queue it, mark a book dirty, ...)."""
        ...


class ExchangeRuntime:
    """Core + clock + journal + faults + listeners, shared by the servicers of one exchange."""

    def __init__(
        self,
        core: ExchangeCore,
        clock: MarketTime,
        journal: Journal,
        faults: FaultSwitches,
        *,
        ping_interval_ms: int,
        book_stream_interval_ms: int,
        lockstep: bool = False,
    ) -> None:
        self.core = core
        self.lockstep = lockstep  # streams push every book change at once; sync() never moves the core
        self.clock = clock
        self.journal = journal
        self.faults = faults
        self.ping_interval_ms = ping_interval_ms
        self.book_stream_interval_ms = book_stream_interval_ms
        self.instruments: dict[str, Instrument] = {}
        self._aliases: dict[str, str] = {}
        for instrument in core.instruments:
            self._index(instrument)
        self._listeners: list[EventListener] = []
        self.closed_accounts: set[str] = set()
        self.events_dispatched = 0
        self.last_trade_ns: dict[str, int] = {}
        self._book_messages: dict[str, dict[int, marketdata_pb2.OrderBook]] = {}
        core.add_listener(self._on_core_event)

    def _index(self, instrument: Instrument) -> None:
        uid = instrument.uid
        self.instruments[uid] = instrument
        for alias in (
            uid,
            instrument.figi,
            instrument.ticker,
            f"{instrument.ticker}_{instrument.class_code}",
        ):
            if alias:
                self._aliases.setdefault(alias.upper(), uid)

    # --- lookup ------------------------------------------------------------------------------
    def resolve(self, instrument_id: str) -> Instrument:
        """An instrument by uid, figi, ``TICKER_CLASSCODE`` or ticker; 50002 when unknown."""
        uid = self._aliases.get(instrument_id.strip().upper())
        if uid is None:
            raise ExchangeReject(RejectCode.INSTRUMENT_NOT_FOUND, f"instrument {instrument_id!r} not found")
        return self.instruments[uid]

    def find(self, instrument_id: str) -> Instrument | None:
        """Like ``resolve`` but None when unknown."""
        uid = self._aliases.get(instrument_id.strip().upper())
        return None if uid is None else self.instruments[uid]

    # --- time and events ---------------------------------------------------------------------
    def now_ns(self) -> int:
        """Current market time."""
        return self.clock.now_ns()

    def sync(self) -> int:
        """Advance the core to the current market time (its events reach the listeners); returns it.
        In lockstep the market moves only when stepped, so this just returns the core's time."""
        if self.lockstep:
            return self.core.now_ns
        now = max(self.clock.now_ns(), self.core.now_ns)
        self.core.advance_to(now)
        return now

    def _on_core_event(self, event: ExchangeEvent) -> None:
        """Journal order events and hand every event to the listeners."""
        self.events_dispatched += 1
        if isinstance(event, BookChanged):
            self._book_messages.pop(event.instrument_uid, None)
        elif isinstance(event, TradePrinted):
            self.last_trade_ns[event.trade.instrument_id] = event.trade.exchange_ts_ns
        elif isinstance(event, OrderUpdated):
            report = event.report
            self.journal.order_state(
                account_id=event.account_id,
                order_id=report.order_id,
                order_request_id=report.request_key,
                status=report.status.name,
                lots_requested=report.lots_requested,
                lots_executed=report.lots_executed,
                market_ts=report.updated_ns,
            )
        elif isinstance(event, FillExecuted):
            fill = event.fill
            self.journal.fill(
                account_id=event.account_id,
                order_id=fill.order_id,
                order_request_id=fill.intent_key,
                trade_id=fill.trade_id,
                lots=fill.lots,
                price=fill.price,
                market_ts=fill.ts_ns,
            )
        for listener in list(self._listeners):
            listener.on_exchange_event(event)

    def book_message(self, instrument_uid: str, depth: int) -> marketdata_pb2.OrderBook:
        """The current book as a stream message, built once per book change and depth (shared by
        every subscription; copy it before changing it)."""
        by_depth = self._book_messages.setdefault(instrument_uid, {})
        message = by_depth.get(depth)
        if message is None:
            instrument = self.instruments[instrument_uid]
            message = convert.order_book_msg(self.core.book(instrument_uid, depth), instrument)
            by_depth[depth] = message
        return message

    def listen(self, listener: EventListener) -> Callable[[], None]:
        """Register a listener; returns the function that removes it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove
