"""Market data value types: order books and public trades, in integer ticks and lots.

A book is immutable once built: its level arrays are read-only numpy int64 vectors (best level
first), so the DataEngine, features and the venue can share one object without copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


class Aggressor(IntEnum):
    """Which side initiated a public trade (the broker's TradeDirection values)."""

    UNSPECIFIED = 0
    BUY = 1
    SELL = 2


def _frozen(values: IntArray | list[int] | tuple[int, ...]) -> IntArray:
    array = np.array(values, dtype=np.int64)
    array.setflags(write=False)
    return array


@dataclass(frozen=True, slots=True, eq=False)
class OrderBook:
    """A depth-N snapshot: bids descending, asks ascending, prices in ticks, sizes in lots.

    ``depth`` is the subscribed depth; the arrays may hold fewer levels when the book is thin.
    ``is_consistent`` is the broker's flag (false books are never traded on). Times are UTC ns.
    """

    instrument_id: str
    depth: int
    bid_px: IntArray
    bid_qty: IntArray
    ask_px: IntArray
    ask_qty: IntArray
    exchange_ts_ns: int
    local_ts_ns: int
    is_consistent: bool = True
    limit_up_ticks: int | None = None
    limit_down_ticks: int | None = None

    @classmethod
    def build(
        cls,
        instrument_id: str,
        bids: list[tuple[int, int]] | tuple[tuple[int, int], ...],
        asks: list[tuple[int, int]] | tuple[tuple[int, int], ...],
        exchange_ts_ns: int,
        local_ts_ns: int | None = None,
        *,
        depth: int | None = None,
        is_consistent: bool = True,
        limit_up_ticks: int | None = None,
        limit_down_ticks: int | None = None,
    ) -> OrderBook:
        """Build from (price_ticks, lots) pairs, best first."""
        return cls(
            instrument_id=instrument_id,
            depth=depth if depth is not None else max(len(bids), len(asks)),
            bid_px=_frozen([p for p, _ in bids]),
            bid_qty=_frozen([q for _, q in bids]),
            ask_px=_frozen([p for p, _ in asks]),
            ask_qty=_frozen([q for _, q in asks]),
            exchange_ts_ns=exchange_ts_ns,
            local_ts_ns=exchange_ts_ns if local_ts_ns is None else local_ts_ns,
            is_consistent=is_consistent,
            limit_up_ticks=limit_up_ticks,
            limit_down_ticks=limit_down_ticks,
        )

    @property
    def best_bid(self) -> int | None:
        """Best bid in ticks, None when the bid side is empty."""
        return int(self.bid_px[0]) if len(self.bid_px) else None

    @property
    def best_ask(self) -> int | None:
        """Best ask in ticks, None when the ask side is empty."""
        return int(self.ask_px[0]) if len(self.ask_px) else None

    @property
    def spread_ticks(self) -> int | None:
        """Ask1 − bid1 in ticks (None if a side is empty)."""
        if not len(self.bid_px) or not len(self.ask_px):
            return None
        return int(self.ask_px[0] - self.bid_px[0])

    @property
    def mid_ticks(self) -> float | None:
        """Mid price in (fractional) ticks; float is fine here, it never decides money."""
        if not len(self.bid_px) or not len(self.ask_px):
            return None
        return (float(self.bid_px[0]) + float(self.ask_px[0])) / 2.0


@dataclass(frozen=True, slots=True)
class Trade:
    """One public trade (a print on the tape)."""

    instrument_id: str
    price_ticks: int
    lots: int
    aggressor: Aggressor
    exchange_ts_ns: int
    local_ts_ns: int
    trade_id: str = ""


@dataclass(frozen=True, slots=True)
class LastPrice:
    """The last traded price of an instrument."""

    instrument_id: str
    price_ticks: int
    ts_ns: int


@dataclass(frozen=True, slots=True)
class TradingStatusChanged:
    """The broker reported a new trading status for an instrument (SecurityTradingStatus value)."""

    instrument_id: str
    status: int
    limit_order_available: bool
    market_order_available: bool
    ts_ns: int
    extra: dict[str, str] = field(default_factory=dict, compare=False)
