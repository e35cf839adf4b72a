"""The exchange's side of the wire mapping: exchange reports → the broker's core⇄wire builders.

Message building lives in ``scalp_system.broker.convert`` so the client and this server agree on
every unit convention (lots vs units, per-instrument vs total prices). This module only adapts
what is exchange-specific: an ``OrderReport`` becomes the core ``Order`` those builders take, the
stream's status cause is derived from how the order ended, and a book message can be spoiled on
purpose for the data-fault switches.
"""

from __future__ import annotations

from decimal import Decimal

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import marketdata_pb2, orders_pb2
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Order, OrderStatus, OrderType, TimeInForce
from scalp_system.exchange.faults import BookFault
from scalp_system.exchange.reports import OrderReport

_STREAM = orders_pb2.OrderStateStreamResponse


def order_of(report: OrderReport, instrument: Instrument) -> Order:
    """The core Order an exchange report describes (market orders carry their initial price)."""
    return report.to_order(instrument)


def order_state(report: OrderReport, instrument: Instrument) -> orders_pb2.OrderState:
    """OrderReport → OrderState (GetOrderState, GetOrders), fills as stages."""
    return convert.order_state_msg(order_of(report, instrument), instrument, fills=report.fills)


def post_order_response(
    report: OrderReport, instrument: Instrument, tracking_id: str, server_ns: int
) -> orders_pb2.PostOrderResponse:
    """OrderReport → PostOrderResponse with ResponseMetadata (field 254)."""
    return convert.post_order_response_msg(order_of(report, instrument), instrument, tracking_id, server_ns)


def status_cause(report: OrderReport) -> int | None:
    """Why a final order ended (the stream's ``status_info``), None while it works or when filled."""
    if report.status is OrderStatus.CANCELLED:
        immediate = (
            report.time_in_force in (TimeInForce.FILL_AND_KILL, TimeInForce.FILL_OR_KILL)
            or report.order_type is OrderType.MARKET
        )
        return _STREAM.CAUSE_CANCELLED_BY_EXCHANGE if immediate else _STREAM.CAUSE_CANCELLED_BY_CLIENT
    if report.status is OrderStatus.REJECTED:
        return _STREAM.CAUSE_REJECTED_BY_EXCHANGE
    return None


def stream_order_state(
    report: OrderReport, instrument: Instrument, new_fill_count: int = 0
) -> orders_pb2.OrderStateStreamResponse.OrderState:
    """OrderReport → OrderStateStream's OrderState; ``trades`` holds the last ``new_fill_count`` fills."""
    fills = report.fills[len(report.fills) - new_fill_count :] if new_fill_count > 0 else ()
    message = convert.stream_order_state_msg(
        order_of(report, instrument),
        instrument,
        report.account_id,
        fills=fills,
        status_cause=status_cause(report),
    )
    message.exchange = instrument.extra.get("exchange", "MOEX")
    return message


def spoil_book(message: marketdata_pb2.OrderBook, fault: BookFault, instrument: Instrument) -> None:
    """Make a book message wrong on purpose: inconsistent flag, crossed top, or malformed values."""
    if fault is BookFault.INCONSISTENT:
        message.is_consistent = False
    elif fault is BookFault.CROSSED:
        message.is_consistent = True
        if message.asks and message.bids:
            crossed = convert.decimal_from_quotation(message.asks[0].price) + 2 * instrument.tick
            message.bids[0].price.CopyFrom(convert.quotation_msg(crossed))
    elif fault is BookFault.GARBAGE:
        if message.bids:
            off_tick = convert.decimal_from_quotation(message.bids[0].price) + instrument.tick / Decimal(3)
            message.bids[0].price.CopyFrom(convert.quotation_msg(off_tick.quantize(Decimal("1e-9"))))
        if message.asks:
            message.asks[0].quantity = -abs(message.asks[0].quantity) - 1


def spoil_trade(message: marketdata_pb2.Trade) -> None:
    """A public trade with a malformed (negative) quantity."""
    message.quantity = -abs(message.quantity) - 1
