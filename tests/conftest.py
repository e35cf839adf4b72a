"""Shared fixtures: paths to the real recordings in ../shared/data and temp work dirs."""

from __future__ import annotations

from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT.parent / "shared" / "data" / "binance-2024-08-08"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The directory of real order-book recordings (never copied into the project)."""
    if not SHARED_DATA.is_dir():
        pytest.fail(f"real recordings not found at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Where tests leave artefacts (screenshots, reports) for a person to look at."""
    path = PROJECT_ROOT / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
