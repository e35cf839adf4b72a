"""Crash recovery (issue 6 "crash test", issue 8 "crash soak"): `kill -9` of the real `scalp run` at
seeded random moments — while it starts, restores, records its warm-up or trades — each followed by a
restart on the same state directory against the same `scalp exchange`; then one clean run.

At the end, checked from the outside: no order key was ever posted twice (the exchange's journal),
every exchange fill is in the store exactly once, the store's positions equal the exchange's (and
the fills' net and the last checkpoint agree), the risk board's halts and unexpired cooldowns survive
each restart, the audit chain verifies with `scalp audit verify`, and no restart crashed or hung.
The default suite kills 10 times (plus one kill during the bootstrap warm-up); the soak target 50.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.crash_harness import CrashCampaign, ExchangeProcess, train_models_with_a_warmup_kill

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def warmup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A bootstrap model trained once, by a run restarted after being killed during its warm-up."""
    workdir = tmp_path_factory.mktemp("warmup")
    exchange = ExchangeProcess(workdir, seed=11)
    try:
        yield train_models_with_a_warmup_kill(workdir, exchange)
    finally:
        exchange.stop()


def _campaign(workdir: Path, models: Path, kills: int, seed: int) -> dict[str, Any]:
    exchange = ExchangeProcess(workdir / "exchange", seed=seed)
    try:
        result = CrashCampaign(workdir, exchange, models, kills=kills, seed=seed).run()
    finally:
        exchange.stop()
    return result.to_json()


def _save(name: str, report: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / name).write_text(json.dumps(report, indent=2, default=str))


def _assert_invariants(report: dict[str, Any], kills: int) -> None:
    assert report["kills"] >= kills, report["runs"]
    failed = {name: result for name, result in report["invariants"].items() if not result["ok"]}
    assert not failed, json.dumps(failed, indent=2, default=str)
    risk = report["invariants"]["risk_state_preserved"]
    assert risk["halts_carried"] >= 1, risk  # the halt phase guarantees a halt to carry over
    assert report["counts"]["orders_posted"] > 0 and report["counts"]["exchange_fills"] > 0


@pytest.mark.timeout(900)
def test_a_run_killed_during_its_warmup_restarts_and_trains_its_model(warmup: dict[str, Any]) -> None:
    assert warmup["returncode"] == 0, warmup["log_tail"]
    assert (warmup["models"] / "lightgbm").is_dir()
    assert warmup["audit"]["ok"], warmup["audit"]


@pytest.mark.timeout(1200)  # ~1.5-2 min on a 2-core machine; restarts are CPU-bound imports
def test_ten_kills_lose_no_fill_post_no_key_twice_and_keep_positions_and_risk_state(
    warmup: dict[str, Any], tmp_path: Path
) -> None:
    report = _campaign(tmp_path, warmup["models"], kills=10, seed=20261125)
    report["warmup_kill"] = {"returncode": warmup["returncode"], "audit": warmup["audit"]}
    _save("crash_test.json", report)
    _assert_invariants(report, kills=10)


@pytest.mark.soak
@pytest.mark.timeout(3600)
def test_soak_fifty_kills_keep_every_invariant(warmup: dict[str, Any], tmp_path: Path) -> None:
    report = _campaign(tmp_path, warmup["models"], kills=50, seed=8)
    _save("crash_soak.json", report)
    _assert_invariants(report, kills=50)
    assert report["invariants"]["risk_state_preserved"]["deadlines_carried"] >= 1  # a cooldown crossed a kill
