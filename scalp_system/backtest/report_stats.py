"""The headline numbers a trader reads first, derived from a BacktestResult.

Win rate, max drawdown, throughput, profit factor and the like are computed once here, so report.json
and report.html state the same figures. Money stays Decimal; ratios are floats for display.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalp_system.backtest.result import BacktestResult

NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """Derived headline statistics of one backtest (``None`` where there is nothing to measure)."""

    round_trips: int
    wins: int
    losses: int
    win_rate: float | None  # fraction of round trips with pnl > 0
    avg_trade: Decimal | None  # mean round-trip pnl after commission
    avg_win: Decimal | None
    avg_loss: Decimal | None
    profit_factor: float | None  # gross wins / |gross losses|
    avg_hold_s: float | None
    max_drawdown: Decimal  # largest peak − equity seen
    max_drawdown_pct: float | None  # of the peak it was measured from
    start_equity: Decimal | None
    end_equity: Decimal | None
    messages_per_s: float | None
    duration_s: float  # simulated time covered by the replay


def summarise(result: BacktestResult) -> ReportSummary:
    """Compute the headline statistics of ``result``."""
    trips = result.round_trips
    wins = [t.pnl for t in trips if t.pnl > 0]
    losses = [t.pnl for t in trips if t.pnl < 0]
    gross_win = sum(wins, Decimal(0))
    gross_loss = sum(losses, Decimal(0))
    total = sum((t.pnl for t in trips), Decimal(0))
    max_dd, max_dd_pct = _max_drawdown(result)
    hold_ns = [t.exit_ts_ns - t.entry_ts_ns for t in trips]
    return ReportSummary(
        round_trips=len(trips),
        wins=len(wins),
        losses=len(losses),
        win_rate=len(wins) / len(trips) if trips else None,
        avg_trade=_mean(total, len(trips)),
        avg_win=_mean(gross_win, len(wins)),
        avg_loss=_mean(gross_loss, len(losses)),
        profit_factor=float(gross_win / -gross_loss) if losses else None,
        avg_hold_s=sum(hold_ns) / len(hold_ns) / NS_PER_S if hold_ns else None,
        max_drawdown=max_dd,
        max_drawdown_pct=max_dd_pct,
        start_equity=result.equity[0].equity if result.equity else None,
        end_equity=result.equity[-1].equity if result.equity else None,
        messages_per_s=result.messages / result.elapsed_s if result.elapsed_s > 0 else None,
        duration_s=max(result.end_ns - result.start_ns, 0) / NS_PER_S,
    )


def _mean(total: Decimal, n: int) -> Decimal | None:
    """``total / n`` to 10 decimal places (a mean of money needs no 28-digit tail), or None for n = 0."""
    return round(total / n, 10).normalize() if n else None


def _max_drawdown(result: BacktestResult) -> tuple[Decimal, float | None]:
    """The deepest drawdown and its share of the peak equity it fell from."""
    worst = Decimal(0)
    worst_pct: float | None = None
    for point in result.equity:
        if point.drawdown > worst:
            worst = point.drawdown
            peak = point.equity + point.drawdown
            worst_pct = float(point.drawdown / peak) if peak > 0 else None
    if worst == 0 and result.equity:
        worst_pct = 0.0
    return worst, worst_pct
