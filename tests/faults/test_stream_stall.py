"""A market-data stream that goes silent (connection open, no data, no pings, no error) — SPEC §1.4
stale-data breaker, §5 stream watchdogs: the watchdog reconnects and resubscribes every instrument,
the stale-data breaker trips while books are missing, and no order is sent on stale books."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from scalp_system.exchange.faults import StreamKind
from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from tests.faults.harness import local_exchange, paper_config, run_against

WATCHDOG_S = 6.0  # above the 5 s minimum ping interval the order streams may ask for
BOOK_TTL_S = 2.0


async def test_a_silent_stream_is_reconnected_and_nothing_trades_on_stale_books(
    tmp_path: Path, trained_models: Path, exchange_token: str
) -> None:
    config = paper_config(
        tmp_path,
        trained_models,
        broker={"watchdog_s": WATCHDOG_S, "ping_delay_ms": 5_000},
        data={"book_ttl_s": BOOK_TTL_S},
    )
    stall_ns: list[int] = []
    books_after: dict[str, int] = {}

    async def stall(orchestrator: Orchestrator, ex: LocalExchange) -> None:
        await asyncio.sleep(3.0)
        stall_ns.append(time.time_ns())
        ex.faults.stall_streams(30.0, kinds={StreamKind.MARKET_DATA})

        def seen(book: object, _signal: object) -> None:
            uid = getattr(book, "instrument_id", "")
            books_after[uid] = books_after.get(uid, 0) + 1

        orchestrator.on_book_processed = seen

    async with local_exchange(tmp_path) as ex:
        run = await run_against(ex, config, duration_s=16.0, script=stall)

    assert ex.faults.injected["stall"] == 1
    connectivity = run.audit_events("connectivity")
    down = [c for c in connectivity if not c["details"]["up"] and "watchdog" in c["details"]["reason"]]
    assert down, connectivity
    down_ns = down[0]["ts_ns"]
    up = [c for c in connectivity if c["details"]["up"] and c["ts_ns"] > down_ns]
    assert up, "the watchdog's reconnect never came back up"
    up_ns = up[0]["ts_ns"]
    assert down_ns - stall_ns[0] >= (WATCHDOG_S - 0.5) * 1e9  # it was the watchdog, not an error

    # Every instrument was resubscribed: books of all four flow again after the reconnect.
    assert set(books_after) == set(run.orchestrator.instruments)
    assert all(count > 0 for count in books_after.values())

    # The stale-data breaker tripped for every instrument while its book was missing...
    stale = {t["instrument"] for t in run.summary.breaker_trips if t["breaker"] == "STALE_DATA"}
    assert stale == set(run.orchestrator.instruments)
    # ...and no order reached the exchange while the books were stale.
    stale_from = stall_ns[0] + int(BOOK_TTL_S * 1e9)
    posted = [line for line in run.journal() if line["event"] in ("post_order", "post_order_rejected")]
    assert not [line for line in posted if stale_from <= line["ts"] <= up_ns]
    assert run.summary.trading_state == "ACTIVE"
