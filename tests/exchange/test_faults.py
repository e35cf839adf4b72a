"""Every fault switch of the local exchange is observable by a client over real gRPC.

Streams are read by a background recorder (so a test can look at what arrived when, without
cancelling reads); unary faults are checked on the status, details and metadata a client gets.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import grpc
import pytest

from scalp_system.broker.proto.generated import (
    common_pb2,
    marketdata_pb2,
    marketdata_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from scalp_system.config import ExchangeConfig
from scalp_system.exchange.catalogue import stable_uid
from scalp_system.exchange.faults import FaultPlan, StreamKind
from scalp_system.exchange.server import LocalExchange

TOKEN = "t.fault-test-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
SBER = stable_uid("SBER")
MD = marketdata_pb2
NANO = Decimal(10**9)


@pytest.fixture
async def exchange() -> AsyncIterator[LocalExchange]:
    config = ExchangeConfig(port=0, ping_interval_ms=60_000)
    async with LocalExchange(config, TOKEN, speed=10.0, account_cash=Decimal(10**11)) as ex:
        yield ex


@pytest.fixture
async def channel(exchange: LocalExchange) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(exchange.address) as ch:
        yield ch


class Recorder:
    """Reads a stream in the background, keeping (receive time, payload kind, payload)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.items: list[tuple[float, str, Any]] = []
        self.error: grpc.aio.AioRpcError | None = None
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for message in self.stream:
                kind = message.WhichOneof("payload")
                self.items.append((time.monotonic(), kind, getattr(message, kind)))
        except grpc.aio.AioRpcError as error:
            self.error = error

    def of(self, kind: str) -> list[Any]:
        return [payload for _, k, payload in self.items if k == kind]

    def between(self, start: float, end: float) -> list[str]:
        return [k for t, k, _ in self.items if start <= t <= end]

    async def wait_for(self, kind: str, count: int = 1, within_s: float = 3.0) -> list[Any]:
        deadline = time.monotonic() + within_s
        while len(self.of(kind)) < count:
            assert time.monotonic() < deadline, f"no {count} × {kind} within {within_s} s: {self.items[-3:]}"
            assert not self.task.done(), f"stream ended: {self.error}"
            await asyncio.sleep(0.01)
        return self.of(kind)

    def close(self) -> None:
        self.stream.cancel()
        self.task.cancel()


async def book_stream(channel: grpc.aio.Channel, ping_ms: int = 200) -> Recorder:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    await stream.write(
        MD.MarketDataRequest(ping_settings=common_pb2.PingDelaySettings(ping_delay_ms=ping_ms))
    )
    await stream.write(
        MD.MarketDataRequest(
            subscribe_order_book_request=MD.SubscribeOrderBookRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                instruments=[MD.OrderBookInstrument(instrument_id=SBER, depth=10)],
            )
        )
    )
    recorder = Recorder(stream)
    await recorder.wait_for("orderbook")
    return recorder


async def order_state_stream(channel: grpc.aio.Channel, account_id: str) -> Recorder:
    stream = orders_pb2_grpc.OrdersStreamServiceStub(channel).OrderStateStream(
        orders_pb2.OrderStateStreamRequest(accounts=[account_id]), metadata=AUTH
    )
    recorder = Recorder(stream)
    await recorder.wait_for("subscription")
    return recorder


async def ioc_buy(
    channel: grpc.aio.Channel,
    account_id: str,
    lots: int = 100_000,
    key: str | None = None,
    deadline_s: float | None = None,
) -> orders_pb2.PostOrderResponse:
    """An IOC buy priced a few levels into the asks: it fills partly and cancels the rest."""
    book = await marketdata_pb2_grpc.MarketDataServiceStub(channel).GetOrderBook(
        MD.GetOrderBookRequest(instrument_id=SBER, depth=10), metadata=AUTH
    )
    request = orders_pb2.PostOrderRequest(
        quantity=lots,
        price=book.asks[3].price,
        direction=orders_pb2.ORDER_DIRECTION_BUY,
        account_id=account_id,
        order_type=orders_pb2.ORDER_TYPE_LIMIT,
        order_id=key or str(uuid.uuid4()),
        instrument_id=SBER,
        time_in_force=orders_pb2.TIME_IN_FORCE_FILL_AND_KILL,
    )
    return await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(
        request, metadata=AUTH, timeout=deadline_s
    )


async def state_by_key(channel: grpc.aio.Channel, account_id: str, key: str) -> orders_pb2.OrderState:
    return await orders_pb2_grpc.OrdersServiceStub(channel).GetOrderState(
        orders_pb2.GetOrderStateRequest(
            account_id=account_id, order_id=key, order_id_type=orders_pb2.ORDER_ID_TYPE_REQUEST
        ),
        metadata=AUTH,
    )


def price(value: common_pb2.Quotation) -> Decimal:
    return Decimal(value.units) + Decimal(value.nano) / NANO


# --- streams -----------------------------------------------------------------------------------


async def test_a_silent_stall_stops_data_and_pings_but_leaves_the_stream_open(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    old = await book_stream(channel)
    exchange.faults.stall_streams(1.2)
    stalled_at = time.monotonic()
    fresh = await book_stream(channel)  # opened after the stall began: not affected
    await asyncio.sleep(1.0)
    assert old.between(stalled_at + 0.15, stalled_at + 1.0) == []
    assert not old.task.done()
    assert fresh.between(stalled_at + 0.15, stalled_at + 1.0)
    await asyncio.sleep(0.6)
    assert old.between(stalled_at + 1.25, time.monotonic())
    assert exchange.faults.injected["stall"] == 1
    old.close()
    fresh.close()


async def test_a_stream_reset_ends_open_streams_with_unavailable(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    books = await book_stream(channel)
    states = await order_state_stream(channel, exchange.account_id)
    exchange.faults.reset_streams()
    await asyncio.wait_for(asyncio.gather(books.task, states.task), 2.0)
    assert books.error is not None and books.error.code() is grpc.StatusCode.UNAVAILABLE
    assert states.error is not None and states.error.code() is grpc.StatusCode.UNAVAILABLE


async def test_a_reset_can_target_one_kind_of_stream(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    books = await book_stream(channel)
    states = await order_state_stream(channel, exchange.account_id)
    exchange.faults.reset_streams(grpc.StatusCode.INTERNAL, kinds={StreamKind.ORDER_STATE})
    await asyncio.wait_for(states.task, 2.0)
    assert states.error is not None and states.error.code() is grpc.StatusCode.INTERNAL
    assert not books.task.done()
    books.close()


async def test_duplicated_order_state_messages_arrive_twice_in_a_row(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    states = await order_state_stream(channel, exchange.account_id)
    exchange.faults.set_duplicate_stream_messages(True)
    await ioc_buy(channel, exchange.account_id)
    await states.wait_for("order_state", 4)
    await asyncio.sleep(0.1)
    received = states.of("order_state")
    assert exchange.faults.injected["duplicated_message"] == len(received) // 2
    assert len(received) % 2 == 0
    assert all(received[i] == received[i + 1] for i in range(0, len(received), 2))
    states.close()


async def test_reordered_order_state_messages_arrive_later_one_first(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    states = await order_state_stream(channel, exchange.account_id)
    exchange.faults.set_reorder_stream_messages(True)
    response = await ioc_buy(channel, exchange.account_id)
    await asyncio.sleep(0.4)  # the last held message is flushed after 0.2 s
    received = states.of("order_state")
    statuses = [s.execution_report_status for s in received]
    assert statuses[0] != orders_pb2.EXECUTION_REPORT_STATUS_NEW
    assert orders_pb2.EXECUTION_REPORT_STATUS_NEW in statuses
    assert {s.order_id for s in received} == {response.order_id}
    assert exchange.faults.injected["reordered_message"] >= 1
    states.close()


async def test_inconsistent_books_are_flagged_is_consistent_false(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    books = await book_stream(channel)
    exchange.faults.set_book_faults(inconsistent=1.0)
    count = len(books.of("orderbook"))
    spoiled = (await books.wait_for("orderbook", count + 3))[count + 1 :]
    assert all(not book.is_consistent for book in spoiled)
    books.close()


async def test_crossed_books_have_the_best_bid_above_the_best_ask(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    books = await book_stream(channel)
    exchange.faults.set_book_faults(crossed=1.0)
    count = len(books.of("orderbook"))
    spoiled = (await books.wait_for("orderbook", count + 3))[count + 1 :]
    assert all(price(book.bids[0].price) > price(book.asks[0].price) for book in spoiled)
    books.close()


async def test_garbage_books_carry_off_tick_prices_and_negative_sizes(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    books = await book_stream(channel)
    exchange.faults.set_book_faults(garbage=1.0)
    count = len(books.of("orderbook"))
    spoiled = (await books.wait_for("orderbook", count + 3))[count + 1 :]
    tick = Decimal("0.01")
    assert all(price(book.bids[0].price) % tick != 0 for book in spoiled)
    assert all(book.asks[0].quantity < 0 for book in spoiled)
    books.close()


# --- unary calls -------------------------------------------------------------------------------


async def test_an_unavailable_burst_fails_the_next_calls_then_service_resumes(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stub = users_pb2_grpc.UsersServiceStub(channel)
    exchange.faults.fail_next_unary(2)
    for _ in range(2):
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await stub.GetInfo(users_pb2.GetInfoRequest(), metadata=AUTH)
        assert failed.value.code() is grpc.StatusCode.UNAVAILABLE
    assert (await stub.GetInfo(users_pb2.GetInfoRequest(), metadata=AUTH)).tariff == "investor"


async def test_injected_resource_exhausted_carries_80002_and_the_reset_time(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    exchange.faults.exhaust_next_unary(1, reset_s=7)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await users_pb2_grpc.UsersServiceStub(channel).GetInfo(users_pb2.GetInfoRequest(), metadata=AUTH)
    trailing = dict(failed.value.trailing_metadata())
    assert failed.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED and failed.value.details() == "80002"
    assert trailing["x-ratelimit-reset"] == "7" and trailing["x-ratelimit-remaining"] == "0"


async def test_slow_acks_delay_the_post_order_response(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    exchange.faults.set_ack_delay(0.3)
    started = time.monotonic()
    await ioc_buy(channel, exchange.account_id, lots=1)
    assert time.monotonic() - started >= 0.3


async def test_a_lost_post_order_response_leaves_the_order_placed_and_findable_by_key(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    key = str(uuid.uuid4())
    exchange.faults.lose_next_post_order_responses(1)
    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await ioc_buy(channel, exchange.account_id, key=key)
    assert lost.value.code() is grpc.StatusCode.UNAVAILABLE
    state = await state_by_key(channel, exchange.account_id, key)
    again = await ioc_buy(channel, exchange.account_id, key=key)
    assert again.order_id == state.order_id and state.lots_executed > 0


async def test_a_lost_response_can_look_like_an_internal_network_error_70002(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    key = str(uuid.uuid4())
    exchange.faults.lose_next_post_order_responses(1, grpc.StatusCode.INTERNAL)
    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await ioc_buy(channel, exchange.account_id, key=key)
    assert lost.value.code() is grpc.StatusCode.INTERNAL and lost.value.details() == "70002"
    assert (await state_by_key(channel, exchange.account_id, key)).order_request_id == key


async def test_a_lost_response_can_run_past_the_callers_deadline(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    key = str(uuid.uuid4())
    exchange.faults.lose_next_post_order_responses(1, grpc.StatusCode.DEADLINE_EXCEEDED)
    with pytest.raises(grpc.aio.AioRpcError) as lost:
        await ioc_buy(channel, exchange.account_id, key=key, deadline_s=0.3)
    assert lost.value.code() is grpc.StatusCode.DEADLINE_EXCEEDED
    assert (await state_by_key(channel, exchange.account_id, key)).order_request_id == key


async def test_a_fault_plan_arms_faults_from_the_start() -> None:
    plan = FaultPlan(unavailable_calls=1, stall_after_s=0.2, stall_for_s=0.5)
    async with (
        LocalExchange(ExchangeConfig(port=0), TOKEN, faults=plan) as ex,
        grpc.aio.insecure_channel(ex.address) as ch,
    ):
        stub = users_pb2_grpc.UsersServiceStub(ch)
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await stub.GetInfo(users_pb2.GetInfoRequest(), metadata=AUTH)
        assert failed.value.code() is grpc.StatusCode.UNAVAILABLE
        await stub.GetInfo(users_pb2.GetInfoRequest(), metadata=AUTH)
        await asyncio.sleep(0.4)
        assert ex.faults.injected["stall"] == 1


def test_a_fault_plan_refuses_ratios_outside_zero_to_one() -> None:
    with pytest.raises(ValueError, match="crossed_book_ratio"):
        FaultPlan(crossed_book_ratio=1.5)
