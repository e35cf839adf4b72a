"""ML inference benchmark: the whole ensemble, one feature vector in, calibrated probabilities out.

Trains the two-family ensemble (LightGBM 60 rounds × 3 classes, max depth 5; standardised logistic
regression; isotonic calibrators) on a synthetic market with the default feature count (90) and
measures:

* single-row latency of ``WeightedEnsemble.predict_proba_row`` (p50 / p90 / p99 / max over 20 000 calls,
  after warm-up; the goal is p99 ≤ 100 µs) and of each stage on its own;
* LightGBM's own ``Booster.predict`` on one row, for comparison with the compact evaluator;
* batch throughput of ``WeightedEnsemble.predict_proba`` (rows per second, 100 000 rows).

Run: ``.venv/bin/python benchmarks/bench_ml.py``; writes ``benchmarks/results/ml.json``.
"""

from __future__ import annotations

import gc
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import MlConfig
from scalp_system.ml import WeightedEnsemble, train
from scalp_system.ml.synthetic import synthetic_market
from scalp_system.ml.training import TrainingSettings

RESULTS = Path(__file__).resolve().parent / "results" / "ml.json"
N_FEATURES = 90
N_CALLS = 20_000


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    values = np.asarray(samples_ns, dtype=np.float64) / 1_000.0
    p50, p90, p99 = (float(np.percentile(values, q)) for q in (50, 90, 99))
    return {"p50_us": p50, "p90_us": p90, "p99_us": p99, "max_us": float(values.max()),
            "calls": len(samples_ns)}


def _time_calls(fn: Any, rows: np.ndarray, n_calls: int) -> dict[str, float]:
    for row in rows[:500]:  # warm-up
        fn(row)
    samples: list[int] = []
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for i in range(n_calls):
            row = rows[i % rows.shape[0]]
            start = clock()
            fn(row)
            samples.append(clock() - start)
    finally:
        gc.enable()
    return _percentiles(samples)


def main() -> dict[str, Any]:
    """Run the benchmark, print a summary and write the JSON result."""
    market = synthetic_market(30_000, N_FEATURES, seed=11)
    started = time.perf_counter()
    result = train(market.features, market.mids_ticks, market.spec, MlConfig(),
                   settings=TrainingSettings(n_folds=2))
    train_s = time.perf_counter() - started
    ensemble = WeightedEnsemble(result.bundles, market.spec)
    rows = np.ascontiguousarray(market.features[-5_000:])
    members = {b.name: b for b in ensemble.members}
    tree, linear = members["lightgbm"], members["linear"]
    booster = tree.model._booster  # type: ignore[union-attr]
    single = {
        "ensemble_predict_proba_row": _time_calls(ensemble.predict_proba_row, rows, N_CALLS),
        "ensemble_predict_row_with_member_outputs": _time_calls(ensemble.predict_row, rows, N_CALLS),
        "lightgbm_compact_evaluator": _time_calls(tree.model.proba_list, rows, N_CALLS),
        "linear_model": _time_calls(linear.model.proba_list, rows, N_CALLS),
        "isotonic_calibrator": _time_calls(lambda _: tree.calibrator.transform_list([0.2, 0.5, 0.3]), rows,
                                           N_CALLS),
        "lightgbm_booster_predict_one_row": _time_calls(lambda r: booster.predict(r.reshape(1, -1)), rows,
                                                        2_000),
    }
    batch_rows = np.ascontiguousarray(np.tile(market.features, (4, 1))[:100_000])
    ensemble.predict_proba(batch_rows[:1_000])
    started = time.perf_counter()
    ensemble.predict_proba(batch_rows)
    batch_s = time.perf_counter() - started
    compact = tree.model.compact  # type: ignore[union-attr]
    body = {
        "machine": machine_info(),
        "model": {"features": N_FEATURES, "trees": compact.num_trees, "tree_depth": compact.depth,
                  "members": [b.name for b in ensemble.members], "calibration": tree.calibrator.method,
                  "train_rows": int(market.features.shape[0]), "train_seconds": round(train_s, 2)},
        "single_row": single,
        "batch": {"rows": int(batch_rows.shape[0]), "seconds": batch_s,
                  "rows_per_s": batch_rows.shape[0] / batch_s},
        "goal": {"ensemble_p99_us": 100.0,
                 "met": single["ensemble_predict_proba_row"]["p99_us"] <= 100.0},
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(body, indent=2) + "\n")
    cpu = body["machine"]["cpu_model"]
    print(f"ML inference on {cpu} ({N_FEATURES} features, {compact.num_trees} trees)")
    for name, stats in single.items():
        print(f"  {name:42s} p50 {stats['p50_us']:8.1f} µs   p99 {stats['p99_us']:8.1f} µs   "
              f"max {stats['max_us']:9.1f} µs")
    rate = body["batch"]["rows_per_s"]
    print(f"  batch predict_proba: {rate:,.0f} rows/s over {batch_rows.shape[0]:,} rows")
    print(f"  goal p99 ≤ 100 µs: {'met' if body['goal']['met'] else 'NOT met'}; written to {RESULTS}")
    return body


if __name__ == "__main__":
    main()
