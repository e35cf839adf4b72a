"""Commands (imperative, requests) and events (past tense, facts) between components.

Market data events are the value types in ``market`` themselves (OrderBook, Trade, ...). Everything
here is frozen; handlers are named ``on_<event>`` in snake case.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from scalp_system.core.orders import Fill, Order, OrderStatus, Side, TimeInForce
from scalp_system.core.state import BreakerKind, Denial, TradingState

# --- commands -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubmitOrder:
    """Ask the venue to place one order. The intent key is stored before the request is sent."""

    intent_key: str
    instrument_id: str
    side: Side
    lots: int
    limit_price_ticks: int | None
    time_in_force: TimeInForce = TimeInForce.FILL_AND_KILL
    parent_intent: str = ""
    reduce_only: bool = False
    reason: str = ""  # entry / stop / target / trailing / reversal / flatten / hedge ...


@dataclass(frozen=True, slots=True)
class CancelOrder:
    """Ask the venue to cancel an order by its exchange id (or intent key if not acked yet)."""

    intent_key: str
    order_id: str
    instrument_id: str


# --- events ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalGenerated:
    """The ensemble's calibrated class probabilities for one instrument at one book update."""

    instrument_id: str
    ts_ns: int
    p_down: float
    p_flat: float
    p_up: float
    model_version: str = ""


@dataclass(frozen=True, slots=True)
class OrderDenied:
    """A pre-trade check refused an order intent."""

    intent_key: str
    instrument_id: str
    denial: Denial
    ts_ns: int
    detail: str = ""


@dataclass(frozen=True, slots=True)
class OrderSubmitted:
    """An order request went out to the venue."""

    order: Order
    ts_ns: int


@dataclass(frozen=True, slots=True)
class OrderStateChanged:
    """The venue reported a new state for an order."""

    order: Order
    previous: OrderStatus
    ts_ns: int


@dataclass(frozen=True, slots=True)
class OrderFilled:
    """An order (partly) executed."""

    fill: Fill


@dataclass(frozen=True, slots=True)
class OrderRejected:
    """The venue refused an order; ``code`` is the broker's numeric error code when known."""

    intent_key: str
    instrument_id: str
    code: str
    message: str
    ts_ns: int


@dataclass(frozen=True, slots=True)
class CommissionCharged:
    """The venue charged commission on an instrument (booked once, whatever reported it)."""

    instrument_id: str
    amount: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True)
class PositionChanged:
    """A position moved (fill or reconciliation)."""

    instrument_id: str
    lots: int
    avg_price: Decimal
    realized_pnl: Decimal
    ts_ns: int


@dataclass(frozen=True, slots=True)
class TradingStateChanged:
    """The risk engine moved between ACTIVE, REDUCING and HALTED."""

    previous: TradingState
    current: TradingState
    reason: str
    ts_ns: int


@dataclass(frozen=True, slots=True)
class BreakerTripped:
    """A circuit breaker fired."""

    ts_ns: int
    breaker: BreakerKind
    instrument: str | None
    detail: str
    until_ns: int | None = None


@dataclass(frozen=True, slots=True)
class BreakerReset:
    """A circuit breaker's condition cleared."""

    ts_ns: int
    breaker: BreakerKind
    instrument: str | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class ConnectivityChanged:
    """A broker stream or channel went down or came back."""

    ts_ns: int
    up: bool
    endpoint: str
    reason: str = ""
    details: dict[str, str] = field(default_factory=dict)
