"""Unary rate limits and stream-count limits, as the real tariff states them (reference §9).

Unary calls count per method group in fixed one-minute wall-clock windows (the real counter
resets on a schedule and says when in ``x-ratelimit-reset``). Over the limit a call is refused
with RESOURCE_EXHAUSTED 80002 and ``x-ratelimit-remaining: 0``. Streams count per method; the
N+1th open stream is refused with 80001. ``GetUserTariff`` reports exactly these tables, so a
client that sizes its token buckets from the tariff never hits the limit here.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from scalp_system.exchange.errors import RateLimitInfo

API_PACKAGE = "tinkoff.public.invest.api.contract.v1"
WINDOW_S = 60


def full_method(service: str, method: str) -> str:
    """``/package.Service/Method`` as gRPC names it on the wire."""
    return f"/{API_PACKAGE}.{service}/{method}"


@dataclass(frozen=True, slots=True)
class UnaryGroup:
    """Methods that share one per-minute counter."""

    name: str
    limit_per_minute: int
    methods: tuple[str, ...]  # full method names, ``/package.Service/Method``


@dataclass(frozen=True, slots=True)
class StreamGroup:
    """Streams that share one open-stream limit."""

    limit: int
    methods: tuple[str, ...]


_SERVICES_METHODS: dict[str, tuple[str, ...]] = {
    "InstrumentsService": (
        "TradingSchedules",
        "FutureBy",
        "Futures",
        "ShareBy",
        "Shares",
        "GetFuturesMargin",
        "GetInstrumentBy",
        "FindInstrument",
    ),
    "UsersService": ("GetAccounts", "GetMarginAttributes", "GetUserTariff", "GetInfo"),
    "OperationsService": ("GetOperations", "GetPortfolio", "GetPositions", "GetWithdrawLimits"),
    "MarketDataService": (
        "GetCandles",
        "GetLastPrices",
        "GetOrderBook",
        "GetTradingStatus",
        "GetTradingStatuses",
        "GetLastTrades",
        "GetClosePrices",
    ),
    "SandboxService": (
        "OpenSandboxAccount",
        "GetSandboxAccounts",
        "CloseSandboxAccount",
        "PostSandboxOrder",
        "PostSandboxOrderAsync",
        "ReplaceSandboxOrder",
        "GetSandboxOrders",
        "CancelSandboxOrder",
        "GetSandboxOrderState",
        "GetSandboxPositions",
        "GetSandboxOperations",
        "GetSandboxPortfolio",
        "SandboxPayIn",
        "GetSandboxWithdrawLimits",
        "GetSandboxMaxLots",
    ),
}


def default_unary_groups(orders_per_minute: int = 300) -> tuple[UnaryGroup, ...]:
    """The tariff of the reference (limits.md 1.43) with PostOrder at ``orders_per_minute``."""
    groups = [
        UnaryGroup(service, limit, tuple(full_method(service, m) for m in _SERVICES_METHODS[service]))
        for service, limit in (
            ("InstrumentsService", 200),
            ("UsersService", 100),
            ("OperationsService", 200),
            ("MarketDataService", 600),
            ("SandboxService", 200),
        )
    ]
    orders = "OrdersService"
    groups += [
        UnaryGroup("PostOrder", orders_per_minute, (full_method(orders, "PostOrder"),)),
        UnaryGroup("PostOrderAsync", 450, (full_method(orders, "PostOrderAsync"),)),
        UnaryGroup("CancelOrder", 100, (full_method(orders, "CancelOrder"),)),
        UnaryGroup("GetOrders", 200, (full_method(orders, "GetOrders"),)),
        UnaryGroup(
            orders,
            100,
            tuple(full_method(orders, m) for m in ("GetOrderState", "ReplaceOrder", "GetMaxLots")),
        ),
    ]
    return tuple(groups)


def default_stream_groups() -> tuple[StreamGroup, ...]:
    """Stream-connection limits of grades 1–3 (MarketData 16, orders streams 10 per method)."""
    return (
        StreamGroup(
            16,
            (
                full_method("MarketDataStreamService", "MarketDataStream"),
                full_method("MarketDataStreamService", "MarketDataServerSideStream"),
            ),
        ),
        StreamGroup(10, (full_method("OrdersStreamService", "TradesStream"),)),
        StreamGroup(10, (full_method("OrdersStreamService", "OrderStateStream"),)),
        StreamGroup(2, (full_method("OperationsStreamService", "PortfolioStream"),)),
        StreamGroup(2, (full_method("OperationsStreamService", "PositionsStream"),)),
    )


class _Window:
    __slots__ = ("count", "ends_at")

    def __init__(self) -> None:
        self.count = 0
        self.ends_at = 0.0


class RateLimiter:
    """Fixed one-minute windows per unary group; unknown methods are not limited."""

    def __init__(self, groups: Iterable[UnaryGroup], *, clock: Callable[[], float] = time.monotonic) -> None:
        self.groups = tuple(groups)
        self._clock = clock
        self._group_of: dict[str, UnaryGroup] = {m: g for g in self.groups for m in g.methods}
        self._windows: dict[str, _Window] = {g.name: _Window() for g in self.groups}

    def take(self, method: str) -> tuple[bool, RateLimitInfo | None]:
        """Count one call of ``method``: (allowed, the window's state after it) — None when unlimited."""
        group = self._group_of.get(method)
        if group is None:
            return True, None
        window = self._windows[group.name]
        now = self._clock()
        if now >= window.ends_at:
            window.count = 0
            window.ends_at = now + WINDOW_S
        reset_s = max(1, math.ceil(window.ends_at - now))
        if window.count >= group.limit_per_minute:
            return False, RateLimitInfo(group.limit_per_minute, 0, reset_s)
        window.count += 1
        return True, RateLimitInfo(group.limit_per_minute, group.limit_per_minute - window.count, reset_s)


class StreamCounter:
    """Open streams per group; ``acquire`` refuses the N+1th."""

    def __init__(self, groups: Iterable[StreamGroup]) -> None:
        self.groups = tuple(groups)
        self._group_of: dict[str, int] = {m: i for i, g in enumerate(self.groups) for m in g.methods}
        self._open = [0] * len(self.groups)

    def acquire(self, method: str) -> bool:
        """Count one more open stream of ``method``; False (and nothing counted) when at the limit."""
        index = self._group_of.get(method)
        if index is None:
            return True
        if self._open[index] >= self.groups[index].limit:
            return False
        self._open[index] += 1
        return True

    def release(self, method: str) -> None:
        """A stream of ``method`` closed."""
        index = self._group_of.get(method)
        if index is not None and self._open[index] > 0:
            self._open[index] -= 1

    def open_count(self, group: StreamGroup) -> int:
        """How many streams of ``group`` are open now."""
        return self._open[self.groups.index(group)]
