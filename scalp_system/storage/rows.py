"""Domain objects ⇄ storage rows, and the JSON line codec the spill files use.

Pure functions, no I/O. Money leaves as decimal strings and comes back as Decimal; book levels
become one little-endian int64 blob (see schema.py). The JSON codec turns bytes into
``{"$b64": ...}`` so every row survives a round trip through a spill file unchanged.
"""

from __future__ import annotations

import base64
import json
from decimal import Decimal
from typing import Any

import numpy as np

from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import (
    Fill,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    TimeInForce,
    order_to_dict,
)
from scalp_system.storage.schema import Row

_LE_I64 = np.dtype("<i8")
_FLAG_API, _FLAG_BUY, _FLAG_SELL, _FLAG_SHORT = 1, 2, 4, 8


def encode_levels(book: OrderBook) -> bytes:
    """A book's levels as the storage blob, padded with zeros to ``book.depth``."""
    depth = max(book.depth, len(book.bid_px), len(book.ask_px))
    out = np.zeros((4, depth), dtype=_LE_I64)
    nb, na = len(book.bid_px), len(book.ask_px)
    out[0, :nb] = book.bid_px
    out[1, :nb] = book.bid_qty
    out[2, :na] = book.ask_px
    out[3, :na] = book.ask_qty
    return out.tobytes()


def book_row(book: OrderBook, seq: int = 0) -> Row:
    """A books row; ``seq`` is the book's arrival rank among its instrument's books of equal exchange time."""
    blob = encode_levels(book)
    return {
        "instrument_id": book.instrument_id,
        "exchange_ts_ns": book.exchange_ts_ns,
        "local_ts_ns": book.local_ts_ns,
        "seq": seq,
        "depth": len(blob) // 32,
        "is_consistent": int(book.is_consistent),
        "levels": blob,
    }


def trade_row(trade: Trade, seq: int = 0) -> Row:
    """A trades row."""
    return {
        "instrument_id": trade.instrument_id,
        "exchange_ts_ns": trade.exchange_ts_ns,
        "local_ts_ns": trade.local_ts_ns,
        "seq": seq,
        "price_ticks": trade.price_ticks,
        "lots": trade.lots,
        "aggressor": int(trade.aggressor),
        "trade_id": trade.trade_id,
    }


def order_row(order: Order) -> Row:
    """An orders row (the latest snapshot of one intent)."""
    return order_to_dict(order)


def order_from_row(row: tuple[Any, ...]) -> Order:
    """An Order from an orders row selected in ``order_row`` key order."""
    return Order(
        intent_key=row[0],
        instrument_id=row[1],
        side=Side(row[2]),
        lots_requested=row[3],
        limit_price_ticks=row[4],
        order_type=OrderType(row[5]),
        time_in_force=TimeInForce(row[6]),
        status=OrderStatus(row[7]),
        order_id=row[8],
        lots_executed=row[9],
        executed_value=Decimal(row[10]),
        commission=Decimal(row[11]),
        created_ts_ns=row[12],
        updated_ts_ns=row[13],
        reject_reason=row[14],
    )


def order_event_row(order: Order, kind: str, ts_ns: int, detail: str = "") -> Row:
    """An order_events row: what happened to an order (``kind`` e.g. SUBMITTED, ACKED, FILLED)."""
    return {
        "intent_key": order.intent_key,
        "ts_ns": ts_ns,
        "kind": kind,
        "status": int(order.status),
        "lots_executed": order.lots_executed,
        "order_id": order.order_id,
        "detail": detail,
    }


def fill_row(fill: Fill) -> Row:
    """A fills row."""
    return {
        "trade_id": fill.trade_id,
        "order_id": fill.order_id,
        "intent_key": fill.intent_key,
        "instrument_id": fill.instrument_id,
        "side": int(fill.side),
        "lots": fill.lots,
        "price": str(fill.price),
        "ts_ns": fill.ts_ns,
        "commission": str(fill.commission),
    }


def fill_from_row(row: tuple[Any, ...]) -> Fill:
    """A Fill from a fills row selected in ``fill_row`` key order."""
    return Fill(
        trade_id=row[0],
        order_id=row[1],
        intent_key=row[2],
        instrument_id=row[3],
        side=Side(row[4]),
        lots=row[5],
        price=Decimal(row[6]),
        ts_ns=row[7],
        commission=Decimal(row[8]),
    )


def position_row(position: Position, ts_ns: int) -> Row:
    """A positions row: the position snapshot at ``ts_ns``."""
    return {
        "instrument_id": position.instrument_id,
        "ts_ns": ts_ns,
        "lots": position.lots,
        "avg_price": str(position.avg_price),
        "realized_pnl": str(position.realized_pnl),
        "commission_paid": str(position.commission_paid),
    }


def position_from_row(row: tuple[Any, ...]) -> Position:
    """A Position from (instrument_id, lots, avg_price, realized_pnl, commission_paid)."""
    return Position(row[0], row[1], Decimal(row[2]), Decimal(row[3]), Decimal(row[4]))


def risk_event_row(ts_ns: int, kind: str, detail: str = "", instrument_id: str | None = None) -> Row:
    """A risk_events row (breaker trips, state changes, storage alerts...)."""
    return {"ts_ns": ts_ns, "kind": kind, "instrument_id": instrument_id or "", "detail": detail}


def metric_row(ts_ns: int, name: str, value: float, labels: str = "") -> Row:
    """A metrics row (``labels`` a canonical ``k=v,k=v`` string)."""
    return {"ts_ns": ts_ns, "name": name, "labels": labels, "value": float(value)}


def instrument_row(instrument: Instrument) -> Row:
    """An instruments row (metadata; the integer ``inst`` key is assigned by the store)."""
    flags = (
        (_FLAG_API if instrument.api_trade_available else 0)
        | (_FLAG_BUY if instrument.buy_available else 0)
        | (_FLAG_SELL if instrument.sell_available else 0)
        | (_FLAG_SHORT if instrument.short_enabled else 0)
    )
    return {
        "uid": instrument.uid,
        "ticker": instrument.ticker,
        "figi": instrument.figi,
        "class_code": instrument.class_code,
        "lot": str(instrument.lot),
        "tick": str(instrument.tick),
        "currency": instrument.currency,
        "kind": str(instrument.kind),
        "name": instrument.name,
        "tick_value": None if instrument.tick_value is None else str(instrument.tick_value),
        "flags": flags,
        "extra": json.dumps(instrument.extra, sort_keys=True),
    }


def instrument_from_row(row: tuple[Any, ...]) -> Instrument:
    """An Instrument from an instruments row selected in ``instrument_row`` key order."""
    flags = int(row[10])
    kind = row[7] if row[7] in {k.value for k in InstrumentKind} else InstrumentKind.OTHER
    return Instrument(
        uid=row[0],
        ticker=row[1],
        figi=row[2],
        class_code=row[3],
        lot=Decimal(row[4]),
        tick=Decimal(row[5]),
        currency=row[6],
        kind=InstrumentKind(kind),
        name=row[8],
        api_trade_available=bool(flags & _FLAG_API),
        buy_available=bool(flags & _FLAG_BUY),
        sell_available=bool(flags & _FLAG_SELL),
        short_enabled=bool(flags & _FLAG_SHORT),
        tick_value=None if row[9] is None else Decimal(row[9]),
        extra=json.loads(row[11]),
    )


# --- JSON line codec for spill files --------------------------------------------------------------


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$b64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__index__"):
        return int(value)
    raise TypeError(f"cannot encode {type(value).__name__} in a spill line")


def _object_hook(obj: dict[str, Any]) -> Any:
    if len(obj) == 1 and "$b64" in obj:
        return base64.b64decode(obj["$b64"])
    return obj


def encode_record(table: str, row: Row) -> bytes:
    """One spill line (with its trailing newline) for a row of ``table``."""
    return json.dumps({"t": table, "r": row}, default=_default, separators=(",", ":")).encode() + b"\n"


def decode_record(line: bytes | str) -> tuple[str, Row]:
    """(table, row) from one spill line; ValueError when the line is not a record."""
    obj = json.loads(line, object_hook=_object_hook)
    if not isinstance(obj, dict) or not isinstance(obj.get("t"), str) or not isinstance(obj.get("r"), dict):
        raise ValueError("not a spill record")
    return obj["t"], obj["r"]
