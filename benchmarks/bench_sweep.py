"""Sweep engine benchmark: speed-up from 1 to 2 Ray workers, and the per-task overhead.

    .venv/bin/python benchmarks/bench_sweep.py [--repeats N]

1. The same walk-forward sweep (BTCUSDT recording, 2 × 2 grid, 2 folds = 8 backtest tasks and 2
   training jobs) is run from scratch on a local Ray with 1 worker and with 2 workers; wall time is
   measured around ``run_sweep`` with Ray already started (start-up is reported separately).
   Utilisation = Σ in-worker task seconds / (wall × workers).
2. Per-task overhead of the engine: no-op Ray tasks submitted with the sweep's options and an
   ``EvalTask`` argument (the real per-task payload: a full Config), round-trip time per task; and
   the journal's durable append (one line, fsync) per task.

Results go to benchmarks/results/sweep.json with the machine description.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.research import run_sweep, sweep_from_mapping
from scalp_system.research.journal import Journal
from scalp_system.research.plan import EvalTask, plan_sweep

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "binance-2024-08-08"
OUT = ROOT / "benchmarks" / "results" / "sweep.json"


def sweep_spec() -> Any:
    """The benchmark sweep: whole BTCUSDT recording, 4 configurations, 2 folds."""
    return sweep_from_mapping(
        {
            "sweep": {"name": "bench", "data": "shared_path"},
            "base": {
                "ml": {"gbm_iterations": 20, "walk_forward_folds": 2, "calibration_window": 500},
                "risk": {"atr_bar_s": 10},
            },
            "parameters": {
                "strategy.entry_probability": [0.45, 0.55],
                "exchange.commission_rate": ["0", "0.0005"],
            },
            "instruments": [
                {
                    "ticker": "BTCUSDT",
                    "books": str(DATA / "usdm_btcusdt_20240808_depth20.csv.gz"),
                    "trades": str(DATA / "usdm_btcusdt_20240808_trades.csv.gz"),
                    "tick": "0.1",
                    "lot": "0.001",
                    "currency": "usdt",
                }
            ],
            "walk_forward": {"folds": 2},
        },
        "bench_sweep",
    )


def _start_ray(workers: int) -> float:
    import ray

    started = time.perf_counter()
    ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    return time.perf_counter() - started


def time_sweep(workers: int) -> tuple[float, float, float]:
    """One sweep from scratch with ``workers`` Ray workers: (Ray start s, wall s, utilisation)."""
    import ray

    spec = sweep_spec()
    startup = _start_ray(workers)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
            started = time.perf_counter()
            outcome = run_sweep(spec, Path(tmp), resume=False)
            wall = time.perf_counter() - started
            assert outcome.complete, "benchmark sweep did not complete"
            busy = sum(float(r.get("task_s", 0.0)) for r in Journal(Path(tmp)).rows().values())
    finally:
        ray.shutdown()
    return startup, wall, busy / (wall * workers)


def compare_workers(repeats: int) -> dict[str, Any]:
    """1 vs 2 workers in ABBA order (1,2 then 2,1 …) so drifting machine load hits both alike."""
    runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
    for repeat in range(repeats):
        for workers in (1, 2) if repeat % 2 == 0 else (2, 1):
            runs[workers].append(time_sweep(workers))
    plan = plan_sweep(sweep_spec())
    summary: dict[str, Any] = {"tasks": len(plan.tasks), "training_jobs": len(plan.train_jobs)}
    for workers, measured in runs.items():
        summary[f"{workers}_worker"] = {
            "ray_start_s": [round(m[0], 2) for m in measured],
            "wall_s": [round(m[1], 2) for m in measured],
            "wall_s_median": round(statistics.median(m[1] for m in measured), 2),
            "eval_utilisation": round(statistics.median(m[2] for m in measured), 3),
        }
    summary["speedup_1_to_2"] = round(
        summary["1_worker"]["wall_s_median"] / summary["2_worker"]["wall_s_median"], 2
    )
    return summary


def _noop(task: EvalTask) -> str:
    return task.task_id


def task_overhead(workers: int, count: int) -> dict[str, Any]:
    """Round-trip seconds per no-op task carrying an EvalTask, and per durable journal append."""
    import ray

    task = plan_sweep(sweep_spec()).tasks[0]
    _start_ray(workers)
    try:
        remote = ray.remote(_noop).options(max_retries=2, retry_exceptions=True, num_cpus=1)
        ray.get([remote.remote(task) for _ in range(workers * 4)])  # warm the workers
        started = time.perf_counter()
        ray.get([remote.remote(task) for _ in range(count)])
        batch = (time.perf_counter() - started) / count
        started = time.perf_counter()
        for _ in range(50):
            ray.get(remote.remote(task))
        serial = (time.perf_counter() - started) / 50
    finally:
        ray.shutdown()
    with tempfile.TemporaryDirectory(prefix="bench-journal-") as tmp:
        journal = Journal(Path(tmp))
        row = {"task_id": "x" * 16, "status": "ok", "oos": {"net_pnl": "1.2345"}, "pad": "y" * 1500}
        started = time.perf_counter()
        for _ in range(200):
            journal.append(row)
        append = (time.perf_counter() - started) / 200
    return {
        "workers": workers,
        "noop_tasks": count,
        "per_task_ms_batched": round(batch * 1e3, 3),
        "per_task_ms_serial_round_trip": round(serial * 1e3, 3),
        "journal_append_fsync_ms": round(append * 1e3, 3),
    }


def main() -> None:
    """Run both measurements, print them, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="ABBA repeats per worker count")
    args = parser.parse_args()
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    load_before = os.getloadavg()
    comparison = compare_workers(args.repeats)
    overhead = task_overhead(2, 500)
    result = {
        "benchmark": "sweep",
        "machine": machine_info(),
        "load_average_at_start": [round(v, 2) for v in load_before],
        "load_average_at_end": [round(v, 2) for v in os.getloadavg()],
        "sweep": comparison,
        "overhead": overhead,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
