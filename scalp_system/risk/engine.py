"""RiskEngine: trading states, stops, sizing, pre-trade checks, circuit breakers, hedging (SPEC §1).

The engine consumes facts — books, trades, trading statuses, fills, order updates, rejects, latency
figures, connectivity changes, drift results — and answers questions: may this entry be taken and
with how many lots and which stop and target (:meth:`RiskEngine.evaluate_entry`), may this order go
out (:meth:`RiskEngine.check_order`), what must be done now (protective exits, an emergency halt's
cancels and flatten orders, hedge adjustments). It never sends anything itself: it returns
commands. Every denial is counted, published as ``OrderDenied`` and audited; every breaker trip,
reset and state change is published and audited. Time comes from the Clock; deadlines are
wall-clock ns and survive a restart through :meth:`RiskEngine.snapshot` / :meth:`RiskEngine.restore`.
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
from scalp_system.core.ids import fast_intent_key
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order, OrderStatus, PositionSide, Side, TimeInForce
from scalp_system.core.state import BreakerKind, Denial, TradingState
from scalp_system.features.atr import AtrTracker
from scalp_system.risk.audit import CONTROL_INCIDENT, CONTROL_LOGGING, RISK_ACTOR, AuditSink, NullAudit
from scalp_system.risk.breakers import MSK_OFFSET_S, BreakerBoard, trading_day_end_ns
from scalp_system.risk.checks import (
    SlidingWindow,
    check_cash,
    check_exposure,
    check_price_band,
    check_quantity,
    check_short,
)
from scalp_system.risk.hedging import Exposure, HedgeAdjustment, hedge_adjustments, inventory_imbalance
from scalp_system.risk.market_state import (
    POSITION_SIDES,
    EntryDecision,
    EquityFloors,
    InFlightOrder,
    MarketState,
    new_entry_decision,
)
from scalp_system.risk.portfolio import Portfolio
from scalp_system.risk.sizing import position_size, position_size_ticks
from scalp_system.risk.stops import (
    PositionState,
    advance_trailing,
    distance_for,
    open_position_state,
    stop_hit,
    stop_price,
    target_hit,
    target_price,
    update_position_state,
)

Command = SubmitOrder | CancelOrder
RiskEvent = BreakerTripped | BreakerReset | TradingStateChanged | OrderDenied
FLATTEN_REASONS = frozenset({"flatten", "halt"})
HEDGE_REASON = "hedge"
_ZERO = Decimal(0)
_EXIT_RETRY_NS = NS_PER_S
_PRICE_CACHE_SIZE = 4096
_SNAPSHOT_VERSION = 1


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
        self._loss_baseline = _ZERO
        self._equity_floors: EquityFloors | None = None
        self._day_end_ns = trading_day_end_ns(clock.now_ns(), utc_offset_s)
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
        self._loss_baseline = equity
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
        board = self.board
        if now >= board.next_deadline_ns or now >= self._day_end_ns:
            self._advance(now)
        market = self._markets.get(instrument_id)
        last_book = market.last_book_ns if market is not None else None
        if (  # anything that might refuse: the full check, in its order
            market is None
            or board.state is not TradingState.ACTIVE
            or board.global_cooldown_until
            or board.cooldowns
            or last_book is None
            or now - last_book > self._book_ttl_ns
            or market.book is None
            or market.tradable is not None
        ):
            denial = self._entry_denial(market, instrument_id, now)
            if denial is not None or market is None:
                denial = denial or Denial.INSTRUMENT_UNKNOWN
                return self._deny_entry(instrument_id, position_side, denial, now)
        cfg = self.config
        levels = market.entry_levels(cfg) if entry_price is None else None
        if levels is None:
            atr = market.atr_price()
            if atr is None and not cfg.allow_warmup_entries:
                return self._deny_entry(
                    instrument_id,
                    position_side,
                    Denial.WARMUP_NO_ATR,
                    now,
                    f"{market.atr.completed_bars} of {cfg.atr_period} ATR bars",
                )
            return self._evaluate_entry_exact(market, position_side, atr, entry_price, now)
        long = position_side is PositionSide.LONG
        position = self.portfolio.positions.get(instrument_id)
        held = 0 if position is None else (position.lots if long else -position.lots)
        if held < 0:
            held = 0
        if self._inflight:
            held += self._pending_lots(instrument_id, Side.BUY if long else Side.SELL, reduces=False)
        entry_ticks = market.ask if long else market.bid
        lots = position_size_ticks(
            levels.risk_lots(self.portfolio.equity()),
            entry_ticks,
            levels.order_ticklots,
            cfg.max_position_lots,
            held,
        )
        if lots <= 0:
            detail = f"d={levels.distance}"
            return self._deny_entry(instrument_id, position_side, Denial.SIZE_ZERO, now, detail)
        if long:
            stop_ticks = entry_ticks - levels.stop_ticks
            target_ticks = entry_ticks + levels.target_ticks
        else:
            stop_ticks = entry_ticks + levels.stop_ticks
            target_ticks = entry_ticks - levels.target_ticks
        price = market.prices.get
        entry, stop, target = price(entry_ticks), price(stop_ticks), price(target_ticks)
        if entry is None or stop is None or target is None:
            entry, stop, target = market.remember_prices(entry_ticks, stop_ticks, target_ticks)
        return new_entry_decision(
            instrument_id, position_side, lots, entry, levels.distance, stop, target, None, ""
        )

    def _evaluate_entry_exact(
        self,
        market: MarketState,
        side: PositionSide,
        atr: Decimal | None,
        entry_price: Decimal | None,
        now: int,
    ) -> EntryDecision:
        """The entry decision in Decimal throughout: warm-up (no ATR yet), a caller's entry price
        (which may lie off the tick grid) or an instrument whose lot units are not positive."""
        instrument_id = market.instrument.uid
        tick = market.tick
        spread = (market.ask - market.bid) * tick
        entry = (
            entry_price
            if entry_price is not None
            else (market.ask * tick if side is PositionSide.LONG else market.bid * tick)
        )
        p95 = market.spread_p95_ticks() if atr is None else None
        distance = distance_for(atr, spread, tick, self.config, spread_ticks_p95=p95)
        held = self.portfolio.lots(instrument_id) * side.sign
        held = max(held, 0) + self._pending_lots(instrument_id, side.entry_side, reduces=False)
        lots = position_size(
            self.equity(),
            distance,
            self.portfolio.lot_units(instrument_id),
            entry,
            self.config,
            held_lots=held,
        )
        if lots <= 0:
            return self._deny_entry(instrument_id, side, Denial.SIZE_ZERO, now, f"d={distance}")
        stop = stop_price(entry, side, distance, tick)
        target = target_price(entry, side, distance, tick, self.config.k_tp)
        return EntryDecision(instrument_id, side, lots, entry, distance, stop, target)

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
        self._loss_baseline = equity
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
            self._loss_baseline = equity
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

    def _deny_entry(
        self, instrument_id: str, side: PositionSide, denial: Denial, now: int, detail: str = ""
    ) -> EntryDecision:
        self._deny("", instrument_id, denial, now, detail or f"entry {side.value}")
        return EntryDecision(instrument_id, side, 0, denial=denial, detail=detail)

    def _stale(self, market: MarketState, now: int) -> bool:
        last = market.last_book_ns
        if last is not None and now - last <= self._book_ttl_ns:
            return False
        if last is not None:
            self.board.mark_stale(market.instrument.uid, now, (now - last) / NS_PER_S)
        return True

    def _halted_denial(self) -> Denial:
        return Denial.STATE_HALTED if self.board.halt is not None else Denial.DRIFT_HALTED

    def _entry_denial(self, market: MarketState | None, instrument_id: str, now: int) -> Denial | None:
        state = self.board.state
        if state is TradingState.HALTED:
            return self._halted_denial()
        if state is TradingState.REDUCING:
            return Denial.STATE_REDUCING_WOULD_OPEN
        if market is None:
            return Denial.INSTRUMENT_UNKNOWN
        if self.board.cooldown_until(instrument_id, now) is not None:
            return Denial.COOLDOWN_ACTIVE
        if self._stale(market, now) or market.book is None:
            return Denial.DATA_STALE
        return market.tradable

    def _pending_lots(self, instrument_id: str, side: Side, *, reduces: bool) -> int:
        return sum(
            f.lots
            for f in self._inflight.values()
            if f.instrument_id == instrument_id and f.side is side and f.reduces is reduces
        )

    def _check(self, order: SubmitOrder, now: int) -> Denial | bool:
        """A Denial, or whether the approved order reduces the position (True) or opens (False)."""
        cfg = self.config
        key = order.intent_key
        inflight = self._inflight
        if key in self._seen_intents or key in inflight:
            return Denial.INTENT_DUPLICATE
        lots = order.lots
        if type(lots) is not int or lots <= 0:
            quantity = check_quantity(lots)
            if quantity is not None:
                return quantity
        instrument_id = order.instrument_id
        market = self._markets.get(instrument_id)
        if market is None:
            return Denial.INSTRUMENT_UNKNOWN
        price_ticks = order.limit_price_ticks
        if price_ticks is None:
            return Denial.PRICE_MISSING
        position = self.portfolio.positions.get(instrument_id)
        held = position.lots if position is not None else 0
        side = order.side
        reduces = (held < 0 if side is Side.BUY else held > 0) and (
            lots + (self._pending_lots(instrument_id, side, reduces=True) if inflight else 0) <= abs(held)
        )
        board = self.board
        state = board.state
        reason = order.reason
        if state is TradingState.HALTED:
            if not reduces:
                return self._halted_denial()
            if board.halt is not None and reason not in FLATTEN_REASONS:
                return Denial.STATE_HALTED
        elif state is TradingState.REDUCING and not reduces:
            return Denial.STATE_REDUCING_WOULD_OPEN
        if not reduces:
            if (
                reason != HEDGE_REASON
                and (board.global_cooldown_until or board.cooldowns)
                and board.cooldown_until(instrument_id, now) is not None
            ):
                return Denial.COOLDOWN_ACTIVE
            last_book = market.last_book_ns
            if (last_book is None or now - last_book > self._book_ttl_ns) and self._stale(market, now):
                return Denial.DATA_STALE
        if market.tradable is not None:
            return market.tradable
        book = market.book
        if book is None:
            band = check_price_band(price_ticks, None, None)
        else:
            band = check_price_band(price_ticks, book.limit_down_ticks, book.limit_up_ticks)
        if band is not None:
            return band
        if not reduces:
            denial = self._exposure_denial(order, market, held, price_ticks)
            if denial is not None:
                return denial
        if reason not in FLATTEN_REASONS and len(inflight) >= cfg.max_open_orders:
            return Denial.ORDERS_MAX_OPEN
        if self._order_rate.count(now) >= cfg.max_orders_per_min:
            return Denial.RATE_ORDERS_PER_MINUTE
        return reduces

    def _exposure_denial(
        self, order: SubmitOrder, market: MarketState, held: int, price_ticks: int
    ) -> Denial | None:
        """Short, position-lots, notional (per order, instrument, gross) and cash limits of an
        opening order; notional limits compare whole tick·lots (exact, see ``sizing.ticklots_cap``)."""
        cfg = self.config
        instrument_id = order.instrument_id
        side = order.side
        lots = order.lots
        pending = 0
        if self._inflight:
            pending = self._pending_lots(instrument_id, Side.BUY, reduces=False) - self._pending_lots(
                instrument_id, Side.SELL, reduces=False
            )
        before = held + pending
        after = before + lots if side is Side.BUY else before - lots
        if after < 0 and after < before:  # opens or grows a short
            short = check_short(market.instrument, before, after)
            if short is not None:
                return short
        limits = market.limits(cfg)
        if limits is None or order.reason == HEDGE_REASON:
            return self._exposure_denial_exact(order, market, after, price_ticks)
        size_after = after if after >= 0 else -after
        if size_after > cfg.max_position_lots:
            return Denial.POSITION_MAX_LOTS
        order_ticklots = price_ticks * lots
        if order_ticklots > limits.order_ticklots:
            return Denial.NOTIONAL_PER_ORDER
        instrument_ticklots = size_after * price_ticks
        if instrument_ticklots > limits.instrument_ticklots:
            return Denial.NOTIONAL_PER_INSTRUMENT
        positions = self.portfolio.positions
        others = None
        if len(positions) > (instrument_id in positions):  # positions (maybe flat) in other instruments
            others = self._other_gross_notional(instrument_id)
        if others is None:
            if instrument_ticklots > limits.gross_ticklots:
                return Denial.NOTIONAL_GROSS
        elif others + instrument_ticklots * limits.tick_lot_units > cfg.max_gross_notional:
            return Denial.NOTIONAL_GROSS
        if side is Side.BUY:
            cash = self.portfolio.cash
            if cash is not None and order_ticklots * limits.tick_lot_units > cash:
                return Denial.CASH_INSUFFICIENT
        return None

    def _other_gross_notional(self, instrument_id: str) -> Decimal | None:
        """Σ |notional| of the open positions in other instruments (None when there are none)."""
        total: Decimal | None = None
        portfolio = self.portfolio
        for other, position in portfolio.positions.items():
            if position.lots and other != instrument_id:
                notional = abs(portfolio.signed_notional(other))
                total = notional if total is None else total + notional
        return total

    def _exposure_denial_exact(
        self, order: SubmitOrder, market: MarketState, after: int, price_ticks: int
    ) -> Denial | None:
        """The exposure and cash limits in Decimal (hedges, and instruments without positive lot units)."""
        cfg = self.config
        instrument_id = order.instrument_id
        side = order.side
        price = price_ticks * market.instrument.tick
        lot_units = self.portfolio.lot_units(instrument_id)
        order_notional = price * order.lots * lot_units
        instrument_after = abs(after) * price * lot_units
        if order.reason == HEDGE_REASON:
            # A hedge adds gross notional by design; it is held to the net (beta-weighted) exposure
            # it leaves, which must not exceed the gross limit.
            weight = self.hedge_config.beta if instrument_id == self.hedge_config.instrument else Decimal(1)
            gross_after = abs(self.imbalance() * cfg.max_gross_notional + weight * side.sign * order_notional)
        else:
            held_notional = abs(self.portfolio.signed_notional(instrument_id))
            gross_after = self.portfolio.gross_notional() - held_notional + instrument_after
        exposure = check_exposure(
            order_notional=order_notional,
            instrument_notional_after=instrument_after,
            gross_notional_after=gross_after,
            position_lots_after=after,
            max_position_lots=cfg.max_position_lots,
            max_notional_per_order=cfg.max_notional_per_order,
            max_notional_per_instrument=cfg.max_notional_per_instrument,
            max_gross_notional=cfg.max_gross_notional,
        )
        if exposure is not None:
            return exposure
        if side is Side.BUY:
            return check_cash(order_notional, self.portfolio.cash)
        return None

    def _refresh_levels(self, market: MarketState) -> None:
        """Stops after a fill or a new bar: from the average entry, never loosening."""
        position = self.portfolio.positions.get(market.instrument.uid)
        if position is None or position.lots == 0:
            market.pos_state = None
            return
        side = PositionSide.LONG if position.lots > 0 else PositionSide.SHORT
        tick = market.instrument.tick
        spread = market.spread()
        spread = spread if spread is not None else self.config.spread_floor
        atr = market.atr_price()
        p95 = market.spread_p95_ticks() if atr is None else None
        state = market.pos_state
        if state is None or state.side is not side:
            market.pos_state = open_position_state(
                position.avg_price, side, atr, spread, tick, self.config, spread_ticks_p95=p95
            )
        else:
            if state.avg_entry != position.avg_price:
                state = PositionState(
                    side,
                    position.avg_price,
                    state.stop,
                    state.target,
                    state.best_price,
                    state.trailing_active,
                    state.distance,
                )
            market.pos_state = update_position_state(
                state, atr, spread, state.best_price, tick, self.config, spread_ticks_p95=p95
            )
        market.atr_bars_seen = market.atr.completed_bars

    def _after_market_move(self, market: MarketState, now: int) -> list[Command]:
        """Equity breakers first (a halt flattens), then the position's trailing and stop/target exits."""
        commands = self._check_equity(now)
        halted = self.board.halt is not None
        if halted and self.config.flatten_on_halt and self.portfolio.lots(market.instrument.uid):
            order = self._exit_order(market, "flatten", now)
            if order is not None:
                commands.append(order)
        state = market.pos_state
        book = market.book
        if state is None or book is None:
            return commands
        if market.atr.completed_bars != market.atr_bars_seen:
            self._refresh_levels(market)
            state = market.pos_state
            assert state is not None
        price = market.prices.get
        bid, ask = price(market.bid), price(market.ask)
        if bid is None or ask is None:
            bid, ask = market.remember_prices(market.bid, market.ask)
        exit_price = bid if state.side is PositionSide.LONG else ask
        state = advance_trailing(state, exit_price, market.tick, self.config)
        market.pos_state = state
        if halted:
            return commands
        reason = ""
        if stop_hit(state, bid, ask):
            reason = "trailing" if state.trailing_active else "stop"
        elif target_hit(state, bid, ask):
            reason = "target"
        if reason:
            order = self._exit_order(market, reason, now)
            if order is not None:
                commands.append(order)
        return commands

    def _check_equity(self, now: int) -> list[Command]:
        portfolio = self.portfolio
        if self.board.halt is not None or portfolio.sod_equity <= _ZERO:
            return []
        equity = portfolio.equity()
        peak = portfolio.peak_equity
        if equity > peak:
            portfolio.peak_equity = peak = equity
        cfg = self.config
        floors = self._equity_floors
        if floors is None or floors.keys != (self._loss_baseline, portfolio.sod_equity, peak):
            floors = self._equity_floors = EquityFloors(self._loss_baseline, portfolio.sod_equity, peak, cfg)
        if equity <= floors.daily_loss:
            return self.emergency_halt(
                f"daily loss {equity - portfolio.sod_equity} <= -{cfg.daily_loss_limit} of start-of-day "
                f"equity {portfolio.sod_equity}",
                BreakerKind.DAILY_LOSS,
            )
        if equity <= floors.drawdown:
            return self.emergency_halt(
                f"equity {equity} <= peak {portfolio.peak_equity} - {cfg.intraday_drawdown_limit}",
                BreakerKind.INTRADAY_DRAWDOWN,
            )
        return []

    def _exit_order(self, market: MarketState, reason: str, now: int) -> SubmitOrder | None:
        """An IOC that closes the position, priced at the book level that covers its size."""
        instrument_id = market.instrument.uid
        held = self.portfolio.lots(instrument_id)
        book = market.book
        if held == 0 or book is None or now < market.exit_retry_ns:
            return None
        if market.exit_intent is not None and market.exit_intent in self._inflight:
            return None
        side = Side.SELL if held > 0 else Side.BUY
        lots = abs(held) - self._pending_lots(instrument_id, side, reduces=True)
        if lots <= 0:
            return None
        price_ticks = sweep_price_ticks(book, side, lots)
        if price_ticks is None:
            return None
        order = SubmitOrder(
            fast_intent_key(),
            instrument_id,
            side,
            lots,
            price_ticks,
            TimeInForce.FILL_AND_KILL,
            reduce_only=True,
            reason=reason,
        )
        if self.check_order(order) is not None:
            market.exit_retry_ns = now + _EXIT_RETRY_NS
            return None
        market.exit_intent = order.intent_key
        return order

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


def sweep_price_ticks(book: OrderBook, side: Side, lots: int) -> int | None:
    """The limit (ticks) at which an IOC of ``lots`` on ``side`` sweeps the opposite side of the
    book: the first level where the cumulative size covers it, else the deepest level; the exchange's
    price band bounds it. None when the opposite side is empty."""
    prices, sizes = (book.ask_px, book.ask_qty) if side is Side.BUY else (book.bid_px, book.bid_qty)
    if not len(prices):
        return None
    covered = 0
    price = int(prices[-1])
    for level_price, level_size in zip(prices.tolist(), sizes.tolist(), strict=True):
        covered += level_size
        if covered >= lots:
            price = level_price
            break
    if side is Side.BUY and book.limit_up_ticks is not None:
        price = min(price, book.limit_up_ticks)
    if side is Side.SELL and book.limit_down_ticks is not None:
        price = max(price, book.limit_down_ticks)
    return int(price)


def _event_details(event: object) -> dict[str, object]:
    details: dict[str, object] = {}
    for field in fields(event):  # type: ignore[arg-type]
        value = getattr(event, field.name)
        details[field.name] = value.value if isinstance(value, Enum) else value
    return details
