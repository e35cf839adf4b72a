"""Fault injection for the local exchange: the failures the real Invest API shows (reference §10).

A ``FaultPlan`` sets faults when the exchange starts; ``FaultSwitches`` (``LocalExchange.faults``)
flips them at run time. Faults cover the transport (silent stream stalls with the connection left
open, stream resets, UNAVAILABLE bursts, RESOURCE_EXHAUSTED 80002 with a reset time, slow and lost
PostOrder acknowledgements) and the data (duplicated and reordered order-state/trade messages,
``is_consistent=false`` books, crossed books, malformed values). Every injected fault is counted
in ``FaultSwitches.injected`` so a test can prove that it happened.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum

import grpc


class StreamKind(StrEnum):
    """The server streams a fault can target."""

    MARKET_DATA = "market_data"
    ORDER_STATE = "order_state"
    TRADES = "trades"


ALL_STREAMS: frozenset[StreamKind] = frozenset(StreamKind)


class BookFault(StrEnum):
    """What is wrong with one outgoing order book message."""

    INCONSISTENT = "inconsistent"  # is_consistent=false
    CROSSED = "crossed"  # best bid above best ask
    GARBAGE = "garbage"  # off-tick prices, negative sizes


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """Faults active from the start (all off by default). Ratios are per message, 0..1."""

    unavailable_calls: int = 0
    resource_exhausted_calls: int = 0
    resource_exhausted_reset_s: int = 5
    ack_delay_s: float = 0.0
    lost_post_order_responses: int = 0
    lost_response_code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    duplicate_stream_messages: bool = False
    reorder_stream_messages: bool = False
    inconsistent_book_ratio: float = 0.0
    crossed_book_ratio: float = 0.0
    garbage_ratio: float = 0.0
    stall_after_s: float | None = None
    stall_for_s: float = 0.0
    reset_streams_after_s: float | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("inconsistent_book_ratio", "crossed_book_ratio", "garbage_ratio"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"FaultPlan.{name} = {value} — must be within 0..1")
        for name in ("unavailable_calls", "resource_exhausted_calls", "lost_post_order_responses"):
            if getattr(self, name) < 0:
                raise ValueError(f"FaultPlan.{name} must not be negative")


@dataclass(frozen=True, slots=True)
class UnaryFault:
    """How one unary call fails instead of being served."""

    status: grpc.StatusCode
    details: str
    message: str
    reset_s: int = 0


@dataclass(frozen=True, slots=True)
class _Stall:
    started: float
    until: float
    kinds: frozenset[StreamKind]


ResetListener = Callable[[grpc.StatusCode, frozenset[StreamKind]], None]


class FaultSwitches:
    """The run-time fault switches of one exchange. Not thread-safe: use from the event loop."""

    def __init__(self, plan: FaultPlan | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._plan = plan or FaultPlan()
        self._random = random.Random(self._plan.seed)
        self._stalls: list[_Stall] = []
        self._reset_listeners: list[ResetListener] = []
        self._scheduled: list[asyncio.TimerHandle] = []
        self.injected: Counter[str] = Counter()
        self._apply(self._plan)

    # --- configuration -----------------------------------------------------------------------
    @property
    def plan(self) -> FaultPlan:
        """The plan the exchange started with."""
        return self._plan

    def clear(self) -> None:
        """Turn every fault off (stalls end now; the start plan is not re-armed)."""
        self._apply(FaultPlan(seed=self._plan.seed))
        self._stalls.clear()

    def _apply(self, plan: FaultPlan) -> None:
        self._unavailable_left = plan.unavailable_calls
        self._exhausted_left = plan.resource_exhausted_calls
        self._exhausted_reset_s = plan.resource_exhausted_reset_s
        self.ack_delay_s = plan.ack_delay_s
        self._lost_left = plan.lost_post_order_responses
        self._lost_code = plan.lost_response_code
        self.duplicate_stream_messages = plan.duplicate_stream_messages
        self.reorder_stream_messages = plan.reorder_stream_messages
        self.inconsistent_book_ratio = plan.inconsistent_book_ratio
        self.crossed_book_ratio = plan.crossed_book_ratio
        self.garbage_ratio = plan.garbage_ratio

    def schedule(self, loop: asyncio.AbstractEventLoop) -> None:
        """Arm the start plan's timed faults (stall after N s, reset after N s) on the running loop."""
        plan = self._plan
        if plan.stall_after_s is not None and plan.stall_for_s > 0:
            self._scheduled.append(loop.call_later(plan.stall_after_s, self.stall_streams, plan.stall_for_s))
        if plan.reset_streams_after_s is not None:
            self._scheduled.append(loop.call_later(plan.reset_streams_after_s, self.reset_streams))

    def cancel_schedule(self) -> None:
        """Drop timed faults that have not fired yet (exchange shutdown)."""
        for handle in self._scheduled:
            handle.cancel()
        self._scheduled.clear()

    # --- unary calls -------------------------------------------------------------------------
    def fail_next_unary(self, calls: int) -> None:
        """The next ``calls`` unary calls fail with UNAVAILABLE (an outage burst)."""
        self._unavailable_left = calls

    def exhaust_next_unary(self, calls: int, reset_s: int = 5) -> None:
        """The next ``calls`` unary calls fail with RESOURCE_EXHAUSTED 80002, reset in ``reset_s``."""
        self._exhausted_left = calls
        self._exhausted_reset_s = reset_s

    def take_unary_fault(self) -> UnaryFault | None:
        """Consume the fault for the unary call now arriving, if any is armed."""
        if self._unavailable_left > 0:
            self._unavailable_left -= 1
            self.injected["unavailable"] += 1
            return UnaryFault(grpc.StatusCode.UNAVAILABLE, "", "service temporarily unavailable")
        if self._exhausted_left > 0:
            self._exhausted_left -= 1
            self.injected["resource_exhausted"] += 1
            return UnaryFault(
                grpc.StatusCode.RESOURCE_EXHAUSTED,
                "80002",
                "request limit exceeded",
                reset_s=self._exhausted_reset_s,
            )
        return None

    def set_ack_delay(self, seconds: float) -> None:
        """Delay every PostOrder response by ``seconds`` (slow acknowledgements); 0 turns it off."""
        if seconds < 0:
            raise ValueError("ack delay must not be negative")
        self.ack_delay_s = seconds

    def lose_next_post_order_responses(
        self, calls: int, code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE
    ) -> None:
        """The next ``calls`` PostOrders are placed, but the caller gets an error instead of the ack.

        ``code`` is UNAVAILABLE, INTERNAL (sent with 70002) or DEADLINE_EXCEEDED (the server holds
        the response until the caller's deadline has passed).
        """
        self._lost_left = calls
        self._lost_code = code

    def take_lost_response(self) -> grpc.StatusCode | None:
        """Consume one lost-response fault for the PostOrder being answered, if armed."""
        if self._lost_left <= 0:
            return None
        self._lost_left -= 1
        self.injected["lost_post_order_response"] += 1
        return self._lost_code

    # --- streams -----------------------------------------------------------------------------
    def stall_streams(self, seconds: float, kinds: Collection[StreamKind] = ALL_STREAMS) -> None:
        """Streams open now go silent for ``seconds``: no data, no pings, no error, connection open.

        Messages due during the stall are lost (as on a dead real stream); streams opened after
        this call are not affected, so a client that reconnects gets data again.
        """
        now = self._clock()
        self._stalls = [stall for stall in self._stalls if stall.until > now]
        self._stalls.append(_Stall(started=now, until=now + seconds, kinds=frozenset(kinds)))
        self.injected["stall"] += 1

    def stalled_until(self, kind: StreamKind, opened_at: float) -> float | None:
        """When a stream of ``kind`` opened at ``opened_at`` may speak again, or None if not stalled."""
        now = self._clock()
        until = [
            s.until for s in self._stalls if kind in s.kinds and s.started >= opened_at and s.until > now
        ]
        return max(until) if until else None

    def on_reset(self, listener: ResetListener) -> Callable[[], None]:
        """Register a stream to be told about resets; returns the function that unregisters it."""
        self._reset_listeners.append(listener)

        def remove() -> None:
            if listener in self._reset_listeners:
                self._reset_listeners.remove(listener)

        return remove

    def reset_streams(
        self, code: grpc.StatusCode = grpc.StatusCode.UNAVAILABLE, kinds: Collection[StreamKind] = ALL_STREAMS
    ) -> None:
        """Abort every open stream of ``kinds`` with ``code`` (as a GOAWAY / RST_STREAM would)."""
        self.injected["stream_reset"] += 1
        for listener in list(self._reset_listeners):
            listener(code, frozenset(kinds))

    # --- stream content ----------------------------------------------------------------------
    def set_duplicate_stream_messages(self, enabled: bool) -> None:
        """Send every order-state and trade stream message twice."""
        self.duplicate_stream_messages = enabled

    def set_reorder_stream_messages(self, enabled: bool) -> None:
        """Swap consecutive order-state and trade stream messages (the later one arrives first)."""
        self.reorder_stream_messages = enabled

    def set_book_faults(
        self, *, inconsistent: float = 0.0, crossed: float = 0.0, garbage: float = 0.0
    ) -> None:
        """Fractions (0..1) of outgoing book messages that are inconsistent, crossed or malformed."""
        for name, value in (("inconsistent", inconsistent), ("crossed", crossed), ("garbage", garbage)):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} ratio {value} must be within 0..1")
        self.inconsistent_book_ratio = inconsistent
        self.crossed_book_ratio = crossed
        self.garbage_ratio = garbage

    def draw_book_fault(self) -> BookFault | None:
        """Decide what (if anything) is wrong with the next book message."""
        for fault, ratio in (
            (BookFault.GARBAGE, self.garbage_ratio),
            (BookFault.CROSSED, self.crossed_book_ratio),
            (BookFault.INCONSISTENT, self.inconsistent_book_ratio),
        ):
            if ratio > 0 and self._random.random() < ratio:
                self.injected[f"book_{fault.value}"] += 1
                return fault
        return None

    def draw_trade_garbage(self) -> bool:
        """Whether the next public trade message carries malformed values."""
        if self.garbage_ratio > 0 and self._random.random() < self.garbage_ratio:
            self.injected["trade_garbage"] += 1
            return True
        return False

    def count(self, what: str) -> None:
        """Record that a content fault (duplicate, reorder) was applied."""
        self.injected[what] += 1
