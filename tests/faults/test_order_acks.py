"""Slow acknowledgements and lost PostOrder responses (SPEC §4 idempotent orders, §5 error codes):
an order whose answer never arrives is resolved with GetOrderState by its intent key — never posted
again under a new key — so the exchange creates exactly one order per intent and the books agree."""

from __future__ import annotations

import asyncio
from pathlib import Path

import grpc

from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from tests.faults.harness import (
    assert_books_agree_with_the_exchange,
    local_exchange,
    paper_config,
    posted_keys,
    run_against,
    stored_orders_and_fills,
    wait_for,
)


async def test_lost_and_slow_post_order_answers_are_resolved_by_key_without_a_second_order(
    tmp_path: Path, trained_models: Path, exchange_token: str
) -> None:
    config = paper_config(tmp_path, trained_models)

    async def lose_answers(_orchestrator: Orchestrator, ex: LocalExchange) -> None:
        await asyncio.sleep(2.0)
        ex.faults.set_ack_delay(0.4)
        ex.faults.lose_next_post_order_responses(2, grpc.StatusCode.UNAVAILABLE)
        # Waits are generous: how soon the model trades depends on the market and on a loaded CI host.
        await wait_for(lambda: ex.faults.injected["lost_post_order_response"] >= 2, 25.0, "two lost answers")
        ex.faults.lose_next_post_order_responses(1, grpc.StatusCode.DEADLINE_EXCEEDED)
        await wait_for(
            lambda: ex.faults.injected["lost_post_order_response"] >= 3, 25.0, "a timed-out answer"
        )
        ex.faults.set_ack_delay(0.0)

    async with local_exchange(tmp_path) as ex:
        run = await run_against(ex, config, duration_s=40.0, script=lose_answers)

    assert ex.faults.injected["lost_post_order_response"] == 3
    assert ex.faults.injected["slow_ack"] > 0
    created = posted_keys(run.journal())
    assert created and max(created.values()) == 1, "an intent key created two orders"
    exchange_orders = {r.request_key: r for r in ex.core.orders(ex.account_id)}
    assert set(exchange_orders) == set(created)
    # Every order the exchange holds is known to the run under its key, in its final state.
    orders, _fills = stored_orders_and_fills(run)
    stored = {o.intent_key: o for o in orders}
    for key, report in exchange_orders.items():
        assert key in stored, f"intent {key} placed at the exchange but unknown to the run"
        assert stored[key].lots_executed == report.lots_executed
    assert_books_agree_with_the_exchange(run, ex)
