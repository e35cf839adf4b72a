"""Client-side token buckets per method group, on a simulated clock."""

from __future__ import annotations

import pytest

from scalp_system.broker.ratelimit import PACKAGE, RateLimiter, UnaryLimitInfo
from scalp_system.broker.retry import Backoff

POST = f"/{PACKAGE}.OrdersService/PostOrder"
BOOK = f"/{PACKAGE}.MarketDataService/GetOrderBook"
CANDLES = f"/{PACKAGE}.MarketDataService/GetCandles"


class FakeTime:
    """A simulated monotonic clock whose sleep just advances it (no real waiting)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def limiter(clock: FakeTime) -> RateLimiter:
    return RateLimiter(monotonic=clock.monotonic, sleep=clock.sleep)


async def test_no_sixty_second_window_exceeds_the_per_minute_limit() -> None:
    clock = FakeTime()
    rl = limiter(clock)
    sent: list[float] = []
    for _ in range(700):
        await rl.acquire(POST)
        sent.append(clock.now)
    worst = max(sum(1 for t in sent if start <= t < start + 60) for start in sent)
    assert worst <= 300


async def test_a_burst_within_the_burst_allowance_does_not_wait() -> None:
    clock = FakeTime()
    rl = limiter(clock)
    for _ in range(30):  # 10 % of PostOrder's 300/min
        await rl.acquire(POST)
    assert clock.slept == []


async def test_methods_of_one_service_share_a_bucket() -> None:
    clock = FakeTime()
    rl = limiter(clock)
    assert rl.group_of(BOOK) == rl.group_of(CANDLES) == "MarketDataService"
    assert rl.group_of(POST) != rl.group_of(f"/{PACKAGE}.OrdersService/GetOrderState")


async def test_penalty_holds_the_group_until_the_server_reset() -> None:
    clock = FakeTime()
    rl = limiter(clock)
    rl.penalise(BOOK, 25.0)
    start = clock.now
    await rl.acquire(CANDLES)
    assert clock.now - start >= 25.0


async def test_tariff_resizes_the_groups() -> None:
    clock = FakeTime()
    rl = limiter(clock)
    rl.configure(
        [
            UnaryLimitInfo(
                methods=(f"{PACKAGE}.MarketDataService/GetOrderBook",),
                limit_per_minute=60,
                limit_per_second=2,
            )
        ]
    )
    assert rl.limit_per_minute(BOOK) == pytest.approx(60)
    assert rl.group_of(CANDLES) == "MarketDataService"  # untouched methods keep their service group
    for _ in range(6):
        await rl.acquire(BOOK)
    assert clock.now - 1000.0 >= 1.0  # at most 2 per second


def test_backoff_grows_exponentially_with_bounded_jitter() -> None:
    import random

    backoff = Backoff(base_s=0.1, cap_s=2.0, rng=random.Random(1))
    delays = [backoff.delay(n) for n in range(8)]
    for n, delay in enumerate(delays):
        ceiling = min(2.0, 0.1 * 2**n)
        assert ceiling / 2 <= delay <= ceiling
