"""The backtest fast path (features and signals computed up front) equals the plain event-by-event
mode on a real recording: same signals, same orders, same fills, same PnL."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from scalp_system.backtest.runner import Recording, run_backtest
from scalp_system.config import Config, config_from_mapping
from scalp_system.data.csv_import import read_recording
from scalp_system.exchange.replay import recording_instrument
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.orchestration.models import load_ensemble, open_registry, train_and_save

TRAIN_ROWS = 2500
TEST_ROWS = 2500


@pytest.fixture(scope="module")
def world(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Recording]:
    registry_dir = tmp_path_factory.mktemp("models")
    config = config_from_mapping(
        {
            "sessions": {"enforce": False},
            "ml": {"registry_dir": str(registry_dir), "gbm_iterations": 30, "walk_forward_folds": 2},
            "exchange": {"commission_rate": "0"},
            "risk": {"allow_warmup_entries": True, "max_position_lots": 5},
            "strategy": {"entry_probability": 0.45, "min_edge_ticks": "0"},
        }
    )
    instrument = recording_instrument("BTCUSDT", "0.1", "0.001")
    books, trades = read_recording(
        shared_data / "usdm_btcusdt_20240808_depth20.csv.gz",
        shared_data / "usdm_btcusdt_20240808_trades.csv.gz",
        instrument,
    )
    assert trades is not None
    cut = int(books.exchange_ts_ns[TRAIN_ROWS])
    end = int(books.exchange_ts_ns[TRAIN_ROWS + TEST_ROWS])
    train_and_save(
        config,
        [MlRecording(books.slice(0, TRAIN_ROWS), trades.between(None, cut), instrument.tick)],
        open_registry(config),
    )
    test = Recording(instrument, books.slice(TRAIN_ROWS, TRAIN_ROWS + TEST_ROWS), trades.between(cut, end))
    return config, test


def _run(config: Config, recording: Recording, *, fast: bool) -> tuple[object, list[tuple[object, ...]]]:
    model = load_ensemble(config, open_registry(config)).ensemble  # a fresh ensemble: weights update online
    assert model is not None
    result = run_backtest(config, [recording], model=model, fast=fast)
    fills = [(f.ts_ns, f.side, f.lots, f.price) for f in result.fill_records]
    return result, fills


def test_fast_path_equals_the_plain_event_by_event_mode(world: tuple[Config, Recording]) -> None:
    config, recording = world
    plain, plain_fills = _run(config, recording, fast=False)
    fast, fast_fills = _run(config, recording, fast=True)
    assert fast.extra["fast_path"] is True and plain.extra["fast_path"] is False  # type: ignore[attr-defined]
    assert plain.orders > 0 and plain.fills > 0  # type: ignore[attr-defined]
    assert fast.extra["signals"] == plain.extra["signals"]  # type: ignore[attr-defined]
    assert fast.orders == plain.orders and fast.fills == plain.fills  # type: ignore[attr-defined]
    assert fast_fills == plain_fills
    assert fast.net_pnl == plain.net_pnl  # type: ignore[attr-defined]
    assert np.array_equal([p.equity for p in fast.equity], [p.equity for p in plain.equity])  # type: ignore[attr-defined]
