"""Core value types: exact money, instruments, books, trades, orders, fills, events, clocks."""

from scalp_system.core.clock import NS_PER_MS, NS_PER_S, NS_PER_US, Clock, SimulatedClock, WallClock
from scalp_system.core.ids import is_intent_key, new_intent_key
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import Aggressor, LastPrice, OrderBook, Trade, TradingStatusChanged
from scalp_system.core.money import (
    MoneyError,
    MoneyValue,
    Quotation,
    Rounding,
    decimal_to_ticks,
    quotation_to_ticks,
    round_to_tick,
    ticks_to_decimal,
    ticks_to_quotation,
)
from scalp_system.core.orders import (
    Fill,
    Order,
    OrderStatus,
    OrderType,
    Position,
    PositionSide,
    Side,
    TimeInForce,
)
from scalp_system.core.state import BreakerKind, Denial, TradingState

__all__ = [
    "NS_PER_MS",
    "NS_PER_S",
    "NS_PER_US",
    "Aggressor",
    "BreakerKind",
    "Clock",
    "Denial",
    "Fill",
    "Instrument",
    "InstrumentKind",
    "LastPrice",
    "MoneyError",
    "MoneyValue",
    "Order",
    "OrderBook",
    "OrderStatus",
    "OrderType",
    "Position",
    "PositionSide",
    "Quotation",
    "Rounding",
    "Side",
    "SimulatedClock",
    "TimeInForce",
    "Trade",
    "TradingState",
    "TradingStatusChanged",
    "WallClock",
    "decimal_to_ticks",
    "is_intent_key",
    "new_intent_key",
    "quotation_to_ticks",
    "round_to_tick",
    "ticks_to_decimal",
    "ticks_to_quotation",
]
