"""The once-a-second timer feeds the decision-latency breaker (SPEC §1.4): REDUCING when the p99 of
the window is over the limit, and not for a few slow decisions among many fast ones (the p99
counts, not the largest; the timer looks at quantiles only when the largest is over the limit)."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import numpy as np

from scalp_system.backtest.sim_venue import SimulatedVenue, constant_latency
from scalp_system.config import load_config
from scalp_system.core.clock import NS_PER_S, SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.state import TradingState
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from scalp_system.monitoring.latency import Stage
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.paths import rebase_paths

TOY = recording_instrument("TOY", "1", "1")
T0 = 1_723_100_400 * NS_PER_S


def _orchestrator(state_dir: Path) -> Orchestrator:
    config = rebase_paths(load_config(None, env={}), state_dir)
    one = np.ones((1, 1), np.int64)
    ts = np.array([T0], np.int64)
    books = BookFrame(TOY.uid, ts, ts, one * 100, one * 5, one * 101, one * 5, np.ones(1, np.bool_))
    empty = np.zeros(0, np.int64)
    trades = TradeFrame(TOY.uid, empty, empty, empty, empty, np.zeros(0, np.int8))
    core = ExchangeCore(
        [TOY], commission_rate=Decimal(0), source=ReplaySource([ReplayFeed(TOY, books, trades)]),
        limit_band_pct=None,
    )
    account = core.open_account("timer")
    core.pay_in(account, Decimal(1_000_000))
    clock = SimulatedClock(T0)
    venue = SimulatedVenue(core, account, clock, depth=1, order_latency=constant_latency(0))
    orchestrator = Orchestrator(config, [TOY], venue, clock)
    orchestrator.operator_control = False
    asyncio.run(orchestrator.start())
    return orchestrator


def _decisions(orchestrator: Orchestrator, fast: int, slow: int, slow_ms: float) -> None:
    now = orchestrator.clock.now_ns()
    for _ in range(fast):
        orchestrator.latency.record(Stage.DECISION, 200_000, now)  # 0.2 ms
    for _ in range(slow):
        orchestrator.latency.record(Stage.DECISION, int(slow_ms * 1e6), now)


def test_a_p99_over_the_limit_puts_the_run_in_reducing_at_the_next_timer(tmp_path: Path) -> None:
    orchestrator = _orchestrator(tmp_path)
    limit_ms = orchestrator.config.risk.latency_p99_limit_ms
    _decisions(orchestrator, fast=90, slow=10, slow_ms=limit_ms * 3)
    assert orchestrator.risk.state is TradingState.ACTIVE
    asyncio.run(orchestrator.on_timer())
    assert orchestrator.risk.state is TradingState.REDUCING


def test_one_slow_decision_among_many_fast_ones_leaves_the_run_active(tmp_path: Path) -> None:
    orchestrator = _orchestrator(tmp_path)
    limit_ms = orchestrator.config.risk.latency_p99_limit_ms
    _decisions(orchestrator, fast=999, slow=1, slow_ms=limit_ms * 3)
    asyncio.run(orchestrator.on_timer())
    assert orchestrator.risk.state is TradingState.ACTIVE


def test_fast_decisions_keep_the_run_active(tmp_path: Path) -> None:
    orchestrator = _orchestrator(tmp_path)
    _decisions(orchestrator, fast=500, slow=0, slow_ms=0)
    asyncio.run(orchestrator.on_timer())
    assert orchestrator.risk.state is TradingState.ACTIVE
