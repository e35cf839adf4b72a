"""report.json: the whole BacktestResult as machine-readable JSON.

Every field of the result is kept (series are not downsampled here; that is the HTML's job). Money
is a plain decimal string (exact, never a float), every timestamp appears twice — ``*_ts_ns`` as an
integer and ``*_ts`` as ISO-8601 UTC with nanoseconds — and the derived headline statistics sit
under ``summary``. Non-finite floats become ``null`` so the file is strict JSON.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from scalp_system.backtest.report_format import iso_utc, plain_decimal
from scalp_system.backtest.report_stats import ReportSummary, summarise
from scalp_system.backtest.result import (
    BacktestResult,
    BreakerEvent,
    EquityPoint,
    FillRecord,
    RoundTripRecord,
)

SCHEMA = "scalp.backtest.report/1"


def report_document(result: BacktestResult) -> dict[str, Any]:
    """The JSON document for ``result`` as plain Python values (str, int, float, None, list, dict)."""
    return {
        "schema": SCHEMA,
        "messages": result.messages,
        "elapsed_s": _float(result.elapsed_s),
        "orders": result.orders,
        "fills": result.fills,
        "net_pnl": plain_decimal(result.net_pnl),
        "gross_pnl": plain_decimal(result.gross_pnl),
        "commission": plain_decimal(result.commission),
        "start_ts_ns": result.start_ns,
        "start_ts": iso_utc(result.start_ns),
        "end_ts_ns": result.end_ns,
        "end_ts": iso_utc(result.end_ns),
        "instruments": list(result.instruments),
        "model": result.model,
        "summary": _summary(summarise(result)),
        "equity": [_equity(p) for p in result.equity],
        "round_trips": [_round_trip(t) for t in result.round_trips],
        "fill_records": [_fill(f) for f in result.fill_records],
        "mid_prices": {
            ticker: [{"ts_ns": ts, "ts": iso_utc(ts), "mid": plain_decimal(mid)} for ts, mid in series]
            for ticker, series in result.mid_prices.items()
        },
        "pnl_by_instrument": {k: plain_decimal(v) for k, v in result.pnl_by_instrument.items()},
        "pnl_by_hour": {f"{hour:02d}": plain_decimal(v) for hour, v in sorted(result.pnl_by_hour.items())},
        "latency_us": {
            stage: {name: _float(value) for name, value in quantiles.items()}
            for stage, quantiles in result.latency_us.items()
        },
        "feature_importance": {k: _float(v) for k, v in result.feature_importance.items()},
        "breaker_timeline": [_breaker(e) for e in result.breaker_timeline],
        "rejects": dict(result.rejects),
        "denials": dict(result.denials),
        "extra": _plain(result.extra),
    }


def report_json_text(result: BacktestResult) -> str:
    """``report_document(result)`` as indented, strict JSON text."""
    return json.dumps(report_document(result), indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _summary(summary: ReportSummary) -> dict[str, Any]:
    return {field.name: _plain(getattr(summary, field.name)) for field in dataclasses.fields(summary)}


def _equity(point: EquityPoint) -> dict[str, Any]:
    return {
        "ts_ns": point.ts_ns,
        "ts": iso_utc(point.ts_ns),
        "equity": plain_decimal(point.equity),
        "drawdown": plain_decimal(point.drawdown),
    }


def _round_trip(trip: RoundTripRecord) -> dict[str, Any]:
    return {
        "instrument": trip.instrument,
        "side": trip.side,
        "entry_ts_ns": trip.entry_ts_ns,
        "entry_ts": iso_utc(trip.entry_ts_ns),
        "exit_ts_ns": trip.exit_ts_ns,
        "exit_ts": iso_utc(trip.exit_ts_ns),
        "lots": trip.lots,
        "entry_price": plain_decimal(trip.entry_price),
        "exit_price": plain_decimal(trip.exit_price),
        "pnl": plain_decimal(trip.pnl),
        "commission": plain_decimal(trip.commission),
        "exit_reason": trip.exit_reason,
    }


def _fill(fill: FillRecord) -> dict[str, Any]:
    return {
        "ts_ns": fill.ts_ns,
        "ts": iso_utc(fill.ts_ns),
        "instrument": fill.instrument,
        "side": fill.side,
        "lots": fill.lots,
        "price": plain_decimal(fill.price),
        "best_bid": plain_decimal(fill.best_bid) if fill.best_bid is not None else None,
        "best_ask": plain_decimal(fill.best_ask) if fill.best_ask is not None else None,
        "order_id": fill.order_id,
        "trade_id": fill.trade_id,
    }


def _breaker(event: BreakerEvent) -> dict[str, Any]:
    return {"ts_ns": event.ts_ns, "ts": iso_utc(event.ts_ns), "kind": event.kind, "detail": event.detail}


def _float(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def _plain(value: object) -> Any:
    """Any value from ``extra`` (or the summary) as JSON-able data; unknown objects become their str."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, Decimal):
        return plain_decimal(value) if value.is_finite() else None
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_plain(v) for v in sorted(value, key=str)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    return str(value)
