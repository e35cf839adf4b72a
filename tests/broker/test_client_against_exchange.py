"""The broker client over real gRPC on loopback against the local exchange (no mocks).

Each test starts a LocalExchange on an ephemeral port, connects a BrokerClient to it with plaintext
(loopback only) and checks one behaviour: streamed books, IOC partial fills, idempotent order keys,
watchdog recovery from a silent stall, rate-limit waits, auth failures and token secrecy.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import grpc
import pytest

from scalp_system.broker import (
    Backoff,
    BrokerAuthError,
    BrokerClient,
    BrokerVenue,
    MarketDataStream,
    Secret,
    SubscriptionError,
    resolve_endpoint,
)
from scalp_system.config import BrokerConfig, ExchangeConfig
from scalp_system.core.events import CancelOrder, ConnectivityChanged, SubmitOrder
from scalp_system.core.ids import new_intent_key
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import Fill, OrderStatus, Side, TimeInForce
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.static import StaticMarket

TOKEN = "t.CANARY-exchange-token-5b1e0d77"
pytestmark = pytest.mark.timeout(60)


def broker_config(**changes: object) -> BrokerConfig:
    """Client settings for loopback tests: short backoffs so failures recover fast."""
    values: dict[str, object] = {"backoff_base_s": 0.05, "backoff_max_s": 0.5, "max_retries": 5}
    values.update(changes)
    return BrokerConfig(**values)  # type: ignore[arg-type]


def client_for(exchange: LocalExchange, token: str = TOKEN, **config: object) -> BrokerClient:
    """A client to ``exchange`` with a deterministic backoff."""
    cfg = broker_config(**config)
    return BrokerClient(
        resolve_endpoint(exchange.address, tls=False),
        Secret(token),
        cfg,
        backoff=Backoff(cfg.backoff_base_s, cfg.backoff_max_s, random.Random(3)),
    )


@pytest.fixture
async def exchange(tmp_path: Path) -> AsyncIterator[LocalExchange]:
    """A synthetic-market exchange (pings every 200 ms, books every 100 ms)."""
    config = ExchangeConfig(port=0, ping_interval_ms=200, seed=11)
    async with LocalExchange(config, TOKEN, journal_path=tmp_path / "j.jsonl") as ex:
        yield ex


@pytest.fixture
async def client(exchange: LocalExchange) -> AsyncIterator[BrokerClient]:
    """A connected client with the exchange's shares registered."""
    async with client_for(exchange) as connected:
        await connected.shares()
        yield connected


def sber(client: BrokerClient) -> Instrument:
    found = client.instruments.get("SBER_TQBR")
    assert found is not None
    return found


def journal(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


async def next_books(stream: MarketDataStream, count: int) -> list[OrderBook]:
    books: list[OrderBook] = []
    async for event in stream.events():
        if isinstance(event, OrderBook):
            books.append(event)
            if len(books) == count:
                return books
    return books


async def test_depth_20_subscription_streams_books_with_20_sorted_levels(client: BrokerClient) -> None:
    stream = MarketDataStream(client, watchdog_s=3.0, ping_delay_ms=5_000)
    await stream.subscribe_order_book(sber(client), 20)
    try:
        books = await asyncio.wait_for(next_books(stream, 3), 10)
    finally:
        await stream.stop()
    for book in books:
        assert book.depth == 20 and len(book.bid_px) == 20 and len(book.ask_px) == 20
        assert all(book.bid_px[i] > book.bid_px[i + 1] for i in range(19))
        assert all(book.ask_px[i] < book.ask_px[i + 1] for i in range(19))
        assert book.bid_px[0] < book.ask_px[0]


async def test_depth_outside_the_allowed_set_is_refused_before_sending(client: BrokerClient) -> None:
    stream = MarketDataStream(client)
    with pytest.raises(SubscriptionError, match="depth 15"):
        await stream.subscribe_order_book(sber(client), 15)


async def test_ioc_order_partially_fills_and_the_rest_is_cancelled(tmp_path: Path) -> None:
    instruments = default_catalogue()
    market = StaticMarket(instruments)
    target = next(i for i in instruments if i.ticker == "SBER")
    market.add_liquidity(target.uid, Side.SELL, 31001, 3)
    market.add_liquidity(target.uid, Side.SELL, 31005, 4)
    market.add_liquidity(target.uid, Side.BUY, 30990, 5)
    exchange = LocalExchange(ExchangeConfig(port=0), TOKEN, source=market, journal_path=tmp_path / "j")
    async with exchange as ex, client_for(ex) as cl:
        instrument = await cl.instrument_by(uid=target.uid)
        command = SubmitOrder(
            new_intent_key(), instrument.uid, Side.BUY, 10, 31001, TimeInForce.FILL_AND_KILL
        )
        order = await cl.post_order(ex.account_id, command, instrument)
    assert order.status is OrderStatus.CANCELLED
    assert order.lots_executed == 3 and order.lots_requested == 10
    assert order.executed_value == Decimal("310.01") * 10 * 3
    assert order.intent_key == command.intent_key


async def test_reposting_the_same_order_id_creates_no_second_order(
    exchange: LocalExchange, client: BrokerClient, tmp_path: Path
) -> None:
    instrument = sber(client)
    book = await client.get_order_book(instrument, 10)
    command = SubmitOrder(
        new_intent_key(), instrument.uid, Side.BUY, 1, int(book.bid_px[-1]), TimeInForce.DAY
    )
    first = await client.post_order(exchange.account_id, command, instrument)
    second = await client.post_order(exchange.account_id, command, instrument)
    assert first.order_id == second.order_id
    posts = [e for e in journal(tmp_path / "j.jsonl") if e.get("event") == "post_order"]
    mine = [e for e in posts if e["order_request_id"] == command.intent_key]
    assert [e["created"] for e in mine] == [True, False]
    open_ids = [o.order_id for o in await client.get_orders(exchange.account_id)]
    assert open_ids.count(first.order_id) == 1


async def test_a_lost_post_order_response_is_resolved_by_key_without_a_second_order(
    exchange: LocalExchange, client: BrokerClient, tmp_path: Path
) -> None:
    instrument = sber(client)
    book = await client.get_order_book(instrument, 10)
    exchange.faults.lose_next_post_order_responses(1, grpc.StatusCode.INTERNAL)
    command = SubmitOrder(
        new_intent_key(), instrument.uid, Side.BUY, 1, int(book.bid_px[-1]), TimeInForce.DAY
    )
    order = await client.post_order(exchange.account_id, command, instrument)
    assert order.intent_key == command.intent_key and order.order_id
    posts = [e for e in journal(tmp_path / "j.jsonl") if e.get("event") == "post_order"]
    created = [e for e in posts if e["order_request_id"] == command.intent_key and e["created"]]
    assert len(created) == 1


async def test_silent_stall_is_detected_and_the_stream_resubscribes(
    exchange: LocalExchange, client: BrokerClient
) -> None:
    instrument = sber(client)
    stream = MarketDataStream(client, watchdog_s=1.0, ping_delay_ms=5_000)
    await stream.subscribe_order_book(instrument, 10)
    await stream.subscribe_trades(instrument)
    seen: list[str] = []

    async def watch() -> None:
        stalled = False
        async for event in stream.events():
            if isinstance(event, ConnectivityChanged):
                seen.append("up" if event.up else "down")
            elif isinstance(event, OrderBook):
                if not stalled:
                    stalled = True
                    exchange.faults.stall_streams(30.0)
                elif seen[-1:] == ["up"] and "down" in seen:
                    return

    started = asyncio.get_running_loop().time()
    try:
        await asyncio.wait_for(watch(), 10)
    finally:
        await stream.stop()
    assert seen[:3] == ["up", "down", "up"]
    assert stream.reconnects >= 1
    assert asyncio.get_running_loop().time() - started < 10


async def test_rate_limit_rejection_is_waited_out(exchange: LocalExchange, client: BrokerClient) -> None:
    exchange.faults.exhaust_next_unary(1, reset_s=1)
    loop = asyncio.get_running_loop()
    started = loop.time()
    book = await client.get_order_book(sber(client), 10)
    assert len(book.bid_px) == 10
    assert loop.time() - started >= 0.9


async def test_unavailable_burst_is_retried_with_backoff(
    exchange: LocalExchange, client: BrokerClient
) -> None:
    exchange.faults.fail_next_unary(2)
    status = await client.get_trading_status(sber(client))
    assert status.instrument_id == sber(client).uid


async def test_wrong_token_fails_cleanly_with_a_typed_error(exchange: LocalExchange) -> None:
    async with client_for(exchange, token="t.wrong-token") as cl:
        with pytest.raises(BrokerAuthError) as info:
            await cl.get_accounts()
    assert info.value.code == "40003" and info.value.status == "UNAUTHENTICATED"


async def test_venue_streams_fills_and_order_updates_without_duplicates(
    exchange: LocalExchange, client: BrokerClient
) -> None:
    instrument = sber(client)
    venue = BrokerVenue(client, exchange.account_id, stream_watchdog_s=5.0, stream_ping_delay_ms=1_000)
    exchange.faults.set_duplicate_stream_messages(True)
    async def first_fill() -> Fill:
        return await anext(venue.fills())

    fills_task = asyncio.create_task(first_fill())
    updates: list[object] = []

    async def collect_updates() -> None:
        async for order in venue.order_updates():
            updates.append(order)
            if order.status.is_terminal:
                return

    updates_task = asyncio.create_task(collect_updates())
    await asyncio.sleep(0.5)  # let both streams subscribe
    book = await client.get_order_book(instrument, 1)
    command = SubmitOrder(new_intent_key(), instrument.uid, Side.BUY, 1, int(book.ask_px[0]) + 5)
    order = await venue.submit(command)
    try:
        fill = await asyncio.wait_for(fills_task, 10)
        await asyncio.wait_for(updates_task, 10)
    finally:
        await venue.close()
    assert order.lots_executed == 1
    assert fill.intent_key == command.intent_key and fill.lots == 1
    keys = [(o.order_id, o.status, o.lots_executed) for o in updates]  # type: ignore[attr-defined]
    assert len(keys) == len(set(keys))


async def test_venue_cancel_returns_the_final_state(exchange: LocalExchange, client: BrokerClient) -> None:
    instrument = sber(client)
    venue = BrokerVenue(client, exchange.account_id)
    book = await client.get_order_book(instrument, 10)
    command = SubmitOrder(
        new_intent_key(), instrument.uid, Side.BUY, 1, int(book.bid_px[-1]) - 50, TimeInForce.DAY
    )
    order = await venue.submit(command)
    assert order.status is OrderStatus.NEW
    final = await venue.cancel(CancelOrder(command.intent_key, order.order_id, instrument.uid))
    assert final.status is OrderStatus.CANCELLED
    state = await venue.order_state(command.intent_key)
    assert state is not None and state.status is OrderStatus.CANCELLED and state.order_id == order.order_id


async def test_canary_token_never_appears_in_logs_or_errors(
    exchange: LocalExchange, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        async with client_for(exchange) as cl:
            texts.append(repr(cl))
            await cl.shares()
            exchange.faults.fail_next_unary(1)
            await cl.get_accounts()
            stream = MarketDataStream(cl, watchdog_s=2.0)
            await stream.subscribe_trades(sber(cl))
            async for event in stream.events():
                if isinstance(event, Trade | ConnectivityChanged):
                    texts.append(repr(event))
                    break
            await stream.stop()
        async with client_for(exchange, token=TOKEN + "-wrong") as bad:
            try:
                await bad.get_accounts()
            except BrokerAuthError as exc:
                texts += [str(exc), repr(exc), str(exc.__cause__), repr(exc.__context__)]
    blob = "\n".join([caplog.text, *texts, (tmp_path / "j.jsonl").read_text()])
    assert TOKEN not in blob
    assert "CANARY" not in blob
