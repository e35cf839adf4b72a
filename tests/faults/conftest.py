"""Fixtures of the fault suite: one bootstrap model trained per test run, the exchange token."""

from __future__ import annotations

import asyncio
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from scalp_system.orchestration.session import RunOptions, run_session
from tests.faults.harness import TOKEN, paper_config

QUICK_MODEL = {"bootstrap_warmup_s": 12.0, "gbm_iterations": 25, "walk_forward_folds": 2}


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``lock_path`` (an advisory flock shared by the xdist workers)."""
    with lock_path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture(scope="session")
def trained_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model registry trained once per test run: a short paper run on the embedded exchange whose
    bootstrap warm-up (12 s of the synthetic market) trains and saves the ensemble and drift references.

    Under pytest-xdist every worker has its own temp directory below one shared run directory; the
    registry is trained there by the first worker that needs it (the others wait on a file lock) and
    only ever read afterwards: each scenario copies it into its own state directory."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's directory, shared by every worker of this run
    state = root / "fault-bootstrap"
    done = state / "trained.ok"
    with _exclusive(root / "fault-bootstrap.lock"):
        config = paper_config(state, ml=QUICK_MODEL)
        if not done.exists():
            summary = asyncio.run(run_session(config, RunOptions(mode="paper", duration_s=0.5)))
            assert summary.model.startswith("WeightedEnsemble["), summary.notes
            done.write_text(summary.model, encoding="utf-8")
    return config.ml.registry_dir


@pytest.fixture
def exchange_token(monkeypatch: pytest.MonkeyPatch) -> str:
    """TINKOFF_TOKEN set to the local exchange's token, as an operator would export it."""
    monkeypatch.setenv("TINKOFF_TOKEN", TOKEN)
    return TOKEN
