"""Risk + planning benchmark: the cost of one trading decision (goal p99 ≤ 20 µs).

One decision = ``RiskEngine.evaluate_entry`` (state, breakers, ATR stop distance, sizing, levels)
+ ``OrderPlanner.plan`` (IOC route) + ``ExecutionPlan.order_for`` + ``RiskEngine.check_order``
(every pre-trade check). Also timed separately: each part, ``on_book`` with an open position
(trailing, stop/target, equity breakers), and a 100-lot VWAP plan. Simulated clock, one instrument.
Run: ``.venv/bin/python benchmarks/bench_risk.py [--quick]``; writes ``benchmarks/results/risk.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import RiskConfig, RoutingConfig
from scalp_system.core import NS_PER_S, Aggressor, Fill, Instrument, OrderBook, Side, SimulatedClock, Trade
from scalp_system.core.orders import Order, OrderStatus
from scalp_system.execution.planner import OrderPlanner, VolumeProfile
from scalp_system.risk import RiskEngine

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "risk.json"
T0 = 1_723_100_400 * NS_PER_S
SBER = Instrument("SBER", "SBER", lot=Decimal(10), tick=Decimal("0.01"))
GOAL_P99_US = 20.0


def _stats(samples_ns: list[int]) -> dict[str, float]:
    data = np.asarray(samples_ns, dtype=np.float64) / 1_000.0
    def pct(q: float) -> float:
        return round(float(np.percentile(data, q)), 2)

    return {"n": len(data), "p50_us": pct(50), "p90_us": pct(90), "p99_us": pct(99),
            "max_us": round(float(data.max()), 2), "mean_us": round(float(data.mean()), 2)}


def _world() -> tuple[RiskEngine, SimulatedClock, OrderPlanner]:
    clock = SimulatedClock(T0)
    engine = RiskEngine(RiskConfig(), clock, instruments=[SBER])
    engine.start_day(Decimal("1000000"), cash=Decimal("1000000"))
    for minute in range(7):  # six completed one-minute bars: ATR5 exists
        t = T0 + minute * 60 * NS_PER_S
        clock.set(t + NS_PER_S)
        engine.on_trade(Trade("SBER", 30_000, 1, Aggressor.SELL, t + NS_PER_S, t + NS_PER_S))
        engine.on_trade(Trade("SBER", 30_020, 1, Aggressor.BUY, t + 2 * NS_PER_S, t + 2 * NS_PER_S))
    profile = VolumeProfile()
    for minute in range(-30, 90):
        profile.observe("SBER", T0 + minute * 60 * NS_PER_S, 2_000)
    return engine, clock, OrderPlanner(RoutingConfig(), profile)


def _book(clock: SimulatedClock, bid: int) -> OrderBook:
    now = clock.now_ns()
    bids = [(bid - i, 100) for i in range(20)]
    asks = [(bid + 1 + i, 100) for i in range(20)]
    return OrderBook.build("SBER", bids, asks, now, now)


def bench_decisions(n: int) -> dict[str, dict[str, float]]:
    engine, clock, planner = _world()
    parts: dict[str, list[int]] = {"decision": [], "evaluate_entry": [], "plan_ioc": [], "check_order": []}
    perf = time.perf_counter_ns
    gc.disable()
    try:
        for i in range(n):
            clock.advance(NS_PER_S)
            book = _book(clock, 30_000 + (i % 7))
            engine.on_book(book)
            t0 = perf()
            decision = engine.evaluate_entry("SBER", "long")
            t1 = perf()
            plan = planner.plan("SBER", Side.BUY, min(decision.lots, 5), book, clock.now_ns())
            order = plan.order_for(plan.slices[0])
            t2 = perf()
            denial = engine.check_order(order)
            t3 = perf()
            assert decision.allowed and denial is None, (decision, denial)
            parts["evaluate_entry"].append(t1 - t0)
            parts["plan_ioc"].append(t2 - t1)
            parts["check_order"].append(t3 - t2)
            parts["decision"].append(t3 - t0)
            done = Order(order.intent_key, "SBER", Side.BUY, order.lots, order.limit_price_ticks,
                         status=OrderStatus.CANCELLED)
            engine.on_order_update(done)
    finally:
        gc.enable()
    return {name: _stats(samples) for name, samples in parts.items()}


def bench_on_book_with_position(n: int) -> dict[str, float]:
    engine, clock, _ = _world()
    clock.advance(NS_PER_S)
    engine.on_book(_book(clock, 30_000))
    engine.on_fill(Fill("t1", "o1", "k1", "SBER", Side.BUY, 50, Decimal("300.01"), clock.now_ns()))
    samples: list[int] = []
    perf = time.perf_counter_ns
    gc.disable()
    try:
        for i in range(n):
            clock.advance(NS_PER_S // 10)
            book = _book(clock, 30_000 + (i % 11) - 5)
            t0 = perf()
            commands = engine.on_book(book)
            samples.append(perf() - t0)
            assert not commands
    finally:
        gc.enable()
    return _stats(samples)


def bench_vwap_plan(n: int) -> dict[str, float]:
    _, clock, planner = _world()
    book = _book(clock, 30_000)
    samples: list[int] = []
    perf = time.perf_counter_ns
    for _ in range(n):
        t0 = perf()
        plan = planner.plan("SBER", Side.BUY, 100, book, clock.now_ns())
        samples.append(perf() - t0)
        assert sum(s.lots for s in plan.slices) == 100
    return _stats(samples)


def _timed(label: str, run: Callable[[], Any]) -> Any:
    started = time.perf_counter()
    result = run()
    print(f"  {label}: {time.perf_counter() - started:.1f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer iterations (smoke run)")
    args = parser.parse_args()
    n = 2_000 if args.quick else 20_000
    load_at_start = [round(v, 2) for v in os.getloadavg()]
    print(f"risk benchmark, {n} decisions (load average {load_at_start})")
    decisions = _timed("decisions", lambda: bench_decisions(n))
    on_book = _timed("on_book", lambda: bench_on_book_with_position(n))
    vwap = _timed("vwap", lambda: bench_vwap_plan(max(n // 20, 100)))
    result = {
        "benchmark": "risk",
        "goal": {"decision_p99_us": GOAL_P99_US},
        "met": decisions["decision"]["p99_us"] <= GOAL_P99_US,
        "decision": decisions,
        "on_book_with_position": on_book,
        "vwap_plan_100_lots": vwap,
        "machine": machine_info(),
        "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "load_average_at_start_1_5_15": load_at_start,
    }
    for name, stats in decisions.items():
        print(f"{name:>16}: p50 {stats['p50_us']:7.2f} µs  p99 {stats['p99_us']:7.2f} µs  "
              f"max {stats['max_us']:8.2f} µs")
    print(f"{'on_book+pos':>16}: p50 {on_book['p50_us']:7.2f} µs  p99 {on_book['p99_us']:7.2f} µs")
    print(f"{'vwap 100 lots':>16}: p50 {vwap['p50_us']:7.2f} µs  p99 {vwap['p99_us']:7.2f} µs")
    print(f"goal decision p99 ≤ {GOAL_P99_US} µs: {'met' if result['met'] else 'NOT met'}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
