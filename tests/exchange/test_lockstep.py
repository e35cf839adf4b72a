"""The lockstep local exchange (a test facility): market time moves only when stepped, and every book
change of a step reaches the book streams, unthrottled, as of that step. Spoken to over real gRPC on
loopback by the real broker client."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import numpy as np
import pytest

from scalp_system.broker.auth import Secret
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import resolve_endpoint
from scalp_system.broker.streams import MarketDataStream
from scalp_system.config import ExchangeConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from scalp_system.exchange.reports import BookChanged, TradePrinted
from scalp_system.exchange.server import LocalExchange

TOKEN = "t.lockstep-test-token"
TOY = recording_instrument("TOY", "1", "1")
MS = 1_000_000
T0 = 1_700_000_000_000 * MS
pytestmark = pytest.mark.timeout(30)


def _feed() -> ReplayFeed:
    """Five one-level books 10 ms apart (bid 100+i) and two trades between them."""
    n = 5
    ts = np.array([T0 + 10 * i * MS for i in range(n)], np.int64)
    books = BookFrame(
        TOY.uid,
        ts,
        ts,
        np.array([[100 + i] for i in range(n)], np.int64),
        np.array([[10] for _ in range(n)], np.int64),
        np.array([[110 + i] for i in range(n)], np.int64),
        np.array([[10] for _ in range(n)], np.int64),
        np.ones(n, np.bool_),
    )
    trade_ts = np.array([T0 + 5 * MS, T0 + 25 * MS], np.int64)
    trades = TradeFrame(
        TOY.uid,
        trade_ts,
        trade_ts,
        np.array([110, 102], np.int64),
        np.array([1, 1], np.int64),
        np.array([int(Aggressor.BUY), int(Aggressor.BUY)], np.int8),
    )
    return ReplayFeed(TOY, books, trades)


@pytest.fixture
async def exchange() -> AsyncIterator[LocalExchange]:
    # A 10 s book throttle: a throttled stream would send one book for this whole recording.
    config = ExchangeConfig(port=0, host="127.0.0.1", book_stream_interval_ms=10_000)
    async with LocalExchange(config, TOKEN, source=ReplaySource([_feed()]), lockstep=True) as ex:
        yield ex


@pytest.fixture
async def stream(exchange: LocalExchange) -> AsyncIterator[MarketDataStream]:
    async with BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN)) as client:
        market = MarketDataStream(client)
        await market.subscribe_order_book(TOY, 1)
        await market.subscribe_trades(TOY)
        await market.start()
        for _ in range(500):  # until the exchange holds both subscriptions
            sessions = exchange.market_data_streams.sessions if exchange.market_data_streams else []
            if any(TOY.uid in s.books and TOY.uid in s.trades for s in sessions):
                break
            await asyncio.sleep(0.01)
        yield market
        await market.stop()


async def _market_events(stream: MarketDataStream, count: int) -> list[OrderBook | Trade]:
    got: list[OrderBook | Trade] = []

    async def collect() -> None:
        async for event in stream.events():
            if isinstance(event, OrderBook | Trade):
                got.append(event)
                if len(got) == count:
                    return

    await asyncio.wait_for(collect(), 10)
    return got


async def test_market_time_stands_still_until_stepped(exchange: LocalExchange) -> None:
    start = exchange.market_ns()
    await asyncio.sleep(0.1)
    assert exchange.market_ns() == start == T0
    assert exchange.runtime.sync() == T0 and exchange.core.next_event_ns() == T0  # calls move nothing


async def test_each_step_moves_to_the_next_source_event_and_returns_its_events(
    exchange: LocalExchange,
) -> None:
    first = exchange.step()
    assert exchange.market_ns() == T0 and [type(e) for e in first] == [BookChanged]
    second = exchange.step()
    assert exchange.market_ns() == T0 + 5 * MS and [type(e) for e in second] == [TradePrinted]


async def test_every_book_change_of_every_step_reaches_the_stream_unthrottled(
    exchange: LocalExchange, stream: MarketDataStream
) -> None:
    while exchange.step():
        pass
    events = await _market_events(stream, 7)
    books = [e for e in events if isinstance(e, OrderBook)]
    assert [b.exchange_ts_ns for b in books] == [T0 + 10 * i * MS for i in range(5)]
    assert [int(b.bid_px[0]) for b in books] == [100, 101, 102, 103, 104]
    kinds = "".join("B" if isinstance(e, OrderBook) else "T" for e in events)
    assert kinds == "BTBBTBB"  # in exchange-time order, trades where the recording has them


async def test_a_clock_driven_exchange_refuses_to_be_stepped() -> None:
    config = ExchangeConfig(port=0, host="127.0.0.1")
    exchange = LocalExchange(config, TOKEN, source=ReplaySource([_feed()]))
    with pytest.raises(RuntimeError, match="lockstep"):
        exchange.step()
