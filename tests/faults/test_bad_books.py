"""Crossed books, ``is_consistent=false`` and malformed values on the wire (SPEC §2 input validation):
each is counted — by the DataEngine's reject reasons or the broker stream's dropped-message count —
and none reaches features, the model, strategy or risk; the run keeps trading on the good books."""

from __future__ import annotations

from pathlib import Path

import pytest

from scalp_system.core.market import OrderBook
from scalp_system.data.validation import RejectReason
from scalp_system.exchange.faults import FaultPlan
from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from tests.faults.harness import local_exchange, paper_config, run_against


def _is_tradeable(book: OrderBook) -> bool:
    return (
        book.is_consistent
        and len(book.bid_px) > 0
        and len(book.ask_px) > 0
        and int(book.bid_px[0]) < int(book.ask_px[0])
        and int(book.bid_qty.min()) > 0
        and int(book.ask_qty.min()) > 0
    )


async def test_bad_books_are_counted_and_never_traded_on(
    tmp_path: Path, trained_models: Path, exchange_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = paper_config(tmp_path, trained_models)
    plan = FaultPlan(inconsistent_book_ratio=0.08, crossed_book_ratio=0.08, garbage_ratio=0.08, seed=3)
    decided_on: list[OrderBook] = []

    async def watch(orchestrator: Orchestrator, _ex: LocalExchange) -> None:
        orchestrator.on_book_processed = lambda book, _signal: decided_on.append(book)

    async with local_exchange(tmp_path, faults=plan) as ex:
        run = await run_against(ex, config, duration_s=10.0, script=watch)

    injected = ex.faults.injected
    assert injected["book_inconsistent"] > 0 and injected["book_crossed"] > 0 and injected["book_garbage"] > 0
    rejects = run.orchestrator.data.rejects_by_reason()
    assert 0 < rejects.get(RejectReason.BOOK_INCONSISTENT, 0) <= injected["book_inconsistent"]
    assert 0 < rejects.get(RejectReason.BOOK_CROSSED, 0) <= injected["book_crossed"]
    dropped = sum("dropped a malformed message" in r.getMessage() for r in caplog.records)
    garbage_counted = dropped + sum(
        rejects.get(reason, 0)
        for reason in (
            RejectReason.PRICE_OFF_TICK,
            RejectReason.SIZE_NOT_POSITIVE,
            RejectReason.INPUT_MALFORMED,
        )
    )
    assert garbage_counted > 0
    # Nothing bad reached the decision stage; good books kept flowing to it.
    assert decided_on and all(_is_tradeable(book) for book in decided_on)
    assert run.summary.trading_state == "ACTIVE"
