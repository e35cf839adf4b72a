"""What every server stream of the exchange shares: one writer, pings, stalls and resets.

A ``StreamSession`` owns one outgoing queue and is the only writer of its call. Producers (event
listeners, the ping timer, request handlers) only ``send`` — put without awaiting. The writer
drops what falls into an injected silent stall (a dead real stream delivers nothing, not even
pings, yet stays open) and ends the call with the injected status on a stream reset. Order-state
and trade streams may also duplicate or swap consecutive messages when those faults are on.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any

import grpc
from google.protobuf.message import Message
from grpc import aio

from scalp_system.broker.convert import timestamp_msg as timestamp
from scalp_system.broker.proto.generated import common_pb2
from scalp_system.exchange.faults import FaultSwitches, StreamKind

_log = logging.getLogger("scalp_system.exchange")

MIN_PING_MS = 100  # the real API allows 1 000 / 5 000 ms minimum; tests need faster pings
MAX_PING_MS = 180_000
_REORDER_FLUSH_S = 0.2


class _Abort:
    __slots__ = ("code", "details", "message")

    def __init__(self, code: grpc.StatusCode, details: str, message: str) -> None:
        self.code = code
        self.details = details
        self.message = message


def clamp_ping_ms(value: int) -> int:
    """A client's ping interval, kept within what the exchange serves."""
    return max(MIN_PING_MS, min(MAX_PING_MS, value))


class StreamSession:
    """One open server stream: its queue, its pings, its fault handling."""

    def __init__(
        self, faults: FaultSwitches, kind: StreamKind, ping_ms: int, *, content_faults: bool = False
    ) -> None:
        self.faults = faults
        self.kind = kind
        self.stream_id = uuid.uuid4().hex
        self.ping_ms = clamp_ping_ms(ping_ms)
        self.opened_at = time.monotonic()
        self.messages_sent = 0
        self.messages_dropped = 0
        self._content_faults = content_faults
        self._queue: asyncio.Queue[Message | _Abort] = asyncio.Queue()
        self._held: Message | None = None
        self._held_timer: asyncio.TimerHandle | None = None
        self._ping_changed = asyncio.Event()
        self._unregister_reset = faults.on_reset(self._on_reset)

    # --- producing ---------------------------------------------------------------------------
    def send(self, message: Message) -> None:
        """Queue one message (content faults applied for order-state and trade streams)."""
        if not self._content_faults:
            self._queue.put_nowait(message)
            return
        if self.faults.reorder_stream_messages:
            if self._held is None:
                self._held = message
                self._held_timer = asyncio.get_running_loop().call_later(_REORDER_FLUSH_S, self._flush_held)
                return
            self.faults.count("reordered_message")
            self._put_maybe_twice(message)
            self._flush_held()
            return
        self._flush_held()
        self._put_maybe_twice(message)

    def _put_maybe_twice(self, message: Message) -> None:
        self._queue.put_nowait(message)
        if self.faults.duplicate_stream_messages:
            self.faults.count("duplicated_message")
            self._queue.put_nowait(message)

    def _flush_held(self) -> None:
        if self._held_timer is not None:
            self._held_timer.cancel()
            self._held_timer = None
        if self._held is not None:
            held, self._held = self._held, None
            self._put_maybe_twice(held)

    def backlog(self) -> int:
        """Messages queued but not yet written."""
        return self._queue.qsize()

    def set_ping_ms(self, ping_ms: int) -> None:
        """Change the ping interval (restarts the ping timer)."""
        self.ping_ms = clamp_ping_ms(ping_ms)
        self._ping_changed.set()

    def ping_message(self, request_time: Any = None) -> common_pb2.Ping:
        """A Ping with server time and this stream's id (echoing the client's time when asked)."""
        ping = common_pb2.Ping(time=timestamp(time.time_ns()), stream_id=self.stream_id)
        if request_time is not None:
            ping.ping_request_time.CopyFrom(request_time)
        return ping

    def wrap_ping(self, ping: common_pb2.Ping) -> Message:
        """Put a Ping into this stream's response type (overridden by each stream)."""
        raise NotImplementedError

    def close(self, code: grpc.StatusCode, details: str, message: str) -> None:
        """End the stream with this status once the writer gets to it."""
        self._queue.put_nowait(_Abort(code, details, message))

    def _on_reset(self, code: grpc.StatusCode, kinds: frozenset[StreamKind]) -> None:
        if self.kind in kinds:
            self.close(code, "", "stream reset by the server")

    # --- running -----------------------------------------------------------------------------
    async def ping_loop(self) -> None:
        """Send a Ping every ``ping_ms`` (restarting when the client changes the interval)."""
        while True:
            self._ping_changed.clear()
            try:
                await asyncio.wait_for(self._ping_changed.wait(), timeout=self.ping_ms / 1000)
            except TimeoutError:
                self._queue.put_nowait(self.wrap_ping(self.ping_message()))

    async def write_loop(self, context: aio.ServicerContext[Any, Any]) -> None:
        """Write queued messages until the call ends; honours stalls and resets."""
        while True:
            item = await self._queue.get()
            if isinstance(item, _Abort):
                await context.abort(item.code, item.details, trailing_metadata=(("message", item.message),))
                return
            if self.faults.stalled_until(self.kind, self.opened_at) is not None:
                self.messages_dropped += 1
                continue
            await context.write(item)
            self.messages_sent += 1

    def dispose(self) -> None:
        """Forget fault listeners and timers (the call is over)."""
        self._unregister_reset()
        if self._held_timer is not None:
            self._held_timer.cancel()


async def run_session(
    session: StreamSession, context: aio.ServicerContext[Any, Any], *helpers: asyncio.Task[Any]
) -> None:
    """Write the session's messages in the handler's own task until the call ends.

    The pinger and the ``helpers`` (request readers, book pumps) run beside it; a helper that
    fails ends the stream with INTERNAL 70001 instead of leaving it silently half-dead.
    """
    tasks = [asyncio.create_task(session.ping_loop()), *helpers]

    def on_helper_done(task: asyncio.Task[Any]) -> None:
        if not task.cancelled() and task.exception() is not None:
            _log.error("stream helper failed: %r", task.exception())
            session.close(grpc.StatusCode.INTERNAL, "70001", "internal error")

    for task in tasks:
        task.add_done_callback(on_helper_done)
    try:
        await session.write_loop(context)
    finally:
        for task in tasks:
            task.remove_done_callback(on_helper_done)
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        session.dispose()
