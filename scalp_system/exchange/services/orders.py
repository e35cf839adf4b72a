"""OrdersService: PostOrder (idempotent by ``order_id``), CancelOrder, GetOrderState, GetOrders.

The client's ``order_id`` is the idempotency key: a repeat returns the order already placed under
it and places nothing (journal ``created: false``). GetOrderState and CancelOrder accept the key
with ``order_id_type = ORDER_ID_TYPE_REQUEST``. The slow-ack and lost-response faults act here:
the order is placed first, then the answer is delayed or replaced by an error, which is exactly
the situation a client must resolve with GetOrderState by its key.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any, TypeAlias

import grpc
from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import common_pb2, orders_pb2, orders_pb2_grpc
from scalp_system.core.money import MoneyError
from scalp_system.core.orders import OrderType, Side, TimeInForce
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.reports import OrderReport, PostResult
from scalp_system.exchange.services import wire
from scalp_system.exchange.services.errors import (
    ACCOUNT_ID_INVALID,
    DIRECTION_INVALID,
    INTERNAL_NETWORK_ERROR,
    PRICE_NOT_VALID,
)
from scalp_system.exchange.services.gate import abort, current_tracking_id
from scalp_system.exchange.services.runtime import ExchangeRuntime

Context: TypeAlias = "aio.ServicerContext[Any, Any]"


def _order_type(value: int) -> OrderType:
    try:
        return OrderType(value)
    except ValueError:
        raise ExchangeReject(RejectCode.ORDER_TYPE_INVALID, f"order type {value} is not valid") from None


def _time_in_force(value: int) -> TimeInForce:
    try:
        return TimeInForce(value)
    except ValueError:
        raise ExchangeReject(
            RejectCode.TIME_IN_FORCE_INVALID, f"time in force {value} is not valid"
        ) from None


def _side(value: int) -> Side:
    side = Side(value) if value in (Side.BUY, Side.SELL) else None
    if side is None:
        raise ExchangeReject(DIRECTION_INVALID, f"direction {value} is not valid")
    return side


class OrderDesk:
    """The order logic shared by OrdersService and SandboxService's order rpcs."""

    def __init__(self, runtime: ExchangeRuntime) -> None:
        self.runtime = runtime

    def _account(self, account_id: str) -> str:
        if not account_id:
            raise ExchangeReject(ACCOUNT_ID_INVALID, "account_id is missing")
        if account_id in self.runtime.closed_accounts:
            raise ExchangeReject(RejectCode.ACCOUNT_NOT_FOUND, f"account {account_id!r} not found")
        return account_id

    def place(
        self,
        *,
        account_id: str,
        order_key: str,
        instrument_id: str,
        quantity: int,
        direction: int,
        order_type: int,
        time_in_force: int,
        price: Decimal | None,
    ) -> PostResult:
        """Validate the wire request and place the order in the core; journals the call."""
        runtime = self.runtime
        now = runtime.sync()
        try:
            account = self._account(account_id)
            instrument = runtime.resolve(instrument_id)
            kind = _order_type(order_type)
            if kind is OrderType.LIMIT and price is None:
                raise ExchangeReject(RejectCode.PRICE_INVALID, "a limit order needs a price")
            result = runtime.core.post_order(
                account,
                order_key,
                instrument.uid,
                _side(direction),
                quantity,
                kind,
                _time_in_force(time_in_force),
                None,
                now,
                price=price if kind is OrderType.LIMIT else None,
            )
        except ExchangeReject as rejected:
            runtime.journal.post_order_rejected(
                account_id=account_id,
                order_request_id=order_key,
                code=rejected.code,
                message=rejected.message,
                market_ts=now,
            )
            raise
        report = result.order
        runtime.journal.post_order(
            account_id=account_id,
            order_request_id=order_key,
            order_id=report.order_id,
            created=result.created,
            market_ts=now,
            status=report.status.name,
        )
        return result

    async def answer_post(self, result: PostResult, context: Context) -> None:
        """Apply the slow-ack and lost-response faults to a PostOrder that was already placed."""
        faults = self.runtime.faults
        if faults.ack_delay_s > 0:
            faults.count("slow_ack")
            await asyncio.sleep(faults.ack_delay_s)
        lost = faults.take_lost_response()
        if lost is None:
            return
        if lost is grpc.StatusCode.DEADLINE_EXCEEDED:
            remaining = context.time_remaining()
            if remaining is not None:
                await asyncio.sleep(remaining + 0.05)
            await abort(context, grpc.StatusCode.DEADLINE_EXCEEDED, "", "deadline exceeded")
        if lost is grpc.StatusCode.INTERNAL:
            await abort(context, lost, INTERNAL_NETWORK_ERROR, "internal network error")
        await abort(context, lost, "", "connection lost")

    def find(self, account_id: str, order_id: str, by_request: bool) -> OrderReport:
        """An order by exchange id or by the client's key; 50005 when unknown."""
        core = self.runtime.core
        self.runtime.sync()
        account = self._account(account_id)
        report = (
            core.order_by_request_key(account, order_id)
            if by_request
            else core.order_by_id(account, order_id)
        )
        if report is None:
            raise ExchangeReject(RejectCode.ORDER_NOT_FOUND, f"order {order_id!r} not found")
        return report

    def cancel(self, account_id: str, order_id: str, by_request: bool) -> orders_pb2.CancelOrderResponse:
        """Cancel by exchange id or key; journals the cancel and the order's final state."""
        runtime = self.runtime
        now = runtime.sync()
        account = self._account(account_id)
        report = runtime.core.cancel_order(account, order_id, now, by_request_key=by_request)
        runtime.journal.cancel(
            account_id=account, order_id=report.order_id, status=report.status.name, market_ts=now
        )
        return orders_pb2.CancelOrderResponse(
            time=convert.timestamp_msg(now), response_metadata=_response_metadata()
        )

    def open_orders(self, request: orders_pb2.GetOrdersRequest) -> orders_pb2.GetOrdersResponse:
        """Working orders of an account, optionally filtered by time and status."""
        runtime = self.runtime
        runtime.sync()
        reports = runtime.core.open_orders(self._account(request.account_id))
        if request.HasField("advanced_filters"):
            filters = request.advanced_filters
            statuses = set(filters.execution_status)
            low = convert.timestamp_ns(getattr(filters, "from")) if filters.HasField("from") else None
            high = convert.timestamp_ns(filters.to) if filters.HasField("to") else None
            reports = [
                r
                for r in reports
                if (
                    not statuses
                    or wire.order_state(r, runtime.instruments[r.instrument_uid]).execution_report_status
                    in statuses
                )
                and (low is None or r.created_ns >= low)
                and (high is None or r.created_ns <= high)
            ]
        return orders_pb2.GetOrdersResponse(
            orders=[wire.order_state(r, runtime.instruments[r.instrument_uid]) for r in reports]
        )


def _response_metadata() -> common_pb2.ResponseMetadata:
    return common_pb2.ResponseMetadata(
        tracking_id=current_tracking_id(), server_time=convert.timestamp_msg(time.time_ns())
    )


def request_price(request: orders_pb2.PostOrderRequest | orders_pb2.PostOrderAsyncRequest) -> Decimal | None:
    """The optional limit price of a request as an exact Decimal (30018 when malformed)."""
    if not request.HasField("price"):
        return None
    try:
        return convert.decimal_from_quotation(request.price, "price")
    except (convert.BrokerDataError, MoneyError) as exc:
        raise ExchangeReject(PRICE_NOT_VALID, f"price is not valid: {exc}") from None


class OrdersServicer(orders_pb2_grpc.OrdersServiceServicer):
    """OrdersService over the exchange core."""

    def __init__(self, desk: OrderDesk) -> None:
        self.desk = desk

    async def PostOrder(
        self, request: orders_pb2.PostOrderRequest, context: Context
    ) -> orders_pb2.PostOrderResponse:
        """Place (or find, for a known ``order_id``) an order and return its state."""
        instrument_id = request.instrument_id or request.figi
        result = self.desk.place(
            account_id=request.account_id,
            order_key=request.order_id,
            instrument_id=instrument_id,
            quantity=request.quantity,
            direction=request.direction,
            order_type=request.order_type,
            time_in_force=request.time_in_force,
            price=request_price(request),
        )
        await self.desk.answer_post(result, context)
        report = result.order
        return wire.post_order_response(
            report,
            self.desk.runtime.instruments[report.instrument_uid],
            current_tracking_id(),
            time.time_ns(),
        )

    async def PostOrderAsync(
        self, request: orders_pb2.PostOrderAsyncRequest, context: Context
    ) -> orders_pb2.PostOrderAsyncResponse:
        """Place an order; the answer carries only the key and status (the id comes on the stream)."""
        result = self.desk.place(
            account_id=request.account_id,
            order_key=request.order_id,
            instrument_id=request.instrument_id,
            quantity=request.quantity,
            direction=request.direction,
            order_type=request.order_type,
            time_in_force=request.time_in_force,
            price=request_price(request),
        )
        await self.desk.answer_post(result, context)
        return orders_pb2.PostOrderAsyncResponse(
            order_request_id=request.order_id,
            execution_report_status=convert.order_state_msg(
                wire.order_of(result.order, self.desk.runtime.instruments[result.order.instrument_uid]),
                self.desk.runtime.instruments[result.order.instrument_uid],
            ).execution_report_status,
        )

    async def CancelOrder(
        self, request: orders_pb2.CancelOrderRequest, context: Context
    ) -> orders_pb2.CancelOrderResponse:
        """Cancel a working order by exchange id or (ORDER_ID_TYPE_REQUEST) by the client key."""
        by_request = (
            request.HasField("order_id_type") and request.order_id_type == orders_pb2.ORDER_ID_TYPE_REQUEST
        )
        return self.desk.cancel(request.account_id, request.order_id, by_request)

    async def GetOrderState(
        self, request: orders_pb2.GetOrderStateRequest, context: Context
    ) -> orders_pb2.OrderState:
        """One order's state, by exchange id or (ORDER_ID_TYPE_REQUEST) by the client key."""
        by_request = (
            request.HasField("order_id_type") and request.order_id_type == orders_pb2.ORDER_ID_TYPE_REQUEST
        )
        report = self.desk.find(request.account_id, request.order_id, by_request)
        return wire.order_state(report, self.desk.runtime.instruments[report.instrument_uid])

    async def GetOrders(
        self, request: orders_pb2.GetOrdersRequest, context: Context
    ) -> orders_pb2.GetOrdersResponse:
        """The account's working orders."""
        return self.desk.open_orders(request)

    async def GetMaxLots(
        self, request: orders_pb2.GetMaxLotsRequest, context: Context
    ) -> orders_pb2.GetMaxLotsResponse:
        """How many lots the free cash buys and the position sells at the given or last price."""
        runtime = self.desk.runtime
        runtime.sync()
        instrument = runtime.resolve(request.instrument_id)
        view = runtime.core.positions(self.desk._account(request.account_id))
        price = (
            convert.decimal_from_quotation(request.price)
            if request.HasField("price")
            else runtime.core.last_price(instrument.uid)
        )
        unit = instrument.lot * instrument.point_value
        free = view.cash - view.blocked_cash
        buy_lots = int(free / (price * unit)) if price and price > 0 else 0
        held = next(
            (s.lots - s.blocked_lots for s in view.securities if s.instrument_uid == instrument.uid), 0
        )
        buy = orders_pb2.GetMaxLotsResponse.BuyLimitsView(
            buy_money_amount=convert.quotation_msg(free), buy_max_lots=buy_lots, buy_max_market_lots=buy_lots
        )
        sell = orders_pb2.GetMaxLotsResponse.SellLimitsView(sell_max_lots=max(held, 0))
        return orders_pb2.GetMaxLotsResponse(
            currency=instrument.currency,
            buy_limits=buy,
            buy_margin_limits=buy,
            sell_limits=sell,
            sell_margin_limits=sell,
        )
