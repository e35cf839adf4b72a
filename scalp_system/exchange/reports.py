"""What the local exchange tells its callers: order reports, events, account views.

All frozen values. Prices of orders are integer ticks (``price_ticks``), executed prices and money
are exact Decimals, times are UTC ns. The gRPC server maps these onto the Invest API messages;
the backtester hands them to the execution engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalp_system.core.instrument import Instrument
from scalp_system.core.market import Trade
from scalp_system.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.errors import RateLimitInfo


@dataclass(frozen=True, slots=True)
class OrderReport:
    """One order's state at the exchange (OrderState / PostOrderResponse in the API).

    ``order_id`` is the exchange's id, ``request_key`` the client's idempotency key
    (``order_request_id``). ``price_ticks`` is the limit price (None for market orders);
    ``executed_avg_price`` is per one instrument unit (0 until something fills); ``executed_value``
    is Σ price × units over the fills; ``commission`` is the sum of the fills' commissions.
    """

    order_id: str
    request_key: str
    account_id: str
    instrument_uid: str
    side: Side
    lots_requested: int
    lots_executed: int
    order_type: OrderType
    time_in_force: TimeInForce
    price_ticks: int | None
    status: OrderStatus
    executed_avg_price: Decimal
    executed_value: Decimal
    commission: Decimal
    created_ns: int
    updated_ns: int
    fills: tuple[Fill, ...] = ()
    initial_price: Decimal = Decimal(0)  # limit price per unit, or the best opposite price for market
    message: str = ""

    @property
    def lots_left(self) -> int:
        """Lots still working (0 once the order is final)."""
        return 0 if self.status.is_terminal else self.lots_requested - self.lots_executed

    @property
    def lots_cancelled(self) -> int:
        """Lots that will never execute because the order was cancelled (IOC rest, cancel)."""
        if self.status is OrderStatus.CANCELLED:
            return self.lots_requested - self.lots_executed
        return 0

    @property
    def is_open(self) -> bool:
        """The order is still working (NEW or PARTIALLYFILL)."""
        return not self.status.is_terminal

    def to_order(self, instrument: Instrument | None = None) -> Order:
        """The system's Order this report describes; with ``instrument``, a market order carries its
        initial price in ticks."""
        price_ticks = self.price_ticks
        if price_ticks is None and instrument is not None and self.initial_price > 0:
            price_ticks = instrument.to_ticks(self.initial_price)
        return Order(
            intent_key=self.request_key,
            instrument_id=self.instrument_uid,
            side=self.side,
            lots_requested=self.lots_requested,
            limit_price_ticks=price_ticks,
            order_type=self.order_type,
            time_in_force=self.time_in_force,
            status=self.status,
            order_id=self.order_id,
            lots_executed=self.lots_executed,
            executed_value=self.executed_value,
            commission=self.commission,
            created_ts_ns=self.created_ns,
            updated_ts_ns=self.updated_ns,
            reject_reason=self.message,
        )


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookChanged:
    """The book of an instrument changed at ``ts_ns`` (read it with ``ExchangeCore.book``)."""

    instrument_uid: str
    ts_ns: int


@dataclass(frozen=True, slots=True)
class TradePrinted:
    """A public trade printed on the tape."""

    trade: Trade


@dataclass(frozen=True, slots=True)
class OrderUpdated:
    """An order changed state (accepted, partly/fully filled, cancelled)."""

    account_id: str
    report: OrderReport


@dataclass(frozen=True, slots=True)
class FillExecuted:
    """A client order executed (part of) its quantity; ``fill.trade_id`` is unique."""

    account_id: str
    fill: Fill


@dataclass(frozen=True, slots=True)
class TradingStatusSet:
    """The trading status of an instrument changed (SecurityTradingStatus value)."""

    instrument_uid: str
    status: int
    ts_ns: int


ExchangeEvent = BookChanged | TradePrinted | OrderUpdated | FillExecuted | TradingStatusSet


@dataclass(frozen=True, slots=True)
class PostResult:
    """The answer to ``post_order``: the order's report, whether this call created it (False when the
    request key was already known), and every event the call caused (in order)."""

    order: OrderReport
    created: bool
    events: tuple[ExchangeEvent, ...]
    rate_limit: RateLimitInfo | None = None  # x-ratelimit-* header values after this call


# --- account views --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PositionView:
    """A security position: signed lots, average price per unit, PnL so far (exact)."""

    instrument_uid: str
    lots: int
    units: Decimal  # lots × lot size (the API's ``quantity`` in units)
    avg_price: Decimal
    realized_pnl: Decimal
    commission_paid: Decimal
    blocked_lots: int  # held by working sell orders


@dataclass(frozen=True, slots=True)
class PositionsView:
    """GetPositions: cash (free and blocked by working buy orders) and security positions."""

    account_id: str
    currency: str
    cash: Decimal
    blocked_cash: Decimal
    securities: tuple[PositionView, ...]


@dataclass(frozen=True, slots=True)
class PortfolioLine:
    """One position in the portfolio, valued at the last price (the avg price when nothing traded)."""

    instrument_uid: str
    lots: int
    units: Decimal
    avg_price: Decimal
    last_price: Decimal
    value: Decimal  # units × last price × point value
    unrealized_pnl: Decimal
    realized_pnl: Decimal
    is_futures: bool


@dataclass(frozen=True, slots=True)
class PortfolioView:
    """GetPortfolio: cash, positions at last prices and the total (cash + Σ values)."""

    account_id: str
    currency: str
    cash: Decimal
    lines: tuple[PortfolioLine, ...]
    total_shares: Decimal
    total_futures: Decimal
    total: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    commission_paid: Decimal


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """An account as GetAccounts lists it."""

    account_id: str
    name: str
    opened_ns: int
