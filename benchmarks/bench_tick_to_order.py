"""Live tick-to-order latency over the local exchange: one real paper-mode ``scalp run`` in-process.

``orchestration.session.run_session`` starts the local exchange (synthetic market, 4 instruments,
book stream throttled to one message per 100 ms per instrument as the real API) on a loopback port,
connects the real gRPC broker client and ``BrokerVenue``, trains a bootstrap model on a short
warm-up recording of that market (fresh temporary registry, not timed), then trades for the
requested time. The orchestrator's latency histograms give, per stage (µs): ``receive`` (client
receipt stamp → the orchestrator's hand), ``features``, ``model``, ``risk``, ``decision`` (book in
the orchestrator's hand → orders decided: validation, features, ensemble, strategy, risk, planning)
and ``ack`` (PostOrder sent → exchange acknowledgement over gRPC). Quantiles are bucket upper
bounds of log-bucketed histograms (≤ 4.4 % relative error).

Run: ``.venv/bin/python benchmarks/bench_tick_to_order.py [--quick]``; writes
``benchmarks/results/tick_to_order.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import Config, load_config
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.paths import rebase_paths
from scalp_system.orchestration.session import RunOptions, run_session

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "tick_to_order.json"
GOAL_DECISION_P99_US = 50_000.0  # SPEC §1: the latency breaker trips when decision p99 > 50 ms
GOAL_ACK_P99_US = 2_000_000.0  # SPEC §1: ... or when an order ack takes > 2 s


def _config(state_dir: Path, warmup_s: float) -> Config:
    config = rebase_paths(load_config(None), state_dir)
    return config.model_copy(
        update={
            "sessions": config.sessions.model_copy(update={"enforce": False}),
            "ml": config.ml.model_copy(update={"bootstrap_warmup_s": warmup_s}),
            "notifications": config.notifications.model_copy(update={"console": False}),
        }
    )


def run(duration_s: float, warmup_s: float) -> dict[str, Any]:
    """One paper session; returns the summary and the full per-stage latency statistics."""
    seen: list[Orchestrator] = []

    @contextlib.contextmanager
    def keep(orchestrator: Orchestrator) -> Iterator[None]:  # the dashboard hook hands us the orchestrator
        seen.append(orchestrator)
        yield

    with tempfile.TemporaryDirectory(prefix="bench_t2o_") as tmp:
        config = _config(Path(tmp), warmup_s)
        options = RunOptions(
            mode="paper", duration_s=duration_s, dashboard=keep, status=lambda message: print(f"  {message}")
        )
        started = time.monotonic()
        summary = asyncio.run(run_session(config, options))
        wall_s = time.monotonic() - started
    stages = seen[0].latency.summary_us() if seen else {}
    return {"summary": summary, "stages": stages, "wall_s": wall_s}


def main() -> None:
    """Run the session and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="30 s of trading instead of 60 s")
    parser.add_argument("--duration", type=float, default=None, help="seconds of trading")
    parser.add_argument("--warmup", type=float, default=15.0, help="bootstrap warm-up recording, seconds")
    args = parser.parse_args()
    duration = args.duration or (30.0 if args.quick else 60.0)
    load_before = os.getloadavg()
    print(f"tick-to-order over the local exchange: {duration:.0f} s of paper trading")
    outcome = run(duration, args.warmup)
    summary = outcome["summary"]
    stages = {
        stage: {key: round(value, 1) if isinstance(value, float) else value for key, value in q.items()}
        for stage, q in outcome["stages"].items()
    }
    decision = stages.get("decision", {})
    ack = stages.get("ack", {})
    for stage, q in stages.items():
        print(
            f"  {stage:<12} n={q.get('count', 0):>6}  p50={q.get('p50', 0):>10.1f} µs  "
            f"p99={q.get('p99', 0):>10.1f} µs  max={q.get('max', 0):>10.1f} µs"
        )
    print(
        f"  {summary.books} books, {summary.trades} trades, {summary.orders_posted} orders, "
        f"{summary.fills} fills; model {summary.model}"
    )
    result = {
        "benchmark": "tick_to_order",
        "machine": machine_info(),
        "load_average_1_5_15_before": [round(x, 2) for x in load_before],
        "load_average_1_5_15_after": [round(x, 2) for x in os.getloadavg()],
        "setup": {
            "mode": "paper (local exchange in-process, synthetic market, loopback gRPC without TLS)",
            "instruments": summary.instruments,
            "trading_s": duration,
            "bootstrap_warmup_s": args.warmup,
            "session_wall_s": round(outcome["wall_s"], 1),
        },
        "stages_us": stages,
        "decision_p50_us": decision.get("p50"),
        "decision_p99_us": decision.get("p99"),
        "ack_p50_us": ack.get("p50"),
        "ack_p99_us": ack.get("p99"),
        "goals": {"decision_p99_us": GOAL_DECISION_P99_US, "ack_p99_us": GOAL_ACK_P99_US},
        "counts": {
            "books": summary.books,
            "trades": summary.trades,
            "orders": summary.orders_posted,
            "fills": summary.fills,
            "signals": summary.signals,
        },
        "model": summary.model,
        "notes": summary.notes,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
