"""Fixtures of the fault suite: one bootstrap model trained per test session, the exchange token."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from scalp_system.orchestration.session import RunOptions, run_session
from tests.faults.harness import TOKEN, paper_config


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model registry trained once: a short paper run on the embedded exchange whose bootstrap
    warm-up (15 s of the synthetic market) trains and saves the ensemble and drift references."""
    state = tmp_path_factory.mktemp("bootstrap")
    config = paper_config(
        state, ml={"bootstrap_warmup_s": 12.0, "gbm_iterations": 25, "walk_forward_folds": 2}
    )
    summary = asyncio.run(run_session(config, RunOptions(mode="paper", duration_s=0.5)))
    assert summary.model.startswith("WeightedEnsemble["), summary.notes
    return config.ml.registry_dir


@pytest.fixture
def exchange_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """TINKOFF_TOKEN set to the local exchange's token, as an operator would export it."""
    monkeypatch.setenv("TINKOFF_TOKEN", TOKEN)
    return TOKEN
