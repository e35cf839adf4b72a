"""SandboxService: open, list, fund and close accounts, and the sandbox twins of the order and
portfolio rpcs (served by the same order desk and account views as the normal services, just as
the real sandbox host serves both).
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import (
    operations_pb2,
    orders_pb2,
    sandbox_pb2,
    sandbox_pb2_grpc,
    users_pb2,
)
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.services.errors import ACCOUNT_ID_INVALID
from scalp_system.exchange.services.operations import AccountViews
from scalp_system.exchange.services.orders import OrdersServicer
from scalp_system.exchange.services.users import account_messages

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
PAY_IN_INVALID = "30036"  # the amount must be positive and in RUB


class SandboxServicer(sandbox_pb2_grpc.SandboxServiceServicer):
    """Sandbox accounts, plus the sandbox names of the order and portfolio rpcs."""

    def __init__(self, orders: OrdersServicer, views: AccountViews) -> None:
        self.orders = orders
        self.views = views
        self.runtime = views.runtime

    def _open_account(self, account_id: str) -> str:
        if not account_id:
            raise ExchangeReject(ACCOUNT_ID_INVALID, "account_id is missing")
        known = {info.account_id for info in self.runtime.core.accounts()}
        if account_id not in known or account_id in self.runtime.closed_accounts:
            raise ExchangeReject(RejectCode.ACCOUNT_NOT_FOUND, f"account {account_id!r} not found")
        return account_id

    async def OpenSandboxAccount(
        self, request: sandbox_pb2.OpenSandboxAccountRequest, context: Context
    ) -> sandbox_pb2.OpenSandboxAccountResponse:
        """A new, empty RUB account."""
        name = request.name if request.HasField("name") else ""
        return sandbox_pb2.OpenSandboxAccountResponse(account_id=self.runtime.core.open_account(name))

    async def GetSandboxAccounts(
        self, request: users_pb2.GetAccountsRequest, context: Context
    ) -> users_pb2.GetAccountsResponse:
        """Every account (optionally filtered by status)."""
        status = request.status if request.HasField("status") else None
        return users_pb2.GetAccountsResponse(accounts=account_messages(self.runtime, status))

    async def CloseSandboxAccount(
        self, request: sandbox_pb2.CloseSandboxAccountRequest, context: Context
    ) -> sandbox_pb2.CloseSandboxAccountResponse:
        """Cancel the account's working orders and close it (later calls on it get 50004)."""
        account_id = self._open_account(request.account_id)
        now = self.runtime.sync()
        self.runtime.core.cancel_all(now, account_id)
        self.runtime.closed_accounts.add(account_id)
        self.runtime.journal.record("account_closed", account_id=account_id, market_ts=now)
        return sandbox_pb2.CloseSandboxAccountResponse()

    async def SandboxPayIn(
        self, request: sandbox_pb2.SandboxPayInRequest, context: Context
    ) -> sandbox_pb2.SandboxPayInResponse:
        """Credit RUB to an account; returns the new balance."""
        account_id = self._open_account(request.account_id)
        amount = convert.decimal_from_money(request.amount, "amount")
        currency = (request.amount.currency or "rub").lower()
        if amount <= 0 or currency != "rub":
            raise ExchangeReject(PAY_IN_INVALID, "pay-in must be a positive amount in rub")
        balance = self.runtime.core.pay_in(account_id, amount, currency)
        self.runtime.journal.record("pay_in", account_id=account_id, amount=amount, balance=balance)
        return sandbox_pb2.SandboxPayInResponse(
            balance=convert.money_msg(balance.quantize(Decimal("1e-9")), currency)
        )

    # --- the sandbox names of the normal rpcs --------------------------------------------------
    async def PostSandboxOrder(
        self, request: orders_pb2.PostOrderRequest, context: Context
    ) -> orders_pb2.PostOrderResponse:
        """PostOrder on the sandbox."""
        return await self.orders.PostOrder(request, context)

    async def PostSandboxOrderAsync(
        self, request: orders_pb2.PostOrderAsyncRequest, context: Context
    ) -> orders_pb2.PostOrderAsyncResponse:
        """PostOrderAsync on the sandbox."""
        return await self.orders.PostOrderAsync(request, context)

    async def GetSandboxOrders(
        self, request: orders_pb2.GetOrdersRequest, context: Context
    ) -> orders_pb2.GetOrdersResponse:
        """GetOrders on the sandbox."""
        return await self.orders.GetOrders(request, context)

    async def CancelSandboxOrder(
        self, request: orders_pb2.CancelOrderRequest, context: Context
    ) -> orders_pb2.CancelOrderResponse:
        """CancelOrder on the sandbox."""
        return await self.orders.CancelOrder(request, context)

    async def GetSandboxOrderState(
        self, request: orders_pb2.GetOrderStateRequest, context: Context
    ) -> orders_pb2.OrderState:
        """GetOrderState on the sandbox."""
        return await self.orders.GetOrderState(request, context)

    async def GetSandboxMaxLots(
        self, request: orders_pb2.GetMaxLotsRequest, context: Context
    ) -> orders_pb2.GetMaxLotsResponse:
        """GetMaxLots on the sandbox."""
        return await self.orders.GetMaxLots(request, context)

    async def GetSandboxPositions(
        self, request: operations_pb2.PositionsRequest, context: Context
    ) -> operations_pb2.PositionsResponse:
        """GetPositions on the sandbox."""
        return self.views.positions(request.account_id)

    async def GetSandboxPortfolio(
        self, request: operations_pb2.PortfolioRequest, context: Context
    ) -> operations_pb2.PortfolioResponse:
        """GetPortfolio on the sandbox."""
        return self.views.portfolio(request.account_id)

    async def GetSandboxWithdrawLimits(
        self, request: operations_pb2.WithdrawLimitsRequest, context: Context
    ) -> operations_pb2.WithdrawLimitsResponse:
        """GetWithdrawLimits on the sandbox."""
        return self.views.withdraw_limits(request.account_id)
