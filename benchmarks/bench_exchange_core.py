"""Benchmark of the local exchange core: matching engine, ExchangeCore orders, synthetic flow, replay.

Run: ``.venv/bin/python benchmarks/bench_exchange_core.py [--minutes 60]``. Prints the numbers and
writes ``benchmarks/results/exchange_core.json`` with the machine description.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _machine import machine_info  # noqa: E402

from scalp_system.core.orders import OrderType, Side, TimeInForce  # noqa: E402
from scalp_system.exchange.catalogue import default_catalogue  # noqa: E402
from scalp_system.exchange.core import ExchangeCore  # noqa: E402
from scalp_system.exchange.matching import LimitOrderBook  # noqa: E402
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument  # noqa: E402
from scalp_system.exchange.synthetic import DEFAULT_START_NS, SyntheticMarket  # noqa: E402

S = 1_000_000_000
DATA = ROOT.parent / "shared" / "data" / "binance-2024-08-08"


def bench_matching(n: int = 200_000) -> dict[str, float]:
    """Random agent limit (60 %), market (10 %) and cancel (30 %) orders on one book."""
    rng = np.random.default_rng(1)
    kinds, sides = rng.random(n).tolist(), rng.integers(1, 3, n).tolist()
    offsets, sizes = rng.integers(0, 20, n).tolist(), rng.integers(1, 50, n).tolist()
    picks = rng.random(n).tolist()
    book = LimitOrderBook("BENCH")
    for level in range(30):
        book.agent_limit(Side.BUY, 10_000 - level, 100, 0)
        book.agent_limit(Side.SELL, 10_001 + level, 100, 0)
    start = time.perf_counter()
    for i in range(n):
        side = Side(sides[i])
        if kinds[i] < 0.6:
            ref = book.best_ask() if side is Side.BUY else book.best_bid()
            ref = ref if ref is not None else 10_000
            price = ref - 1 - offsets[i] if side is Side.BUY else ref + 1 + offsets[i]
            book.agent_limit(side, price, sizes[i], i)
        elif kinds[i] < 0.7:
            book.agent_market(side, sizes[i], i)
        else:
            count = book.agent_order_count(side)
            if count:
                book.cancel_order(book.agent_order_at(side, int(picks[i] * count))[0])
    elapsed = time.perf_counter() - start
    return {"operations": n, "seconds": round(elapsed, 3), "operations_per_s": round(n / elapsed)}


def bench_core_orders(n: int = 20_000) -> dict[str, float]:
    """ExchangeCore.post_order on a live 8-instrument synthetic market: 1/3 DAY orders at the touch
    then cancelled, 2/3 IOC at the opposite touch. The market advances 10 ms between orders (outside
    the timed section) so the flow replenishes what the IOC orders take."""
    instruments = default_catalogue()[:8]
    market = SyntheticMarket(instruments, seed=1)
    core = ExchangeCore(
        instruments, commission_rate=Decimal("0.0005"), source=market, orders_per_minute=10**9
    )
    account = core.open_account("bench")
    core.pay_in(account, Decimal(10**12))
    ts = DEFAULT_START_NS + S
    timed = 0.0
    calls = 0
    for i in range(n):
        ts += 10_000_000
        core.advance_to(ts)
        inst = instruments[i % 8]
        book = market.book(inst.uid)
        side = Side.BUY if (i // 8) % 2 else Side.SELL
        start = time.perf_counter()
        if i % 3 == 0:
            price = book.best_bid() if side is Side.BUY else book.best_ask()
            order = core.post_order(
                account, f"k{i}", inst.uid, side, 1, OrderType.LIMIT, TimeInForce.DAY, price, ts
            )
            core.cancel_order(account, order.order.order_id, ts)
            calls += 2
        else:
            price = book.best_ask() if side is Side.BUY else book.best_bid()
            core.post_order(
                account, f"k{i}", inst.uid, side, 1, OrderType.LIMIT, TimeInForce.FILL_AND_KILL, price, ts
            )
            calls += 1
        timed += time.perf_counter() - start
    return {
        "orders": n,
        "calls": calls,
        "seconds": round(timed, 3),
        "calls_per_s": round(calls / timed),
        "mean_call_us": round(timed / calls * 1e6, 1),
    }


def bench_synthetic(minutes: int) -> dict[str, float]:
    """8 instruments of synthetic flow from the session open (the busiest hour of the U-shape)."""
    instruments = default_catalogue()[:8]
    market = SyntheticMarket(instruments, seed=7)
    start = time.perf_counter()
    events = sum(1 for _ in market.events_until(DEFAULT_START_NS + minutes * 60 * S))
    elapsed = time.perf_counter() - start
    return {
        "instruments": 8,
        "market_minutes": minutes,
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed),
        "market_time_speedup": round(minutes * 60 / elapsed, 1),
    }


def bench_replay() -> dict[str, float]:
    """Replay of the BTCUSDT recording (6 545 books, 21 313 trades) through ExchangeCore."""
    inst = recording_instrument("BTCUSDT", "0.1", "0.001")
    t0 = time.perf_counter()
    feed = ReplayFeed.from_csv(
        inst, DATA / "usdm_btcusdt_20240808_depth20.csv.gz", DATA / "usdm_btcusdt_20240808_trades.csv.gz"
    )
    loaded = time.perf_counter() - t0
    source = ReplaySource([feed])
    core = ExchangeCore([inst], commission_rate=Decimal("0.0005"), source=source, limit_band_pct=None)
    end = source.end_ns()
    assert end is not None
    start = time.perf_counter()
    events = len(core.advance_to(end))
    elapsed = time.perf_counter() - start
    return {
        "load_seconds": round(loaded, 3),
        "events": events,
        "seconds": round(elapsed, 3),
        "events_per_s": round(events / elapsed),
    }


def main() -> None:
    """Run every benchmark, print and store the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=int, default=60, help="market minutes of synthetic flow")
    args = parser.parse_args()
    results = {
        "machine": machine_info(),
        "matching_engine": bench_matching(),
        "core_post_order": bench_core_orders(),
        "synthetic_market": bench_synthetic(args.minutes),
        "replay_btcusdt": bench_replay(),
    }
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "results" / "exchange_core.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
