"""Wire ⇄ core conversions: exact round trips, and malformed broker data named precisely."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalp_system.broker import convert
from scalp_system.broker.convert import BrokerDataError
from scalp_system.broker.proto.generated import common_pb2, instruments_pb2, marketdata_pb2, orders_pb2
from scalp_system.core.events import SubmitOrder
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import Aggressor, LastPrice, OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce

SBER = Instrument(
    uid="uid-sber",
    ticker="SBER",
    figi="BBG004730N88",
    class_code="TQBR",
    lot=Decimal(10),
    tick=Decimal("0.01"),
)
LKOH = Instrument(
    uid="uid-lkoh", ticker="LKOH", figi="BBG004731032", class_code="TQBR", lot=Decimal(1), tick=Decimal("0.5")
)
T0 = 1_754_640_000_123_456_789

decimals9 = st.decimals(
    min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=9, allow_nan=False, allow_infinity=False
)


@given(decimals9)
def test_quotation_round_trip_is_exact(value: Decimal) -> None:
    msg = convert.quotation_msg(value)
    assert convert.decimal_from_quotation(msg) == value
    assert (msg.units >= 0 and msg.nano >= 0) or (msg.units <= 0 and msg.nano <= 0)


@given(decimals9, st.sampled_from(["rub", "usd"]))
def test_money_round_trip_is_exact(value: Decimal, currency: str) -> None:
    money = convert.money_from_msg(convert.money_msg(value, currency))
    assert money.to_decimal() == value
    assert money.currency == currency


@given(st.integers(min_value=0, max_value=4_102_444_800 * 10**9))
def test_timestamp_round_trip_is_exact(ts_ns: int) -> None:
    assert convert.timestamp_ns(convert.timestamp_msg(ts_ns)) == ts_ns


@given(st.integers(min_value=-(10**9), max_value=10**9), st.sampled_from([SBER, LKOH]))
def test_ticks_round_trip_through_the_wire(ticks: int, instrument: Instrument) -> None:
    assert convert.ticks_from_quotation(convert.ticks_msg(ticks, instrument), instrument) == ticks


def test_negative_price_below_one_keeps_the_sign_in_nano() -> None:
    msg = convert.quotation_msg(Decimal("-0.01"))
    assert (msg.units, msg.nano) == (0, -10_000_000)


def test_bad_nano_names_the_field() -> None:
    with pytest.raises(BrokerDataError, match=r"bids\[0\]\.price"):
        convert.order_book_from_msg(
            marketdata_pb2.OrderBook(
                bids=[
                    marketdata_pb2.Order(price=common_pb2.Quotation(units=1, nano=2_000_000_000), quantity=1)
                ]
            ),
            SBER,
            T0,
        )


def test_mixed_sign_quotation_is_rejected() -> None:
    with pytest.raises(BrokerDataError, match="differ in sign"):
        convert.quotation_from_msg(common_pb2.Quotation(units=1, nano=-5), "price")


def test_off_tick_price_names_field_and_value() -> None:
    book = marketdata_pb2.OrderBook(
        asks=[marketdata_pb2.Order(price=convert.quotation_msg(Decimal("100.005")), quantity=3)]
    )
    with pytest.raises(BrokerDataError) as info:
        convert.order_book_from_msg(book, SBER, T0)
    assert info.value.field == "asks[0].price"
    assert "100.005" in str(info.value)


def test_negative_size_is_rejected() -> None:
    book = marketdata_pb2.OrderBook(
        bids=[marketdata_pb2.Order(price=convert.quotation_msg(Decimal(100)), quantity=-1)]
    )
    with pytest.raises(BrokerDataError, match="negative quantity"):
        convert.order_book_from_msg(book, SBER, T0)


def test_order_book_round_trip_keeps_levels_limits_and_flags() -> None:
    book = OrderBook.build(
        SBER.uid,
        [(10000, 5), (9999, 7)],
        [(10001, 2), (10002, 9)],
        T0,
        T0 + 5,
        depth=20,
        is_consistent=False,
        limit_up_ticks=11000,
        limit_down_ticks=9000,
    )
    back = convert.order_book_from_msg(convert.order_book_msg(book, SBER), SBER, T0 + 5)
    assert back.bid_px.tolist() == [10000, 9999] and back.bid_qty.tolist() == [5, 7]
    assert back.ask_px.tolist() == [10001, 10002] and back.ask_qty.tolist() == [2, 9]
    assert (back.depth, back.is_consistent, back.exchange_ts_ns, back.local_ts_ns) == (20, False, T0, T0 + 5)
    assert (back.limit_up_ticks, back.limit_down_ticks) == (11000, 9000)


def test_unary_order_book_reads_fields_three_and_four() -> None:
    book = OrderBook.build(LKOH.uid, [(14000, 1)], [(14001, 2)], T0, depth=10)
    back = convert.order_book_from_response(convert.order_book_response_msg(book, LKOH), LKOH, T0)
    assert (back.best_bid, back.best_ask, back.exchange_ts_ns) == (14000, 14001, T0)


def test_trade_round_trip() -> None:
    trade = Trade(SBER.uid, 27512, 4, Aggressor.SELL, T0, T0)
    assert convert.trade_from_msg(convert.trade_msg(trade, SBER), SBER, T0) == trade


def test_trade_with_unknown_direction_is_rejected() -> None:
    msg = convert.trade_msg(Trade(SBER.uid, 1, 1, Aggressor.BUY, T0, T0), SBER)
    msg.direction = 9  # type: ignore[assignment]
    with pytest.raises(BrokerDataError, match=r"trade\.direction"):
        convert.trade_from_msg(msg, SBER, T0)


def test_last_price_and_status_round_trip() -> None:
    last = LastPrice(SBER.uid, 27500, T0)
    assert convert.last_price_from_msg(convert.last_price_msg(last, SBER), SBER) == last
    status = TradingStatusChanged(SBER.uid, 5, True, False, T0)
    assert convert.trading_status_from_msg(convert.trading_status_msg(status, SBER), SBER) == status


def test_share_becomes_an_instrument_with_lot_and_tick() -> None:
    back = convert.instrument_from_share(convert.share_msg(SBER))
    assert (back.uid, back.figi, back.ticker, back.class_code, back.lot, back.tick) == (
        SBER.uid,
        SBER.figi,
        "SBER",
        "TQBR",
        Decimal(10),
        Decimal("0.01"),
    )


def test_future_carries_its_tick_value() -> None:
    fut = Instrument(
        uid="uid-mix",
        ticker="MXZ5",
        class_code="SPBFUT",
        kind=InstrumentKind.FUTURES,
        tick=Decimal("0.25"),
        tick_value=Decimal("2.5"),
    )
    back = convert.instrument_from_future(convert.future_msg(fut))
    assert back.kind is InstrumentKind.FUTURES and back.tick_value == Decimal("2.5")


def test_share_without_tick_is_rejected() -> None:
    with pytest.raises(BrokerDataError, match="min_price_increment"):
        convert.instrument_from_share(instruments_pb2.Share(uid="x", ticker="X", lot=1))


def test_post_order_request_uses_the_intent_key_as_order_id() -> None:
    command = SubmitOrder("1b4e28ba-2fa1-11d2-883f-0016d3cca427", SBER.uid, Side.BUY, 3, 27512)
    request = convert.post_order_request("acc", command, SBER)
    assert request.order_id == command.intent_key
    assert request.HasField("price") and convert.decimal_from_quotation(request.price) == Decimal("275.12")
    assert request.time_in_force == orders_pb2.TIME_IN_FORCE_FILL_AND_KILL
    assert request.order_type == orders_pb2.ORDER_TYPE_LIMIT and request.quantity == 3


def test_market_order_request_has_no_price() -> None:
    command = SubmitOrder("k", SBER.uid, Side.SELL, 1, None)
    request = convert.post_order_request("acc", command, SBER)
    assert not request.HasField("price") and request.order_type == orders_pb2.ORDER_TYPE_MARKET


def _order(**changes: object) -> Order:
    base = Order(
        intent_key="key-1",
        instrument_id=SBER.uid,
        side=Side.BUY,
        lots_requested=5,
        limit_price_ticks=27512,
        order_type=OrderType.LIMIT,
        time_in_force=TimeInForce.FILL_AND_KILL,
        status=OrderStatus.CANCELLED,
        order_id="ex-1",
        lots_executed=2,
        executed_value=Decimal("5502.40"),
        commission=Decimal("2.75"),
        created_ts_ns=T0,
        updated_ts_ns=T0,
    )
    return base.with_changes(**changes)


def test_order_state_round_trip() -> None:
    order = _order()
    back = convert.order_from_state(convert.order_state_msg(order, SBER), SBER, TimeInForce.FILL_AND_KILL)
    assert back == order


def test_post_order_response_round_trip_carries_response_metadata() -> None:
    order = _order(status=OrderStatus.FILL, lots_executed=5, executed_value=Decimal("13756.00"))
    msg = convert.post_order_response_msg(order, SBER, "trk-1", T0)
    assert msg.response_metadata.tracking_id == "trk-1"
    command = SubmitOrder("key-1", SBER.uid, Side.BUY, 5, 27512)
    back = convert.order_from_post_response(msg, SBER, command, T0)
    assert back == order


def test_stream_order_state_round_trip_with_trades_in_units() -> None:
    order = _order(status=OrderStatus.PARTIALLYFILL, lots_executed=2, executed_value=Decimal("5502.40"))
    fill = Fill("t-1", "ex-1", "key-1", SBER.uid, Side.BUY, 2, Decimal("275.12"), T0)
    msg = convert.stream_order_state_msg(order, SBER, "acc", [fill])
    assert msg.trades[0].quantity == 20  # 2 lots × 10 shares
    back = convert.order_from_stream_state(msg, SBER)
    assert (back.lots_executed, back.executed_value, back.status) == (
        2,
        Decimal("5502.40"),
        OrderStatus.PARTIALLYFILL,
    )


def test_fills_round_trip_converting_units_to_lots() -> None:
    fills = [
        Fill("t-1", "ex-1", "", SBER.uid, Side.SELL, 3, Decimal("275.10"), T0),
        Fill("t-2", "ex-1", "", SBER.uid, Side.SELL, 1, Decimal("275.09"), T0 + 1),
    ]
    assert convert.fills_from_order_trades(convert.order_trades_msg(fills, SBER, "acc"), SBER) == fills


def test_fill_quantity_that_is_not_whole_lots_is_rejected() -> None:
    msg = orders_pb2.OrderTrades(
        order_id="x",
        direction=orders_pb2.ORDER_DIRECTION_BUY,
        trades=[orders_pb2.OrderTrade(price=convert.quotation_msg(Decimal(1)), quantity=15, trade_id="t")],
    )
    with pytest.raises(BrokerDataError, match="whole number of lots"):
        convert.fills_from_order_trades(msg, SBER)
