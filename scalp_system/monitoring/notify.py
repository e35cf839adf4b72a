"""Notifications to people: Telegram, a JSON webhook and the console (SPEC §4).

``Notifier.notify`` never blocks and never raises: it drops the message into a per-channel queue.
Each channel has its own worker task, so a slow or failing channel delays only itself. Messages are
deduplicated by event key within a window, rate limited per channel, and retried with exponential
backoff (honouring Telegram's ``retry_after``). Tokens are secrets: they are registered for
redaction and never logged, even inside error texts that carry the request URL.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

import httpx

from scalp_system.core.redaction import redact, register_secret

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # httpx logs full URLs (with bot tokens) at INFO


class Severity(StrEnum):
    """How urgent a notification is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message for people. ``key`` identifies the event for deduplication."""

    key: str
    text: str
    severity: Severity = Severity.WARNING
    details: dict[str, str] = field(default_factory=dict)


class DeliveryError(Exception):
    """A channel could not deliver; ``retry_after_s`` when the server said when to retry."""

    def __init__(self, message: str, retry_after_s: float | None = None, permanent: bool = False) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
        self.permanent = permanent


class Channel(Protocol):
    """Somewhere notifications go."""

    name: str

    async def send(self, notification: Notification) -> None:
        """Deliver one message or raise DeliveryError."""
        ...


def _icon(severity: Severity) -> str:
    return {Severity.INFO: "ℹ️", Severity.WARNING: "⚠️", Severity.CRITICAL: "🛑"}[severity]


class ConsoleChannel:
    """Writes notifications to the log (always available, never fails)."""

    name = "console"

    async def send(self, notification: Notification) -> None:
        """Log the message at a level matching its severity."""
        level = {
            Severity.INFO: logging.INFO,
            Severity.WARNING: logging.WARNING,
            Severity.CRITICAL: logging.ERROR,
        }[notification.severity]
        log.log(level, "%s %s", _icon(notification.severity), notification.text)


class _HttpChannel:
    def __init__(self, timeout_s: float) -> None:
        self._client = httpx.AsyncClient(timeout=timeout_s)

    async def _post(self, url: str, payload: dict[str, object]) -> httpx.Response:
        try:
            response = await self._client.post(url, json=payload)
        except httpx.HTTPError as exc:
            raise DeliveryError(redact(f"{type(exc).__name__}: {exc}")) from None
        if response.status_code == 429:
            retry_after = _retry_after(response)
            raise DeliveryError("rate limited by server (429)", retry_after_s=retry_after)
        if 400 <= response.status_code < 500:
            raise DeliveryError(f"refused with HTTP {response.status_code}", permanent=True)
        if response.status_code >= 500:
            raise DeliveryError(f"server error HTTP {response.status_code}")
        return response

    async def close(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()


def _retry_after(response: httpx.Response) -> float | None:
    try:
        body = response.json()
        value = body.get("parameters", {}).get("retry_after")
        if value is not None:
            return float(value)
    except ValueError:
        pass
    header = response.headers.get("retry-after")
    try:
        return float(header) if header else None
    except ValueError:
        return None


class TelegramChannel(_HttpChannel):
    """Telegram Bot API ``sendMessage`` (base URL configurable for tests and proxies)."""

    name = "telegram"

    def __init__(
        self,
        bot_token: str,
        chat_id: str,
        *,
        base_url: str = "https://api.telegram.org",
        timeout_s: float = 5.0,
    ) -> None:
        super().__init__(timeout_s)
        register_secret(bot_token)
        self._url = f"{base_url.rstrip('/')}/bot{bot_token}/sendMessage"
        self._chat_id = chat_id

    def __repr__(self) -> str:
        return f"TelegramChannel(chat_id={self._chat_id!r}, token=***)"

    async def send(self, notification: Notification) -> None:
        """POST the message; Telegram answers ``{"ok": true}`` on success."""
        text = f"{_icon(notification.severity)} {notification.text}"
        response = await self._post(
            self._url, {"chat_id": self._chat_id, "text": text, "disable_web_page_preview": True}
        )
        try:
            ok = bool(response.json().get("ok", False))
        except ValueError:
            ok = False
        if not ok:
            raise DeliveryError("telegram answered without ok=true")


class WebhookChannel(_HttpChannel):
    """A generic JSON webhook: ``{"key", "severity", "text", "details", "ts"}``."""

    name = "webhook"

    def __init__(self, url: str, *, timeout_s: float = 5.0) -> None:
        super().__init__(timeout_s)
        self._url = url

    async def send(self, notification: Notification) -> None:
        """POST the notification as JSON; any 2xx is success."""
        await self._post(
            self._url,
            {
                "key": notification.key,
                "severity": str(notification.severity),
                "text": notification.text,
                "details": notification.details,
                "ts": time.time(),
            },
        )


@dataclass(slots=True)
class ChannelStats:
    """Counters per channel."""

    sent: int = 0
    failed: int = 0
    retried: int = 0
    dropped_rate_limited: int = 0
    dropped_queue_full: int = 0


class _RateLimiter:
    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._sent: deque[float] = deque()

    def allow(self, now: float) -> bool:
        while self._sent and now - self._sent[0] >= 60.0:
            self._sent.popleft()
        if len(self._sent) >= self._per_minute:
            return False
        self._sent.append(now)
        return True


class Notifier:
    """Fans notifications out to channels asynchronously, deduplicated and rate limited."""

    def __init__(
        self,
        channels: list[Channel],
        *,
        dedup_window_s: float = 60.0,
        rate_limit_per_min: int = 20,
        max_retries: int = 3,
        backoff_s: float = 0.5,
        queue_size: int = 1000,
    ) -> None:
        self.channels = channels
        self._dedup_window_s = dedup_window_s
        self._last_sent: dict[str, float] = {}
        self._max_retries = max_retries
        self._backoff_s = backoff_s
        self._queues: dict[str, asyncio.Queue[Notification]] = {}
        self._limiters = {c.name: _RateLimiter(rate_limit_per_min) for c in channels}
        self.stats = {c.name: ChannelStats() for c in channels}
        self.deduplicated = 0
        self._queue_size = queue_size
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        """Start one worker task per channel."""
        self._loop = asyncio.get_running_loop()
        for channel in self.channels:
            queue: asyncio.Queue[Notification] = asyncio.Queue(self._queue_size)
            self._queues[channel.name] = queue
            self._tasks.append(
                asyncio.create_task(self._worker(channel, queue), name=f"notify-{channel.name}")
            )

    def notify(self, notification: Notification) -> bool:
        """Queue a notification for every channel; False when deduplicated. Never blocks or raises."""
        now = time.monotonic()
        last = self._last_sent.get(notification.key)
        if last is not None and now - last < self._dedup_window_s:
            self.deduplicated += 1
            return False
        self._last_sent[notification.key] = now
        for channel in self.channels:
            queue = self._queues.get(channel.name)
            if queue is None:
                continue
            try:
                queue.put_nowait(notification)
            except asyncio.QueueFull:
                self.stats[channel.name].dropped_queue_full += 1
        return True

    def notify_threadsafe(self, key: str, text: str, severity: Severity = Severity.WARNING) -> None:
        """``notify`` from another thread (e.g. the storage writer's alerts)."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self.notify, Notification(key, text, severity))

    async def _worker(self, channel: Channel, queue: asyncio.Queue[Notification]) -> None:
        while True:
            notification = await queue.get()
            try:
                await self._deliver(channel, notification)
            except Exception as exc:  # a notifier must never take trading down
                log.warning("notification channel %s failed: %s", channel.name, redact(str(exc)))
            finally:
                queue.task_done()

    async def _deliver(self, channel: Channel, notification: Notification) -> None:
        stats = self.stats[channel.name]
        if not self._limiters[channel.name].allow(time.monotonic()):
            stats.dropped_rate_limited += 1
            return
        for attempt in range(self._max_retries + 1):
            try:
                await channel.send(notification)
                stats.sent += 1
                return
            except DeliveryError as exc:
                if exc.permanent or attempt == self._max_retries:
                    stats.failed += 1
                    log.warning("notification to %s not delivered: %s", channel.name, redact(str(exc)))
                    return
                stats.retried += 1
                delay = exc.retry_after_s if exc.retry_after_s is not None else self._backoff_s * 2**attempt
                await asyncio.sleep(delay)

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait until every queued notification was handled (or the timeout passes)."""
        try:
            await asyncio.wait_for(asyncio.gather(*(q.join() for q in self._queues.values())), timeout_s)
        except TimeoutError:
            log.info("notifications still pending after %.1fs", timeout_s)

    async def close(self) -> None:
        """Stop workers and close HTTP clients."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for channel in self.channels:
            closer = getattr(channel, "close", None)
            if closer is not None:
                await closer()
