"""Shared fixtures: paths to the real recordings in ../shared/data and temp work dirs."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import numpy as np
import pytest

from scalp_system.data.csv_import import read_recording
from scalp_system.exchange.replay import recording_instrument
from tests.recordings import BtcRecording

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data" / "binance-2024-08-08"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The directory of real order-book recordings (never copied into the project)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real recordings not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def btc_recording(shared_data: Path) -> BtcRecording:
    """The real BTCUSDT recording, read once per test process. Its arrays are read-only, so no test
    can change what another one sees (slice or copy to modify)."""
    instrument = recording_instrument("BTCUSDT", "0.1", "0.001")
    books, trades = read_recording(
        shared_data / "usdm_btcusdt_20240808_depth20.csv.gz",
        shared_data / "usdm_btcusdt_20240808_trades.csv.gz",
        instrument,
    )
    assert trades is not None
    for frame in (books, trades):
        for column in fields(frame):
            value = getattr(frame, column.name)
            if isinstance(value, np.ndarray):
                value.setflags(write=False)
    return BtcRecording(instrument, books, trades)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave artefacts (screenshots, reports) for a person to look at."""
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path


# The slowest modules (seconds of wall time each, mostly waiting on real subprocesses, sockets and a
# market that follows the wall clock), longest first. They are collected first so that pytest-xdist
# (`--dist loadfile`, which hands out whole files in collection order) starts them at once and the
# run ends on small files instead of waiting for one long file started last. Order only: nothing in a
# test depends on it.
SLOW_MODULES_FIRST = (
    "test_crash_recovery.py",
    "e2e/test_paper_run.py",
    "test_sweep.py",
    "e2e/test_cli.py",
    "faults/test_canary_token.py",
    "faults/test_order_acks.py",
    "faults/test_order_stream_content.py",
    "faults/test_connectivity_failover.py",
    "faults/test_storage_failure.py",
    "faults/test_bad_books.py",
    "faults/test_stream_stall.py",
    "faults/test_rate_limit.py",
    "test_backtest_paper_parity.py",
    "test_disaster_recovery.py",
)


def _slowness_rank(item: pytest.Item) -> int:
    tests_dir = PROJECT_ROOT / "tests"
    relative = item.path.relative_to(tests_dir).as_posix() if item.path.is_relative_to(tests_dir) else ""
    return SLOW_MODULES_FIRST.index(relative) if relative in SLOW_MODULES_FIRST else len(SLOW_MODULES_FIRST)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the slowest modules to the front (a stable sort: everything else keeps its order)."""
    items.sort(key=_slowness_rank)
