"""Fill recovery after a crash, against the local exchange over real gRPC and a real SQLite store.

A process that dies between an order's acknowledgement and its TradesStream fill (or while nothing
runs) never hears of those executions. On restart the engine asks the venue for the executions of
every order that may have some (GetOrderState stages, by intent key) — including intents stored
after the last checkpoint, which only the store knows — and books each exactly once.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path

from scalp_system.broker import BrokerClient, BrokerVenue, Secret, resolve_endpoint
from scalp_system.broker.convert import fills_from_state, order_state_msg
from scalp_system.config import BrokerConfig, ExchangeConfig, StorageConfig
from scalp_system.core.clock import WallClock
from scalp_system.core.events import SubmitOrder
from scalp_system.core.ids import new_intent_key
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Order, OrderStatus, Side, TimeInForce
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.static import StaticMarket
from scalp_system.execution.engine import ExecutionEngine
from scalp_system.execution.ledger import Ledger
from scalp_system.orchestration.journal import WriterJournal
from scalp_system.storage.store import Store
from scalp_system.storage.writer import BackgroundWriter

TOKEN = "recovery-token-0123456789"


def _sber() -> Instrument:
    return next(i for i in default_catalogue() if i.ticker == "SBER")


def _market(sber: Instrument) -> StaticMarket:
    market = StaticMarket([sber], start_ns=time.time_ns())
    market.add_liquidity(sber.uid, Side.SELL, 31001, 2)  # a 3-lot buy fills in two executions
    market.add_liquidity(sber.uid, Side.SELL, 31002, 50)
    market.add_liquidity(sber.uid, Side.BUY, 31000, 50)
    return market


def _buy(sber: Instrument, lots: int) -> SubmitOrder:
    return SubmitOrder(new_intent_key(), sber.uid, Side.BUY, lots, 31002, TimeInForce.FILL_AND_KILL)


def test_order_stages_become_fills_tagged_with_the_intent_key() -> None:
    sber = _sber()
    order = Order(
        "key-1", sber.uid, Side.SELL, 3, 31000, status=OrderStatus.FILL, order_id="9", lots_executed=3
    )
    fills = [
        Fill("t1", "9", "key-1", sber.uid, Side.SELL, 1, Decimal("310.00"), 1_000),
        Fill("t2", "9", "key-1", sber.uid, Side.SELL, 2, Decimal("309.99"), 2_000),
    ]
    assert fills_from_state(order_state_msg(order, sber, fills=fills), sber) == fills


async def test_a_restart_books_the_fills_of_a_checkpointed_order_it_never_received() -> None:
    sber = _sber()
    async with LocalExchange(ExchangeConfig(port=0), TOKEN, source=_market(sber)) as exchange:
        client = BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), BrokerConfig())
        async with client:
            venue = BrokerVenue(client, exchange.account_id, [sber])
            before = ExecutionEngine(venue, Ledger({sber.uid: sber}), WallClock())
            order = await before.submit(_buy(sber, 3))
            assert order.status is OrderStatus.FILL and order.lots_executed == 3
            snapshot = before.snapshot()  # killed here: the TradesStream fills never arrived

            after = ExecutionEngine(venue, Ledger({sber.uid: sber}), WallClock())
            after.restore(snapshot)
            recovered = await after.recover_fills()
            assert [f.lots for f in recovered] == [2, 1]
            assert {f.intent_key for f in recovered} == {order.intent_key}
            for fill in recovered:
                assert await after.on_fill(fill)
            assert after.ledger.position(sber.uid).lots == 3
            assert await after.recover_fills() == []  # booked once: nothing left to recover
            assert (await after.reconcile()).position_corrections == {}


async def test_intents_stored_after_the_last_checkpoint_are_recovered_from_the_store(tmp_path: Path) -> None:
    sber = _sber()
    db = tmp_path / "scalp.db"
    async with LocalExchange(ExchangeConfig(port=0), TOKEN, source=_market(sber)) as exchange:
        client = BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), BrokerConfig())
        async with client:
            venue = BrokerVenue(client, exchange.account_id, [sber])
            writer = BackgroundWriter(StorageConfig(), db_path=db).start()
            try:
                before = ExecutionEngine(
                    venue, Ledger({sber.uid: sber}), WallClock(), journal=WriterJournal(writer)
                )
                checkpoint_ns = time.time_ns()
                snapshot = before.snapshot()  # the last checkpoint: nothing in flight yet
                order = await before.submit(_buy(sber, 3))  # intent stored, order filled, then killed

                after = ExecutionEngine(
                    venue, Ledger({sber.uid: sber}), WallClock(), journal=WriterJournal(writer)
                )
                after.restore(snapshot)
                recovered = await after.recover_fills(since_ns=checkpoint_ns)
                for fill in recovered:
                    assert await after.on_fill(fill)
                assert sum(f.lots for f in recovered) == 3
                assert after.order(order.intent_key) is not None
                assert after.order(order.intent_key).status is OrderStatus.FILL  # type: ignore[union-attr]
            finally:
                writer.close()
        with Store(db, read_only=True) as store:
            stored = store.fills(order.intent_key)
        assert sorted(f.trade_id for f in stored) == sorted(f.trade_id for f in recovered)
        report = exchange.core.order_by_request_key(exchange.account_id, order.intent_key)
        assert report is not None
        assert sorted(f.trade_id for f in stored) == sorted(f.trade_id for f in report.fills)
