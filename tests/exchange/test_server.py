"""The local exchange over real gRPC on loopback, spoken to with the raw generated stubs.

Each test starts a LocalExchange on a free port with a fast synthetic market (speed 10) and talks
to it exactly as any Invest API client would: bearer token metadata, the contract's messages.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from decimal import Decimal

import grpc
import pytest

from scalp_system.broker.proto.generated import (
    common_pb2,
    instruments_pb2,
    instruments_pb2_grpc,
    marketdata_pb2,
    marketdata_pb2_grpc,
    operations_pb2,
    operations_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
    sandbox_pb2,
    sandbox_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from scalp_system.config import ExchangeConfig
from scalp_system.exchange.catalogue import stable_uid
from scalp_system.exchange.server import LocalExchange

TOKEN = "t.local-exchange-test-token"
AUTH = (("authorization", f"Bearer {TOKEN}"),)
SBER = stable_uid("SBER")
GAZP = stable_uid("GAZP")
MD = marketdata_pb2
CASH = Decimal(10**11)


@pytest.fixture
async def exchange() -> AsyncIterator[LocalExchange]:
    config = ExchangeConfig(port=0, ping_interval_ms=60_000, orders_per_minute=300)
    async with LocalExchange(config, TOKEN, speed=10.0, account_cash=CASH) as ex:
        yield ex


@pytest.fixture
async def channel(exchange: LocalExchange) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(exchange.address) as ch:
        yield ch


def q(value: common_pb2.Quotation) -> Decimal:
    return Decimal(value.units) + Decimal(value.nano) / Decimal(10**9)


def money(value: common_pb2.MoneyValue) -> Decimal:
    return Decimal(value.units) + Decimal(value.nano) / Decimal(10**9)


async def order_book(
    channel: grpc.aio.Channel, uid: str, depth: int = 20
) -> marketdata_pb2.GetOrderBookResponse:
    stub = marketdata_pb2_grpc.MarketDataServiceStub(channel)
    return await stub.GetOrderBook(MD.GetOrderBookRequest(instrument_id=uid, depth=depth), metadata=AUTH)


def ioc_buy(
    account_id: str, key: str, price: common_pb2.Quotation, lots: int, uid: str = SBER
) -> orders_pb2.PostOrderRequest:
    return orders_pb2.PostOrderRequest(
        quantity=lots,
        price=price,
        direction=orders_pb2.ORDER_DIRECTION_BUY,
        account_id=account_id,
        order_type=orders_pb2.ORDER_TYPE_LIMIT,
        order_id=key,
        instrument_id=uid,
        time_in_force=orders_pb2.TIME_IN_FORCE_FILL_AND_KILL,
    )


def resting_buy(account_id: str, key: str, price: Decimal, lots: int = 1) -> orders_pb2.PostOrderRequest:
    units = int(price)
    nano = int((price - units) * 10**9)
    return orders_pb2.PostOrderRequest(
        quantity=lots,
        price=common_pb2.Quotation(units=units, nano=nano),
        direction=orders_pb2.ORDER_DIRECTION_BUY,
        account_id=account_id,
        order_type=orders_pb2.ORDER_TYPE_LIMIT,
        order_id=key,
        instrument_id=SBER,
        time_in_force=orders_pb2.TIME_IN_FORCE_DAY,
    )


async def next_payload(stream: object, kind: str, within_s: float = 3.0) -> object:
    """The next message of ``kind`` on a stream (skipping others)."""

    async def find() -> object:
        while True:
            message = await stream.read()  # type: ignore[attr-defined]
            assert message is not grpc.aio.EOF, "stream ended"
            if message.WhichOneof("payload") == kind:
                return getattr(message, kind)

    return await asyncio.wait_for(find(), within_s)


# --- auth and metadata ---------------------------------------------------------------------------


async def test_an_authorised_unary_call_carries_tracking_id_and_ratelimit_headers(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    call = users_pb2_grpc.UsersServiceStub(channel).GetAccounts(users_pb2.GetAccountsRequest(), metadata=AUTH)
    response = await call
    headers = dict(await call.initial_metadata())
    assert [a.id for a in response.accounts] == [exchange.account_id]
    assert len(headers["x-tracking-id"]) == 32
    assert headers["x-ratelimit-limit"] == "100, 100;w=60"
    assert headers["x-ratelimit-remaining"] == "99"
    assert 1 <= int(headers["x-ratelimit-reset"]) <= 60


async def test_a_wrong_token_is_refused_with_unauthenticated_40003_and_a_message(
    channel: grpc.aio.Channel,
) -> None:
    stub = users_pb2_grpc.UsersServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetAccounts(users_pb2.GetAccountsRequest(), metadata=(("authorization", "Bearer wrong"),))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "40003"
    assert dict(refused.value.trailing_metadata())["message"] == "authentication token is missing or invalid"


async def test_a_missing_token_is_refused_on_a_stream_too(channel: grpc.aio.Channel) -> None:
    stream = orders_pb2_grpc.OrdersStreamServiceStub(channel).OrderStateStream(
        orders_pb2.OrderStateStreamRequest()
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stream.read()
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert refused.value.details() == "40003"


async def test_the_token_never_appears_in_refusals_or_logs(
    channel: grpc.aio.Channel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    stub = orders_pb2_grpc.OrdersServiceStub(channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetOrderState(
            orders_pb2.GetOrderStateRequest(account_id="nope", order_id="x"), metadata=AUTH
        )
    text = f"{refused.value!r} {refused.value.trailing_metadata()!r} {caplog.text}"
    assert TOKEN not in text


# --- market data stream --------------------------------------------------------------------------


async def test_a_depth_20_subscription_receives_books_with_20_sorted_levels(
    channel: grpc.aio.Channel,
) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    await stream.write(
        MD.MarketDataRequest(
            subscribe_order_book_request=MD.SubscribeOrderBookRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                instruments=[MD.OrderBookInstrument(instrument_id=SBER, depth=20)],
            )
        )
    )
    answer = await next_payload(stream, "subscribe_order_book_response")
    assert answer.order_book_subscriptions[0].subscription_status == MD.SUBSCRIPTION_STATUS_SUCCESS  # type: ignore[attr-defined]
    for _ in range(3):
        book = await next_payload(stream, "orderbook")
        bids = [q(level.price) for level in book.bids]  # type: ignore[attr-defined]
        asks = [q(level.price) for level in book.asks]  # type: ignore[attr-defined]
        assert book.depth == 20 and len(bids) == 20 and len(asks) == 20  # type: ignore[attr-defined]
        assert bids == sorted(bids, reverse=True) and asks == sorted(asks)
        assert bids[0] < asks[0]
        assert book.is_consistent and book.instrument_uid == SBER  # type: ignore[attr-defined]
    stream.cancel()


async def test_the_book_stream_sends_at_most_one_book_per_100_ms_per_subscription(
    channel: grpc.aio.Channel,
) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    await stream.write(
        MD.MarketDataRequest(
            subscribe_order_book_request=MD.SubscribeOrderBookRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                instruments=[MD.OrderBookInstrument(instrument_id=uid, depth=10) for uid in (SBER, GAZP)],
            )
        )
    )
    counts = {SBER: 0, GAZP: 0}
    await next_payload(stream, "orderbook")
    started = time.monotonic()
    window = 1.0
    while time.monotonic() - started < window:
        book = await next_payload(stream, "orderbook")
        counts[book.instrument_uid] += 1  # type: ignore[attr-defined]
    for uid, count in counts.items():
        assert 3 <= count <= window / 0.1 + 1, (uid, count)
    stream.cancel()


async def test_an_invalid_depth_is_refused_in_the_subscription_response(channel: grpc.aio.Channel) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    await stream.write(
        MD.MarketDataRequest(
            subscribe_order_book_request=MD.SubscribeOrderBookRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                instruments=[MD.OrderBookInstrument(instrument_id=SBER, depth=15)],
            )
        )
    )
    answer = await next_payload(stream, "subscribe_order_book_response")
    assert answer.order_book_subscriptions[0].subscription_status == MD.SUBSCRIPTION_STATUS_DEPTH_IS_INVALID  # type: ignore[attr-defined]
    stream.cancel()


async def test_unknown_instruments_and_unsubscribing_what_is_not_subscribed_say_so(
    channel: grpc.aio.Channel,
) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    await stream.write(
        MD.MarketDataRequest(
            subscribe_trades_request=MD.SubscribeTradesRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_SUBSCRIBE,
                instruments=[MD.TradeInstrument(instrument_id="NOPE")],
            )
        )
    )
    answer = await next_payload(stream, "subscribe_trades_response")
    assert answer.trade_subscriptions[0].subscription_status == MD.SUBSCRIPTION_STATUS_INSTRUMENT_NOT_FOUND  # type: ignore[attr-defined]
    await stream.write(
        MD.MarketDataRequest(
            subscribe_trades_request=MD.SubscribeTradesRequest(
                subscription_action=MD.SUBSCRIPTION_ACTION_UNSUBSCRIBE,
                instruments=[MD.TradeInstrument(instrument_id=SBER)],
            )
        )
    )
    answer = await next_payload(stream, "subscribe_trades_response")
    assert answer.trade_subscriptions[0].subscription_status == MD.SUBSCRIPTION_STATUS_SUBSCRIPTION_NOT_FOUND  # type: ignore[attr-defined]
    stream.cancel()


async def test_trades_last_prices_and_trading_status_are_delivered_and_listed_by_get_my_subscriptions(
    channel: grpc.aio.Channel,
) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    subscribe = MD.SUBSCRIPTION_ACTION_SUBSCRIBE
    await stream.write(
        MD.MarketDataRequest(
            subscribe_info_request=MD.SubscribeInfoRequest(
                subscription_action=subscribe, instruments=[MD.InfoInstrument(instrument_id="SBER_TQBR")]
            )
        )
    )
    status = await next_payload(stream, "trading_status")
    assert status.trading_status == common_pb2.SECURITY_TRADING_STATUS_NORMAL_TRADING  # type: ignore[attr-defined]
    await stream.write(
        MD.MarketDataRequest(
            subscribe_trades_request=MD.SubscribeTradesRequest(
                subscription_action=subscribe, instruments=[MD.TradeInstrument(instrument_id=SBER)]
            )
        )
    )
    await stream.write(
        MD.MarketDataRequest(
            subscribe_last_price_request=MD.SubscribeLastPriceRequest(
                subscription_action=subscribe, instruments=[MD.LastPriceInstrument(instrument_id=SBER)]
            )
        )
    )
    trade = await next_payload(stream, "trade")
    last = await next_payload(stream, "last_price")
    assert trade.quantity > 0 and trade.instrument_uid == SBER  # type: ignore[attr-defined]
    assert q(last.price) > 0  # type: ignore[attr-defined]
    await stream.write(MD.MarketDataRequest(get_my_subscriptions=MD.GetMySubscriptions()))
    listed = await next_payload(stream, "subscribe_trades_response")
    assert [s.instrument_uid for s in listed.trade_subscriptions] == [SBER]  # type: ignore[attr-defined]
    stream.cancel()


async def test_a_ping_request_is_answered_with_its_time_and_ping_settings_set_the_interval(
    channel: grpc.aio.Channel,
) -> None:
    stream = marketdata_pb2_grpc.MarketDataStreamServiceStub(channel).MarketDataStream(metadata=AUTH)
    asked = common_pb2.PingRequest()
    asked.time.FromNanoseconds(1_700_000_000_123_000_000)
    await stream.write(MD.MarketDataRequest(ping=asked))
    pong = await next_payload(stream, "ping")
    assert pong.ping_request_time.ToNanoseconds() == 1_700_000_000_123_000_000  # type: ignore[attr-defined]
    await stream.write(MD.MarketDataRequest(ping_settings=common_pb2.PingDelaySettings(ping_delay_ms=200)))
    started = time.monotonic()
    await next_payload(stream, "ping")
    await next_payload(stream, "ping")
    assert time.monotonic() - started < 1.0
    stream.cancel()


# --- orders ----------------------------------------------------------------------------------------


async def test_an_ioc_order_partially_fills_and_the_rest_is_cancelled(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    book = await order_book(channel, SBER, depth=50)
    request = ioc_buy(exchange.account_id, str(uuid.uuid4()), book.asks[3].price, lots=1_000_000)
    response = await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(request, metadata=AUTH)
    assert response.execution_report_status == orders_pb2.EXECUTION_REPORT_STATUS_CANCELLED
    assert 0 < response.lots_executed < response.lots_requested == 1_000_000
    assert response.order_request_id == request.order_id
    assert money(response.executed_order_price) <= q(book.asks[3].price) + Decimal("0.5")
    assert exchange.core.open_orders(exchange.account_id) == []


async def test_reposting_the_same_order_id_returns_the_same_order_and_places_no_second_one(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stub = orders_pb2_grpc.OrdersServiceStub(channel)
    book = await order_book(channel, SBER)
    request = resting_buy(exchange.account_id, str(uuid.uuid4()), q(book.bids[10].price))
    first = await stub.PostOrder(request, metadata=AUTH)
    second = await stub.PostOrder(request, metadata=AUTH)
    assert second.order_id == first.order_id
    listed = await stub.GetOrders(orders_pb2.GetOrdersRequest(account_id=exchange.account_id), metadata=AUTH)
    assert [o.order_id for o in listed.orders] == [first.order_id]


async def test_get_order_state_finds_an_order_by_the_clients_request_key(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stub = orders_pb2_grpc.OrdersServiceStub(channel)
    book = await order_book(channel, SBER)
    key = str(uuid.uuid4())
    posted = await stub.PostOrder(
        resting_buy(exchange.account_id, key, q(book.bids[10].price), lots=3), metadata=AUTH
    )
    state = await stub.GetOrderState(
        orders_pb2.GetOrderStateRequest(
            account_id=exchange.account_id, order_id=key, order_id_type=orders_pb2.ORDER_ID_TYPE_REQUEST
        ),
        metadata=AUTH,
    )
    assert state.order_id == posted.order_id and state.order_request_id == key and state.lots_requested == 3
    by_id = await stub.GetOrderState(
        orders_pb2.GetOrderStateRequest(account_id=exchange.account_id, order_id=posted.order_id),
        metadata=AUTH,
    )
    assert by_id.order_request_id == key


async def test_an_unknown_order_is_not_found_with_50005(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await orders_pb2_grpc.OrdersServiceStub(channel).GetOrderState(
            orders_pb2.GetOrderStateRequest(
                account_id=exchange.account_id,
                order_id=str(uuid.uuid4()),
                order_id_type=orders_pb2.ORDER_ID_TYPE_REQUEST,
            ),
            metadata=AUTH,
        )
    assert refused.value.code() is grpc.StatusCode.NOT_FOUND and refused.value.details() == "50005"


async def test_cancel_by_request_key_ends_a_resting_order(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stub = orders_pb2_grpc.OrdersServiceStub(channel)
    book = await order_book(channel, SBER)
    key = str(uuid.uuid4())
    await stub.PostOrder(resting_buy(exchange.account_id, key, q(book.bids[15].price)), metadata=AUTH)
    answer = await stub.CancelOrder(
        orders_pb2.CancelOrderRequest(
            account_id=exchange.account_id, order_id=key, order_id_type=orders_pb2.ORDER_ID_TYPE_REQUEST
        ),
        metadata=AUTH,
    )
    assert answer.time.seconds > 0 and answer.response_metadata.tracking_id
    state = await stub.GetOrderState(
        orders_pb2.GetOrderStateRequest(
            account_id=exchange.account_id, order_id=key, order_id_type=orders_pb2.ORDER_ID_TYPE_REQUEST
        ),
        metadata=AUTH,
    )
    assert state.execution_report_status == orders_pb2.EXECUTION_REPORT_STATUS_CANCELLED


async def test_an_off_tick_price_is_refused_with_invalid_argument_30078(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    request = resting_buy(exchange.account_id, str(uuid.uuid4()), Decimal("300.005"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(request, metadata=AUTH)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT and refused.value.details() == "30078"
    assert "min_price_increment" in dict(refused.value.trailing_metadata())["message"]


async def test_post_orders_beyond_the_per_minute_limit_get_80002_with_ratelimit_metadata() -> None:
    config = ExchangeConfig(port=0, orders_per_minute=3)
    async with LocalExchange(config, TOKEN, speed=10.0) as ex, grpc.aio.insecure_channel(ex.address) as ch:
        stub = orders_pb2_grpc.OrdersServiceStub(ch)
        book = await order_book(ch, SBER)
        price = q(book.bids[10].price)
        for _ in range(3):
            await stub.PostOrder(resting_buy(ex.account_id, str(uuid.uuid4()), price), metadata=AUTH)
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.PostOrder(resting_buy(ex.account_id, str(uuid.uuid4()), price), metadata=AUTH)
    trailing = dict(refused.value.trailing_metadata())
    assert refused.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED and refused.value.details() == "80002"
    assert trailing["x-ratelimit-remaining"] == "0"
    assert trailing["x-ratelimit-limit"] == "3, 3;w=60"
    assert 1 <= int(trailing["x-ratelimit-reset"]) <= 60


async def test_the_order_state_stream_reports_each_state_with_the_request_key(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stream = orders_pb2_grpc.OrdersStreamServiceStub(channel).OrderStateStream(
        orders_pb2.OrderStateStreamRequest(accounts=[exchange.account_id]), metadata=AUTH
    )
    subscription = await next_payload(stream, "subscription")
    assert subscription.status == common_pb2.RESULT_SUBSCRIPTION_STATUS_OK  # type: ignore[attr-defined]
    book = await order_book(channel, SBER, depth=10)
    key = str(uuid.uuid4())
    await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(
        ioc_buy(exchange.account_id, key, book.asks[2].price, lots=100_000), metadata=AUTH
    )
    states = []
    while not states or states[-1].execution_report_status != orders_pb2.EXECUTION_REPORT_STATUS_CANCELLED:
        states.append(await next_payload(stream, "order_state"))
    assert states[0].execution_report_status == orders_pb2.EXECUTION_REPORT_STATUS_NEW
    assert {s.order_request_id for s in states} == {key}
    assert sum(len(s.trades) for s in states) >= 1
    assert states[-1].lots_executed == sum(t.quantity for s in states for t in s.trades) // 10  # SBER lot 10
    assert states[-1].lots_cancelled == 100_000 - states[-1].lots_executed
    stream.cancel()


async def test_the_trades_stream_delivers_fills_with_quantities_in_units(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    stream = orders_pb2_grpc.OrdersStreamServiceStub(channel).TradesStream(
        orders_pb2.TradesStreamRequest(accounts=[exchange.account_id]), metadata=AUTH
    )
    await next_payload(stream, "subscription")
    book = await order_book(channel, SBER, depth=10)
    response = await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(
        ioc_buy(exchange.account_id, str(uuid.uuid4()), book.asks[5].price, lots=1), metadata=AUTH
    )
    assert response.lots_executed == 1
    fill = await next_payload(stream, "order_trades")
    assert fill.order_id == response.order_id and fill.account_id == exchange.account_id  # type: ignore[attr-defined]
    assert fill.trades[0].quantity == 10 and fill.trades[0].trade_id  # type: ignore[attr-defined]
    stream.cancel()


# --- accounts, instruments, users ----------------------------------------------------------------


async def test_portfolio_and_positions_reflect_a_fill(
    channel: grpc.aio.Channel, exchange: LocalExchange
) -> None:
    book = await order_book(channel, SBER, depth=50)
    response = await orders_pb2_grpc.OrdersServiceStub(channel).PostOrder(
        ioc_buy(exchange.account_id, str(uuid.uuid4()), book.asks[3].price, lots=5), metadata=AUTH
    )
    operations = operations_pb2_grpc.OperationsServiceStub(channel)
    positions = await operations.GetPositions(
        operations_pb2.PositionsRequest(account_id=exchange.account_id), metadata=AUTH
    )
    portfolio = await operations.GetPortfolio(
        operations_pb2.PortfolioRequest(account_id=exchange.account_id), metadata=AUTH
    )
    assert positions.securities[0].balance == response.lots_executed * 10
    spent = money(response.total_order_amount)
    assert money(positions.money[0]) == CASH - spent
    assert q(portfolio.positions[0].quantity) == response.lots_executed * 10
    assert money(portfolio.total_amount_portfolio) > 0


async def test_sandbox_accounts_open_get_paid_in_and_close(channel: grpc.aio.Channel) -> None:
    sandbox = sandbox_pb2_grpc.SandboxServiceStub(channel)
    opened = await sandbox.OpenSandboxAccount(
        sandbox_pb2.OpenSandboxAccountRequest(name="bot"), metadata=AUTH
    )
    paid = await sandbox.SandboxPayIn(
        sandbox_pb2.SandboxPayInRequest(
            account_id=opened.account_id, amount=common_pb2.MoneyValue(currency="rub", units=5000)
        ),
        metadata=AUTH,
    )
    assert money(paid.balance) == 5000
    listed = await sandbox.GetSandboxAccounts(users_pb2.GetAccountsRequest(), metadata=AUTH)
    assert opened.account_id in [a.id for a in listed.accounts]
    await sandbox.CloseSandboxAccount(
        sandbox_pb2.CloseSandboxAccountRequest(account_id=opened.account_id), metadata=AUTH
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await sandbox.GetSandboxPositions(
            operations_pb2.PositionsRequest(account_id=opened.account_id), metadata=AUTH
        )
    assert refused.value.details() == "50004"


async def test_instruments_are_found_by_ticker_and_class_code_figi_and_uid(channel: grpc.aio.Channel) -> None:
    stub = instruments_pb2_grpc.InstrumentsServiceStub(channel)
    share = await stub.ShareBy(
        instruments_pb2.InstrumentRequest(
            id_type=instruments_pb2.INSTRUMENT_ID_TYPE_TICKER, class_code="TQBR", id="LKOH"
        ),
        metadata=AUTH,
    )
    assert share.instrument.lot == 1 and q(share.instrument.min_price_increment) == Decimal("0.5")
    by_uid = await stub.GetInstrumentBy(
        instruments_pb2.InstrumentRequest(id_type=instruments_pb2.INSTRUMENT_ID_TYPE_UID, id=SBER),
        metadata=AUTH,
    )
    assert by_uid.instrument.ticker == "SBER" and by_uid.instrument.lot == 10
    futures = await stub.Futures(instruments_pb2.InstrumentsRequest(), metadata=AUTH)
    assert [f.ticker for f in futures.instruments] == ["IMOEXF"]
    schedule = await stub.TradingSchedules(
        instruments_pb2.TradingSchedulesRequest(exchange="MOEX"), metadata=AUTH
    )
    assert schedule.exchanges[0].days[0].is_trading_day


async def test_the_tariff_lists_the_limits_the_server_enforces(channel: grpc.aio.Channel) -> None:
    tariff = await users_pb2_grpc.UsersServiceStub(channel).GetUserTariff(
        users_pb2.GetUserTariffRequest(), metadata=AUTH
    )
    limits = {m: u.limit_per_minute for u in tariff.unary_limits for m in u.methods}
    assert limits["tinkoff.public.invest.api.contract.v1.OrdersService/PostOrder"] == 300
    assert limits["tinkoff.public.invest.api.contract.v1.MarketDataService/GetOrderBook"] == 600
    streams = {s: limit.limit for limit in tariff.stream_limits for s in limit.streams}
    assert streams["tinkoff.public.invest.api.contract.v1.MarketDataStreamService/MarketDataStream"] == 16


async def test_candles_and_last_trades_come_from_the_trade_tape(channel: grpc.aio.Channel) -> None:
    await asyncio.sleep(0.3)
    stub = marketdata_pb2_grpc.MarketDataServiceStub(channel)
    trades = await stub.GetLastTrades(MD.GetLastTradesRequest(instrument_id=SBER), metadata=AUTH)
    assert trades.trades
    start = trades.trades[0].time
    request = MD.GetCandlesRequest(instrument_id=SBER, interval=MD.CANDLE_INTERVAL_5_SEC, **{"from": start})
    candles = await stub.GetCandles(request, metadata=AUTH)
    assert sum(c.volume for c in candles.candles) >= sum(t.quantity for t in trades.trades)
    prices = await stub.GetLastPrices(MD.GetLastPricesRequest(instrument_id=[SBER]), metadata=AUTH)
    assert prices.last_prices[0].instrument_uid == SBER and q(prices.last_prices[0].price) > 0
