"""What a sweep keeps of one backtest: PnL, drawdown, trades and the two Sharpe ratios.

Money stays exact (Decimal, serialised as strings). Two Sharpe ratios, neither annualised, because
the windows are minutes to days long and annualising them would invent precision:

- ``sharpe_trips``: mean / standard deviation (ddof = 1) of the net PnL of the closed round trips;
  undefined (None) with fewer than two trips or no spread. The sums behind it are kept so that
  folds pool exactly.
- ``sharpe_equity``: mean / standard deviation of the changes between consecutive equity samples
  (the backtest samples equity about once a second), open positions marked to market; None when
  the equity never moved.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any

import numpy as np

from scalp_system.backtest.result import BacktestResult


@dataclass(frozen=True, slots=True)
class WindowMetrics:
    """Results of one backtest window."""

    net_pnl: Decimal
    gross_pnl: Decimal
    commission: Decimal
    max_drawdown: Decimal
    trades: int
    orders: int
    fills: int
    trip_pnl_sum: float
    trip_pnl_sumsq: float
    sharpe_trips: float | None
    sharpe_equity: float | None
    books: int
    start_ns: int
    end_ns: int
    elapsed_s: float

    def to_json(self) -> dict[str, Any]:
        """JSON-able form (Decimals as strings)."""
        data = asdict(self)
        for key in ("net_pnl", "gross_pnl", "commission", "max_drawdown"):
            data[key] = str(data[key])
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WindowMetrics:
        """Inverse of ``to_json``."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for key in ("net_pnl", "gross_pnl", "commission", "max_drawdown"):
            values[key] = Decimal(values[key])
        return cls(**values)


def sharpe(values: np.ndarray[Any, np.dtype[np.float64]]) -> float | None:
    """Mean / sample standard deviation, or None when undefined (fewer than two values, no spread)."""
    if values.size < 2:
        return None
    std = float(np.std(values, ddof=1))
    if not math.isfinite(std) or std <= 0:
        return None
    return float(np.mean(values)) / std


def pooled_sharpe(count: int, total: float, total_sq: float) -> float | None:
    """The round-trip Sharpe of several windows together, from their counts, sums and squared sums."""
    if count < 2:
        return None
    mean = total / count
    variance = (total_sq - count * mean * mean) / (count - 1)
    if variance <= 1e-18:
        return None
    return mean / math.sqrt(variance)


def window_metrics(result: BacktestResult, books: int) -> WindowMetrics:
    """Reduce a BacktestResult to the numbers a sweep ranks by."""
    trips = np.array([float(t.pnl) for t in result.round_trips], dtype=np.float64)
    equity = np.array([float(p.equity) for p in result.equity], dtype=np.float64)
    drawdown = max((p.drawdown for p in result.equity), default=Decimal(0))
    return WindowMetrics(
        net_pnl=result.net_pnl,
        gross_pnl=result.gross_pnl,
        commission=result.commission,
        max_drawdown=drawdown,
        trades=len(result.round_trips),
        orders=result.orders,
        fills=result.fills,
        trip_pnl_sum=float(trips.sum()),
        trip_pnl_sumsq=float((trips * trips).sum()),
        sharpe_trips=sharpe(trips),
        sharpe_equity=sharpe(np.diff(equity)) if equity.size > 2 else None,
        books=books,
        start_ns=result.start_ns,
        end_ns=result.end_ns,
        elapsed_s=round(result.elapsed_s, 4),
    )
