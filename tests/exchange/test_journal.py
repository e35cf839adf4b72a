"""The exchange journal: one flushed JSON line per PostOrder call, fill, cancel and state change.

The journal is how audits and tests prove that a repeated ``order_id`` never placed a second
order; these tests drive a real exchange over gRPC and read the file while it still runs.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import grpc
import pytest

from scalp_system.broker.proto.generated import (
    common_pb2,
    marketdata_pb2,
    marketdata_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
)
from scalp_system.config import ExchangeConfig
from scalp_system.exchange.catalogue import stable_uid
from scalp_system.exchange.journal import Journal, read_journal
from scalp_system.exchange.server import LocalExchange

TOKEN = "t.journal-canary-0f9e8d"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
SBER = stable_uid("SBER")


@pytest.fixture
def journal_path(tmp_path: Path) -> Path:
    return tmp_path / "audit" / "exchange.jsonl"


@pytest.fixture
async def exchange(journal_path: Path) -> AsyncIterator[LocalExchange]:
    config = ExchangeConfig(port=0)
    async with LocalExchange(
        config, TOKEN, journal_path=journal_path, speed=10.0, account_cash=Decimal(10**11)
    ) as ex:
        yield ex


@pytest.fixture
async def orders(exchange: LocalExchange) -> AsyncIterator[orders_pb2_grpc.OrdersServiceStub]:
    async with grpc.aio.insecure_channel(exchange.address) as channel:
        yield orders_pb2_grpc.OrdersServiceStub(channel)


async def limit_price(exchange: LocalExchange, level: int, side: str) -> common_pb2.Quotation:
    async with grpc.aio.insecure_channel(exchange.address) as channel:
        book = await marketdata_pb2_grpc.MarketDataServiceStub(channel).GetOrderBook(
            marketdata_pb2.GetOrderBookRequest(instrument_id=SBER, depth=20), metadata=AUTH
        )
    return (book.asks if side == "ask" else book.bids)[level].price


def order(
    account_id: str, key: str, price: common_pb2.Quotation, lots: int, tif: int
) -> orders_pb2.PostOrderRequest:
    return orders_pb2.PostOrderRequest(
        quantity=lots,
        price=price,
        direction=orders_pb2.ORDER_DIRECTION_BUY,
        account_id=account_id,
        order_type=orders_pb2.ORDER_TYPE_LIMIT,
        order_id=key,
        instrument_id=SBER,
        time_in_force=tif,
    )


def journal_text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def events(path: Path, kind: str) -> list[dict[str, object]]:
    return [line for line in read_journal(path) if line["event"] == kind]


async def test_a_repeated_order_id_is_journaled_with_created_false_and_one_exchange_id(
    exchange: LocalExchange, orders: orders_pb2_grpc.OrdersServiceStub, journal_path: Path
) -> None:
    key = str(uuid.uuid4())
    request = order(
        exchange.account_id, key, await limit_price(exchange, 10, "bid"), 1, orders_pb2.TIME_IN_FORCE_DAY
    )
    first = await orders.PostOrder(request, metadata=AUTH)
    await orders.PostOrder(request, metadata=AUTH)
    posts = events(journal_path, "post_order")
    assert [(p["order_request_id"], p["order_id"], p["created"]) for p in posts] == [
        (key, first.order_id, True),
        (key, first.order_id, False),
    ]
    assert all(p["account_id"] == exchange.account_id and isinstance(p["ts"], int) for p in posts)


async def test_every_fill_is_journaled_with_trade_id_lots_and_an_exact_decimal_price(
    exchange: LocalExchange, orders: orders_pb2_grpc.OrdersServiceStub, journal_path: Path
) -> None:
    request = order(
        exchange.account_id,
        str(uuid.uuid4()),
        await limit_price(exchange, 3, "ask"),
        100_000,
        orders_pb2.TIME_IN_FORCE_FILL_AND_KILL,
    )
    response = await orders.PostOrder(request, metadata=AUTH)
    fills = [f for f in events(journal_path, "fill") if f["order_id"] == response.order_id]
    assert sum(int(str(f["lots"])) for f in fills) == response.lots_executed > 0
    assert len({f["trade_id"] for f in fills}) == len(fills)
    assert all(isinstance(f["price"], str) and Decimal(str(f["price"])) > 0 for f in fills)


async def test_cancels_and_every_state_change_are_journaled(
    exchange: LocalExchange, orders: orders_pb2_grpc.OrdersServiceStub, journal_path: Path
) -> None:
    key = str(uuid.uuid4())
    posted = await orders.PostOrder(
        order(
            exchange.account_id, key, await limit_price(exchange, 15, "bid"), 2, orders_pb2.TIME_IN_FORCE_DAY
        ),
        metadata=AUTH,
    )
    await orders.CancelOrder(
        orders_pb2.CancelOrderRequest(account_id=exchange.account_id, order_id=posted.order_id), metadata=AUTH
    )
    cancels = events(journal_path, "cancel")
    states = [s["status"] for s in events(journal_path, "order_state") if s["order_id"] == posted.order_id]
    assert [(c["order_id"], c["status"]) for c in cancels] == [(posted.order_id, "CANCELLED")]
    assert states == ["NEW", "CANCELLED"]


async def test_a_refused_post_order_is_journaled_with_its_code(
    exchange: LocalExchange, orders: orders_pb2_grpc.OrdersServiceStub, journal_path: Path
) -> None:
    key = str(uuid.uuid4())
    off_tick = common_pb2.Quotation(units=300, nano=5_000_000)
    with pytest.raises(grpc.aio.AioRpcError):
        await orders.PostOrder(
            order(exchange.account_id, key, off_tick, 1, orders_pb2.TIME_IN_FORCE_DAY), metadata=AUTH
        )
    refused = events(journal_path, "post_order_rejected")
    assert [(r["order_request_id"], r["code"]) for r in refused] == [(key, "30078")]


async def test_the_journal_never_contains_the_token(
    exchange: LocalExchange, orders: orders_pb2_grpc.OrdersServiceStub, journal_path: Path
) -> None:
    await orders.PostOrder(
        order(
            exchange.account_id,
            str(uuid.uuid4()),
            await limit_price(exchange, 3, "ask"),
            5,
            orders_pb2.TIME_IN_FORCE_FILL_AND_KILL,
        ),
        metadata=AUTH,
    )
    assert TOKEN not in journal_text(journal_path)


def test_lines_are_flushed_as_they_are_written(tmp_path: Path) -> None:
    path = tmp_path / "j.jsonl"
    journal = Journal(path, clock_ns=lambda: 42)
    journal.fill(
        account_id="a",
        order_id="1",
        order_request_id="k",
        trade_id="t1",
        lots=3,
        price=Decimal("310.01"),
        market_ts=7,
    )
    assert read_journal(path) == [
        {
            "ts": 42,
            "event": "fill",
            "account_id": "a",
            "order_id": "1",
            "order_request_id": "k",
            "trade_id": "t1",
            "lots": 3,
            "price": "310.01",
            "market_ts": 7,
        }
    ]
    journal.close()


def test_a_journal_without_a_path_writes_nothing(tmp_path: Path) -> None:
    journal = Journal(None)
    journal.record("post_order", order_id="1")
    assert journal.lines_written == 0 and list(tmp_path.iterdir()) == []
