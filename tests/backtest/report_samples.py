"""Synthetic BacktestResults for the report tests: realistic in shape, fixed seed, no trading logic.

A two-instrument session of random-walk mids with round trips, fills at the touch, an equity curve
that follows the closed PnL, latency per stage, feature importances and a few breaker events — the
kind of result the runner produces, built directly so the report tests do not depend on it.
"""

from __future__ import annotations

import random
from decimal import Decimal

from scalp_system.backtest.result import (
    BacktestResult,
    BreakerEvent,
    EquityPoint,
    FillRecord,
    RoundTripRecord,
)

NS_PER_S = 1_000_000_000
START_NS = 1_723_111_200 * NS_PER_S  # 2024-08-08 10:00:00 UTC

_INSTRUMENTS = {  # ticker → (first mid, tick, typical one-second step of the walk)
    "BTCUSDT": (Decimal("61850.05"), Decimal("0.1"), Decimal("1.0")),
    "ETHUSDT": (Decimal("2610.005"), Decimal("0.01"), Decimal("0.06")),
}
_STAGES = ("receive", "book_update", "features", "model", "risk", "order_sent", "ack")


def synthetic_result(*, seed: int = 7, seconds: int = 7200, trips_per_instrument: int = 90) -> BacktestResult:
    """A result covering ``seconds`` of trading from 10:00 UTC with about ``2 × trips`` round trips."""
    rng = random.Random(seed)
    end_ns = START_NS + seconds * NS_PER_S
    mids: dict[str, list[tuple[int, Decimal]]] = {}
    for ticker, (start, _, step) in _INSTRUMENTS.items():
        price, series = start, []
        for s in range(seconds):
            price += step * rng.choice((-3, -2, -1, -1, 0, 0, 0, 1, 1, 2, 3))
            series.append((START_NS + s * NS_PER_S, price))
        mids[ticker] = series
    trips: list[RoundTripRecord] = []
    fills: list[FillRecord] = []
    for ticker, (_, tick, _) in _INSTRUMENTS.items():
        series = mids[ticker]
        for k in range(trips_per_instrument):
            entry_i = rng.randrange(0, seconds - 120)
            exit_i = entry_i + rng.randrange(2, 120)
            move = series[exit_i][1] - series[entry_i][1]
            right = "long" if move > 0 else "short"
            side = right if rng.random() < 0.66 else ("short" if right == "long" else "long")
            lots = rng.randrange(1, 6)
            entry_px = series[entry_i][1] + (tick / 2 if side == "long" else -tick / 2)
            exit_px = series[exit_i][1] + (-tick / 2 if side == "long" else tick / 2)
            sign = 1 if side == "long" else -1
            commission = ((entry_px + exit_px) * lots * Decimal("0.001") * Decimal("0.00002")).quantize(
                tick / 1000
            )
            pnl = (exit_px - entry_px) * sign * lots * Decimal("0.001") - commission
            trips.append(
                RoundTripRecord(
                    ticker,
                    side,
                    series[entry_i][0],
                    series[exit_i][0],
                    lots,
                    entry_px,
                    exit_px,
                    pnl,
                    commission,
                    rng.choice(("target", "stop", "trailing", "time_limit", "reversal")),
                )
            )
            for i, px, buy in ((entry_i, entry_px, side == "long"), (exit_i, exit_px, side == "short")):
                mid = series[i][1]
                fills.append(
                    FillRecord(
                        series[i][0] + 250_000,
                        ticker,
                        "buy" if buy else "sell",
                        lots,
                        px,
                        mid - tick / 2,
                        mid + tick / 2,
                        f"o-{ticker}-{k}-{i}",
                        f"t-{k}-{i}",
                    )
                )
    trips.sort(key=lambda t: t.exit_ts_ns)
    fills.sort(key=lambda f: f.ts_ns)
    equity = _equity_curve(trips, seconds)
    by_instrument: dict[str, Decimal] = {}
    by_hour: dict[int, Decimal] = {}
    for t in trips:
        by_instrument[t.instrument] = by_instrument.get(t.instrument, Decimal(0)) + t.pnl
        hour = t.exit_ts_ns // NS_PER_S // 3600 % 24
        by_hour[hour] = by_hour.get(hour, Decimal(0)) + t.pnl
    net = sum((t.pnl for t in trips), Decimal(0))
    commission = sum((t.commission for t in trips), Decimal(0))
    return BacktestResult(
        messages=1_734_512,
        elapsed_s=9.87,
        orders=len(fills) + 37,
        fills=len(fills),
        net_pnl=net,
        gross_pnl=net + commission,
        commission=commission,
        start_ns=START_NS,
        end_ns=end_ns,
        instruments=list(_INSTRUMENTS),
        model="lgbm+logreg ensemble v3 (calibrated)",
        equity=equity,
        round_trips=trips,
        fill_records=fills,
        mid_prices=mids,
        pnl_by_instrument=by_instrument,
        pnl_by_hour=by_hour,
        latency_us={
            stage: {
                "p50": 8.0 * (i + 1),
                "p90": 14.5 * (i + 1),
                "p99": 31.2 * (i + 1),
                "max": 190.0 * (i + 1),
                "count": 200_000.0 - i,
            }
            for i, stage in enumerate(_STAGES)
        },
        feature_importance={f"feature_{name}": rng.random() * 1000 for name in _feature_names()},
        breaker_timeline=[
            BreakerEvent(
                START_NS + 1800 * NS_PER_S, "CONSECUTIVE_LOSSES", "BTCUSDT: 3 losses in a row, cooldown 300 s"
            ),
            BreakerEvent(START_NS + 2100 * NS_PER_S, "CONSECUTIVE_LOSSES", "BTCUSDT: cooldown over"),
            BreakerEvent(START_NS + 4000 * NS_PER_S, "REJECT_RATE", "5 rejects in 60 s"),
            BreakerEvent(START_NS + 4000 * NS_PER_S, "STATE", "ACTIVE → REDUCING: reject rate"),
            BreakerEvent(START_NS + 4300 * NS_PER_S, "STATE", "REDUCING → ACTIVE: reject window clear"),
            BreakerEvent(START_NS + 6100 * NS_PER_S, "STALE_DATA", "ETHUSDT: no valid book for 5.2 s"),
        ],
        rejects={"ORDER_RATE_LIMIT": 5, "INSUFFICIENT_BALANCE": 2},
        denials={"RISK_COOLDOWN_ACTIVE": 41, "STATE_REDUCING_WOULD_OPEN": 12, "PRICE_OUTSIDE_BAND": 3},
        extra={"signals": 5312, "entries": 180, "exits": 180, "currency": "usdt"},
    )


def _equity_curve(trips: list[RoundTripRecord], seconds: int) -> list[EquityPoint]:
    """Equity sampled each second: the start cash plus the PnL of the round trips closed so far."""
    cash = Decimal("10000.00")
    closed = sorted(trips, key=lambda t: t.exit_ts_ns)
    points: list[EquityPoint] = []
    peak, j = cash, 0
    for s in range(seconds):
        ts = START_NS + s * NS_PER_S
        while j < len(closed) and closed[j].exit_ts_ns <= ts:
            cash += closed[j].pnl
            j += 1
        peak = max(peak, cash)
        points.append(EquityPoint(ts, cash, peak - cash))
    return points


def _feature_names() -> list[str]:
    base = [
        "mid_return_1",
        "mid_return_5",
        "mid_return_20",
        "spread_ticks",
        "spread_bps",
        "microprice_offset",
        "ofi_1",
        "ofi_3",
        "ofi_5",
        "imbalance_1",
        "imbalance_3",
        "imbalance_5",
        "imbalance_10",
        "imbalance_20",
        "slope_bid",
        "slope_ask",
        "trade_intensity_1s",
        "trade_intensity_10s",
        "signed_volume_1s",
        "signed_volume_10s",
        "realised_vol_10s",
        "realised_vol_60s",
        "atr5",
        "vwap_deviation",
        "time_since_trade",
        "depth_ratio_5",
        "depth_ratio_10",
    ]
    return base + [f"z_{name}" for name in base[:13]]
