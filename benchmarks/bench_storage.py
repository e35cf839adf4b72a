"""Storage benchmark: BackgroundWriter throughput, durable-write latency, historical write/read rows/s.

Run: ``.venv/bin/python benchmarks/bench_storage.py [--quick]``. Prints a summary and writes
``benchmarks/results/storage.json`` with machine info. Measures, on a real SQLite file in a temp dir:

* writer: books (depth 20) submitted one at a time through ``BackgroundWriter.record_book`` until
  committed (rows/s), and the submit call's own cost on the caller's thread (µs per row);
* durable: ``save_fill`` round trips (submit → committed with synchronous=FULL), p50/p99 ms;
* historical: ``write_book_frame`` / ``write_trade_frame`` bulk rows/s, and ``read_books`` (depth 20)
  / ``read_trades`` of the whole range and of a 10 % window, rows/s (best of several runs, warm cache),
  plus reading live row-shaped books (what the writer stores) for comparison.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import StorageConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.orders import Fill, Side
from scalp_system.storage import (
    BackgroundWriter,
    Store,
    read_books,
    read_trades,
    write_book_frame,
    write_trade_frame,
)

LEVELS = 20


def synthetic_books(n: int, seed: int = 1) -> BookFrame:
    """Depth-20 books on a random-walk mid, ~1 ms apart."""
    rng = np.random.default_rng(seed)
    ts = 1_723_161_255_000_000_000 + np.cumsum(rng.integers(0, 2_000_000, n)).astype(np.int64)
    mid = 600_000 + np.cumsum(rng.integers(-1, 2, n))
    offsets = np.arange(LEVELS)
    return BookFrame(
        "BENCH",
        ts,
        ts + 1_270_000_000,
        (mid[:, None] - 1 - offsets).astype(np.int64),
        rng.integers(1, 5_000, (n, LEVELS)).astype(np.int64),
        (mid[:, None] + 1 + offsets).astype(np.int64),
        rng.integers(1, 5_000, (n, LEVELS)).astype(np.int64),
        np.ones(n, dtype=np.bool_),
    )


def synthetic_trades(n: int, seed: int = 2) -> TradeFrame:
    """Trades with unique ids, ~0.3 ms apart."""
    rng = np.random.default_rng(seed)
    ts = 1_723_161_255_000_000_000 + np.cumsum(rng.integers(0, 600_000, n)).astype(np.int64)
    return TradeFrame(
        "BENCH",
        ts,
        ts + 1_270_000_000,
        rng.integers(599_000, 601_000, n).astype(np.int64),
        rng.integers(1, 100, n).astype(np.int64),
        rng.integers(1, 3, n).astype(np.int8),
        np.array([str(4_000_000_000 + i) for i in range(n)], dtype=np.str_),
    )


def best_rate(rows: int, run: Any, repeats: int) -> float:
    """Rows/s of the fastest of ``repeats`` runs (warm cache)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return rows / best


def bench_writer(tmp: Path, n: int) -> dict[str, Any]:
    cfg = StorageConfig(db_path=tmp / "writer.db", spill_dir=tmp / "spill", backup_dir=tmp / "backup")
    books = synthetic_books(n, seed=5)
    objects = [books.book(i) for i in range(n)]
    writer = BackgroundWriter(cfg).start()
    writer.flush(30)
    started = time.perf_counter()
    for book in objects:
        writer.record_book(book)
    submitted = time.perf_counter() - started
    writer.flush(600)
    total = time.perf_counter() - started
    stats = writer.stats
    latencies = []
    for i in range(200):
        fill = Fill(f"T{i}", f"O{i}", f"k{i}", "BENCH", Side.BUY, 1, Decimal("60000.1"), i)
        t0 = time.perf_counter()
        writer.save_fill(fill).result(30)
        latencies.append((time.perf_counter() - t0) * 1000)
    writer.close()
    with Store(cfg.db_path, cfg) as store:
        assert store.count("books") == n
        row_read = best_rate(n, lambda: read_books(store, "BENCH"), 3)
    return {
        "rows": n,
        "writer_books_rows_per_s": n / total,
        "submit_us_per_row": submitted / n * 1e6,
        "batches": stats.batches_committed,
        "final_interval_ms": stats.interval_ms,
        "durable_fill_ms_p50": float(np.percentile(latencies, 50)),
        "durable_fill_ms_p99": float(np.percentile(latencies, 99)),
        "read_row_shaped_books_rows_per_s": row_read,
    }


def bench_historical(tmp: Path, n_books: int, n_trades: int) -> dict[str, Any]:
    books, trades = synthetic_books(n_books), synthetic_trades(n_trades)
    with Store(tmp / "hist.db") as store:
        t0 = time.perf_counter()
        write_book_frame(store, books)
        book_write = n_books / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        write_trade_frame(store, trades)
        trade_write = n_trades / (time.perf_counter() - t0)
        read_all = best_rate(n_books, lambda: read_books(store, "BENCH"), 5)
        trades_all = best_rate(n_trades, lambda: read_trades(store, "BENCH"), 5)
        lo, hi = (
            int(books.exchange_ts_ns[n_books // 2]),
            int(books.exchange_ts_ns[n_books // 2 + n_books // 10]),
        )
        window = len(read_books(store, "BENCH", lo, hi))
        read_window = best_rate(window, lambda: read_books(store, "BENCH", lo, hi), 5)
        size = (tmp / "hist.db").stat().st_size
    return {
        "book_rows": n_books,
        "trade_rows": n_trades,
        "levels": LEVELS,
        "write_book_frame_rows_per_s": book_write,
        "write_trade_frame_rows_per_s": trade_write,
        "read_books_rows_per_s": read_all,
        "read_books_window_10pct_rows_per_s": read_window,
        "read_trades_rows_per_s": trades_all,
        "db_bytes_per_book_and_trade": size / (n_books + n_trades),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (smoke run)")
    args = parser.parse_args()
    n_writer, n_books, n_trades = (
        (20_000, 100_000, 200_000) if args.quick else (100_000, 1_000_000, 2_000_000)
    )
    with tempfile.TemporaryDirectory(prefix="bench_storage_") as tmp_name:
        tmp = Path(tmp_name)
        results = {
            "machine": machine_info(),
            "writer": bench_writer(tmp, n_writer),
            "historical": bench_historical(tmp, n_books, n_trades),
        }
    for section in ("writer", "historical"):
        print(f"[{section}]")
        for key, value in results[section].items():
            print(f"  {key:40s} {value:,.2f}" if isinstance(value, float) else f"  {key:40s} {value}")
    out = Path(__file__).resolve().parent / "results" / "storage.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written {out}")


if __name__ == "__main__":
    main()
