"""OperationsService: GetPortfolio (positions valued at last prices), GetPositions, GetWithdrawLimits.

Quantities follow the contract: ``PortfolioPosition.quantity`` and ``PositionsSecurities.balance``
are instrument units (lots × lot size), ``quantity_lots``/``blocked_lots`` are lots. Cash is the
account currency (RUB); GetPositions splits it into free ``money`` and ``blocked`` by working buys.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import operations_pb2, operations_pb2_grpc
from scalp_system.core.instrument import InstrumentKind
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.reports import PortfolioView, PositionsView
from scalp_system.exchange.services.errors import ACCOUNT_ID_INVALID
from scalp_system.exchange.services.runtime import ExchangeRuntime

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
_PERCENT = Decimal(100)


class AccountViews:
    """Portfolio and positions of an account, as wire messages (shared with SandboxService)."""

    def __init__(self, runtime: ExchangeRuntime) -> None:
        self.runtime = runtime

    def _account(self, account_id: str) -> str:
        if not account_id:
            raise ExchangeReject(ACCOUNT_ID_INVALID, "account_id is missing")
        if account_id in self.runtime.closed_accounts:
            raise ExchangeReject(RejectCode.ACCOUNT_NOT_FOUND, f"account {account_id!r} not found")
        return account_id

    def portfolio(self, account_id: str) -> operations_pb2.PortfolioResponse:
        """GetPortfolio: cash, positions at last prices, totals and expected yield."""
        self.runtime.sync()
        view: PortfolioView = self.runtime.core.portfolio(self._account(account_id))
        cur = view.currency
        positions = []
        for line in view.lines:
            instrument = self.runtime.instruments[line.instrument_uid]
            kind = "futures" if instrument.kind is InstrumentKind.FUTURES else "share"
            positions.append(
                operations_pb2.PortfolioPosition(
                    figi=instrument.figi,
                    instrument_type=kind,
                    quantity=convert.quotation_msg(line.units),
                    average_position_price=convert.money_msg(_nine(line.avg_price), cur),
                    expected_yield=convert.quotation_msg(_nine(line.unrealized_pnl)),
                    current_price=convert.money_msg(line.last_price, cur),
                    average_position_price_fifo=convert.money_msg(_nine(line.avg_price), cur),
                    quantity_lots=convert.quotation_msg(Decimal(line.lots)),
                    instrument_uid=instrument.uid,
                    position_uid=instrument.uid,
                    ticker=instrument.ticker,
                    class_code=instrument.class_code,
                )
            )
        invested = view.total - view.unrealized_pnl
        yield_pct = (view.unrealized_pnl / invested * _PERCENT) if invested else Decimal(0)
        zero = convert.money_msg(Decimal(0), cur)
        return operations_pb2.PortfolioResponse(
            total_amount_shares=convert.money_msg(_nine(view.total_shares), cur),
            total_amount_bonds=zero,
            total_amount_etf=zero,
            total_amount_currencies=convert.money_msg(_nine(view.cash), cur),
            total_amount_futures=convert.money_msg(_nine(view.total_futures), cur),
            expected_yield=convert.quotation_msg(_nine(yield_pct)),
            positions=positions,
            account_id=view.account_id,
            total_amount_options=zero,
            total_amount_sp=zero,
            total_amount_portfolio=convert.money_msg(_nine(view.total), cur),
            daily_yield=convert.money_msg(
                _nine(view.realized_pnl + view.unrealized_pnl - view.commission_paid), cur
            ),
        )

    def positions(self, account_id: str) -> operations_pb2.PositionsResponse:
        """GetPositions: free and blocked cash, security and futures balances (units)."""
        self.runtime.sync()
        view: PositionsView = self.runtime.core.positions(self._account(account_id))
        securities, futures = [], []
        for line in view.securities:
            instrument = self.runtime.instruments[line.instrument_uid]
            units = int(line.units)
            blocked_units = int(instrument.lot * line.blocked_lots)
            fields: dict[str, Any] = dict(
                figi=instrument.figi,
                blocked=blocked_units,
                balance=units - blocked_units,
                position_uid=instrument.uid,
                instrument_uid=instrument.uid,
                ticker=instrument.ticker,
                class_code=instrument.class_code,
            )
            if instrument.kind is InstrumentKind.FUTURES:
                futures.append(operations_pb2.PositionsFutures(**fields))
            else:
                securities.append(operations_pb2.PositionsSecurities(instrument_type="share", **fields))
        return operations_pb2.PositionsResponse(
            money=[convert.money_msg(_nine(view.cash), view.currency)],
            blocked=[convert.money_msg(_nine(view.blocked_cash), view.currency)],
            securities=securities,
            futures=futures,
            limits_loading_in_progress=False,
            account_id=view.account_id,
        )

    def withdraw_limits(self, account_id: str) -> operations_pb2.WithdrawLimitsResponse:
        """Free cash is what could be withdrawn; blocked cash is held by working buys."""
        self.runtime.sync()
        view = self.runtime.core.positions(self._account(account_id))
        return operations_pb2.WithdrawLimitsResponse(
            money=[convert.money_msg(_nine(view.cash), view.currency)],
            blocked=[convert.money_msg(_nine(view.blocked_cash), view.currency)],
        )


def _nine(value: Decimal) -> Decimal:
    """Money at the wire's resolution (derived averages can have more than 9 decimals)."""
    return value.quantize(Decimal("1e-9"))


class OperationsServicer(operations_pb2_grpc.OperationsServiceServicer):
    """OperationsService over the exchange's accounts."""

    def __init__(self, views: AccountViews) -> None:
        self.views = views

    async def GetPortfolio(
        self, request: operations_pb2.PortfolioRequest, context: Context
    ) -> operations_pb2.PortfolioResponse:
        """The account's portfolio valued at last prices (RUB)."""
        return self.views.portfolio(request.account_id)

    async def GetPositions(
        self, request: operations_pb2.PositionsRequest, context: Context
    ) -> operations_pb2.PositionsResponse:
        """The account's cash and positions."""
        return self.views.positions(request.account_id)

    async def GetWithdrawLimits(
        self, request: operations_pb2.WithdrawLimitsRequest, context: Context
    ) -> operations_pb2.WithdrawLimitsResponse:
        """Free and blocked cash."""
        return self.views.withdraw_limits(request.account_id)
