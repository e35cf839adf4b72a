"""What a backtest produced: the data behind report.json and report.html.

Money is Decimal (serialised as strings), times UTC ns. The runner fills this; the report module
renders it; nothing here computes trading logic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class EquityPoint:
    """Account equity (and its drawdown from the running peak) at one moment."""

    ts_ns: int
    equity: Decimal
    drawdown: Decimal  # peak − equity, ≥ 0


@dataclass(frozen=True, slots=True)
class RoundTripRecord:
    """One closed trade: entry to exit of a position."""

    instrument: str  # ticker
    side: str  # "long" / "short"
    entry_ts_ns: int
    exit_ts_ns: int
    lots: int
    entry_price: Decimal
    exit_price: Decimal
    pnl: Decimal  # after commission
    commission: Decimal
    exit_reason: str


@dataclass(frozen=True, slots=True)
class FillRecord:
    """One fill with the book's best prices when it happened (fills vs book)."""

    ts_ns: int
    instrument: str
    side: str  # "buy" / "sell"
    lots: int
    price: Decimal
    best_bid: Decimal | None
    best_ask: Decimal | None
    order_id: str
    trade_id: str


@dataclass(frozen=True, slots=True)
class BreakerEvent:
    """A breaker trip or reset, or a trading-state change, for the timeline."""

    ts_ns: int
    kind: str  # breaker name or "STATE"
    detail: str


@dataclass(slots=True)
class BacktestResult:
    """Everything a report shows."""

    messages: int = 0  # book updates + trades processed
    elapsed_s: float = 0.0  # wall time of the replay, start-up excluded
    orders: int = 0
    fills: int = 0
    net_pnl: Decimal = Decimal(0)
    gross_pnl: Decimal = Decimal(0)
    commission: Decimal = Decimal(0)
    start_ns: int = 0
    end_ns: int = 0
    instruments: list[str] = field(default_factory=list)
    model: str = ""
    equity: list[EquityPoint] = field(default_factory=list)
    round_trips: list[RoundTripRecord] = field(default_factory=list)
    fill_records: list[FillRecord] = field(default_factory=list)
    mid_prices: dict[str, list[tuple[int, Decimal]]] = field(default_factory=dict)  # ticker → (ts, mid)
    pnl_by_instrument: dict[str, Decimal] = field(default_factory=dict)
    pnl_by_hour: dict[int, Decimal] = field(default_factory=dict)  # UTC hour → net PnL closed
    latency_us: dict[str, dict[str, float]] = field(default_factory=dict)  # stage → quantiles
    feature_importance: dict[str, float] = field(default_factory=dict)
    breaker_timeline: list[BreakerEvent] = field(default_factory=list)
    rejects: dict[str, int] = field(default_factory=dict)
    denials: dict[str, int] = field(default_factory=dict)
    extra: dict[str, object] = field(default_factory=dict)
