"""The store fails mid-run (SPEC §2 storage): another process holds the SQLite database locked past
``storage.lock_timeout_s`` — real SQLite behaviour on a real file. Rows spill to JSONL, the writer
recovers by itself and merges the spill back, and nothing accepted is lost: every order and every
fill the exchange made is in the store exactly once."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.storage import BackgroundWriter, Store, merge_spill
from tests.faults.harness import (
    assert_books_agree_with_the_exchange,
    local_exchange,
    paper_config,
    posted_keys,
    run_against,
    stored_orders_and_fills,
)


async def test_a_locked_database_mid_run_spills_and_merges_back_losing_nothing(
    tmp_path: Path, trained_models: Path, exchange_token: str
) -> None:
    config = paper_config(tmp_path, trained_models, storage={"lock_timeout_s": 0.2})
    writers: list[BackgroundWriter] = []
    spilled_while_locked: list[int] = []

    async def lock_the_database(orchestrator: Orchestrator, _ex: LocalExchange) -> None:
        writer = orchestrator.side.store
        assert isinstance(writer, BackgroundWriter)
        writers.append(writer)
        await asyncio.sleep(3.0)
        blocker = sqlite3.connect(config.storage.db_path, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            await asyncio.sleep(5.0)
            spilled_while_locked.append(writer.stats.rows_spilled)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

    async with local_exchange(tmp_path) as ex:
        run = await run_against(ex, config, duration_s=12.0, script=lock_the_database)

    assert spilled_while_locked and spilled_while_locked[0] > 0
    stats = writers[0].stats
    assert stats.rows_spilled > 0
    # Whatever the run did not merge back itself, a later merge does (as `scalp storage merge-spill`).
    with Store(config.storage.db_path, config.storage) as store:
        merge_spill(store, config.storage.spill_dir)
    orders, _fills = stored_orders_and_fills(run)
    stored_keys = [o.intent_key for o in orders]
    assert len(stored_keys) == len(set(stored_keys))
    assert set(posted_keys(run.journal())) <= set(stored_keys)
    assert_books_agree_with_the_exchange(run, ex)
