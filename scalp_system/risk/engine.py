"""RiskEngine: trading states, stops, sizing, pre-trade checks, circuit breakers, hedging (SPEC §1).

The engine consumes facts — books, trades, trading statuses, fills, order updates, rejects, latency
figures, connectivity changes, drift results — and answers questions: may this entry be taken and
with how many lots and which stop and target (:meth:`RiskEngine.evaluate_entry`), may this order go
out (:meth:`RiskEngine.check_order`), what must be done now (protective exits, an emergency halt's
cancels and flatten orders, hedge adjustments). It never sends anything itself: it returns
commands. Every denial is counted, published as ``OrderDenied`` and audited; every breaker trip,
reset and state change is published and audited. Time comes from the Clock; deadlines are
wall-clock ns and survive a restart through :meth:`RiskEngine.snapshot` / :meth:`RiskEngine.restore`.
This class owns the state and the wiring; the decisions live in ``pretrade`` (order checks),
``entry`` (entry sizing and levels), ``exits`` (closing IOCs) and ``position_guard`` (equity
breakers, trailing, stop/target on every market move).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from decimal import Decimal
from enum import Enum

import numpy as np
import numpy.typing as npt

from scalp_system.config import HedgeConfig, RiskConfig
from scalp_system.core.clock import NS_PER_S, Clock
from scalp_system.core.events import (
    BreakerReset,
    BreakerTripped,
    CancelOrder,
    ConnectivityChanged,
    OrderDenied,
    OrderRejected,
    SubmitOrder,
    TradingStateChanged,
)
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order, OrderStatus, PositionSide
from scalp_system.core.state import BreakerKind, Denial, TradingState
from scalp_system.features.atr import AtrTracker
from scalp_system.risk.audit import CONTROL_INCIDENT, CONTROL_LOGGING, RISK_ACTOR, AuditSink, NullAudit
from scalp_system.risk.breakers import MSK_OFFSET_S, BreakerBoard, trading_day_end_ns
from scalp_system.risk.checks import SlidingWindow
from scalp_system.risk.entry import EntryEvaluator
from scalp_system.risk.exits import ExitOrders
from scalp_system.risk.exits import sweep_price_ticks as sweep_price_ticks  # re-exported: public here
from scalp_system.risk.hedging import HEDGE_REASON as HEDGE_REASON  # re-exported
from scalp_system.risk.hedging import Exposure, HedgeAdjustment, hedge_adjustments, inventory_imbalance
from scalp_system.risk.market_state import POSITION_SIDES, EntryDecision, InFlightOrder, MarketState
from scalp_system.risk.portfolio import Portfolio
from scalp_system.risk.position_guard import PositionGuard
from scalp_system.risk.pretrade import FLATTEN_REASONS as FLATTEN_REASONS  # re-exported
from scalp_system.risk.pretrade import PreTradeChecks
from scalp_system.risk.stops import PositionState, distance_for

Command = SubmitOrder | CancelOrder
RiskEvent = BreakerTripped | BreakerReset | TradingStateChanged | OrderDenied


class RiskEngine:
    """Trading state, breakers, checks, stops, sizing and hedging for one account (see module doc)."""

    def __init__(
        self,
        risk: RiskConfig,
        clock: Clock,
        *,
        hedge: HedgeConfig | None = None,
        instruments: Iterable[Instrument] = (),
        book_ttl_s: float = 5.0,
        audit: AuditSink | None = None,
        on_event: Callable[[RiskEvent], None] | None = None,
        utc_offset_s: int = MSK_OFFSET_S,
        remembered_intents: int = 50_000,
    ) -> None:
        self.config = risk
        self.hedge_config = hedge if hedge is not None else HedgeConfig()
        self._clock = clock
        self._audit: AuditSink = audit if audit is not None else NullAudit()
        self._listeners: list[Callable[[RiskEvent], None]] = [on_event] if on_event is not None else []
        self._book_ttl_ns = int(book_ttl_s * NS_PER_S)
        self._utc_offset_s = utc_offset_s
        self._instruments: dict[str, Instrument] = {}
        self._markets: dict[str, MarketState] = {}
        self.portfolio = Portfolio(self._instruments)
        self.board = BreakerBoard(risk, self._emit, utc_offset_s=utc_offset_s)
        self._inflight: dict[str, InFlightOrder] = {}
        self._seen_intents: set[str] = set()
        self._seen_order: deque[str] = deque(maxlen=remembered_intents)
        self._order_rate = SlidingWindow(60 * NS_PER_S)
        self._rejected: deque[str] = deque(maxlen=1_000)
        self.denials: Counter[Denial] = Counter()
        self._day_end_ns = trading_day_end_ns(clock.now_ns(), utc_offset_s)
        # The parts (pre-trade checks, entry decision, exits, position guard) share this engine's
        # containers; their methods are bound here once (the hot paths pay no extra lookup).
        pretrade = PreTradeChecks(
            risk,
            self.hedge_config,
            markets=self._markets,
            portfolio=self.portfolio,
            board=self.board,
            inflight=self._inflight,
            seen_intents=self._seen_intents,
            order_rate=self._order_rate,
            book_ttl_ns=self._book_ttl_ns,
            is_stale=self._stale,
            imbalance=self.imbalance,
        )
        self._check = pretrade.check
        entries = EntryEvaluator(
            risk,
            markets=self._markets,
            portfolio=self.portfolio,
            board=self.board,
            inflight=self._inflight,
            pretrade=pretrade,
            book_ttl_ns=self._book_ttl_ns,
            is_stale=self._stale,
            deny=self._deny,
        )
        self._evaluate_entry = entries.evaluate
        exits = ExitOrders(self.portfolio, self._inflight, pretrade, self.check_order)
        self._exit_order = exits.exit_order
        self._guard = PositionGuard(risk, self.portfolio, self.board, exits, self.emergency_halt)
        self._refresh_levels = self._guard.refresh_levels
        self._after_market_move = self._guard.after_market_move
        for instrument in instruments:
            self.add_instrument(instrument)

    # --- wiring -------------------------------------------------------------------------------

    def subscribe(self, listener: Callable[[RiskEvent], None]) -> None:
        """Call ``listener`` with every event the engine publishes."""
        self._listeners.append(listener)

    def add_instrument(self, instrument: Instrument, atr: AtrTracker | None = None) -> None:
        """Make an instrument known; ``atr`` shares an existing tracker fed in ticks (e.g. the features')."""
        self._instruments[instrument.uid] = instrument
        market = self._markets.get(instrument.uid)
        tracker = atr or (market.atr if market else AtrTracker(self.config.atr_bar_s, self.config.atr_period))
        if market is None:
            self._markets[instrument.uid] = MarketState(
                instrument, tracker, allow_dealer_trading=self.config.allow_dealer_trading
            )
        else:
            market.adopt(instrument, tracker)

    def start_day(self, equity: Decimal, *, cash: Decimal | None = None) -> None:
        """Start-of-day equity (and free cash) from the broker: the base of the daily-loss and
        drawdown breakers."""
        self.portfolio.start_day(equity, cash)
        self._guard.loss_baseline = equity
        self._day_end_ns = trading_day_end_ns(self._clock.now_ns(), self._utc_offset_s)

    def set_cash(self, cash: Decimal) -> None:
        """Free cash as reported by the broker (fills adjust it in between)."""
        self.portfolio.cash = cash

    # --- what callers read --------------------------------------------------------------------

    @property
    def state(self) -> TradingState:
        """ACTIVE, REDUCING or HALTED (deadlines that passed are applied first)."""
        self._advance(self._clock.now_ns())
        return self.board.state

    def equity(self) -> Decimal:
        """Start-of-day equity + the day's net realised PnL + the change of unrealised PnL."""
        return self.portfolio.equity()

    def position_lots(self, instrument_id: str) -> int:
        """Signed lots held in ``instrument_id``."""
        return self.portfolio.lots(instrument_id)

    def position_state(self, instrument_id: str) -> PositionState | None:
        """Stop, target, best price and trailing flag of the open position (None when flat)."""
        market = self._markets.get(instrument_id)
        return market.pos_state if market is not None else None

    def cooldown_until(self, instrument_id: str | None = None) -> int | None:
        """When the cooldown blocking entries on ``instrument_id`` (None: global only) ends."""
        now = self._clock.now_ns()
        self._advance(now)
        return self.board.cooldown_until(instrument_id, now)

    def is_stale(self, instrument_id: str) -> bool:
        """True when no valid book arrived for ``data.book_ttl_s``."""
        market = self._markets.get(instrument_id)
        return market is None or self._stale(market, self._clock.now_ns())

    def open_intents(self) -> dict[str, str]:
        """Approved, not yet terminal orders: intent key → instrument id."""
        return {key: flight.instrument_id for key, flight in self._inflight.items()}

    def imbalance(self) -> Decimal:
        """Inventory imbalance ``I`` (SPEC §1.5)."""
        return inventory_imbalance(self._exposures(), self.config.max_gross_notional, self.hedge_config)

    # --- market facts -------------------------------------------------------------------------

    def on_book(self, book: OrderBook) -> list[Command]:
        """A new book: marks, spread statistics, ATR, staleness, trailing, stop/target exits, equity
        breakers, and flatten retries while halted. Returns the commands to send."""
        market = self._markets.get(book.instrument_id)
        if market is None:
            return []
        now = self._clock.now_ns()
        bid_px = book.bid_px
        ask_px = book.ask_px
        if book.is_consistent and len(bid_px) and len(ask_px):
            bid: int = bid_px.item(0)  # Python ints: cheaper than numpy scalars
            ask: int = ask_px.item(0)
            if 0 < bid < ask:
                market.book = book
                market.bid = bid
                market.ask = ask
                market.last_book_ns = book.local_ts_ns
                spread = ask - bid
                market.spread_counts[spread] = market.spread_counts.get(spread, 0) + 1
                market.spread_total += 1
                market.atr.on_mid((bid + ask) / 2.0, book.exchange_ts_ns)
                levels = market.cached_levels
                if levels is not None and levels.bars != market.atr.completed_bars:
                    market.entry_levels(self.config)  # a new ATR bar: ready before the next decision
                self.portfolio.mark(book.instrument_id, market.mid_price())
                if self.board.stale:
                    self.board.mark_fresh(book.instrument_id, now)
        if now >= self.board.next_deadline_ns or now >= self._day_end_ns:
            self._advance(now)
        return self._after_market_move(market, now)

    def on_trade(self, trade: Trade) -> None:
        """A public trade: feeds the instrument's ATR bars (in ticks)."""
        market = self._markets.get(trade.instrument_id)
        if market is not None:
            market.atr.on_trade(trade.price_ticks, trade.exchange_ts_ns)

    @property
    def book_ttl_ns(self) -> int:
        """How old the last valid book may be before the stale-data breaker trips."""
        return self._book_ttl_ns

    def last_book_ns(self, instrument_id: str) -> int | None:
        """Time of the last valid book of ``instrument_id`` (what the stale-data check measures)."""
        market = self._markets.get(instrument_id)
        return market.last_book_ns if market is not None else None

    def has_orders_in_flight(self) -> bool:
        """True while an approved order is not yet terminal."""
        return bool(self._inflight)

    def quiet_until_ns(self) -> int | None:
        """Until when market data alone cannot make this engine act or change state (None: not
        quiet now): flat everywhere, nothing in flight, ACTIVE with no hold, stale flag or exit
        pending; the answer is the next breaker deadline or the trading day's end."""
        board = self.board
        if (
            board.state is not TradingState.ACTIVE
            or board.halt is not None
            or board.reducing
            or board.stale
            or board.conn_down_since is not None
            or self._inflight
            or any(self.portfolio.lots(uid) for uid in self._markets)
            or any(m.exit_intent is not None or m.pos_state is not None for m in self._markets.values())
        ):
            return None
        return min(board.next_deadline_ns, self._day_end_ns)

    def absorb_quiet_market(
        self,
        instrument_id: str,
        last_book: OrderBook | None,
        spreads_ticks: npt.NDArray[np.int64],
        atr_prices: npt.NDArray[np.float64],
        atr_ts_ns: npt.NDArray[np.int64],
        atr_is_trade: npt.NDArray[np.bool_],
    ) -> None:
        """The market facts of many valid books and trades at once (the backtest's quiet stretches):
        last book (None: trades only) and mark, spread statistics, ATR — the state ``on_book`` and
        ``on_trade`` one by one would leave. Only for stretches with nothing to decide: flat
        everywhere, nothing in flight, no breaker, halt or deadline pending, equity already checked
        (the caller's guarantee)."""
        market = self._markets.get(instrument_id)
        if market is None:
            return
        market.atr.on_prices(atr_prices, atr_ts_ns, atr_is_trade)
        if last_book is None:  # trades only
            return
        market.set_book(last_book)
        if len(spreads_ticks):
            values, first, counts = np.unique(spreads_ticks, return_index=True, return_counts=True)
            spread_counts = market.spread_counts
            for at in np.argsort(first, kind="stable").tolist():  # first-seen order, as one by one
                spread = int(values[at])
                spread_counts[spread] = spread_counts.get(spread, 0) + int(counts[at])
            market.spread_total += len(spreads_ticks)
        self.portfolio.mark(instrument_id, market.mid_price())
        self._advance(self._clock.now_ns())

    def on_trading_status(self, status: TradingStatusChanged) -> None:
        """The instrument's trading status (limit orders allowed only in normal trading)."""
        market = self._markets.get(status.instrument_id)
        if market is not None:
            market.set_status(status.status, status.limit_order_available)

    # --- order and fill facts -----------------------------------------------------------------

    def on_fill(self, fill: Fill) -> list[Command]:
        """A fill: position, average entry, stop/target from the average entry, round-trip PnL into
        the loss streaks, cash, equity breakers. Duplicate ``trade_id`` is ignored."""
        now = self._clock.now_ns()
        if self.portfolio.has_seen(fill.trade_id):
            return []
        if fill.instrument_id not in self._instruments:
            details: dict[str, object] = {"instrument_id": fill.instrument_id, "trade_id": fill.trade_id}
            self._audit.record("fill_for_unknown_instrument", RISK_ACTOR, details, CONTROL_INCIDENT)
            return []
        flight = self._inflight.get(fill.intent_key)
        if flight is not None:
            flight.lots -= fill.lots
            if flight.lots <= 0:
                del self._inflight[fill.intent_key]
        trip = self.portfolio.apply_fill(fill)
        self._advance(now)
        if trip is not None:
            self.board.record_round_trip(trip.instrument_id, trip.pnl, now)
        market = self._markets.get(fill.instrument_id)
        if market is None:
            return []
        self._refresh_levels(market)
        return self._after_market_move(market, now)

    def on_order_update(self, order: Order) -> None:
        """An order's new state: remembers its exchange id; terminal orders leave the in-flight set;
        REJECTED counts toward the reject-rate breaker."""
        flight = self._inflight.get(order.intent_key)
        if order.status is OrderStatus.REJECTED:
            self._count_reject(order.intent_key)
        if flight is None:
            return
        if order.status.is_terminal:
            del self._inflight[order.intent_key]
        else:
            flight.order_id = order.order_id or flight.order_id
            flight.lots = order.lots_requested - order.lots_executed

    def on_reject(self, rejected: OrderRejected) -> None:
        """The venue refused an order: counts toward the reject-rate breaker."""
        self._inflight.pop(rejected.intent_key, None)
        self._count_reject(rejected.intent_key)

    def _count_reject(self, intent_key: str) -> None:
        if intent_key and intent_key in self._rejected:
            return
        self._rejected.append(intent_key)
        now = self._clock.now_ns()
        self._advance(now)
        self.board.record_reject(now)

    def reconcile_position(self, instrument_id: str, lots: int, avg_price: Decimal) -> None:
        """Reconciliation: the broker's position wins; levels are rebuilt from its average price."""
        self.portfolio.set_position(instrument_id, lots, avg_price)
        market = self._markets.get(instrument_id)
        if market is not None:
            market.pos_state = None
            self._refresh_levels(market)

    def forget_order(self, intent_key: str) -> None:
        """Reconciliation: an order the broker does not know any more is no longer in flight."""
        self._inflight.pop(intent_key, None)

    # --- health facts -------------------------------------------------------------------------

    def on_decision_latency(self, p99_ms: float) -> None:
        """p99 decision latency over the last ``latency_window_s``; above the limit → REDUCING."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.record_latency(now, p99_ms=p99_ms)

    def on_order_ack(self, ack_s: float) -> None:
        """One order's acknowledgement latency; above ``ack_timeout_s`` → REDUCING."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.record_latency(now, ack_s=ack_s)

    def on_connectivity(self, event: ConnectivityChanged) -> None:
        """A stream went down or came back; down longer than ``connectivity_down_s`` trips."""
        now = self._clock.now_ns()
        if event.up:
            self.board.connectivity_up(now)
        else:
            self.board.connectivity_down(now, event.endpoint, event.reason)
        self._advance(now)

    def on_unavailable(self, endpoint: str, reason: str = "UNAVAILABLE") -> None:
        """A call failed with UNAVAILABLE; 3 in a row trip the connectivity breaker."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.record_unavailable(now, endpoint, reason)

    def on_call_succeeded(self) -> None:
        """A broker call succeeded: the consecutive-UNAVAILABLE count restarts."""
        self.board.record_call_succeeded()

    def connectivity_failure(self) -> tuple[str, str]:
        """The endpoint and reason of the latest connectivity failure (for the failover hook)."""
        return self.board.conn_endpoint, self.board.conn_reason

    def on_reconciled(self) -> None:
        """Reconnected and reconciled: the connectivity hold (REDUCING) is lifted."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.reconciled(now)

    def on_drift(self, level: str, critical_features: int) -> None:
        """A drift check: "critical" on ≥ ``drift_critical_features`` features → HALTED for entries."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.record_drift(now, level, critical_features)

    def on_recalibrated(self) -> None:
        """The model was recalibrated: the drift halt is lifted."""
        now = self._clock.now_ns()
        self._advance(now)
        self.board.recalibrated(now)

    def poll(self) -> list[Command]:
        """Timers (call about once a second): deadlines, ATR bars over silent time, stale-data
        trips, the connectivity down timer, equity breakers and flatten retries."""
        now = self._clock.now_ns()
        self._advance(now)
        commands: list[Command] = []
        for market in self._markets.values():
            market.atr.advance_to(now)
            if market.last_book_ns is not None:
                self._stale(market, now)
            commands.extend(self._after_market_move(market, now))
        return commands

    # --- decisions ----------------------------------------------------------------------------

    def evaluate_entry(
        self, instrument_id: str, side: PositionSide | str, *, entry_price: Decimal | None = None
    ) -> EntryDecision:
        """May a position be opened (or added to) on ``side``? Sizes it and sets its stop and target.

        The entry price defaults to the best opposite price of the latest book; then the stop,
        target and size come from integer ticks and per-distance constants (cached per ATR bar and
        spread), equal to the Decimal formulas of ``risk.stops`` and ``risk.sizing``.
        """
        if side is PositionSide.LONG or side is PositionSide.SHORT:
            position_side = side
        else:  # a plain string: a dict lookup is cheaper than the enum's constructor
            try:
                position_side = POSITION_SIDES[side]
            except (KeyError, TypeError):
                position_side = PositionSide(side)
        now = self._clock.now_ns()
        if now >= self.board.next_deadline_ns or now >= self._day_end_ns:
            self._advance(now)
        return self._evaluate_entry(instrument_id, position_side, entry_price, now)

    def check_order(self, order: SubmitOrder) -> Denial | None:
        """Pre-trade checks (SPEC §1.7) plus the trading state and breakers; None = approved.

        An approved order is remembered as in flight (open-order count, order rate, duplicate
        intents, reduce/open classification) until a terminal update, fill or reject clears it.
        """
        now = self._clock.now_ns()
        if now >= self.board.next_deadline_ns or now >= self._day_end_ns:
            self._advance(now)
        result = self._check(order, now)
        if isinstance(result, Denial):
            self._deny(order.intent_key, order.instrument_id, result, now, order.reason)
            return result
        key = order.intent_key
        self._inflight[key] = InFlightOrder(
            order.instrument_id, order.side, order.lots, result, order.reason, ""
        )
        seen_order = self._seen_order
        if len(seen_order) == seen_order.maxlen:
            self._seen_intents.discard(seen_order[0])
        seen_order.append(key)
        self._seen_intents.add(key)
        self._order_rate.record(now)
        return None

    def emergency_halt(self, reason: str, breaker: BreakerKind | None = None) -> list[Command]:
        """Halt now: cancel every open order and (``risk.flatten_on_halt``) flatten every position
        with IOC orders walking the book; HALTED until :meth:`resume` or the next trading day."""
        now = self._clock.now_ns()
        if not self.board.trip_halt(now, breaker, reason):
            return []
        commands: list[Command] = [
            CancelOrder(key, flight.order_id, flight.instrument_id) for key, flight in self._inflight.items()
        ]
        if self.config.flatten_on_halt:
            commands.extend(self.flatten_orders())
        self._audit.record(
            "emergency_halt",
            RISK_ACTOR,
            {
                "reason": reason,
                "breaker": breaker.value if breaker else None,
                "equity": str(self.equity()),
                "cancels": sum(isinstance(c, CancelOrder) for c in commands),
                "flatten_orders": sum(isinstance(c, SubmitOrder) for c in commands),
            },
            CONTROL_INCIDENT,
        )
        return commands

    def resume(self, actor: str = "operator") -> bool:
        """Lift an emergency halt (``scalp resume``). The drawdown peak and the daily-loss baseline
        restart from the equity at this moment. False when no emergency halt was in force."""
        now = self._clock.now_ns()
        self._advance(now)
        equity = self.equity()
        if not self.board.resume(now, actor):
            return False
        self.portfolio.peak_equity = equity
        self._guard.loss_baseline = equity
        self._audit.record("trading_resumed", actor, {"equity": str(equity)}, CONTROL_INCIDENT)
        return True

    def stop_distance(self, instrument_id: str) -> Decimal | None:
        """The stop distance ``d`` an entry would get now (SPEC §1.1), in price units; None without a
        book or (outside the warm-up allowance) without ATR."""
        market = self._markets.get(instrument_id)
        if market is None or market.book is None:
            return None
        atr = market.atr_price()
        if atr is None and not self.config.allow_warmup_entries:
            return None
        tick = market.instrument.tick
        spread = (market.ask - market.bid) * tick
        p95 = market.spread_p95_ticks() if atr is None else None
        return distance_for(atr, spread, tick, self.config, spread_ticks_p95=p95)

    def seed_atr(
        self, instrument_id: str, bars: Iterable[tuple[int, int, int, int, int]], now_ns: int
    ) -> int:
        """Warm an instrument's ATR from historic bars — (start ns, open, high, low, close) in ticks,
        e.g. the broker's 1-minute candles at start-up — so entries need not wait five live bars.
        Returns the number of completed bars afterwards."""
        market = self._markets.get(instrument_id)
        if market is None:
            return 0
        for start, open_, high, low, close in sorted(bars):
            for offset, price in enumerate((open_, high, low, close)):
                market.atr.on_trade(price, start + offset)
        market.atr.advance_to(now_ns)
        market.forget_atr_cache()
        return market.atr.completed_bars

    def exit_position(self, instrument_id: str, reason: str) -> SubmitOrder | None:
        """An approved IOC that closes the whole position of one instrument (strategy exits:
        reversal, time limit, session end), priced to walk the book; None when flat, when an exit is
        already in flight, or when the checks refuse it."""
        market = self._markets.get(instrument_id)
        if market is None:
            return None
        return self._exit_order(market, reason, self._clock.now_ns())

    def flatten_orders(self) -> list[SubmitOrder]:
        """IOC orders that close every open position, priced to walk the book; each is checked
        (HALTED admits them) and registered in flight. Positions with an exit in flight are skipped."""
        orders: list[SubmitOrder] = []
        for market in self._markets.values():
            order = self._exit_order(market, "flatten", self._clock.now_ns())
            if order is not None:
                orders.append(order)
        return orders

    def hedge_adjustments(self) -> list[HedgeAdjustment]:
        """Hedge adjustments when ``|I|`` is above ``hedge.threshold`` (SPEC §1.5). They are requests:
        plan them and put every resulting order through :meth:`check_order` with reason "hedge"."""
        return hedge_adjustments(self._exposures(), self.config.max_gross_notional, self.hedge_config)

    # --- internals ----------------------------------------------------------------------------

    def _advance(self, now: int) -> None:
        if now >= self._day_end_ns:
            equity = self.portfolio.equity()
            self.portfolio.start_day(equity)
            self._guard.loss_baseline = equity
            self._day_end_ns = trading_day_end_ns(now, self._utc_offset_s)
        self.board.advance(now)

    def _emit(self, event: RiskEvent) -> None:
        control = CONTROL_LOGGING if isinstance(event, OrderDenied) else CONTROL_INCIDENT
        self._audit.record(type(event).__name__, RISK_ACTOR, _event_details(event), control)
        for listener in self._listeners:
            listener(event)

    def _deny(self, intent_key: str, instrument_id: str, denial: Denial, now: int, detail: str) -> None:
        self.denials[denial] += 1
        self._emit(OrderDenied(intent_key, instrument_id, denial, now, detail))

    def _stale(self, market: MarketState, now: int) -> bool:
        last = market.last_book_ns
        if last is not None and now - last <= self._book_ttl_ns:
            return False
        if last is not None:
            self.board.mark_stale(market.instrument.uid, now, (now - last) / NS_PER_S)
        return True

    def _exposures(self) -> dict[str, Exposure]:
        exposures: dict[str, Exposure] = {}
        for instrument_id in self._markets:
            mark = self.portfolio.marks.get(instrument_id)
            lots = self.portfolio.lots(instrument_id)
            if mark is None or (lots == 0 and instrument_id != self.hedge_config.instrument):
                continue
            units = self.portfolio.lot_units(instrument_id)
            exposures[instrument_id] = Exposure(instrument_id, lots, mark, units)
        return exposures

    # --- persistence --------------------------------------------------------------------------

    def snapshot(self) -> dict[str, object]:
        """The whole risk state as a JSON-able dict (Decimals as strings, times as UTC ns)."""
        from scalp_system.risk.snapshot import engine_snapshot

        return engine_snapshot(self)

    def restore(self, raw: Mapping[str, object]) -> None:
        """Load a :meth:`snapshot` taken by an engine with the same instruments registered."""
        from scalp_system.risk.snapshot import restore_engine

        restore_engine(self, raw)


def _event_details(event: object) -> dict[str, object]:
    details: dict[str, object] = {}
    for field in fields(event):  # type: ignore[arg-type]
        value = getattr(event, field.name)
        details[field.name] = value.value if isinstance(value, Enum) else value
    return details
