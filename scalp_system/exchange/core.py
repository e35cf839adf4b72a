"""ExchangeCore: the local exchange without its wire — orders, matching, accounts, market time.

The gRPC server (paper mode) and the backtester (simulated venue) both drive this one object.
It is synchronous and has no clock of its own: every call carries the time (UTC ns) and the market
source is moved forward only by ``advance_to`` (or implicitly by a call stamped later than the
market time). Orders are validated with the broker's real error codes, matched in the source's
books (price-time priority against the synthetic flow, or against recorded displayed liquidity in
replay), and settled in exact Decimal money. Every event is returned to the caller and also passed
to registered listeners, so streams see cancels and fills no matter which call caused them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import numpy as np

from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.money import MoneyError
from scalp_system.core.orders import Fill, OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.accounts import AccountBook, units_per_lot
from scalp_system.exchange.errors import ExchangeReject, RateLimitInfo, RejectCode
from scalp_system.exchange.ratelimit import MinuteRateLimiter
from scalp_system.exchange.replay import ReplaySource, SkippedStretch
from scalp_system.exchange.reports import (
    AccountInfo,
    BookChanged,
    ExchangeEvent,
    FillExecuted,
    OrderReport,
    OrderUpdated,
    PortfolioView,
    PositionsView,
    PostResult,
    TradePrinted,
    TradingStatusSet,
)
from scalp_system.exchange.source import BookUpdated, MarketSource, SourceEvent, TapePrinted
from scalp_system.exchange.tape import TradeTape

# SecurityTradingStatus values (reference §2) and which order types each allows (reference §9).
STATUS_NOT_AVAILABLE = 1
STATUS_NORMAL_TRADING = 5
STATUS_DEALER_NORMAL_TRADING = 14
_LIMIT_ALLOWED = {2, 3, 5, 6, 8, 9, 10, 11, 13, 14}
_MARKET_ALLOWED = {5, 6, 7, 8, 9, 13}

MAX_REQUEST_KEY_LEN = 36
_FIRST_ORDER_ID = 100_000_000_001
_FIRST_TRADE_ID = 500_000_000_001
_TRADE_HISTORY = 100_000


def price_of(instrument: Instrument, ticks: int) -> Decimal:
    """Ticks → price with the tick's exponent (``31000`` SBER ticks → ``310.00``, never ``3.1E+2``), so
    prices print as plain decimal strings in reports and journals."""
    return Decimal(ticks) * instrument.tick


@dataclass(slots=True)
class _WorkingOrder:
    """Mutable state of one order inside the core; ``report()`` freezes it."""

    order_id: str
    request_key: str
    account_id: str
    instrument: Instrument
    side: Side
    lots_requested: int
    order_type: OrderType
    time_in_force: TimeInForce
    price_ticks: int | None
    created_ns: int
    initial_price: Decimal
    block_per_lot: Decimal = Decimal(0)  # cash blocked per remaining lot (working buys)
    held_lots: int = 0  # position lots blocked by this working sell
    status: OrderStatus = OrderStatus.NEW
    lots_executed: int = 0
    executed_value: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    updated_ns: int = 0
    fills: list[Fill] = field(default_factory=list)
    message: str = ""

    def report(self) -> OrderReport:
        units = Decimal(self.lots_executed) * self.instrument.lot
        avg = (self.executed_value / units) if self.lots_executed else Decimal(0)
        return OrderReport(
            self.order_id,
            self.request_key,
            self.account_id,
            self.instrument.uid,
            self.side,
            self.lots_requested,
            self.lots_executed,
            self.order_type,
            self.time_in_force,
            self.price_ticks,
            self.status,
            avg,
            self.executed_value,
            self.commission,
            self.created_ns,
            self.updated_ns or self.created_ns,
            tuple(self.fills),
            self.initial_price,
            self.message,
        )


class ExchangeCore:
    """The local exchange's engine room (see the module docstring)."""

    def __init__(
        self,
        instruments: Sequence[Instrument],
        *,
        commission_rate: Decimal,
        source: MarketSource,
        orders_per_minute: int = 300,
        limit_band_pct: Decimal | None = Decimal("0.2"),
        trading: Callable[[str, int], bool] | None = None,
        start_ns: int | None = None,
    ) -> None:
        self._instruments: dict[str, Instrument] = {i.uid: i for i in instruments}
        self._aliases: dict[str, str] = {}
        for inst in instruments:
            for alias in (inst.uid, inst.figi, inst.ticker):
                if alias:
                    self._aliases.setdefault(alias, inst.uid)
        self._source = source
        if start_ns is not None:
            source.start(start_ns)
        self._now_ns = source.start_ns()
        self._accounts = AccountBook(commission_rate)
        self._limiter = MinuteRateLimiter(orders_per_minute)
        self._band = limit_band_pct
        self._trading = trading
        self._status_override: dict[str, int] = {}
        self._reference_ticks: dict[str, int] = {}
        self._orders: dict[str, _WorkingOrder] = {}
        self._by_key: dict[tuple[str, str], str] = {}
        self._open: dict[str, dict[str, _WorkingOrder]] = {}  # account -> order id -> open order
        self._next_order_id = _FIRST_ORDER_ID
        self._next_trade_id = _FIRST_TRADE_ID
        self._last_price: dict[str, int] = {}
        self._book_ts: dict[str, int] = {}
        self._trades: dict[str, TradeTape] = {
            uid: TradeTape(uid, _TRADE_HISTORY) for uid in self._instruments
        }
        self._listeners: list[Callable[[ExchangeEvent], None]] = []

    # --- time and market flow -----------------------------------------------------------------

    @property
    def now_ns(self) -> int:
        """The market time the core has reached."""
        return self._now_ns

    @property
    def instruments(self) -> list[Instrument]:
        """Every instrument this exchange trades."""
        return list(self._instruments.values())

    @property
    def source(self) -> MarketSource:
        """The market source driving the books."""
        return self._source

    def add_listener(self, listener: Callable[[ExchangeEvent], None]) -> None:
        """Call ``listener`` with every event, whichever call caused it (streams fan out from here)."""
        self._listeners.append(listener)

    def next_event_ns(self) -> int | None:
        """When the market source produces its next event (None when it is exhausted)."""
        return self._source.next_event_ns()

    def advance_to(self, ts_ns: int) -> list[ExchangeEvent]:
        """Run the market up to ``ts_ns`` (inclusive); returns the events in order. Never goes back."""
        events: list[ExchangeEvent] = []
        if ts_ns < self._now_ns:
            return events
        for source_event in self._source.events_until(ts_ns):
            self._on_source_event(source_event, events)
        self._now_ns = ts_ns
        self._publish(events)
        return events

    def skip_replay(self, count: int) -> list[SkippedStretch]:
        """Run the next ``count`` recorded events of a replay at once (the backtest's quiet stretches:
        no client order works in the books touched, nobody listens): books jump to their last row,
        the tape, last prices and trade ids move on exactly as if each event had been replayed."""
        source = self._source
        if not isinstance(source, ReplaySource):
            raise TypeError("skip_replay needs a ReplaySource market")
        if self._listeners:
            raise RuntimeError("skip_replay would hide events from the core's listeners")
        start = source.position
        stretches = source.skip(count)
        end = source.position
        if end > start:
            self._now_ns = max(self._now_ns, int(source.schedule.ts_ns[end - 1]))
        first_trade_id = self._next_trade_id
        printed = 0
        schedule = source.schedule
        times = schedule.ts_ns[start:end]
        ordinal = np.cumsum(schedule.kind[start:end], dtype=np.int64) - 1  # trade number in the stretch
        for stretch in stretches:
            uid = stretch.instrument_uid
            if stretch.last_book_ts_ns is not None:
                self._book_ts[uid] = stretch.last_book_ts_ns
            rows = stretch.trade_rows
            if not len(rows):
                continue
            frame = next(f for f in source.feeds if f.instrument.uid == uid).trades
            self._trades[uid].extend(
                times[stretch.trade_offsets],
                frame.price_ticks[rows],
                frame.lots[rows],
                frame.aggressor[rows],
                first_trade_id + ordinal[stretch.trade_offsets],
            )
            self._last_price[uid] = int(frame.price_ticks[rows[-1]])
            printed += len(rows)
        self._next_trade_id = first_trade_id + printed
        return stretches

    def _catch_up(self, ts_ns: int) -> tuple[int, list[ExchangeEvent]]:
        events = self.advance_to(ts_ns) if ts_ns > self._now_ns else []
        return max(ts_ns, self._now_ns), events

    def _publish(self, events: Sequence[ExchangeEvent]) -> None:
        for listener in self._listeners:
            for event in events:
                listener(event)

    # --- accounts -----------------------------------------------------------------------------

    def open_account(self, name: str = "") -> str:
        """Open an empty RUB account (sandbox OpenSandboxAccount); returns its id."""
        return self._accounts.open(name, self._now_ns)

    def accounts(self) -> list[AccountInfo]:
        """All accounts (GetAccounts)."""
        return self._accounts.accounts()

    def pay_in(self, account_id: str, amount: Decimal, currency: str = "rub") -> Decimal:
        """Fund an account (SandboxPayIn); returns the new cash balance."""
        return self._accounts.pay_in(account_id, amount, currency)

    def positions(self, account_id: str) -> PositionsView:
        """Free and blocked cash and the security positions of an account."""
        return self._accounts.positions_view(self._accounts.get(account_id), self._instruments)

    def portfolio(self, account_id: str) -> PortfolioView:
        """Cash plus positions valued at last prices."""
        last = {uid: price_of(self._instruments[uid], t) for uid, t in self._last_price.items()}
        return self._accounts.portfolio_view(self._accounts.get(account_id), self._instruments, last)

    # --- instruments and market data ------------------------------------------------------------

    def instrument(self, instrument_id: str) -> Instrument:
        """Look an instrument up by uid, figi or ticker (ExchangeReject 50002 when unknown)."""
        uid = self._aliases.get(instrument_id)
        if uid is None:
            raise ExchangeReject(RejectCode.INSTRUMENT_NOT_FOUND, f"instrument {instrument_id!r} not found")
        return self._instruments[uid]

    def price_to_ticks(self, instrument_id: str, price: Decimal) -> int:
        """A price in ticks of the instrument; ExchangeReject 30078 when it is off the tick grid."""
        inst = self.instrument(instrument_id)
        try:
            return inst.to_ticks(price)
        except MoneyError as exc:
            raise ExchangeReject(
                RejectCode.PRICE_OFF_TICK,
                f"price {price} is not a multiple of min_price_increment {inst.tick} for {inst.ticker}",
            ) from exc

    def set_trading_status(self, instrument_id: str, status: int | None) -> None:
        """Force an instrument's trading status (None: back to the ``trading`` schedule)."""
        uid = self.instrument(instrument_id).uid
        if status is None:
            self._status_override.pop(uid, None)
        else:
            self._status_override[uid] = status
        self._publish([TradingStatusSet(uid, self.trading_status(uid), self._now_ns)])

    def trading_status(self, instrument_id: str) -> int:
        """SecurityTradingStatus value now (NORMAL_TRADING=5 unless overridden or out of schedule)."""
        uid = self.instrument(instrument_id).uid
        if uid in self._status_override:
            return self._status_override[uid]
        if self._trading is not None and not self._trading(uid, self._now_ns):
            return STATUS_NOT_AVAILABLE
        return STATUS_NORMAL_TRADING

    def limit_order_available(self, instrument_id: str) -> bool:
        """Whether the current status allows limit orders."""
        return self.trading_status(instrument_id) in _LIMIT_ALLOWED

    def market_order_available(self, instrument_id: str) -> bool:
        """Whether the current status allows market orders."""
        return self.trading_status(instrument_id) in _MARKET_ALLOWED

    def set_reference_price(self, instrument_id: str, price_ticks: int) -> None:
        """Fix the price the limit band is centred on (otherwise: the first mid or print seen)."""
        self._reference_ticks[self.instrument(instrument_id).uid] = price_ticks

    def limits(self, instrument_id: str) -> tuple[int | None, int | None]:
        """(limit_down, limit_up) in ticks, or (None, None) without a band or a reference price."""
        uid = self.instrument(instrument_id).uid
        if self._band is None:
            return None, None
        ref = self._reference_ticks.get(uid)
        if ref is None:
            ref = self._current_reference(uid)
            if ref is None:
                return None, None
            self._reference_ticks[uid] = ref
        up = int((Decimal(ref) * (1 + self._band)).to_integral_value(rounding=ROUND_FLOOR))
        down = int((Decimal(ref) * (1 - self._band)).to_integral_value(rounding=ROUND_CEILING))
        return max(down, 1), up

    def _current_reference(self, uid: str) -> int | None:
        book = self._source.book(uid)
        bid, ask = book.best_bid(), book.best_ask()
        if bid is not None and ask is not None:
            return (bid + ask) // 2
        return self._last_price.get(uid)

    def book(self, instrument_id: str, depth: int) -> OrderBook:
        """The displayed book now, ``depth`` levels per side, with the limit band."""
        uid = self.instrument(instrument_id).uid
        venue_book = self._source.book(uid)
        down, up = self.limits(uid)
        ts = self._book_ts.get(uid, self._now_ns)
        arrays = venue_book.displayed_arrays(depth)
        if arrays is not None:  # a recorded row as recorded: its arrays are the book
            return OrderBook(uid, depth, *arrays, ts, ts, True, up, down)
        return OrderBook.build(
            uid,
            venue_book.levels(Side.BUY, depth),
            venue_book.levels(Side.SELL, depth),
            ts,
            ts,
            depth=depth,
            limit_up_ticks=up,
            limit_down_ticks=down,
        )

    def last_price(self, instrument_id: str) -> Decimal | None:
        """The last traded price (None before the first print)."""
        inst = self.instrument(instrument_id)
        ticks = self._last_price.get(inst.uid)
        return price_of(inst, ticks) if ticks is not None else None

    def last_price_ticks(self, instrument_id: str) -> int | None:
        """The last traded price in ticks."""
        return self._last_price.get(self.instrument(instrument_id).uid)

    def last_trades(self, instrument_id: str, from_ns: int, to_ns: int) -> list[Trade]:
        """Public trades with ``from_ns <= exchange time <= to_ns`` (the last 100 000 are kept)."""
        uid = self.instrument(instrument_id).uid
        return self._trades[uid].between(from_ns, to_ns)

    # --- orders ---------------------------------------------------------------------------------

    def rate_limit_info(self, account_id: str, ts_ns: int) -> RateLimitInfo:
        """Header values for ``x-ratelimit-*`` without counting a request."""
        return self._limiter.peek(account_id, ts_ns)

    def order_by_request_key(self, account_id: str, request_key: str) -> OrderReport | None:
        """The order an account placed under a client key (GetOrderState by REQUEST id)."""
        order_id = self._by_key.get((account_id, request_key))
        return self._orders[order_id].report() if order_id is not None else None

    def order_by_id(self, account_id: str, order_id: str) -> OrderReport | None:
        """An account's order by the exchange id."""
        order = self._orders.get(order_id)
        return order.report() if order is not None and order.account_id == account_id else None

    def open_orders(self, account_id: str) -> list[OrderReport]:
        """Working orders of an account (GetOrders), oldest first."""
        self._accounts.get(account_id)
        return [o.report() for o in self._open.get(account_id, {}).values()]

    def orders(self, account_id: str) -> list[OrderReport]:
        """Every order an account placed, working or final, in placement order."""
        self._accounts.get(account_id)
        return [o.report() for o in self._orders.values() if o.account_id == account_id]

    def post_order(
        self,
        account_id: str,
        request_key: str,
        instrument_uid: str,
        side: Side,
        lots: int,
        order_type: OrderType,
        time_in_force: TimeInForce,
        price_ticks: int | None,
        ts_ns: int,
        *,
        price: Decimal | None = None,
    ) -> PostResult:
        """Place an order (PostOrder). ``price`` (Decimal) may be given instead of ``price_ticks``; an
        off-tick price raises 30078. A known ``request_key`` returns the existing order with
        ``created=False``. Raises ExchangeReject with the broker's code on any refusal."""
        account = self._accounts.get(account_id)
        ts_ns, events = self._catch_up(ts_ns)
        info = self._limiter.acquire(account_id, ts_ns)
        if not request_key or len(request_key) > MAX_REQUEST_KEY_LEN:
            raise ExchangeReject(
                RejectCode.ORDER_KEY_INVALID, "order_id (request key) must be 1-36 characters"
            )
        known = self._by_key.get((account_id, request_key))
        if known is not None:
            return PostResult(self._orders[known].report(), False, tuple(events), info)
        inst = self.instrument(instrument_uid)
        if not inst.api_trade_available:
            raise ExchangeReject(
                RejectCode.API_TRADING_FORBIDDEN, f"{inst.ticker} is not available for API trading"
            )
        if order_type is OrderType.BESTPRICE:
            order_type = OrderType.MARKET
        if order_type not in (OrderType.LIMIT, OrderType.MARKET):
            raise ExchangeReject(RejectCode.ORDER_TYPE_INVALID, f"order type {order_type!r} is not supported")
        allowed = (
            self.limit_order_available(inst.uid)
            if order_type is OrderType.LIMIT
            else self.market_order_available(inst.uid)
        )
        if not allowed:
            raise ExchangeReject(
                RejectCode.NOT_TRADING,
                f"{inst.ticker} is not available for trading now (status {self.trading_status(inst.uid)})",
            )
        if isinstance(lots, bool) or not isinstance(lots, int) or lots <= 0:
            raise ExchangeReject(
                RejectCode.QUANTITY_INVALID, f"quantity must be a positive number of lots, got {lots}"
            )
        tif = TimeInForce.DAY if time_in_force is TimeInForce.UNSPECIFIED else time_in_force
        if order_type is OrderType.MARKET:
            tif, limit = TimeInForce.FILL_AND_KILL, None
        else:
            limit = self._limit_price(inst, price_ticks, price)
        venue_book = self._source.book(inst.uid)
        preview = venue_book.sweep_preview(side, lots, limit)
        initial_ticks = (
            limit if limit is not None else (preview[0][0] if preview else self._last_price.get(inst.uid))
        )
        initial_price = price_of(inst, initial_ticks) if initial_ticks is not None else Decimal(0)
        per_lot = units_per_lot(inst)
        block_per_lot = Decimal(0)
        if side is Side.BUY:
            if limit is not None:
                value = price_of(inst, limit) * per_lot
                block_per_lot = value + value * self._accounts.commission_rate
                self._accounts.check_buy(account, block_per_lot * lots)
            else:
                self._accounts.check_buy(
                    account, self._accounts.buy_cost(inst, [(price_of(inst, p), q) for p, q in preview])
                )
        else:
            self._accounts.check_sell(account, inst, lots, initial_price)

        order = _WorkingOrder(
            str(self._next_order_id),
            request_key,
            account_id,
            inst,
            side,
            lots,
            order_type,
            tif,
            limit,
            ts_ns,
            initial_price,
            block_per_lot,
            updated_ns=ts_ns,
        )
        self._next_order_id += 1
        self._orders[order.order_id] = order
        self._by_key[(account_id, request_key)] = order.order_id
        self._open.setdefault(account_id, {})[order.order_id] = order
        self._block(order, lots)
        new_events: list[ExchangeEvent] = [OrderUpdated(account_id, order.report())]

        fillable = sum(q for _, q in preview)
        public_take = False
        if tif is TimeInForce.FILL_OR_KILL and fillable < lots:
            order.message = f"fill-or-kill: only {fillable} of {lots} lots available"
        else:
            for tape in venue_book.take(side, lots, limit, ts_ns, order.order_id):
                public_take = public_take or tape.public
                self._on_print(tape, new_events)
        if not order.status.is_terminal:
            if tif is TimeInForce.DAY and limit is not None:
                venue_book.rest(side, limit, lots - order.lots_executed, ts_ns, order.order_id)
                new_events.append(BookChanged(inst.uid, ts_ns))
            else:
                if not order.message:
                    order.message = "unfilled rest cancelled (immediate-or-cancel)"
                self._close(order, OrderStatus.CANCELLED, ts_ns, new_events)
        elif order.lots_executed and public_take:
            new_events.append(BookChanged(inst.uid, ts_ns))
        self._publish(new_events)
        return PostResult(order.report(), True, tuple(events + new_events), info)

    def _limit_price(self, inst: Instrument, price_ticks: int | None, price: Decimal | None) -> int:
        if price is not None:
            if price <= 0:
                raise ExchangeReject(RejectCode.PRICE_INVALID, f"price must be positive, got {price}")
            price_ticks = self.price_to_ticks(inst.uid, price)
        if price_ticks is None or price_ticks <= 0:
            raise ExchangeReject(RejectCode.PRICE_INVALID, "a limit order needs a positive price")
        down, up = self.limits(inst.uid)
        if (up is not None and price_ticks > up) or (down is not None and price_ticks < down):
            raise ExchangeReject(
                RejectCode.PRICE_OUTSIDE_LIMITS,
                f"price {price_of(inst, price_ticks)} is outside the limits "
                f"[{price_of(inst, down or 0)}, {price_of(inst, up or 0)}] for {inst.ticker}",
            )
        return price_ticks

    def cancel_order(
        self, account_id: str, order_id: str, ts_ns: int, *, by_request_key: bool = False
    ) -> OrderReport:
        """Cancel a working order (CancelOrder); ``by_request_key`` looks it up by the client key.
        Raises 50005 for an unknown order and 30059 when it is already final."""
        self._accounts.get(account_id)
        ts_ns, _ = self._catch_up(ts_ns)
        if by_request_key:
            order_id = self._by_key.get((account_id, order_id), "")
        order = self._orders.get(order_id)
        if order is None or order.account_id != account_id:
            raise ExchangeReject(RejectCode.ORDER_NOT_FOUND, f"order {order_id!r} not found")
        if order.status.is_terminal:
            raise ExchangeReject(
                RejectCode.ORDER_NOT_CANCELLABLE,
                f"cancel order error: order {order_id} is already {order.status.name}",
            )
        self._source.book(order.instrument.uid).cancel(order.order_id)
        events: list[ExchangeEvent] = [BookChanged(order.instrument.uid, ts_ns)]
        order.message = "cancelled by client"
        self._close(order, OrderStatus.CANCELLED, ts_ns, events)
        self._publish(events)
        return order.report()

    def cancel_all(self, ts_ns: int, account_id: str | None = None) -> list[OrderReport]:
        """Cancel every working order (of one account, or all: the end of the trading day)."""
        accounts = [account_id] if account_id is not None else list(self._open)
        cancelled = []
        for acc in accounts:
            for order_id in list(self._open.get(acc, {})):
                cancelled.append(self.cancel_order(acc, order_id, ts_ns))
        return cancelled

    # --- settlement -------------------------------------------------------------------------------

    def _block(self, order: _WorkingOrder, lots: int) -> None:
        account = self._accounts.get(order.account_id)
        if order.side is Side.BUY:
            account.blocked_cash += order.block_per_lot * lots
        elif order.price_ticks is not None and order.time_in_force is TimeInForce.DAY:
            held = min(lots, max(account.sellable_lots(order.instrument.uid), 0))
            order.held_lots += held
            account.blocked_lots[order.instrument.uid] = (
                account.blocked_lots.get(order.instrument.uid, 0) + held
            )

    def _release(self, order: _WorkingOrder, lots: int) -> None:
        account = self._accounts.get(order.account_id)
        uid = order.instrument.uid
        if order.side is Side.BUY:
            account.blocked_cash -= order.block_per_lot * lots
        elif order.held_lots:
            freed = min(lots, order.held_lots)
            order.held_lots -= freed
            account.blocked_lots[uid] = account.blocked_lots.get(uid, 0) - freed

    def _close(
        self, order: _WorkingOrder, status: OrderStatus, ts_ns: int, events: list[ExchangeEvent]
    ) -> None:
        self._release(order, order.lots_requested - order.lots_executed)
        order.status = status
        order.updated_ns = ts_ns
        self._open.get(order.account_id, {}).pop(order.order_id, None)
        events.append(OrderUpdated(order.account_id, order.report()))

    def _new_trade_id(self) -> str:
        trade_id = str(self._next_trade_id)
        self._next_trade_id += 1
        return trade_id

    def _on_source_event(self, event: SourceEvent, events: list[ExchangeEvent]) -> None:
        if isinstance(event, BookUpdated):
            self._book_ts[event.instrument_uid] = event.ts_ns
            events.append(BookChanged(event.instrument_uid, event.ts_ns))
        elif isinstance(event, TapePrinted):
            self._on_print(event, events)
        else:
            order = self._orders.get(event.client_ref)
            if order is not None and not order.status.is_terminal:
                self._fill(order, event.price_ticks, event.lots, event.ts_ns, self._new_trade_id(), events)

    def _on_print(self, tape: TapePrinted, events: list[ExchangeEvent]) -> None:
        """A trade: on the public tape (last price, trade history, TradePrinted) unless it is a private
        client execution; either way the client orders on its sides are filled."""
        trade_id = self._new_trade_id()
        if tape.public:
            uid, ts = tape.instrument_uid, tape.ts_ns
            trade = Trade(uid, tape.price_ticks, tape.lots, tape.aggressor, ts, ts, trade_id)
            self._last_price[tape.instrument_uid] = tape.price_ticks
            self._trades[tape.instrument_uid].append(trade)
            events.append(TradePrinted(trade))
        suffix = ""
        for ref in (tape.maker_ref, tape.taker_ref):
            order = self._orders.get(ref) if ref is not None else None
            if order is not None and not order.status.is_terminal:
                self._fill(order, tape.price_ticks, tape.lots, tape.ts_ns, trade_id + suffix, events)
                suffix = "-2"

    def _fill(
        self,
        order: _WorkingOrder,
        price_ticks: int,
        lots: int,
        ts_ns: int,
        trade_id: str,
        events: list[ExchangeEvent],
    ) -> None:
        lots = min(lots, order.lots_requested - order.lots_executed)
        if lots <= 0:
            return
        inst = order.instrument
        price = price_of(inst, price_ticks)
        account = self._accounts.get(order.account_id)
        self._release(order, lots)
        fee = self._accounts.apply_fill(account, inst, order.side, lots, price)
        order.lots_executed += lots
        order.executed_value += price * lots * inst.lot
        order.commission += fee
        order.updated_ns = ts_ns
        fill = Fill(
            trade_id, order.order_id, order.request_key, inst.uid, order.side, lots, price, ts_ns, fee
        )
        order.fills.append(fill)
        events.append(FillExecuted(order.account_id, fill))
        if order.lots_executed >= order.lots_requested:
            order.status = OrderStatus.FILL
            self._open.get(order.account_id, {}).pop(order.order_id, None)
        else:
            order.status = OrderStatus.PARTIALLYFILL
        events.append(OrderUpdated(order.account_id, order.report()))
