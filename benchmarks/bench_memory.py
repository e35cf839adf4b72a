"""Memory per instrument at depth 20: DataEngine history rings + FeatureEngine + risk state.

Instruments are added one by one to one DataEngine (default ``history_len`` 20 000 books and
``trade_history_len`` 50 000 trades, ``lob_levels`` 20; the memory budget is raised so the guard
does not evict during the measurement), one FeatureEngine each and one RiskEngine for all. Each new
instrument's rings are filled to capacity (books and trades pass the real validation and the
feature engine), then three deltas are taken: the DataEngine's own ring accounting, Python heap
(tracemalloc, which includes numpy buffers) and process RSS. The per-instrument figure is the
median delta over the instruments after the first (the first also pays one-time allocations). The
goal follows from SPEC §2: a 512 MB budget for 8 active instruments = 64 MB each.

Run: ``.venv/bin/python benchmarks/bench_memory.py [--quick]``; writes
``benchmarks/results/memory.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import Config, load_config
from scalp_system.core import NS_PER_S, Aggressor, Instrument, OrderBook, SimulatedClock, Trade
from scalp_system.data import DataEngine
from scalp_system.features import FeatureEngine
from scalp_system.risk import RiskEngine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "memory.json"
T0 = 1_723_100_400 * NS_PER_S
MB = 1024 * 1024
GOAL_MB_PER_INSTRUMENT = 512 / 8  # data.max_memory_mb over data.max_active_instruments
FEATURE_STEADY_BOOKS = 2_000


def _books(uid: str, n: int, levels: int, seed: int) -> list[OrderBook]:
    """A random-walk depth-``levels`` book stream, 100 ms apart (arrays shared between books)."""
    rng = np.random.default_rng(seed)
    mids = 30_000 + np.cumsum(rng.integers(-1, 2, size=n))
    offsets = np.arange(levels, dtype=np.int64)
    sizes = [np.ascontiguousarray(rng.integers(1, 500, size=levels), dtype=np.int64) for _ in range(64)]
    for array in sizes:
        array.setflags(write=False)
    books = []
    for i, mid in enumerate(mids.tolist()):
        bid_px = mid - offsets
        ask_px = mid + 1 + offsets
        bid_px.setflags(write=False)
        ask_px.setflags(write=False)
        ts = T0 + i * NS_PER_S // 10
        books.append(OrderBook(uid, levels, bid_px, sizes[i % 64], ask_px, sizes[(i + 7) % 64], ts, ts))
    return books


def _trades(uid: str, n: int, span_ns: int) -> list[Trade]:
    step = max(span_ns // n, 1)
    return [
        Trade(
            uid,
            30_000 + (i % 5),
            1 + i % 9,
            Aggressor.BUY if i % 2 else Aggressor.SELL,
            T0 + i * step,
            T0 + i * step,
        )
        for i in range(n)
    ]


def _fill(
    uid: str,
    config: Config,
    data: DataEngine,
    features: FeatureEngine,
    risk: RiskEngine,
    clock: SimulatedClock,
    seed: int,
) -> None:
    """Feed ``history_len`` books and ``trade_history_len`` trades into the DataEngine (rings full);
    the feature and risk engines get the last ``FEATURE_STEADY_BOOKS`` books and the trades among
    them: their state is bounded by windows far shorter than that (≤ 500 books, ≤ 60 s), so they are
    at steady state without replaying all 20 000 books under the slow tracemalloc hooks."""
    books = _books(uid, config.data.history_len, config.data.lob_levels, seed)
    span = books[-1].exchange_ts_ns - books[0].exchange_ts_ns
    trades = _trades(uid, config.data.trade_history_len, span)
    steady_from = books[max(len(books) - FEATURE_STEADY_BOOKS, 0)].exchange_ts_ns
    t = 0
    for book in books:
        live = book.exchange_ts_ns >= steady_from
        while t < len(trades) and trades[t].exchange_ts_ns <= book.exchange_ts_ns:
            trade = trades[t]
            data.on_trade(trade)
            if live:
                clock.set(max(clock.now_ns(), trade.exchange_ts_ns))
                features.on_trade(trade)
                risk.on_trade(trade)
            t += 1
        clock.set(max(clock.now_ns(), book.exchange_ts_ns))
        if data.on_book(book) and live:
            features.on_book(book)
            risk.on_book(book)
    for trade in trades[t:]:
        data.on_trade(trade)


def measure(n_instruments: int) -> dict[str, Any]:
    """Add instruments one by one and record the memory each one adds."""
    base = load_config(None)
    config = base.model_copy(update={"data": base.data.model_copy(update={"max_memory_mb": 1_000_000})})
    clock = SimulatedClock(T0)
    data = DataEngine(config.data, {}, clock)
    risk = RiskEngine(config.risk, clock, book_ttl_s=config.data.book_ttl_s)
    risk.start_day(Decimal("1000000"), cash=Decimal("1000000"))
    engines: list[FeatureEngine] = []
    process = psutil.Process()
    tracemalloc.start()
    rows: list[dict[str, float]] = []
    for k in range(n_instruments):
        gc.collect()
        heap_before = tracemalloc.get_traced_memory()[0]
        rss_before = process.memory_info().rss
        ring_before = data.memory_bytes
        started = time.perf_counter()
        uid = f"INSTR{k:02d}"
        instrument = Instrument(uid, uid, lot=Decimal(1), tick=Decimal("0.01"))
        data.add_instrument(instrument)
        features = FeatureEngine(
            config.features,
            config.data.lob_levels,
            instrument.tick,
            atr_bar_s=config.risk.atr_bar_s,
            atr_period=config.risk.atr_period,
            instrument_id=uid,
        )
        risk.add_instrument(instrument)
        engines.append(features)
        _fill(uid, config, data, features, risk, clock, seed=k)
        gc.collect()
        ring_after = data.memory_bytes
        row = {
            "instrument": k + 1,
            "heap_mb": (tracemalloc.get_traced_memory()[0] - heap_before) / MB,
            "rss_mb": (process.memory_info().rss - rss_before) / MB,
            "rings_mb": (ring_after - ring_before) / MB,
            "fill_s": time.perf_counter() - started,
        }
        rows.append(
            {key: round(value, 3) if isinstance(value, float) else value for key, value in row.items()}
        )
        print(
            f"  +instrument {k + 1}: heap {row['heap_mb']:7.2f} MB  rss {row['rss_mb']:7.2f} MB  "
            f"rings {row['rings_mb']:7.2f} MB  (filled in {row['fill_s']:.1f} s)"
        )
    tracemalloc.stop()
    steady = rows[1:] if len(rows) > 1 else rows
    return {
        "per_instrument": rows,
        "median_heap_mb_per_instrument": round(statistics.median(r["heap_mb"] for r in steady), 2),
        "median_rss_mb_per_instrument": round(statistics.median(r["rss_mb"] for r in steady), 2),
        "median_rings_mb_per_instrument": round(statistics.median(r["rings_mb"] for r in steady), 2),
        "setup": {
            "lob_levels": config.data.lob_levels,
            "history_len": config.data.history_len,
            "trade_history_len": config.data.trade_history_len,
            "features": engines[0].n_features if engines else 0,
            "instruments": n_instruments,
        },
    }


def main() -> None:
    """Measure and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="3 instruments instead of 6")
    args = parser.parse_args()
    load_before = os.getloadavg()
    n = 3 if args.quick else 6
    print(f"memory per instrument at depth 20 ({n} instruments, rings filled to capacity)")
    outcome = measure(n)
    per = outcome["median_heap_mb_per_instrument"]
    print(
        f"  median per instrument: heap {per} MB, rss {outcome['median_rss_mb_per_instrument']} MB, "
        f"rings {outcome['median_rings_mb_per_instrument']} MB (goal ≤ {GOAL_MB_PER_INSTRUMENT:.0f} MB)"
    )
    result = {
        "benchmark": "memory",
        "machine": machine_info(),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "mb_per_instrument": per,
        "goal_mb_per_instrument": GOAL_MB_PER_INSTRUMENT,
        "met": per <= GOAL_MB_PER_INSTRUMENT,
        **outcome,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
