"""Wire ⇄ core conversions for the Invest API v2 subset, in both directions.

Broker → core functions (``*_from_msg``) validate what they read: an off-tick price, a negative size,
a bad nano or an unknown enum raises ``BrokerDataError`` naming the field and the value, so a stream
loop can drop the one bad message and carry on. Core → wire functions (``*_msg``) build protobuf
messages from core values; the local exchange uses them too, so both ends agree on the unit
conventions of the real contract: book and order quantities are lots; ``OrderTrade.quantity`` (the
trades stream) is in instrument units; order prices ``initial_security_price``/``executed_order_price``
are per one instrument while ``initial_order_price`` is the total of the requested lots.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from scalp_system.broker.proto.generated import (
    common_pb2,
    instruments_pb2,
    marketdata_pb2,
    orders_pb2,
)
from scalp_system.core.events import SubmitOrder
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import Aggressor, LastPrice, OrderBook, Trade, TradingStatusChanged
from scalp_system.core.money import NANO, MoneyError, MoneyValue, Quotation
from scalp_system.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce

_MAX_INT64 = 2**63 - 1


class BrokerDataError(ValueError):
    """A broker message that cannot be turned into a core value; names the field and the value."""

    def __init__(self, field: str, value: object, problem: str) -> None:
        super().__init__(f"broker field {field}={value!r}: {problem}")
        self.field = field
        self.value = value
        self.problem = problem


# --- numbers and time --------------------------------------------------------------------------


def quotation_from_msg(msg: common_pb2.Quotation, field: str = "quotation") -> Quotation:
    """Wire Quotation → core Quotation (validates |nano| < 1e9 and matching signs)."""
    try:
        return Quotation(units=int(msg.units), nano=int(msg.nano))
    except MoneyError as exc:
        raise BrokerDataError(field, f"{msg.units}/{msg.nano}", str(exc)) from exc


def decimal_from_quotation(msg: common_pb2.Quotation, field: str = "quotation") -> Decimal:
    """Wire Quotation → exact Decimal."""
    return quotation_from_msg(msg, field).to_decimal()


def money_from_msg(msg: common_pb2.MoneyValue, field: str = "money") -> MoneyValue:
    """Wire MoneyValue → core MoneyValue (currency lower-cased)."""
    try:
        return MoneyValue(currency=msg.currency.lower(), units=int(msg.units), nano=int(msg.nano))
    except MoneyError as exc:
        raise BrokerDataError(field, f"{msg.units}/{msg.nano}", str(exc)) from exc


def decimal_from_money(msg: common_pb2.MoneyValue, field: str = "money") -> Decimal:
    """Wire MoneyValue → exact Decimal amount (currency dropped)."""
    return money_from_msg(msg, field).to_decimal()


def quotation_msg(value: Decimal | int | str | Quotation) -> common_pb2.Quotation:
    """Decimal (or core Quotation) → wire Quotation; raises MoneyError beyond 9 decimals."""
    quotation = value if isinstance(value, Quotation) else Quotation.from_decimal(value)
    return common_pb2.Quotation(units=quotation.units, nano=quotation.nano)


def money_msg(value: Decimal | int | str, currency: str) -> common_pb2.MoneyValue:
    """Decimal amount + currency → wire MoneyValue."""
    money = MoneyValue.from_decimal(value, currency)
    return common_pb2.MoneyValue(currency=money.currency, units=money.units, nano=money.nano)


def ticks_from_quotation(msg: common_pb2.Quotation, instrument: Instrument, field: str = "price") -> int:
    """Wire price → integer ticks of ``instrument``; an off-tick price is a BrokerDataError."""
    price = decimal_from_quotation(msg, field)
    try:
        return _int64_ticks(instrument.to_ticks(price), price, field)
    except MoneyError as exc:
        raise BrokerDataError(field, str(price), f"not a multiple of tick {instrument.tick}") from exc


def _int64_ticks(ticks: int, price: Decimal, field: str) -> int:
    """Ticks that fit the int64 arrays everything downstream keeps them in."""
    if not -_MAX_INT64 - 1 <= ticks <= _MAX_INT64:
        raise BrokerDataError(field, str(price), "price out of range (ticks overflow int64)")
    return ticks


def ticks_from_money(msg: common_pb2.MoneyValue, instrument: Instrument, field: str = "price") -> int:
    """Wire MoneyValue price → integer ticks of ``instrument`` (off-tick raises)."""
    price = decimal_from_money(msg, field)
    try:
        return _int64_ticks(instrument.to_ticks(price), price, field)
    except MoneyError as exc:
        raise BrokerDataError(field, str(price), f"not a multiple of tick {instrument.tick}") from exc


def ticks_msg(ticks: int, instrument: Instrument) -> common_pb2.Quotation:
    """Integer ticks → wire Quotation price."""
    return quotation_msg(instrument.to_price(ticks))


def timestamp_msg(ts_ns: int) -> Timestamp:
    """UTC ns → wire Timestamp."""
    seconds, nanos = divmod(int(ts_ns), NANO)
    return Timestamp(seconds=seconds, nanos=nanos)


def timestamp_ns(msg: Timestamp, field: str = "time") -> int:
    """Wire Timestamp → UTC ns (validates the nanos range)."""
    if not 0 <= msg.nanos < NANO:
        raise BrokerDataError(field, msg.nanos, "timestamp nanos out of range")
    ts_ns = int(msg.seconds) * NANO + int(msg.nanos)
    if not -_MAX_INT64 - 1 <= ts_ns <= _MAX_INT64:
        raise BrokerDataError(field, msg.seconds, "timestamp seconds out of range (ns overflow int64)")
    return ts_ns


def _lots(value: int, field: str) -> int:
    if value < 0:
        raise BrokerDataError(field, value, "negative quantity")
    if value > _MAX_INT64:
        raise BrokerDataError(field, value, "quantity overflows int64")
    return int(value)


def _enum(
    value: int, allowed: type[Side] | type[Aggressor] | type[OrderType] | type[TimeInForce], field: str
) -> int:
    try:
        return int(allowed(value))
    except ValueError as exc:
        raise BrokerDataError(field, value, f"not a valid {allowed.__name__}") from exc


# --- instruments -------------------------------------------------------------------------------


def _tick(msg: common_pb2.Quotation, field: str, ticker: str) -> Decimal:
    tick = decimal_from_quotation(msg, field)
    if tick <= 0:
        raise BrokerDataError(field, str(tick), f"instrument {ticker} needs a positive tick")
    return tick


def _lot(value: int, ticker: str) -> Decimal:
    if value <= 0:
        raise BrokerDataError("lot", value, f"instrument {ticker} needs a positive lot")
    return Decimal(value)


def instrument_from_share(msg: instruments_pb2.Share) -> Instrument:
    """Share → core Instrument (uid, figi, ticker, class code, lot, tick, flags)."""
    return Instrument(
        uid=msg.uid or msg.figi,
        ticker=msg.ticker,
        figi=msg.figi,
        class_code=msg.class_code,
        lot=_lot(msg.lot, msg.ticker),
        tick=_tick(msg.min_price_increment, "min_price_increment", msg.ticker),
        currency=msg.currency.lower() or "rub",
        kind=InstrumentKind.SHARE,
        name=msg.name,
        api_trade_available=msg.api_trade_available_flag,
        buy_available=msg.buy_available_flag,
        sell_available=msg.sell_available_flag,
        short_enabled=msg.short_enabled_flag,
        extra={"exchange": msg.exchange, "trading_status": str(int(msg.trading_status))},
    )


def instrument_from_future(msg: instruments_pb2.Future) -> Instrument:
    """Future → core Instrument; ``tick_value`` is min_price_increment_amount (money per tick)."""
    amount = decimal_from_quotation(msg.min_price_increment_amount, "min_price_increment_amount")
    return Instrument(
        uid=msg.uid or msg.figi,
        ticker=msg.ticker,
        figi=msg.figi,
        class_code=msg.class_code,
        lot=_lot(msg.lot, msg.ticker),
        tick=_tick(msg.min_price_increment, "min_price_increment", msg.ticker),
        currency=msg.currency.lower() or "rub",
        kind=InstrumentKind.FUTURES,
        name=msg.name,
        api_trade_available=msg.api_trade_available_flag,
        buy_available=msg.buy_available_flag,
        sell_available=msg.sell_available_flag,
        short_enabled=msg.short_enabled_flag,
        tick_value=amount if amount > 0 else None,
        extra={"exchange": msg.exchange, "basic_asset": msg.basic_asset},
    )


def instrument_from_generic(msg: instruments_pb2.Instrument) -> Instrument:
    """GetInstrumentBy's Instrument → core Instrument (kind from instrument_kind)."""
    kind = {
        common_pb2.INSTRUMENT_TYPE_SHARE: InstrumentKind.SHARE,
        common_pb2.INSTRUMENT_TYPE_FUTURES: InstrumentKind.FUTURES,
    }.get(msg.instrument_kind, InstrumentKind.OTHER)
    return Instrument(
        uid=msg.uid or msg.figi,
        ticker=msg.ticker,
        figi=msg.figi,
        class_code=msg.class_code,
        lot=_lot(msg.lot, msg.ticker),
        tick=_tick(msg.min_price_increment, "min_price_increment", msg.ticker),
        currency=msg.currency.lower() or "rub",
        kind=kind,
        name=msg.name,
        api_trade_available=msg.api_trade_available_flag,
        buy_available=msg.buy_available_flag,
        sell_available=msg.sell_available_flag,
        short_enabled=msg.short_enabled_flag,
        extra={"exchange": msg.exchange, "trading_status": str(int(msg.trading_status))},
    )


def _whole_lot(instrument: Instrument) -> int:
    if instrument.lot != instrument.lot.to_integral_value():
        raise BrokerDataError("lot", str(instrument.lot), "the broker contract needs a whole-number lot")
    return int(instrument.lot)


def _instrument_fields(instrument: Instrument, trading_status: int, exchange: str) -> dict[str, Any]:
    """The fields Share and Future messages have in common (same names and numbers in both)."""
    return {
        "figi": instrument.figi,
        "ticker": instrument.ticker,
        "class_code": instrument.class_code,
        "lot": _whole_lot(instrument),
        "currency": instrument.currency,
        "short_enabled_flag": instrument.short_enabled,
        "name": instrument.name,
        "exchange": instrument.extra.get("exchange", exchange),
        "trading_status": trading_status,
        "buy_available_flag": instrument.buy_available,
        "sell_available_flag": instrument.sell_available,
        "min_price_increment": quotation_msg(instrument.tick),
        "api_trade_available_flag": instrument.api_trade_available,
        "uid": instrument.uid,
    }


def share_msg(
    instrument: Instrument, trading_status: int = common_pb2.SECURITY_TRADING_STATUS_NORMAL_TRADING
) -> instruments_pb2.Share:
    """Core Instrument → wire Share (for servers speaking the contract, e.g. the local exchange)."""
    return instruments_pb2.Share(
        **_instrument_fields(instrument, trading_status, "MOEX"), real_exchange=common_pb2.REAL_EXCHANGE_MOEX
    )


def future_msg(
    instrument: Instrument, trading_status: int = common_pb2.SECURITY_TRADING_STATUS_NORMAL_TRADING
) -> instruments_pb2.Future:
    """Core Instrument (futures) → wire Future."""
    tick_value = instrument.tick_value if instrument.tick_value is not None else instrument.tick
    return instruments_pb2.Future(
        **_instrument_fields(instrument, trading_status, "FORTS"),
        basic_asset=instrument.extra.get("basic_asset", ""),
        real_exchange=common_pb2.REAL_EXCHANGE_RTS,
        min_price_increment_amount=quotation_msg(tick_value),
    )


def generic_instrument_msg(instrument: Instrument) -> instruments_pb2.Instrument:
    """Core Instrument → wire Instrument (GetInstrumentBy's response type)."""
    kind = (
        common_pb2.INSTRUMENT_TYPE_FUTURES
        if instrument.kind is InstrumentKind.FUTURES
        else common_pb2.INSTRUMENT_TYPE_SHARE
    )
    return instruments_pb2.Instrument(
        figi=instrument.figi,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        lot=_whole_lot(instrument),
        currency=instrument.currency,
        short_enabled_flag=instrument.short_enabled,
        name=instrument.name,
        instrument_type="futures" if instrument.kind is InstrumentKind.FUTURES else "share",
        trading_status=common_pb2.SECURITY_TRADING_STATUS_NORMAL_TRADING,
        buy_available_flag=instrument.buy_available,
        sell_available_flag=instrument.sell_available,
        min_price_increment=quotation_msg(instrument.tick),
        api_trade_available_flag=instrument.api_trade_available,
        uid=instrument.uid,
        instrument_kind=kind,
    )


# --- market data -------------------------------------------------------------------------------


def _levels(
    orders: Sequence[marketdata_pb2.Order], instrument: Instrument, side: str
) -> list[tuple[int, int]]:
    levels = []
    for i, level in enumerate(orders):
        price = ticks_from_quotation(level.price, instrument, f"{side}[{i}].price")
        levels.append((price, _lots(level.quantity, f"{side}[{i}].quantity")))
    return levels


def _optional_ticks(
    msg: common_pb2.Quotation, present: bool, instrument: Instrument, field: str
) -> int | None:
    if not present or (msg.units == 0 and msg.nano == 0):
        return None
    return ticks_from_quotation(msg, instrument, field)


def order_book_from_msg(msg: marketdata_pb2.OrderBook, instrument: Instrument, local_ts_ns: int) -> OrderBook:
    """Stream OrderBook → core OrderBook (prices in ticks, sizes in lots, best level first)."""
    return OrderBook.build(
        instrument.uid,
        _levels(msg.bids, instrument, "bids"),
        _levels(msg.asks, instrument, "asks"),
        timestamp_ns(msg.time),
        local_ts_ns,
        depth=msg.depth,
        is_consistent=msg.is_consistent,
        limit_up_ticks=_optional_ticks(msg.limit_up, msg.HasField("limit_up"), instrument, "limit_up"),
        limit_down_ticks=_optional_ticks(
            msg.limit_down, msg.HasField("limit_down"), instrument, "limit_down"
        ),
    )


def order_book_from_response(
    msg: marketdata_pb2.GetOrderBookResponse, instrument: Instrument, local_ts_ns: int
) -> OrderBook:
    """Unary GetOrderBookResponse → core OrderBook (its bids/asks are fields 3/4, not 4/5)."""
    return OrderBook.build(
        instrument.uid,
        _levels(msg.bids, instrument, "bids"),
        _levels(msg.asks, instrument, "asks"),
        timestamp_ns(msg.orderbook_ts, "orderbook_ts"),
        local_ts_ns,
        depth=msg.depth,
        is_consistent=True,
        limit_up_ticks=_optional_ticks(msg.limit_up, msg.HasField("limit_up"), instrument, "limit_up"),
        limit_down_ticks=_optional_ticks(
            msg.limit_down, msg.HasField("limit_down"), instrument, "limit_down"
        ),
    )


def _level_msgs(
    prices: Iterable[int], sizes: Iterable[int], instrument: Instrument
) -> list[marketdata_pb2.Order]:
    return [
        marketdata_pb2.Order(price=ticks_msg(int(p), instrument), quantity=int(q))
        for p, q in zip(prices, sizes, strict=True)
    ]


def order_book_msg(book: OrderBook, instrument: Instrument) -> marketdata_pb2.OrderBook:
    """Core OrderBook → stream OrderBook message."""
    msg = marketdata_pb2.OrderBook(
        figi=instrument.figi,
        depth=book.depth,
        is_consistent=book.is_consistent,
        bids=_level_msgs(book.bid_px, book.bid_qty, instrument),
        asks=_level_msgs(book.ask_px, book.ask_qty, instrument),
        time=timestamp_msg(book.exchange_ts_ns),
        instrument_uid=instrument.uid,
        order_book_type=marketdata_pb2.ORDERBOOK_TYPE_EXCHANGE,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
    )
    if book.limit_up_ticks is not None:
        msg.limit_up.CopyFrom(ticks_msg(book.limit_up_ticks, instrument))
    if book.limit_down_ticks is not None:
        msg.limit_down.CopyFrom(ticks_msg(book.limit_down_ticks, instrument))
    return msg


def order_book_response_msg(
    book: OrderBook, instrument: Instrument, last_price_ticks: int | None = None
) -> marketdata_pb2.GetOrderBookResponse:
    """Core OrderBook → unary GetOrderBookResponse."""
    msg = marketdata_pb2.GetOrderBookResponse(
        figi=instrument.figi,
        depth=book.depth,
        bids=_level_msgs(book.bid_px, book.bid_qty, instrument),
        asks=_level_msgs(book.ask_px, book.ask_qty, instrument),
        instrument_uid=instrument.uid,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        orderbook_ts=timestamp_msg(book.exchange_ts_ns),
    )
    if last_price_ticks is not None:
        msg.last_price.CopyFrom(ticks_msg(last_price_ticks, instrument))
    if book.limit_up_ticks is not None:
        msg.limit_up.CopyFrom(ticks_msg(book.limit_up_ticks, instrument))
    if book.limit_down_ticks is not None:
        msg.limit_down.CopyFrom(ticks_msg(book.limit_down_ticks, instrument))
    return msg


def trade_from_msg(msg: marketdata_pb2.Trade, instrument: Instrument, local_ts_ns: int) -> Trade:
    """Public Trade → core Trade (quantity in lots; the contract has no public trade id)."""
    return Trade(
        instrument_id=instrument.uid,
        price_ticks=ticks_from_quotation(msg.price, instrument, "trade.price"),
        lots=_lots(msg.quantity, "trade.quantity"),
        aggressor=Aggressor(_enum(msg.direction, Aggressor, "trade.direction")),
        exchange_ts_ns=timestamp_ns(msg.time, "trade.time"),
        local_ts_ns=local_ts_ns,
    )


def trade_msg(trade: Trade, instrument: Instrument) -> marketdata_pb2.Trade:
    """Core Trade → public Trade message."""
    return marketdata_pb2.Trade(
        figi=instrument.figi,
        direction=int(trade.aggressor),  # type: ignore[arg-type]
        price=ticks_msg(trade.price_ticks, instrument),
        quantity=trade.lots,
        time=timestamp_msg(trade.exchange_ts_ns),
        instrument_uid=instrument.uid,
        trade_source=marketdata_pb2.TRADE_SOURCE_EXCHANGE,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
    )


def trade_key(trade: Trade) -> tuple[str, int, int, int, int]:
    """A dedup key for public trades (the contract carries no trade id): instrument, time, price,
    size, aggressor."""
    return (trade.instrument_id, trade.exchange_ts_ns, trade.price_ticks, trade.lots, int(trade.aggressor))


def last_price_from_msg(msg: marketdata_pb2.LastPrice, instrument: Instrument) -> LastPrice:
    """LastPrice → core LastPrice (ticks)."""
    return LastPrice(
        instrument_id=instrument.uid,
        price_ticks=ticks_from_quotation(msg.price, instrument, "last_price.price"),
        ts_ns=timestamp_ns(msg.time, "last_price.time"),
    )


def last_price_msg(last: LastPrice, instrument: Instrument) -> marketdata_pb2.LastPrice:
    """Core LastPrice → wire LastPrice."""
    return marketdata_pb2.LastPrice(
        figi=instrument.figi,
        price=ticks_msg(last.price_ticks, instrument),
        time=timestamp_msg(last.ts_ns),
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        instrument_uid=instrument.uid,
        last_price_type=marketdata_pb2.LAST_PRICE_EXCHANGE,
    )


def trading_status_from_msg(
    msg: marketdata_pb2.TradingStatus, instrument: Instrument
) -> TradingStatusChanged:
    """Stream TradingStatus → core TradingStatusChanged."""
    return TradingStatusChanged(
        instrument_id=instrument.uid,
        status=int(msg.trading_status),
        limit_order_available=msg.limit_order_available_flag,
        market_order_available=msg.market_order_available_flag,
        ts_ns=timestamp_ns(msg.time, "trading_status.time"),
    )


def trading_status_from_response(
    msg: marketdata_pb2.GetTradingStatusResponse, instrument: Instrument, ts_ns: int
) -> TradingStatusChanged:
    """Unary GetTradingStatusResponse → core TradingStatusChanged stamped ``ts_ns`` (it has no time)."""
    return TradingStatusChanged(
        instrument_id=instrument.uid,
        status=int(msg.trading_status),
        limit_order_available=msg.limit_order_available_flag,
        market_order_available=msg.market_order_available_flag,
        ts_ns=ts_ns,
        extra={"api_trade_available": str(msg.api_trade_available_flag).lower()},
    )


def trading_status_msg(status: TradingStatusChanged, instrument: Instrument) -> marketdata_pb2.TradingStatus:
    """Core TradingStatusChanged → stream TradingStatus."""
    return marketdata_pb2.TradingStatus(
        figi=instrument.figi,
        trading_status=status.status,  # type: ignore[arg-type]
        time=timestamp_msg(status.ts_ns),
        limit_order_available_flag=status.limit_order_available,
        market_order_available_flag=status.market_order_available,
        instrument_uid=instrument.uid,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
    )


# --- orders ------------------------------------------------------------------------------------


def post_order_request(
    account_id: str, command: SubmitOrder, instrument: Instrument
) -> orders_pb2.PostOrderRequest:
    """SubmitOrder → PostOrderRequest; the intent key IS the request ``order_id`` (idempotency key)."""
    is_market = command.limit_price_ticks is None
    request = orders_pb2.PostOrderRequest(
        quantity=command.lots,
        direction=int(command.side),  # type: ignore[arg-type]
        account_id=account_id,
        order_type=orders_pb2.ORDER_TYPE_MARKET if is_market else orders_pb2.ORDER_TYPE_LIMIT,
        order_id=command.intent_key,
        instrument_id=instrument.uid,
        time_in_force=(orders_pb2.TIME_IN_FORCE_UNSPECIFIED if is_market else int(command.time_in_force)),  # type: ignore[arg-type]
    )
    if command.limit_price_ticks is not None:
        request.price.CopyFrom(ticks_msg(command.limit_price_ticks, instrument))
    return request


def _status(value: int, field: str) -> OrderStatus:
    try:
        status = OrderStatus(value)
    except ValueError as exc:
        raise BrokerDataError(field, value, "not a valid OrderExecutionReportStatus") from exc
    if status is OrderStatus.PENDING_SUBMIT:
        raise BrokerDataError(field, value, "not a valid OrderExecutionReportStatus")
    return status


def _order_type(value: int, field: str) -> OrderType:
    if value == orders_pb2.ORDER_TYPE_UNSPECIFIED:
        return OrderType.LIMIT
    return OrderType(_enum(value, OrderType, field))


def _limit_ticks(
    order_type: OrderType, price: common_pb2.MoneyValue, instrument: Instrument, field: str
) -> int | None:
    if order_type is OrderType.MARKET or (price.units == 0 and price.nano == 0):
        return None
    return ticks_from_money(price, instrument, field)


def _executed_value(
    avg_price: common_pb2.MoneyValue, lots: int, instrument: Instrument, field: str
) -> Decimal:
    return decimal_from_money(avg_price, field) * instrument.lot * lots


def order_from_post_response(
    msg: orders_pb2.PostOrderResponse, instrument: Instrument, command: SubmitOrder, ts_ns: int
) -> Order:
    """PostOrderResponse + the command that caused it → core Order (acknowledged)."""
    order_type = _order_type(msg.order_type, "order_type")
    lots_executed = _lots(msg.lots_executed, "lots_executed")
    return Order(
        intent_key=msg.order_request_id or command.intent_key,
        instrument_id=instrument.uid,
        side=Side(_enum(msg.direction, Side, "direction")) if msg.direction else command.side,
        lots_requested=_lots(msg.lots_requested, "lots_requested") or command.lots,
        limit_price_ticks=command.limit_price_ticks,
        order_type=order_type,
        time_in_force=command.time_in_force,
        status=_status(msg.execution_report_status, "execution_report_status"),
        order_id=msg.order_id,
        lots_executed=lots_executed,
        executed_value=_executed_value(
            msg.executed_order_price, lots_executed, instrument, "executed_order_price"
        ),
        commission=decimal_from_money(msg.executed_commission, "executed_commission"),
        created_ts_ns=ts_ns,
        updated_ts_ns=ts_ns,
        reject_reason=msg.message
        if msg.execution_report_status == orders_pb2.EXECUTION_REPORT_STATUS_REJECTED
        else "",
    )


def order_from_state(
    msg: orders_pb2.OrderState, instrument: Instrument, time_in_force: TimeInForce = TimeInForce.DAY
) -> Order:
    """OrderState (GetOrderState/GetOrders) → core Order. The wire state has no time in force, so the
    caller passes the one it submitted with (DAY when unknown)."""
    order_type = _order_type(msg.order_type, "order_type")
    lots_executed = _lots(msg.lots_executed, "lots_executed")
    ts = timestamp_ns(msg.order_date, "order_date")
    return Order(
        intent_key=msg.order_request_id,
        instrument_id=instrument.uid,
        side=Side(_enum(msg.direction, Side, "direction")),
        lots_requested=_lots(msg.lots_requested, "lots_requested"),
        limit_price_ticks=_limit_ticks(
            order_type, msg.initial_security_price, instrument, "initial_security_price"
        ),
        order_type=order_type,
        time_in_force=time_in_force,
        status=_status(msg.execution_report_status, "execution_report_status"),
        order_id=msg.order_id,
        lots_executed=lots_executed,
        executed_value=_executed_value(
            msg.executed_order_price, lots_executed, instrument, "executed_order_price"
        ),
        commission=decimal_from_money(msg.executed_commission, "executed_commission"),
        created_ts_ns=ts,
        updated_ts_ns=ts,
    )


def fills_from_state(msg: orders_pb2.OrderState, instrument: Instrument) -> list[Fill]:
    """OrderState's ``stages`` (GetOrderState) → core Fills: how a restart recovers the executions
    of an order whose TradesStream messages it never received. ``OrderStage.quantity`` is in lots;
    the per-execution commission is not on the wire (the order's ``executed_commission`` is)."""
    side = Side(_enum(msg.direction, Side, "direction"))
    fills = []
    for i, stage in enumerate(msg.stages):
        if not stage.trade_id:
            raise BrokerDataError(f"stages[{i}].trade_id", stage.trade_id, "missing trade id")
        fills.append(
            Fill(
                trade_id=stage.trade_id,
                order_id=msg.order_id,
                intent_key=msg.order_request_id,
                instrument_id=instrument.uid,
                side=side,
                lots=_lots(stage.quantity, f"stages[{i}].quantity"),
                price=decimal_from_money(stage.price, f"stages[{i}].price"),
                ts_ns=timestamp_ns(stage.execution_time, f"stages[{i}].execution_time"),
            )
        )
    return fills


def order_state_msg(
    order: Order, instrument: Instrument, *, currency: str | None = None, fills: Sequence[Fill] = ()
) -> orders_pb2.OrderState:
    """Core Order → OrderState (for servers). Prices per instrument; initial_order_price is the total."""
    cur = currency or instrument.currency
    price = (
        instrument.to_price(order.limit_price_ticks) if order.limit_price_ticks is not None else Decimal(0)
    )
    units_executed = instrument.lot * order.lots_executed
    avg = (order.executed_value / units_executed) if units_executed else Decimal(0)
    return orders_pb2.OrderState(
        order_id=order.order_id,
        execution_report_status=int(order.status),  # type: ignore[arg-type]
        lots_requested=order.lots_requested,
        lots_executed=order.lots_executed,
        initial_order_price=money_msg(price * instrument.lot * order.lots_requested, cur),
        executed_order_price=money_msg(_nine(avg), cur),
        total_order_amount=money_msg(order.executed_value + order.commission, cur),
        initial_commission=money_msg(Decimal(0), cur),
        executed_commission=money_msg(order.commission, cur),
        figi=instrument.figi,
        direction=int(order.side),  # type: ignore[arg-type]
        initial_security_price=money_msg(price, cur),
        stages=[
            orders_pb2.OrderStage(
                price=money_msg(f.price, cur),
                quantity=f.lots,
                trade_id=f.trade_id,
                execution_time=timestamp_msg(f.ts_ns),
            )
            for f in fills
        ],
        currency=cur,
        order_type=int(order.order_type),  # type: ignore[arg-type]
        order_date=timestamp_msg(order.created_ts_ns),
        instrument_uid=instrument.uid,
        order_request_id=order.intent_key,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
    )


def post_order_response_msg(
    order: Order, instrument: Instrument, tracking_id: str = "", server_ts_ns: int = 0
) -> orders_pb2.PostOrderResponse:
    """Core Order → PostOrderResponse (for servers), with ResponseMetadata (field 254)."""
    state = order_state_msg(order, instrument)
    return orders_pb2.PostOrderResponse(
        order_id=order.order_id,
        execution_report_status=state.execution_report_status,
        lots_requested=order.lots_requested,
        lots_executed=order.lots_executed,
        initial_order_price=state.initial_order_price,
        executed_order_price=state.executed_order_price,
        total_order_amount=state.total_order_amount,
        initial_commission=state.initial_commission,
        executed_commission=state.executed_commission,
        figi=instrument.figi,
        direction=state.direction,
        initial_security_price=state.initial_security_price,
        order_type=state.order_type,
        message=order.reject_reason,
        instrument_uid=instrument.uid,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        order_request_id=order.intent_key,
        response_metadata=common_pb2.ResponseMetadata(
            tracking_id=tracking_id, server_time=timestamp_msg(server_ts_ns)
        ),
    )


def _nine(value: Decimal) -> Decimal:
    """Round to 9 decimals (the wire's resolution) for derived averages."""
    return value.quantize(Decimal("1e-9"))


def order_from_stream_state(
    msg: orders_pb2.OrderStateStreamResponse.OrderState, instrument: Instrument
) -> Order:
    """OrderStateStream's nested OrderState → core Order."""
    order_type = _order_type(msg.order_type, "order_type")
    lots_executed = _lots(msg.lots_executed, "lots_executed")
    tif = TimeInForce(_enum(msg.time_in_force, TimeInForce, "time_in_force"))
    created = timestamp_ns(msg.created_at, "created_at")
    updated = (
        timestamp_ns(msg.completion_time, "completion_time") if msg.HasField("completion_time") else created
    )
    executed_value = Decimal(0)
    for i, trade in enumerate(msg.trades):
        executed_value += decimal_from_quotation(trade.price, f"trades[{i}].price") * _lots(
            trade.quantity, f"trades[{i}].quantity"
        )
    if not msg.trades and lots_executed:
        executed_value = _executed_value(
            msg.executed_order_price, lots_executed, instrument, "executed_order_price"
        )
    return Order(
        intent_key=msg.order_request_id,
        instrument_id=instrument.uid,
        side=Side(_enum(msg.direction, Side, "direction")),
        lots_requested=_lots(msg.lots_requested, "lots_requested"),
        limit_price_ticks=_limit_ticks(order_type, msg.order_price, instrument, "order_price"),
        order_type=order_type,
        time_in_force=tif,
        status=_status(msg.execution_report_status, "execution_report_status"),
        order_id=msg.order_id,
        lots_executed=lots_executed,
        executed_value=executed_value,
        created_ts_ns=created,
        updated_ts_ns=max(updated, created),
        reject_reason=str(int(msg.status_info)) if msg.HasField("status_info") else "",
    )


def stream_order_state_msg(
    order: Order,
    instrument: Instrument,
    account_id: str,
    fills: Sequence[Fill] = (),
    status_cause: int | None = None,
) -> orders_pb2.OrderStateStreamResponse.OrderState:
    """Core Order → OrderStateStream's nested OrderState (for servers). ``trades`` quantities are in
    instrument units, as in the real contract."""
    cur = instrument.currency
    price = (
        instrument.to_price(order.limit_price_ticks) if order.limit_price_ticks is not None else Decimal(0)
    )
    units_executed = instrument.lot * order.lots_executed
    avg = (order.executed_value / units_executed) if units_executed else Decimal(0)
    msg = orders_pb2.OrderStateStreamResponse.OrderState(
        order_id=order.order_id,
        order_request_id=order.intent_key,
        created_at=timestamp_msg(order.created_ts_ns),
        execution_report_status=int(order.status),  # type: ignore[arg-type]
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        lot_size=_whole_lot(instrument),
        direction=int(order.side),  # type: ignore[arg-type]
        time_in_force=int(order.time_in_force),  # type: ignore[arg-type]
        order_type=int(order.order_type),  # type: ignore[arg-type]
        account_id=account_id,
        initial_order_price=money_msg(price * instrument.lot * order.lots_requested, cur),
        order_price=money_msg(price, cur),
        executed_order_price=money_msg(_nine(avg), cur),
        currency=cur,
        lots_requested=order.lots_requested,
        lots_executed=order.lots_executed,
        lots_left=order.lots_remaining,
        lots_cancelled=(
            order.lots_requested - order.lots_executed if order.status is OrderStatus.CANCELLED else 0
        ),
        trades=[order_trade_msg(f, instrument) for f in fills],
        instrument_uid=instrument.uid,
    )
    if status_cause is not None:
        msg.status_info = status_cause  # type: ignore[assignment]
    if order.status.is_terminal:
        msg.completion_time.CopyFrom(timestamp_msg(order.updated_ts_ns))
    return msg


def order_trade_msg(fill: Fill, instrument: Instrument) -> orders_pb2.OrderTrade:
    """Core Fill → OrderTrade; quantity converted from lots to instrument units (the contract's unit)."""
    return orders_pb2.OrderTrade(
        date_time=timestamp_msg(fill.ts_ns),
        price=quotation_msg(fill.price),
        quantity=fill.lots * _whole_lot(instrument),
        trade_id=fill.trade_id,
    )


def order_trades_msg(
    fills: Sequence[Fill], instrument: Instrument, account_id: str
) -> orders_pb2.OrderTrades:
    """Fills of one order → TradesStream's OrderTrades."""
    if not fills:
        raise ValueError("order_trades_msg needs at least one fill")
    first = fills[0]
    return orders_pb2.OrderTrades(
        order_id=first.order_id,
        created_at=timestamp_msg(first.ts_ns),
        direction=int(first.side),  # type: ignore[arg-type]
        figi=instrument.figi,
        trades=[order_trade_msg(f, instrument) for f in fills],
        account_id=account_id,
        instrument_uid=instrument.uid,
    )


def fills_from_order_trades(
    msg: orders_pb2.OrderTrades, instrument: Instrument, intent_key: str = ""
) -> list[Fill]:
    """TradesStream OrderTrades → core Fills. The wire quantity is in units; it must be whole lots."""
    side = Side(_enum(msg.direction, Side, "direction"))
    fills = []
    lot = _whole_lot(instrument)
    for i, trade in enumerate(msg.trades):
        units = _lots(trade.quantity, f"trades[{i}].quantity")
        if units % lot:
            raise BrokerDataError(f"trades[{i}].quantity", units, f"not a whole number of lots of {lot}")
        if not trade.trade_id:
            raise BrokerDataError(f"trades[{i}].trade_id", trade.trade_id, "missing trade id")
        fills.append(
            Fill(
                trade_id=trade.trade_id,
                order_id=msg.order_id,
                intent_key=intent_key,
                instrument_id=instrument.uid,
                side=side,
                lots=units // lot,
                price=decimal_from_quotation(trade.price, f"trades[{i}].price"),
                ts_ns=timestamp_ns(trade.date_time, f"trades[{i}].date_time"),
            )
        )
    return fills
