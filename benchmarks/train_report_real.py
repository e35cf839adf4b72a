"""Training report on the real recordings in ../shared/data: ensemble vs the two naive baselines.

Per instrument: the first 70 % of the recording trains (its newest 20 % calibrates, after a purge gap
of h books), the last 30 % tests, with a purge gap of h = 20 books between them. Labels: mid-price
direction 20 book updates ahead, half-tick dead zone. Scores on the test part: accuracy, macro F1,
log-loss, Brier for each model, the ensemble, always-flat and the sign of level-1 imbalance. These
are 6–11 minute recordings: read the numbers as a realism check, not as statistics.

Run: ``.venv/bin/python benchmarks/train_report_real.py``; writes ``benchmarks/results/ml_real.json``.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

from _machine import machine_info  # benchmarks/ is on sys.path when this script runs

from scalp_system.config import Config
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.data.csv_import import read_recording
from scalp_system.ml.dataset import Recording, dataset_from_frames
from scalp_system.ml.training import ENSEMBLE, TrainingSettings, train

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "binance-2024-08-08"
RESULTS = Path(__file__).resolve().parent / "results" / "ml_real.json"
TRAIN_FRACTION = 0.7

RECORDINGS = (
    ("BTCUSDT", "usdm_btcusdt_20240808", Decimal("0.1"), Decimal("0.001")),
    ("ETHUSDT", "usdm_ethusdt_20240808", Decimal("0.01"), Decimal("0.001")),
    ("BTCUSD_PERP", "cm_btcusd_perp_2024080809", Decimal("0.1"), Decimal("1")),
)


def report_one(uid: str, stem: str, tick: Decimal, lot: Decimal, cfg: Config) -> dict[str, Any]:
    """Train on the first part of one recording, test on the rest; the scores as a dict."""
    instrument = Instrument(uid, uid, lot=lot, tick=tick, currency="usd", kind=InstrumentKind.CRYPTO)
    books, trades = read_recording(DATA / f"{stem}_depth20.csv.gz", DATA / f"{stem}_trades.csv.gz",
                                   instrument, levels=cfg.data.lob_levels)
    data = dataset_from_frames([Recording(books, trades, tick)], cfg)
    settings = TrainingSettings(n_folds=1, min_train_fraction=TRAIN_FRACTION)
    result = train(data.features, data.mids_ticks, data.schema, cfg.ml, settings=settings,
                   instruments=data.instruments, from_ns=data.from_ns, to_ns=data.to_ns)
    fold = result.report.folds[0]
    return {
        "books": len(books), "trades": len(trades) if trades is not None else 0,
        "class_counts": result.report.class_counts, "n_fit": fold.n_fit, "n_calibrate": fold.n_calibrate,
        "n_test": fold.n_test, "ensemble_weights": fold.weights,
        "scores": {name: s.to_dict() for name, s in fold.scores.items()},
        "ensemble_beats_both_baselines_on_log_loss": result.report.beats_baselines("log_loss"),
    }


def main() -> dict[str, Any]:
    """Run every recording, print a table per instrument, write the JSON result."""
    cfg = Config()
    started = time.perf_counter()
    per_instrument = {uid: report_one(uid, stem, tick, lot, cfg) for uid, stem, tick, lot in RECORDINGS}
    body = {"machine": machine_info(), "horizon": cfg.ml.horizon,
            "dead_zone_ticks": float(cfg.ml.dead_zone_ticks), "calibration": cfg.ml.calibration,
            "train_fraction": TRAIN_FRACTION, "seconds": round(time.perf_counter() - started, 1),
            "instruments": per_instrument}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(body, indent=2, default=str) + "\n")
    for uid, row in per_instrument.items():
        print(f"\n{uid}: {row['books']} books, test {row['n_test']} rows, classes {row['class_counts']}")
        print(f"  {'forecaster':26s} {'accuracy':>9s} {'macro F1':>9s} {'log-loss':>9s} {'Brier':>8s}")
        for name, s in row["scores"].items():
            mark = " ◀" if name == ENSEMBLE else ""
            print(f"  {name:26s} {s['accuracy']:9.4f} {s['macro_f1']:9.4f} {s['log_loss']:9.4f} "
                  f"{s['brier']:8.4f}{mark}")
    print(f"\nwritten to {RESULTS}")
    return body


if __name__ == "__main__":
    main()
