"""OrdersStreamService: TradesStream (fills only) and OrderStateStream (every state change).

Both open with a ``SubscriptionResponse`` naming the accounts (status ERROR with an ErrorDetail
when an account is unknown), then carry the events of those accounts (all accounts when none is
named) and pings at the requested interval. OrderStateStream messages echo the client key as
``order_request_id`` and list the fills new since the previous message in ``trades``; TradesStream
``OrderTrade.quantity`` is in instrument units, as in the real contract. The duplicate/reorder
faults apply to both streams.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import common_pb2, orders_pb2, orders_pb2_grpc
from scalp_system.exchange.errors import RejectCode
from scalp_system.exchange.faults import StreamKind
from scalp_system.exchange.reports import ExchangeEvent, FillExecuted, OrderUpdated
from scalp_system.exchange.services import wire
from scalp_system.exchange.services.gate import new_tracking_id
from scalp_system.exchange.services.runtime import ExchangeRuntime
from scalp_system.exchange.services.streams import StreamSession, run_session

Context: TypeAlias = "aio.ServicerContext[Any, Any]"


class OrdersStreamSession(StreamSession):
    """One TradesStream or OrderStateStream: the accounts it follows and what it already told."""

    def __init__(
        self, runtime: ExchangeRuntime, kind: StreamKind, accounts: Iterable[str], ping_ms: int
    ) -> None:
        super().__init__(runtime.faults, kind, ping_ms, content_faults=True)
        self.runtime = runtime
        self.accounts = frozenset(accounts)
        self._fills_told: dict[str, int] = {}

    def _follows(self, account_id: str) -> bool:
        return not self.accounts or account_id in self.accounts

    def wrap_ping(self, ping: common_pb2.Ping) -> Any:
        """Pings travel in this stream's own response type."""
        if self.kind is StreamKind.TRADES:
            return orders_pb2.TradesStreamResponse(ping=ping)
        return orders_pb2.OrderStateStreamResponse(ping=ping)

    def subscription_message(self, known_accounts: set[str]) -> Any:
        """The first message: which accounts are followed, or ERROR naming an unknown one."""
        unknown = sorted(a for a in self.accounts if a not in known_accounts)
        answer = orders_pb2.SubscriptionResponse(
            tracking_id=new_tracking_id(),
            stream_id=self.stream_id,
            accounts=sorted(self.accounts),
            status=common_pb2.RESULT_SUBSCRIPTION_STATUS_OK,
        )
        if unknown:
            answer.status = common_pb2.RESULT_SUBSCRIPTION_STATUS_ERROR
            answer.error.CopyFrom(
                common_pb2.ErrorDetail(
                    code=RejectCode.ACCOUNT_NOT_FOUND.value,
                    message=f"accounts not found: {', '.join(unknown)}",
                )
            )
        if self.kind is StreamKind.TRADES:
            return orders_pb2.TradesStreamResponse(subscription=answer)
        return orders_pb2.OrderStateStreamResponse(subscription=answer)

    def on_exchange_event(self, event: ExchangeEvent) -> None:
        """Forward this stream's kind of order events for the followed accounts."""
        if self.kind is StreamKind.ORDER_STATE and isinstance(event, OrderUpdated):
            if not self._follows(event.account_id):
                return
            report = event.report
            told = self._fills_told.get(report.order_id, 0)
            self._fills_told[report.order_id] = len(report.fills)
            if report.status.is_terminal:
                self._fills_told.pop(report.order_id, None)
            instrument = self.runtime.instruments[report.instrument_uid]
            state = wire.stream_order_state(report, instrument, len(report.fills) - told)
            self.send(orders_pb2.OrderStateStreamResponse(order_state=state))
        elif self.kind is StreamKind.TRADES and isinstance(event, FillExecuted):
            if not self._follows(event.account_id):
                return
            instrument = self.runtime.instruments[event.fill.instrument_id]
            trades = convert.order_trades_msg([event.fill], instrument, event.account_id)
            self.send(orders_pb2.TradesStreamResponse(order_trades=trades))


class OrdersStreamServicer(orders_pb2_grpc.OrdersStreamServiceServicer):
    """Server streams of the account's orders and fills."""

    def __init__(self, runtime: ExchangeRuntime) -> None:
        self.runtime = runtime
        self.sessions: list[OrdersStreamSession] = []

    async def _serve(self, session: OrdersStreamSession, context: Context) -> None:
        known = {info.account_id for info in self.runtime.core.accounts()} - self.runtime.closed_accounts
        session.send(session.subscription_message(known))
        remove = self.runtime.listen(session)
        self.sessions.append(session)
        try:
            await run_session(session, context)
        finally:
            remove()
            self.sessions.remove(session)

    async def TradesStream(self, request: orders_pb2.TradesStreamRequest, context: Context) -> None:
        """Fills of the named accounts (all accounts when none is named)."""
        ping_ms = (
            request.ping_delay_ms if request.HasField("ping_delay_ms") else self.runtime.ping_interval_ms
        )
        await self._serve(
            OrdersStreamSession(self.runtime, StreamKind.TRADES, request.accounts, ping_ms), context
        )

    async def OrderStateStream(self, request: orders_pb2.OrderStateStreamRequest, context: Context) -> None:
        """Every order state change of the named accounts (all accounts when none is named)."""
        ping_ms = (
            request.ping_delay_millis
            if request.HasField("ping_delay_millis")
            else self.runtime.ping_interval_ms
        )
        await self._serve(
            OrdersStreamSession(self.runtime, StreamKind.ORDER_STATE, request.accounts, ping_ms), context
        )
