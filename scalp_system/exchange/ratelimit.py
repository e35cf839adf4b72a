"""Per-minute order limit (error 80002) with what the ``x-ratelimit-*`` headers need.

A fixed window per caller key (the account): it opens at the caller's first request, counts every
PostOrder in the next 60 s, and resets when that minute is over — the shape of the broker's own
limiter as its headers describe it (limit, remaining, seconds to reset).
"""

from __future__ import annotations

from scalp_system.core.clock import NS_PER_S
from scalp_system.exchange.errors import ExchangeReject, RateLimitInfo, RejectCode


class MinuteRateLimiter:
    """Allows ``limit`` requests per key in each 60-second window."""

    def __init__(self, limit: int, window_ns: int = 60 * NS_PER_S) -> None:
        if limit < 1:
            raise ValueError(f"rate limit must be at least 1 per window, got {limit}")
        self.limit = limit
        self.window_ns = window_ns
        self._windows: dict[str, tuple[int, int]] = {}  # key -> (window start ns, count)

    def _window(self, key: str, ts_ns: int) -> tuple[int, int]:
        start, count = self._windows.get(key, (ts_ns, 0))
        if ts_ns >= start + self.window_ns or ts_ns < start:
            start, count = ts_ns, 0
        return start, count

    def _info(self, start: int, count: int, ts_ns: int) -> RateLimitInfo:
        left_ns = max(start + self.window_ns - ts_ns, 0)
        reset_s = max(1, -(-left_ns // NS_PER_S))
        return RateLimitInfo(limit=self.limit, remaining=max(self.limit - count, 0), reset_s=reset_s)

    def peek(self, key: str, ts_ns: int) -> RateLimitInfo:
        """The header values for ``key`` now, without counting a request."""
        start, count = self._window(key, ts_ns)
        return self._info(start, count, ts_ns)

    def acquire(self, key: str, ts_ns: int) -> RateLimitInfo:
        """Count one request; raises ExchangeReject 80002 (with the header values) when over the limit."""
        start, count = self._window(key, ts_ns)
        if count >= self.limit:
            self._windows[key] = (start, count)
            info = self._info(start, count, ts_ns)
            raise ExchangeReject(
                RejectCode.RATE_LIMIT,
                f"request limit of {self.limit} orders per minute exceeded; resets in {info.reset_s} s",
                rate_limit=info,
            )
        self._windows[key] = (start, count + 1)
        return self._info(start, count + 1, ts_ns)
