"""Feature benchmark: batch rows/s and incremental per-update latency on the BTCUSDT recording.

Run: ``.venv/bin/python benchmarks/bench_features.py [--quick]``. Prints a summary and writes
``benchmarks/results/features.json`` with machine info and the load average (the numbers are only as
quiet as the machine). Goals (issue #3): batch ≥ 1,000,000 book rows/s for the full vector at depth 20;
incremental p99 ≤ 50 µs per book update at depth 20. The batch is timed on the recording as is
(6,545 books) and on the recording tiled 20 times end to end (130,900 books), where fixed per-call
costs are amortised; the incremental engine is timed per ``on_book`` call while replaying the
recording's books and trades in ``merge_events`` order. ``kernels_ready_s`` is how long the first
``FeatureEngine`` of the process took (numba compiling the kernels, or loading them from its disk cache).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numba
import numpy as np
import numpy.typing as npt
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import FeaturesConfig
from scalp_system.core import Instrument, InstrumentKind
from scalp_system.core.frames import BookFrame, TradeFrame, merge_events
from scalp_system.core.market import OrderBook
from scalp_system.data import read_books_csv, read_trades_csv
from scalp_system.features import FeatureEngine, batch_features, feature_names

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "binance-2024-08-08"
RESULTS = ROOT / "benchmarks" / "results" / "features.json"
TICK = Decimal("0.1")
LEVELS = 20


def _load() -> tuple[BookFrame, TradeFrame]:
    instrument = Instrument(
        uid="BTCUSDT",
        ticker="BTCUSDT",
        lot=Decimal("0.001"),
        tick=TICK,
        currency="usd",
        kind=InstrumentKind.CRYPTO,
    )
    books = read_books_csv(SHARED / "usdm_btcusdt_20240808_depth20.csv.gz", instrument)
    trades = read_trades_csv(SHARED / "usdm_btcusdt_20240808_trades.csv.gz", instrument)
    return books, trades


def _tile(books: BookFrame, trades: TradeFrame, copies: int) -> tuple[BookFrame, TradeFrame]:
    """The recording repeated ``copies`` times end to end (timestamps shifted, order kept)."""
    span = int(max(books.exchange_ts_ns[-1], trades.exchange_ts_ns[-1]) - books.exchange_ts_ns[0]) + 1
    shift = np.arange(copies, dtype=np.int64) * span

    def times(ts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return (ts[None, :] + shift[:, None]).ravel()

    def rows(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
        return np.concatenate([a] * copies)

    tiled_books = BookFrame(
        books.instrument_id,
        times(books.exchange_ts_ns),
        times(books.local_ts_ns),
        rows(books.bid_px),
        rows(books.bid_qty),
        rows(books.ask_px),
        rows(books.ask_qty),
        rows(books.is_consistent),
    )
    tiled_trades = TradeFrame(
        trades.instrument_id,
        times(trades.exchange_ts_ns),
        times(trades.local_ts_ns),
        rows(trades.price_ticks),
        rows(trades.lots),
        rows(trades.aggressor),
    )
    return tiled_books, tiled_trades


def bench_batch(books: BookFrame, trades: TradeFrame, repeats: int) -> dict[str, Any]:
    """Rows per second of ``batch_features`` (best and median of ``repeats`` runs after a warm-up)."""
    cfg = FeaturesConfig()
    batch_features(books, trades, cfg, LEVELS, TICK)
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        batch_features(books, trades, cfg, LEVELS, TICK)
        seconds.append(time.perf_counter() - start)
    best, median = min(seconds), float(np.median(seconds))
    return {
        "rows": len(books),
        "trades": len(trades),
        "features": len(feature_names(cfg, LEVELS)),
        "repeats": repeats,
        "best_ms": round(best * 1e3, 3),
        "median_ms": round(median * 1e3, 3),
        "rows_per_s_best": round(len(books) / best),
        "rows_per_s_median": round(len(books) / median),
    }


def bench_incremental(books: BookFrame, trades: TradeFrame, passes: int) -> dict[str, Any]:
    """Latency of each ``on_book`` (and ``on_trade``) call while replaying the recording, GC left on."""
    order, kind = merge_events(books, trades)
    bid_n = np.count_nonzero(books.bid_qty > 0, axis=1)
    ask_n = np.count_nonzero(books.ask_qty > 0, axis=1)
    book_objs = [
        OrderBook(
            books.instrument_id,
            LEVELS,
            books.bid_px[i, : bid_n[i]],
            books.bid_qty[i, : bid_n[i]],
            books.ask_px[i, : ask_n[i]],
            books.ask_qty[i, : ask_n[i]],
            int(books.exchange_ts_ns[i]),
            int(books.local_ts_ns[i]),
        )
        for i in range(len(books))
    ]
    trade_objs = [trades.trade(i) for i in range(len(trades))]
    events = list(zip(order.tolist(), kind.tolist(), strict=True))
    clock = time.perf_counter_ns
    book_ns: list[int] = []
    trade_ns: list[int] = []
    for _ in range(passes):
        engine = FeatureEngine(FeaturesConfig(), LEVELS, TICK)
        for index, is_trade in events:
            if is_trade:
                start = clock()
                engine.on_trade(trade_objs[index])
                trade_ns.append(clock() - start)
            else:
                start = clock()
                engine.on_book(book_objs[index])
                book_ns.append(clock() - start)
    return {"passes": passes, "on_book_us": _percentiles(book_ns), "on_trade_us": _percentiles(trade_ns)}


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    data = np.asarray(samples_ns, dtype=np.float64) / 1e3
    return {
        "n": int(data.size),
        "p50": round(float(np.percentile(data, 50)), 2),
        "p90": round(float(np.percentile(data, 90)), 2),
        "p99": round(float(np.percentile(data, 99)), 2),
        "p999": round(float(np.percentile(data, 99.9)), 2),
        "max": round(float(data.max()), 2),
        "mean": round(float(data.mean()), 2),
    }


def main() -> None:
    """Run the benchmarks, print a summary, write the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repeats (a smoke run)")
    args = parser.parse_args()
    repeats, passes, copies = (3, 1, 4) if args.quick else (15, 3, 20)
    books, trades = _load()
    start = time.perf_counter()
    FeatureEngine(FeaturesConfig(), LEVELS, TICK)  # compiles the kernels, or loads them from numba's cache
    kernels_ready_s = time.perf_counter() - start
    load_before = os.getloadavg()
    gc.collect()
    batch = bench_batch(books, trades, repeats)
    tiled = bench_batch(*_tile(books, trades, copies), max(3, repeats // 3))
    incremental = bench_incremental(books, trades, passes)
    result = {
        "benchmark": "features",
        "machine": machine_info(),
        "load_average_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "numba": numba.__version__,
        "kernels_ready_s": round(kernels_ready_s, 3),
        "goals": {"batch_rows_per_s": 1_000_000, "incremental_p99_us": 50},
        "batch_btcusdt": batch,
        "batch_btcusdt_tiled": tiled,
        "incremental_btcusdt": incremental,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    book = incremental["on_book_us"]
    print(
        f"batch  BTCUSDT {batch['rows']} rows x {batch['features']} features: "
        f"{batch['rows_per_s_best']:,} rows/s best, {batch['rows_per_s_median']:,} median"
    )
    print(
        f"batch  BTCUSDT tiled x{copies} ({tiled['rows']} rows): {tiled['rows_per_s_best']:,} rows/s best, "
        f"{tiled['rows_per_s_median']:,} median"
    )
    print(
        f"incremental on_book: p50 {book['p50']} us, p90 {book['p90']} us, p99 {book['p99']} us, "
        f"max {book['max']} us (n={book['n']}); on_trade p99 {incremental['on_trade_us']['p99']} us"
    )
    print(f"kernels ready in {kernels_ready_s:.2f} s (first engine of the process: compile or cache load)")
    print(f"load average (1 min) before/after: {result['load_average_1m_before_after']}; wrote {RESULTS}")


if __name__ == "__main__":
    main()
