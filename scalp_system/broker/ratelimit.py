"""Client-side rate limiting: one token bucket per method group, sized from GetUserTariff.

The server counts unary calls per minute per service (PostOrder, CancelOrder and GetOrders have their
own budgets; reference §9). Each group's bucket holds 10 % of the minute's budget as burst and refills
the other 90 % evenly, so no 60-second window ever exceeds the limit. A RESOURCE_EXHAUSTED answer
empties the group's bucket until the server's ``x-ratelimit-reset``. Time and sleep are injected, so
tests run on a simulated clock.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

PACKAGE = "tinkoff.public.invest.api.contract.v1"

# Per-minute defaults (reference §9, repo limits.md 1.43) used until GetUserTariff says otherwise.
DEFAULT_SERVICE_LIMITS: dict[str, int] = {
    "InstrumentsService": 200,
    "UsersService": 100,
    "OperationsService": 200,
    "MarketDataService": 600,
    "StopOrdersService": 50,
    "SandboxService": 200,
    "OrdersService": 100,
    "MarketDataStreamService": 100,
    "OrdersStreamService": 100,
    "OperationsStreamService": 100,
}
DEFAULT_METHOD_LIMITS: dict[str, int] = {
    f"{PACKAGE}.OrdersService/PostOrder": 300,
    f"{PACKAGE}.OrdersService/CancelOrder": 100,
    f"{PACKAGE}.OrdersService/GetOrders": 200,
    f"{PACKAGE}.OrdersService/PostOrderAsync": 450,
}
BURST_FRACTION = 0.1
_EPSILON = 1e-6


def method_key(full_method: str) -> str:
    """``/pkg.Service/Method`` or ``pkg.Service/Method`` → ``pkg.Service/Method`` (GetUserTariff's form)."""
    return full_method.lstrip("/")


def service_of(full_method: str) -> str:
    """The bare service name of a method path (``OrdersService``)."""
    return method_key(full_method).split("/", 1)[0].rsplit(".", 1)[-1]


@dataclass(frozen=True, slots=True)
class UnaryLimitInfo:
    """One GetUserTariff unary limit: the methods sharing it and their budgets."""

    methods: tuple[str, ...]
    limit_per_minute: int
    limit_per_second: int | None = None


class TokenBucket:
    """A token bucket: ``capacity`` tokens, refilled at ``rate`` per second, blockable until a time."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("token bucket needs a positive capacity and rate")
        self.capacity = capacity
        self.rate = rate
        self._tokens = capacity
        self._updated = now
        self._blocked_until = now

    def _refill(self, now: float) -> None:
        if now > self._updated:
            self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
            self._updated = now

    def wait_time(self, now: float) -> float:
        """Seconds until one token is available (0 when one is available now)."""
        self._refill(now)
        blocked = max(0.0, self._blocked_until - now)
        missing = 1.0 - self._tokens
        if missing <= _EPSILON:  # float refill can land a hair below a whole token
            missing = 0.0
        wait = max(blocked, missing / self.rate)
        return wait if wait > _EPSILON else 0.0

    def take(self, now: float) -> None:
        """Consume one token (call after ``wait_time`` returned 0)."""
        self._refill(now)
        self._tokens -= 1.0

    def block_until(self, until: float, now: float) -> None:
        """Empty the bucket and refuse tokens until ``until`` (the server's reset time)."""
        self._refill(now)
        self._tokens = 0.0
        self._updated = max(self._updated, until)
        self._blocked_until = max(self._blocked_until, until)


def _buckets_for(per_minute: int, per_second: int | None, now: float) -> list[TokenBucket]:
    burst = max(1.0, math.floor(per_minute * BURST_FRACTION))
    rate = max(per_minute - burst, 1.0) / 60.0
    buckets = [TokenBucket(burst, rate, now)]
    if per_second:
        buckets.append(TokenBucket(float(per_second), float(per_second), now))
    return buckets


class RateLimiter:
    """Per-group token buckets; ``acquire(method)`` waits for a token of the method's group."""

    def __init__(
        self,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        service_limits: dict[str, int] | None = None,
        method_limits: dict[str, int] | None = None,
    ) -> None:
        self._monotonic = monotonic
        self._sleep = sleep
        self._groups: dict[str, list[TokenBucket]] = {}
        self._method_group: dict[str, str] = {}
        now = monotonic()
        for service, limit in (service_limits or DEFAULT_SERVICE_LIMITS).items():
            self._groups[service] = _buckets_for(limit, None, now)
        for method, limit in (method_limits or DEFAULT_METHOD_LIMITS).items():
            self._groups[method] = _buckets_for(limit, None, now)
            self._method_group[method] = method

    def group_of(self, full_method: str) -> str:
        """The bucket group a method draws from (its own, its tariff group, or its service)."""
        key = method_key(full_method)
        return self._method_group.get(key, service_of(key))

    def configure(self, limits: Iterable[UnaryLimitInfo]) -> None:
        """Resize from GetUserTariff: each unary limit becomes one group shared by its methods."""
        now = self._monotonic()
        for index, limit in enumerate(limits):
            if limit.limit_per_minute <= 0 or not limit.methods:
                continue
            group = f"tariff#{index}"
            self._groups[group] = _buckets_for(limit.limit_per_minute, limit.limit_per_second, now)
            for method in limit.methods:
                self._method_group[method_key(method)] = group

    def limit_per_minute(self, full_method: str) -> float:
        """The configured per-minute budget of the method's group (burst + refill)."""
        buckets = self._groups.get(self.group_of(full_method))
        if not buckets:
            return math.inf
        return buckets[0].capacity + buckets[0].rate * 60.0

    async def acquire(self, full_method: str) -> float:
        """Wait until the method's group has a token and take it; returns the seconds waited."""
        group = self.group_of(full_method)
        buckets = self._groups.get(group)
        if not buckets:
            return 0.0
        waited = 0.0
        while True:
            now = self._monotonic()
            wait = max(bucket.wait_time(now) for bucket in buckets)
            if wait <= 0:
                for bucket in buckets:
                    bucket.take(now)
                return waited
            wait = max(wait, 1e-3)  # never spin on sub-millisecond waits
            await self._sleep(wait)
            waited += wait

    def penalise(self, full_method: str, reset_s: float) -> None:
        """The server said RESOURCE_EXHAUSTED: hold the group for ``reset_s`` seconds."""
        buckets = self._groups.get(self.group_of(full_method))
        if not buckets:
            return
        now = self._monotonic()
        for bucket in buckets:
            bucket.block_until(now + max(0.0, reset_s), now)
