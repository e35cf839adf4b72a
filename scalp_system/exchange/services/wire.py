"""Core values → Invest API messages (the server's side of the wire mapping).

Prices go out as ``Quotation``/``MoneyValue`` built from exact Decimals (ticks × tick), times as
``google.protobuf.Timestamp`` from UTC nanoseconds. Order reports become ``OrderState``,
``PostOrderResponse`` and the stream's nested ``OrderStateStreamResponse.OrderState``; fills become
``OrderTrade``. Quantities in lots, except where the contract says units (``OrderTrade.quantity``
and portfolio ``quantity``): those are lots × lot size.
"""

from __future__ import annotations

from decimal import Decimal

from google.protobuf.timestamp_pb2 import Timestamp

from scalp_system.broker.proto.generated import common_pb2, orders_pb2
from scalp_system.core.instrument import Instrument
from scalp_system.core.money import MoneyError, Quotation
from scalp_system.core.orders import Fill, OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.reports import OrderReport

NS_PER_S = 1_000_000_000


def quotation(value: Decimal) -> common_pb2.Quotation:
    """Exact Decimal → wire Quotation (nano carries the sign)."""
    core = Quotation.from_decimal(value)
    return common_pb2.Quotation(units=core.units, nano=core.nano)


def money(value: Decimal, currency: str) -> common_pb2.MoneyValue:
    """Exact Decimal amount → wire MoneyValue (amounts beyond 9 decimals are rounded to nano)."""
    try:
        core = Quotation.from_decimal(value)
    except MoneyError:
        core = Quotation.from_decimal(value.quantize(Decimal("0.000000001")))
    return common_pb2.MoneyValue(currency=currency, units=core.units, nano=core.nano)


def decimal_of(message: common_pb2.Quotation | common_pb2.MoneyValue) -> Decimal:
    """Wire Quotation/MoneyValue → exact Decimal (raises MoneyError on sign/nano violations)."""
    return Quotation(units=message.units, nano=message.nano).to_decimal()


def timestamp(ts_ns: int) -> Timestamp:
    """UTC nanoseconds → protobuf Timestamp."""
    seconds, nanos = divmod(ts_ns, NS_PER_S)
    return Timestamp(seconds=seconds, nanos=nanos)


def ns_of(ts: Timestamp) -> int:
    """Protobuf Timestamp → UTC nanoseconds."""
    return ts.seconds * NS_PER_S + ts.nanos


_STATUS = {
    OrderStatus.FILL: orders_pb2.EXECUTION_REPORT_STATUS_FILL,
    OrderStatus.REJECTED: orders_pb2.EXECUTION_REPORT_STATUS_REJECTED,
    OrderStatus.CANCELLED: orders_pb2.EXECUTION_REPORT_STATUS_CANCELLED,
    OrderStatus.NEW: orders_pb2.EXECUTION_REPORT_STATUS_NEW,
    OrderStatus.PARTIALLYFILL: orders_pb2.EXECUTION_REPORT_STATUS_PARTIALLYFILL,
}


def execution_status(status: OrderStatus) -> int:
    """Core order status → OrderExecutionReportStatus (values are equal by design)."""
    return _STATUS.get(status, orders_pb2.EXECUTION_REPORT_STATUS_UNSPECIFIED)


def units_of(instrument: Instrument, lots: int) -> int:
    """Lots → whole instrument units for fields the contract counts in units (never below lots)."""
    units = instrument.lot * lots
    return int(units) if units == units.to_integral_value() else lots


def _price_of(report: OrderReport, instrument: Instrument) -> Decimal:
    if report.price_ticks is not None:
        return instrument.to_price(report.price_ticks)
    return report.initial_price


def _amounts(report: OrderReport, instrument: Instrument) -> dict[str, common_pb2.MoneyValue]:
    currency = instrument.currency
    unit_value = instrument.lot * instrument.point_value
    price = _price_of(report, instrument)
    total = price * unit_value * report.lots_requested
    return {
        "initial_order_price": money(total, currency),
        "executed_order_price": money(report.executed_avg_price, currency),
        "total_order_amount": money(report.executed_value + report.commission, currency),
        "initial_commission": money(Decimal(0), currency),
        "executed_commission": money(report.commission, currency),
        "initial_security_price": money(price, currency),
    }


def order_stages(report: OrderReport, instrument: Instrument) -> list[orders_pb2.OrderStage]:
    """The fills of an order as OrderState stages (quantity in lots)."""
    return [
        orders_pb2.OrderStage(price=money(fill.price, instrument.currency), quantity=fill.lots,
                              trade_id=fill.trade_id, execution_time=timestamp(fill.ts_ns))
        for fill in report.fills
    ]


def order_state(report: OrderReport, instrument: Instrument) -> orders_pb2.OrderState:
    """OrderReport → OrderState (GetOrderState, GetOrders)."""
    amounts = _amounts(report, instrument)
    return orders_pb2.OrderState(
        order_id=report.order_id,
        execution_report_status=execution_status(report.status),
        lots_requested=report.lots_requested,
        lots_executed=report.lots_executed,
        average_position_price=amounts["executed_order_price"],
        figi=instrument.figi,
        direction=int(report.side),
        stages=order_stages(report, instrument),
        service_commission=money(Decimal(0), instrument.currency),
        currency=instrument.currency,
        order_type=int(report.order_type),
        order_date=timestamp(report.created_ns),
        instrument_uid=instrument.uid,
        order_request_id=report.request_key,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        **amounts,
    )


def post_order_response(report: OrderReport, instrument: Instrument, tracking_id: str,
                        server_ns: int) -> orders_pb2.PostOrderResponse:
    """OrderReport → PostOrderResponse with ResponseMetadata (field 254)."""
    amounts = _amounts(report, instrument)
    amounts.pop("initial_security_price")
    return orders_pb2.PostOrderResponse(
        order_id=report.order_id,
        execution_report_status=execution_status(report.status),
        lots_requested=report.lots_requested,
        lots_executed=report.lots_executed,
        aci_value=money(Decimal(0), instrument.currency),
        figi=instrument.figi,
        direction=int(report.side),
        initial_security_price=money(_price_of(report, instrument), instrument.currency),
        order_type=int(report.order_type),
        message=report.message,
        initial_order_price_pt=quotation(_price_of(report, instrument)),
        instrument_uid=instrument.uid,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        order_request_id=report.request_key,
        response_metadata=common_pb2.ResponseMetadata(tracking_id=tracking_id, server_time=timestamp(server_ns)),
        **amounts,
    )


def order_trade(fill: Fill, instrument: Instrument) -> orders_pb2.OrderTrade:
    """One fill → OrderTrade (quantity in units, as the contract says)."""
    return orders_pb2.OrderTrade(date_time=timestamp(fill.ts_ns), price=quotation(fill.price),
                                 quantity=units_of(instrument, fill.lots), trade_id=fill.trade_id)


_CAUSE = orders_pb2.OrderStateStreamResponse


def stream_order_state(report: OrderReport, instrument: Instrument,
                       new_fills: tuple[Fill, ...] = ()) -> orders_pb2.OrderStateStreamResponse.OrderState:
    """OrderReport → the OrderStateStream's nested OrderState (``trades``: the fills of this event)."""
    currency = instrument.currency
    price = _price_of(report, instrument)
    unit_value = instrument.lot * instrument.point_value
    state = orders_pb2.OrderStateStreamResponse.OrderState(
        order_id=report.order_id,
        order_request_id=report.request_key,
        created_at=timestamp(report.created_ns),
        execution_report_status=execution_status(report.status),
        ticker=instrument.ticker,
        class_code=instrument.class_code,
        lot_size=int(instrument.lot) if instrument.lot == instrument.lot.to_integral_value() else 1,
        direction=int(report.side),
        time_in_force=int(report.time_in_force),
        order_type=int(report.order_type),
        account_id=report.account_id,
        initial_order_price=money(price * unit_value * report.lots_requested, currency),
        order_price=money(price, currency),
        amount=money(report.executed_value, currency),
        executed_order_price=money(report.executed_avg_price, currency),
        currency=currency,
        lots_requested=report.lots_requested,
        lots_executed=report.lots_executed,
        lots_left=report.lots_left,
        lots_cancelled=report.lots_cancelled,
        trades=[order_trade(fill, instrument) for fill in new_fills],
        exchange="MOEX",
        instrument_uid=instrument.uid,
    )
    if report.status is OrderStatus.CANCELLED:
        cause = (_CAUSE.CAUSE_CANCELLED_BY_EXCHANGE if report.time_in_force in
                 (TimeInForce.FILL_AND_KILL, TimeInForce.FILL_OR_KILL) or report.order_type is OrderType.MARKET
                 else _CAUSE.CAUSE_CANCELLED_BY_CLIENT)
        state.status_info = cause
    elif report.status is OrderStatus.REJECTED:
        state.status_info = _CAUSE.CAUSE_REJECTED_BY_EXCHANGE
    if report.status.is_terminal:
        state.completion_time.CopyFrom(timestamp(report.updated_ns))
    return state


def side_of(direction: int) -> Side | None:
    """OrderDirection → Side (None when unspecified/unknown)."""
    try:
        return Side(direction)
    except ValueError:
        return None
