"""Orders, fills and positions: the trading value types shared by risk, execution and venues.

Prices cross these types as integer ticks (limit prices) or Decimal (fill prices, PnL, fees).
Enum integer values equal the broker's where the broker has the same notion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import IntEnum, StrEnum


class Side(IntEnum):
    """Order direction (the broker's OrderDirection values)."""

    BUY = 1
    SELL = 2

    @property
    def sign(self) -> int:
        """+1 for buys, −1 for sells."""
        return 1 if self is Side.BUY else -1

    @property
    def opposite(self) -> Side:
        """The other side."""
        return Side.SELL if self is Side.BUY else Side.BUY


class PositionSide(StrEnum):
    """Direction of a position; accepts the strings ``"long"`` and ``"short"``."""

    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for long, −1 for short."""
        return 1 if self is PositionSide.LONG else -1

    @property
    def entry_side(self) -> Side:
        """The order side that opens this position."""
        return Side.BUY if self is PositionSide.LONG else Side.SELL


class OrderType(IntEnum):
    """The broker's OrderType values."""

    LIMIT = 1
    MARKET = 2
    BESTPRICE = 3


class TimeInForce(IntEnum):
    """The broker's TimeInForceType values (DAY is the default when unspecified)."""

    UNSPECIFIED = 0
    DAY = 1
    FILL_AND_KILL = 2  # IOC
    FILL_OR_KILL = 3


class OrderStatus(IntEnum):
    """Order lifecycle; values follow the broker's OrderExecutionReportStatus where it has one."""

    UNSPECIFIED = 0
    FILL = 1
    REJECTED = 2
    CANCELLED = 3
    NEW = 4
    PARTIALLYFILL = 5
    PENDING_SUBMIT = 100  # ours: intent stored, request not yet acknowledged

    @property
    def is_terminal(self) -> bool:
        """No further fills or changes can follow."""
        return self in (OrderStatus.FILL, OrderStatus.REJECTED, OrderStatus.CANCELLED)


@dataclass(frozen=True, slots=True)
class Order:
    """One order as the system knows it. ``intent_key`` is the idempotency key sent as PostOrder
    ``order_id``; ``order_id`` is the exchange's id once acknowledged."""

    intent_key: str
    instrument_id: str
    side: Side
    lots_requested: int
    limit_price_ticks: int | None
    order_type: OrderType = OrderType.LIMIT
    time_in_force: TimeInForce = TimeInForce.FILL_AND_KILL
    status: OrderStatus = OrderStatus.PENDING_SUBMIT
    order_id: str = ""
    lots_executed: int = 0
    executed_value: Decimal = Decimal(0)  # Σ price × units over fills, currency
    commission: Decimal = Decimal(0)
    created_ts_ns: int = 0
    updated_ts_ns: int = 0
    reject_reason: str = ""

    @property
    def lots_remaining(self) -> int:
        """Lots not yet executed (0 once terminal)."""
        return 0 if self.status.is_terminal else self.lots_requested - self.lots_executed

    def with_changes(self, **changes: object) -> Order:
        """A copy with fields replaced (orders are immutable snapshots)."""
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Fill:
    """One execution of one order. ``trade_id`` is unique per venue and deduplicates fills."""

    trade_id: str
    order_id: str
    intent_key: str
    instrument_id: str
    side: Side
    lots: int
    price: Decimal
    ts_ns: int
    commission: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Position:
    """A net position in lots with its average entry price and realised PnL (exact)."""

    instrument_id: str
    lots: int = 0
    avg_price: Decimal = Decimal(0)
    realized_pnl: Decimal = Decimal(0)
    commission_paid: Decimal = Decimal(0)

    @property
    def side(self) -> PositionSide | None:
        """LONG, SHORT, or None when flat."""
        if self.lots > 0:
            return PositionSide.LONG
        if self.lots < 0:
            return PositionSide.SHORT
        return None

    def apply_fill(
        self, side: Side, lots: int, price: Decimal, units_per_lot: Decimal, commission: Decimal = Decimal(0)
    ) -> Position:
        """The position after a fill: average price on increases, realised PnL on reductions.

        ``units_per_lot`` converts lots to priced units (lot × point value). PnL excludes
        commission; commission is accumulated separately so both stay exact and visible.
        """
        signed = side.sign * lots
        new_lots = self.lots + signed
        realized = self.realized_pnl
        avg = self.avg_price
        if self.lots == 0 or (self.lots > 0) == (signed > 0):
            total_units = abs(self.lots) + lots
            avg = (self.avg_price * abs(self.lots) + price * lots) / total_units
        else:
            closing = min(lots, abs(self.lots))
            direction = 1 if self.lots > 0 else -1
            realized += (price - self.avg_price) * direction * closing * units_per_lot
            if new_lots == 0:
                avg = Decimal(0)
            elif (new_lots > 0) != (self.lots > 0):
                avg = price  # flipped through zero: the remainder opened at this price
        return Position(self.instrument_id, new_lots, avg, realized, self.commission_paid + commission)

    def unrealized_pnl(self, mark_price: Decimal, units_per_lot: Decimal) -> Decimal:
        """Mark-to-market PnL of the open lots at ``mark_price``."""
        return (mark_price - self.avg_price) * self.lots * units_per_lot


def order_to_dict(order: Order) -> dict[str, object]:
    """A JSON-able dict of an order (enums as ints, money as decimal strings): checkpoints and rows."""
    return {
        "intent_key": order.intent_key,
        "instrument_id": order.instrument_id,
        "side": int(order.side),
        "lots_requested": order.lots_requested,
        "limit_price_ticks": order.limit_price_ticks,
        "order_type": int(order.order_type),
        "time_in_force": int(order.time_in_force),
        "status": int(order.status),
        "order_id": order.order_id,
        "lots_executed": order.lots_executed,
        "executed_value": str(order.executed_value),
        "commission": str(order.commission),
        "created_ts_ns": order.created_ts_ns,
        "updated_ts_ns": order.updated_ts_ns,
        "reject_reason": order.reject_reason,
    }


def order_from_dict(raw: Mapping[str, object]) -> Order:
    """The inverse of ``order_to_dict``."""
    price = raw["limit_price_ticks"]
    return Order(
        intent_key=str(raw["intent_key"]),
        instrument_id=str(raw["instrument_id"]),
        side=Side(int(str(raw["side"]))),
        lots_requested=int(str(raw["lots_requested"])),
        limit_price_ticks=None if price is None else int(str(price)),
        order_type=OrderType(int(str(raw["order_type"]))),
        time_in_force=TimeInForce(int(str(raw["time_in_force"]))),
        status=OrderStatus(int(str(raw["status"]))),
        order_id=str(raw["order_id"]),
        lots_executed=int(str(raw["lots_executed"])),
        executed_value=Decimal(str(raw["executed_value"])),
        commission=Decimal(str(raw["commission"])),
        created_ts_ns=int(str(raw["created_ts_ns"])),
        updated_ts_ns=int(str(raw["updated_ts_ns"])),
        reject_reason=str(raw["reject_reason"]),
    )
