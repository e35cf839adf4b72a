"""Duplicated and reordered order-state and trade stream messages (SPEC §4, reference §10.8): every
fill is booked exactly once, so positions, realised PnL and commission equal the exchange's account
to the kopeck."""

from __future__ import annotations

from pathlib import Path

from scalp_system.exchange.faults import FaultPlan
from tests.faults.harness import (
    assert_books_agree_with_the_exchange,
    exchange_fills,
    local_exchange,
    paper_config,
    run_against,
)


async def test_duplicated_and_reordered_order_messages_leave_positions_and_pnl_exact(
    tmp_path: Path, trained_models: Path, exchange_token: str
) -> None:
    config = paper_config(tmp_path, trained_models)
    plan = FaultPlan(duplicate_stream_messages=True, reorder_stream_messages=True)
    async with local_exchange(tmp_path, faults=plan) as ex:
        run = await run_against(ex, config, duration_s=18.0)

    assert ex.faults.injected["duplicated_message"] > 0
    assert ex.faults.injected["reordered_message"] > 0
    assert run.summary.fills > 0, run.summary.notes
    assert run.orchestrator.stats.fills == len(exchange_fills(ex))  # each booked once, none missed
    assert_books_agree_with_the_exchange(run, ex)
