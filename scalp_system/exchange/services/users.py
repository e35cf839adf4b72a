"""UsersService: the exchange's accounts, the user's info, the tariff (the unary and stream limits
this server enforces, so a client can size its token buckets from them) and margin attributes.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import users_pb2, users_pb2_grpc
from scalp_system.exchange.services.limits import RateLimiter, StreamCounter
from scalp_system.exchange.services.runtime import ExchangeRuntime

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
LOCAL_USER_ID = "local-exchange-user"


def account_messages(runtime: ExchangeRuntime, status_filter: int | None) -> list[users_pb2.Account]:
    """Accounts as GetAccounts lists them; closed ones carry ACCOUNT_STATUS_CLOSED."""
    accounts = []
    for info in runtime.core.accounts():
        closed = info.account_id in runtime.closed_accounts
        status = users_pb2.ACCOUNT_STATUS_CLOSED if closed else users_pb2.ACCOUNT_STATUS_OPEN
        if status_filter not in (
            None,
            users_pb2.ACCOUNT_STATUS_UNSPECIFIED,
            users_pb2.ACCOUNT_STATUS_ALL,
            status,
        ):
            continue
        accounts.append(
            users_pb2.Account(
                id=info.account_id,
                type=users_pb2.ACCOUNT_TYPE_TINKOFF,
                name=info.name,
                status=status,
                opened_date=convert.timestamp_msg(info.opened_ns),
                access_level=users_pb2.ACCOUNT_ACCESS_LEVEL_FULL_ACCESS,
            )
        )
    return accounts


def tariff_message(limiter: RateLimiter, streams: StreamCounter) -> users_pb2.GetUserTariffResponse:
    """The limits in force: methods named ``package.Service/Method`` as the real tariff does."""
    return users_pb2.GetUserTariffResponse(
        unary_limits=[
            users_pb2.UnaryLimit(
                limit_per_minute=group.limit_per_minute, methods=[m.lstrip("/") for m in group.methods]
            )
            for group in limiter.groups
        ],
        stream_limits=[
            users_pb2.StreamLimit(
                limit=group.limit,
                streams=[m.lstrip("/") for m in group.methods],
                open=streams.open_count(group),
            )
            for group in streams.groups
        ],
    )


class UsersServicer(users_pb2_grpc.UsersServiceServicer):
    """Who the caller is and what they may do."""

    def __init__(self, runtime: ExchangeRuntime, limiter: RateLimiter, streams: StreamCounter) -> None:
        self.runtime = runtime
        self.limiter = limiter
        self.streams = streams

    async def GetAccounts(
        self, request: users_pb2.GetAccountsRequest, context: Context
    ) -> users_pb2.GetAccountsResponse:
        """Every account (optionally only those with the given status)."""
        status = request.status if request.HasField("status") else None
        return users_pb2.GetAccountsResponse(accounts=account_messages(self.runtime, status))

    async def GetInfo(self, request: users_pb2.GetInfoRequest, context: Context) -> users_pb2.GetInfoResponse:
        """A plain, non-qualified user on the 'investor' tariff."""
        return users_pb2.GetInfoResponse(
            prem_status=False,
            qual_status=False,
            tariff="investor",
            user_id=LOCAL_USER_ID,
            risk_level_code="standard",
        )

    async def GetUserTariff(
        self, request: users_pb2.GetUserTariffRequest, context: Context
    ) -> users_pb2.GetUserTariffResponse:
        """The unary per-minute limits and stream limits this server enforces."""
        return tariff_message(self.limiter, self.streams)

    async def GetMarginAttributes(
        self, request: users_pb2.GetMarginAttributesRequest, context: Context
    ) -> users_pb2.GetMarginAttributesResponse:
        """No margin trading: the liquid portfolio is the whole portfolio and no margin is used."""
        self.runtime.sync()
        view = self.runtime.core.portfolio(request.account_id)
        zero = convert.money_msg(Decimal(0), view.currency)
        return users_pb2.GetMarginAttributesResponse(
            liquid_portfolio=convert.money_msg(view.total.quantize(Decimal("1e-9")), view.currency),
            starting_margin=zero,
            minimal_margin=zero,
            funds_sufficiency_level=convert.quotation_msg(Decimal(0)),
            amount_of_missing_funds=zero,
            corrected_margin=zero,
        )
