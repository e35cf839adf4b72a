"""A supervised server stream: open, read under a watchdog, reconnect with backoff, publish events.

Invest API streams can go silent without an error (reference §10.1), so every read waits at most
``watchdog_s``; a stream that delivers neither data nor a ping for that long is cancelled and reopened.
Transient failures (UNAVAILABLE, RST_STREAM, GOAWAY, EOF, 80001/80004/80005) reconnect with
exponential backoff + jitter; authentication failures are final and surface from ``events()``.
``ConnectivityChanged`` events mark every down/up transition. Malformed messages are logged and
dropped, never allowed to end the loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from typing import Any, Generic, TypeVar

import grpc

from scalp_system.broker.convert import BrokerDataError
from scalp_system.broker.errors import BrokerAuthError, BrokerError, error_from_rpc
from scalp_system.broker.retry import Backoff
from scalp_system.core.clock import NS_PER_S, Clock
from scalp_system.core.events import ConnectivityChanged

log = logging.getLogger(__name__)
E = TypeVar("E")


class StreamSilentError(Exception):
    """The watchdog fired: no message or ping within the allowed time."""


class StreamEndedError(Exception):
    """The server closed the stream cleanly (EOF)."""


class RecentKeys:
    """A bounded set of recently seen keys, for dropping duplicates after reconnects."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._keys: OrderedDict[Hashable, None] = OrderedDict()
        self._capacity = capacity

    def add(self, key: Hashable) -> bool:
        """Remember ``key``; False when it was already known (a duplicate)."""
        if key in self._keys:
            self._keys.move_to_end(key)
            return False
        self._keys[key] = None
        if len(self._keys) > self._capacity:
            self._keys.popitem(last=False)
        return True

    def __contains__(self, key: object) -> bool:
        return key in self._keys


class _Fatal:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class SupervisedStream(ABC, Generic[E]):
    """Base for the market-data and order streams; subclasses open the call and turn messages
    into events. ``events()`` yields core events plus ``ConnectivityChanged``."""

    def __init__(
        self,
        name: str,
        endpoint: str,
        *,
        watchdog_s: float,
        backoff: Backoff,
        clock: Clock,
        queue_size: int = 100_000,
    ) -> None:
        self.name = name
        self.endpoint = endpoint
        self.watchdog_s = watchdog_s
        self.backoff = backoff
        self.clock = clock
        self.reconnects = 0
        self.dropped_messages = 0
        self.is_up = False
        self._queue: asyncio.Queue[E | ConnectivityChanged | _Fatal] = asyncio.Queue(queue_size)
        self._task: asyncio.Task[None] | None = None
        self._call: Any = None
        self._stopping = False
        self._connected_once = False
        self._last_message_ns = 0

    # --- subclass hooks ---------------------------------------------------------------------------

    @abstractmethod
    async def _open(self) -> Any:
        """Open the gRPC call and return it (must support ``read()`` and ``cancel()``)."""

    async def _on_open(self, call: Any) -> None:
        """Called right after opening (e.g. send subscriptions on a bidi stream)."""

    @abstractmethod
    async def _handle(self, message: Any) -> list[E]:
        """Turn one server message into events (may raise BrokerDataError for a bad message)."""

    async def _on_recovered(self) -> list[E]:
        """Called once the stream delivers again after a reconnect (e.g. backfill trades)."""
        return []

    # --- lifecycle --------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the supervising task (idempotent)."""
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._run(), name=f"stream:{self.name}")

    async def stop(self) -> None:
        """Cancel the stream and the supervising task."""
        self._stopping = True
        self._cancel_call()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    def force_reconnect(self, reason: str = "requested") -> None:
        """Drop the current call; the supervisor reconnects and resubscribes."""
        log.info("%s: forcing reconnect (%s)", self.name, reason)
        self._cancel_call()

    def _cancel_call(self) -> None:
        call, self._call = self._call, None
        if call is not None:
            call.cancel()

    @property
    def last_message_age_s(self) -> float:
        """Seconds since the last message or ping (inf before the first)."""
        if not self._last_message_ns:
            return float("inf")
        return (self.clock.now_ns() - self._last_message_ns) / NS_PER_S

    async def events(self) -> AsyncIterator[E | ConnectivityChanged]:
        """Events in arrival order; raises the fatal error (e.g. BrokerAuthError) if the stream gives up."""
        await self.start()
        while True:
            item = await self._queue.get()
            if isinstance(item, _Fatal):
                raise item.error
            yield item

    # --- the loop ---------------------------------------------------------------------------------

    def _publish(self, item: E | ConnectivityChanged | _Fatal) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped_messages += 1
            log.error("%s: event queue full, dropping an event (consumer too slow)", self.name)

    def _set_up(self, up: bool, reason: str) -> None:
        if up == self.is_up:
            return
        self.is_up = up
        self._publish(
            ConnectivityChanged(
                ts_ns=self.clock.now_ns(),
                up=up,
                endpoint=self.endpoint,
                reason=reason,
                details={"stream": self.name},
            )
        )

    async def _run(self) -> None:
        attempt = 0
        while not self._stopping:
            reason = ""
            try:
                self._call = call = await self._open()
                await self._on_open(call)
                await self._read_loop(call)
                reason = "stream ended"
            except StreamSilentError as exc:
                reason = str(exc)
            except grpc.aio.AioRpcError as exc:
                error = error_from_rpc(exc, self.name)
                if isinstance(error, BrokerAuthError):
                    self._set_up(False, str(error))
                    self._publish(_Fatal(error))
                    return
                reason = str(error)
            except BrokerAuthError as error:
                self._set_up(False, str(error))
                self._publish(_Fatal(error))
                return
            except asyncio.CancelledError:
                self._cancel_call()
                raise
            except (BrokerError, OSError, StreamEndedError) as exc:
                reason = f"{type(exc).__name__}: {exc}"
            except Exception as exc:
                log.exception("%s: unexpected failure; reconnecting", self.name)
                reason = f"unexpected {type(exc).__name__}"
            finally:
                self._cancel_call()
            if self._stopping:
                break
            if self.is_up:
                attempt = 0  # it had recovered: start the backoff afresh
            self._set_up(False, reason)
            delay = self.backoff.delay(attempt)
            attempt += 1
            self.reconnects += 1
            log.warning("%s: down (%s); reconnect %d in %.2f s", self.name, reason, self.reconnects, delay)
            await asyncio.sleep(delay)

    async def _read_loop(self, call: Any) -> None:
        recovering = self._connected_once
        while True:
            try:
                message = await asyncio.wait_for(call.read(), timeout=self.watchdog_s)
            except TimeoutError:
                raise StreamSilentError(f"watchdog: no message or ping for {self.watchdog_s:.1f} s") from None
            if message is grpc.aio.EOF:
                raise StreamEndedError("server closed the stream")
            self._last_message_ns = self.clock.now_ns()
            if not self.is_up:
                self._set_up(True, "reconnected" if self._connected_once else "connected")
                self._connected_once = True
            if recovering:
                recovering = False
                for event in await self._safe(self._on_recovered()):
                    self._publish(event)
            try:
                events = await self._handle(message)
            except (BrokerDataError, ValueError, KeyError) as exc:
                self.dropped_messages += 1
                log.warning("%s: dropped a malformed message: %s", self.name, exc)
                continue
            for event in events:
                self._publish(event)

    async def _safe(self, pending: Any) -> list[E]:
        try:
            result: list[E] = await pending
            return result
        except (BrokerError, BrokerDataError, ValueError) as exc:
            log.warning("%s: recovery step failed: %s", self.name, exc)
            return []
