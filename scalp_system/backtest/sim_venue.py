"""The backtest's venue: ``core.venue.Venue`` over an in-process ExchangeCore with latency.

Orders reach the core ``order_latency`` after they are sent, so they meet the market as it is on
arrival (the market keeps moving while they travel); the caller's simulated clock moves to the
arrival time, as a live caller waits for the ack. Market events the core produced meanwhile are
kept, in order, for the feed to deliver, followed by the fills and order updates the order caused.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal

from scalp_system.core.clock import SimulatedClock
from scalp_system.core.events import CancelOrder, SubmitOrder
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import Fill, Order, OrderType
from scalp_system.core.venue import OrderRejectedError, VenueAccount, VenueError, VenuePosition
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.errors import ExchangeReject
from scalp_system.exchange.replay import ReplaySource, SkippedStretch
from scalp_system.exchange.reports import (
    BookChanged,
    ExchangeEvent,
    FillExecuted,
    OrderUpdated,
    TradePrinted,
)

LatencyModel = Callable[[], int]
SimEvent = OrderBook | Trade | Fill | Order


def constant_latency(latency_ns: int) -> LatencyModel:
    """A latency model that always answers ``latency_ns``."""
    return lambda: latency_ns


def event_time_ns(event: SimEvent) -> int:
    """When an event happened (exchange time for market data)."""
    if isinstance(event, OrderBook | Trade):
        return event.exchange_ts_ns
    if isinstance(event, Fill):
        return event.ts_ns
    return event.updated_ts_ns


class SimulatedVenue:
    """An ExchangeCore account traded with a latency model; also the backtest's event pump."""

    def __init__(
        self,
        core: ExchangeCore,
        account_id: str,
        clock: SimulatedClock,
        *,
        depth: int,
        order_latency: LatencyModel = constant_latency(0),
    ) -> None:
        self.core = core
        self.account_id = account_id
        self._clock = clock
        self._depth = depth
        self._latency = order_latency
        self._outbox: deque[SimEvent] = deque()

    # --- the event pump --------------------------------------------------------------------

    def _translate(
        self, events: list[ExchangeEvent] | tuple[ExchangeEvent, ...], *, market: bool = True
    ) -> None:
        """Queue events for the run. ``market`` is False for what an order call caused: its fills and
        order updates are delivered, but the book changes it made are not market data (the strategy
        sees the recorded feed, as in live trading it sees the exchange's, not its own echo)."""
        for event in events:
            if isinstance(event, BookChanged):
                if not market:
                    continue
                self._outbox.append(self.core.book(event.instrument_uid, self._depth))
            elif isinstance(event, TradePrinted):
                if market:
                    self._outbox.append(event.trade)
            elif isinstance(event, FillExecuted) and event.account_id == self.account_id:
                self._outbox.append(event.fill)
            elif isinstance(event, OrderUpdated) and event.account_id == self.account_id:
                self._outbox.append(event.report.to_order())

    def _advance(self, ts_ns: int) -> None:
        """Step the market to ``ts_ns`` one timestamp at a time so every book is captured as it was."""
        while True:
            next_ns = self.core.next_event_ns()
            if next_ns is None or next_ns > ts_ns:
                break
            self._translate(self.core.advance_to(next_ns))

    async def next_event(self) -> SimEvent | None:
        """EventSource: the next event in time order; the simulated clock moves to its time."""
        event = self.pop_event()
        if event is not None:
            self._clock.set(event_time_ns(event))
        return event

    def pop_event(self) -> SimEvent | None:
        """The next event in time order (pending ones first), or None when the recording is done."""
        if not self._outbox:
            next_ns = self.core.next_event_ns()
            if next_ns is None:
                return None
            self._translate(self.core.advance_to(next_ns))
            if not self._outbox:
                return self.pop_event()
        return self._outbox.popleft()

    def has_pending(self) -> bool:
        """True while events the core produced wait in the outbox to be delivered."""
        return bool(self._outbox)

    def skip_quiet(self, count: int) -> list[SkippedStretch]:
        """Replay the next ``count`` recorded events at once (nothing pending, no client order in
        the books touched: see ``ExchangeCore.skip_replay``); the clock moves to the last one."""
        if self._outbox:
            raise RuntimeError("skip_quiet with events still to deliver")
        source = self.core.source
        start = source.position if isinstance(source, ReplaySource) else 0
        stretches = self.core.skip_replay(count)
        if isinstance(source, ReplaySource) and source.position > start:
            self._clock.set(int(source.schedule.ts_ns[source.position - 1]))
        return stretches

    # --- Venue ----------------------------------------------------------------------------

    async def submit(self, command: SubmitOrder) -> Order:
        """Place the order at arrival time; rejections raise OrderRejectedError with the real code."""
        arrival = self._clock.now_ns() + self._latency()
        self._advance(arrival)
        self._clock.set(arrival)
        order_type = OrderType.LIMIT if command.limit_price_ticks is not None else OrderType.MARKET
        try:
            result = self.core.post_order(
                self.account_id,
                command.intent_key,
                command.instrument_id,
                command.side,
                command.lots,
                order_type,
                command.time_in_force,
                command.limit_price_ticks,
                arrival,
            )
        except ExchangeReject as exc:
            raise OrderRejectedError(str(exc), code=str(exc.code)) from None
        self._translate(result.events, market=False)
        return result.order.to_order()

    async def cancel(self, command: CancelOrder) -> Order:
        """Cancel at arrival time."""
        arrival = self._clock.now_ns() + self._latency()
        self._advance(arrival)
        self._clock.set(arrival)
        try:
            report = self.core.cancel_order(
                self.account_id,
                command.order_id or command.intent_key,
                arrival,
                by_request_key=not command.order_id,
            )
        except ExchangeReject as exc:
            current = self.core.order_by_request_key(self.account_id, command.intent_key)
            if current is not None and current.status.is_terminal:
                return current.to_order()
            raise VenueError(str(exc), code=str(exc.code)) from None
        return report.to_order()

    async def order_state(self, intent_key: str) -> Order | None:
        """The order placed under ``intent_key`` or None."""
        report = self.core.order_by_request_key(self.account_id, intent_key)
        return report.to_order() if report is not None else None

    async def open_orders(self) -> list[Order]:
        """Working orders of the account."""
        return [r.to_order() for r in self.core.open_orders(self.account_id)]

    async def account(self) -> VenueAccount:
        """Cash and positions of the account."""
        view = self.core.positions(self.account_id)
        positions = tuple(VenuePosition(p.instrument_uid, p.lots, p.avg_price) for p in view.securities)
        return VenueAccount({view.currency: view.cash}, positions)

    def equity(self) -> Decimal:
        """Account value at last prices (cash + positions)."""
        return self.core.portfolio(self.account_id).total
