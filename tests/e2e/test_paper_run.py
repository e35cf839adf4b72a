"""`scalp run` end to end, as a trader starts it: paper mode on the embedded local exchange.

Runs the real console script in a subprocess on a fresh state directory: it must start the local
exchange, train a bootstrap model on a warm-up recording, trade, flatten and write a summary with
orders and fills. Then it restarts on the same state directory: the saved model is reused (no
second warm-up), the checkpoint is restored and reconciled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from scalp_system.monitoring.audit import verify

SCALP = [sys.executable, "-m", "scalp_system.cli"]
# A short warm-up and a small model: enough for a bootstrap model that trades, quick on 2 cores.
QUICK_BOOTSTRAP = {
    "SCALP__ML__BOOTSTRAP_WARMUP_S": "15",
    "SCALP__ML__GBM_ITERATIONS": "25",
    "SCALP__ML__WALK_FORWARD_FOLDS": "2",
}


def _run(
    state: Path, summary: Path, duration: int, extra_env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **QUICK_BOOTSTRAP, **extra_env}
    return subprocess.run(
        [
            *SCALP,
            "run",
            "--duration",
            str(duration),
            "--state-dir",
            str(state),
            "--summary-json",
            str(summary),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        env=env,
        check=False,
    )


@pytest.fixture(scope="module")
def first_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess[str], dict]:
    state = tmp_path_factory.mktemp("paper")
    summary_path = state / "summary.json"
    completed = _run(state, summary_path, 25, {})
    assert completed.returncode == 0, completed.stderr[-3000:]
    summary = json.loads(summary_path.read_text())
    summary["_stderr"] = completed.stderr[-4000:]
    return state, completed, summary


def test_a_fresh_machine_trains_a_bootstrap_model_and_trades(first_run: tuple[Path, object, dict]) -> None:
    state, _completed, summary = first_run
    assert summary["mode"] == "paper"
    assert summary["model"].startswith("WeightedEnsemble[")
    assert summary["orders_posted"] > 0 and summary["fills"] > 0, (summary["notes"], summary["_stderr"])
    assert set(summary) >= {
        "orders_posted",
        "fills",
        "realized_pnl",
        "unrealized_pnl",
        "positions",
        "breaker_trips",
        "rejects",
        "latency_us",
    }
    assert (state / "models" / "lightgbm").is_dir()


def test_the_run_flattens_at_the_end_and_money_is_decimal_strings(
    first_run: tuple[Path, object, dict],
) -> None:
    _state, _completed, summary = first_run
    assert all(lots == 0 for lots in summary["positions"].values()), (
        summary["positions"],
        summary["_stderr"],
    )
    for key in ("realized_pnl", "unrealized_pnl", "commission", "net_pnl"):
        assert isinstance(summary[key], str)
        float(summary[key])
    assert {"p50", "p99"} <= set(summary["latency_us"]["decision"])


def test_the_audit_log_of_the_run_verifies(first_run: tuple[Path, object, dict]) -> None:
    state, _completed, _summary = first_run
    result = verify(state / "audit" / "audit.jsonl")
    assert result.ok, result.problem
    lines = (state / "audit" / "audit.jsonl").read_text()
    assert '"event":"order_intent"' in lines and '"event":"fill"' in lines


def test_a_restart_reuses_the_model_and_restores_the_checkpoint(first_run: tuple[Path, object, dict]) -> None:
    state, _completed, _summary = first_run
    summary_path = state / "summary2.json"
    completed = _run(state, summary_path, 5, {})
    assert completed.returncode == 0, completed.stderr[-3000:]
    assert "recording" not in completed.stderr  # no second warm-up
    assert "restoring checkpoint" in completed.stderr
    summary = json.loads(summary_path.read_text())
    assert "(LOADED)" in summary["model"]
