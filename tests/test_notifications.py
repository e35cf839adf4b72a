"""Notifications against a REAL local HTTP server standing in for Telegram and a webhook.

The server is Python's ThreadingHTTPServer on loopback; the code under test uses its real httpx
client. Covered: delivery, slow servers, failing servers, 429 rate limiting, dedup, and that a
failing channel never blocks another nor the caller.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from scalp_system.monitoring.notify import (
    Notification,
    Notifier,
    Severity,
    TelegramChannel,
    WebhookChannel,
)

BOT_TOKEN = "123456:CANARY-bot-token-xyz"


@dataclass
class ServerBehaviour:
    """What the fake-for-real server does: status codes to return in order, delay per request."""

    statuses: list[int] = field(default_factory=list)
    delay_s: float = 0.0
    requests: list[tuple[str, dict[str, object]]] = field(default_factory=list)


def _handler(behaviour: ServerBehaviour) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("content-length", 0))
            body = json.loads(self.rfile.read(length) or b"{}")
            behaviour.requests.append((self.path, body))
            if behaviour.delay_s:
                time.sleep(behaviour.delay_s)
            status = behaviour.statuses.pop(0) if behaviour.statuses else 200
            payload: dict[str, object] = {"ok": status == 200}
            if status == 429:
                payload["parameters"] = {"retry_after": 0.05}
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, ServerBehaviour]]:
    behaviour = ServerBehaviour()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(behaviour))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", behaviour
    httpd.shutdown()
    httpd.server_close()


async def _run(notifier: Notifier, *notes: Notification, drain_s: float = 5.0) -> None:
    await notifier.start()
    for note in notes:
        notifier.notify(note)
    await notifier.drain(drain_s)
    await notifier.close()


async def test_telegram_send_message_is_posted_with_chat_and_text(
    server: tuple[str, ServerBehaviour],
) -> None:
    url, behaviour = server
    channel = TelegramChannel(BOT_TOKEN, "42", base_url=url)
    notifier = Notifier([channel])
    await _run(notifier, Notification("halt", "Emergency halt: daily loss -2.1%", Severity.CRITICAL))
    path, body = behaviour.requests[0]
    assert path == f"/bot{BOT_TOKEN}/sendMessage"
    assert body["chat_id"] == "42" and "Emergency halt" in str(body["text"])
    assert notifier.stats["telegram"].sent == 1


async def test_webhook_receives_json_with_key_and_severity(server: tuple[str, ServerBehaviour]) -> None:
    url, behaviour = server
    notifier = Notifier([WebhookChannel(url + "/hook")])
    await _run(notifier, Notification("drift", "Drift critical on 3 features", Severity.CRITICAL, {"n": "3"}))
    assert behaviour.requests[0][1]["key"] == "drift"
    assert behaviour.requests[0][1]["severity"] == "critical"


async def test_same_event_key_within_the_window_is_sent_once(server: tuple[str, ServerBehaviour]) -> None:
    url, behaviour = server
    notifier = Notifier([WebhookChannel(url)], dedup_window_s=60)
    await _run(notifier, *(Notification("breaker:REJECT_RATE", "rejects") for _ in range(5)))
    assert len(behaviour.requests) == 1
    assert notifier.deduplicated == 4


async def test_failing_server_is_retried_with_backoff_then_succeeds(
    server: tuple[str, ServerBehaviour],
) -> None:
    url, behaviour = server
    behaviour.statuses = [500, 502]
    notifier = Notifier([WebhookChannel(url)], backoff_s=0.01)
    await _run(notifier, Notification("x", "text"))
    assert len(behaviour.requests) == 3
    assert notifier.stats["webhook"].sent == 1 and notifier.stats["webhook"].retried == 2


async def test_telegram_429_waits_retry_after_and_resends(server: tuple[str, ServerBehaviour]) -> None:
    url, behaviour = server
    behaviour.statuses = [429]
    notifier = Notifier([TelegramChannel(BOT_TOKEN, "1", base_url=url)], backoff_s=5.0)
    started = time.monotonic()
    await _run(notifier, Notification("x", "text"))
    assert notifier.stats["telegram"].sent == 1
    assert time.monotonic() - started < 2.0  # used retry_after (0.05 s), not the 5 s backoff


async def test_client_errors_are_not_retried(server: tuple[str, ServerBehaviour]) -> None:
    url, behaviour = server
    behaviour.statuses = [403]
    notifier = Notifier([WebhookChannel(url)], backoff_s=0.01)
    await _run(notifier, Notification("x", "text"))
    assert len(behaviour.requests) == 1 and notifier.stats["webhook"].failed == 1


async def test_channel_rate_limit_drops_excess_messages(server: tuple[str, ServerBehaviour]) -> None:
    url, behaviour = server
    notifier = Notifier([WebhookChannel(url)], rate_limit_per_min=3)
    await _run(notifier, *(Notification(f"k{i}", "t") for i in range(6)))
    assert len(behaviour.requests) == 3
    assert notifier.stats["webhook"].dropped_rate_limited == 3


async def test_slow_channel_does_not_block_the_caller_or_other_channels(
    server: tuple[str, ServerBehaviour],
) -> None:
    url, behaviour = server
    behaviour.delay_s = 1.0
    slow = WebhookChannel(url, timeout_s=5)
    fast_log: list[str] = []

    class Recording:
        name = "recording"

        async def send(self, notification: Notification) -> None:
            fast_log.append(notification.key)

    notifier = Notifier([slow, Recording()])
    await notifier.start()
    started = time.monotonic()
    notifier.notify(Notification("a", "first"))
    notifier.notify(Notification("b", "second"))
    assert time.monotonic() - started < 0.05  # notify never waits
    await asyncio.sleep(0.2)
    assert fast_log == ["a", "b"]  # the fast channel finished while the slow one still works
    await notifier.close()


async def test_unreachable_server_never_raises_to_the_caller() -> None:
    notifier = Notifier(
        [WebhookChannel("http://127.0.0.1:9/nothing", timeout_s=0.5)], max_retries=1, backoff_s=0.01
    )
    await _run(notifier, Notification("x", "text"))
    assert notifier.stats["webhook"].failed == 1


async def test_bot_token_never_appears_in_logs(
    server: tuple[str, ServerBehaviour], caplog: pytest.LogCaptureFixture
) -> None:
    url, behaviour = server
    behaviour.statuses = [500, 500, 500, 500]
    caplog.set_level("DEBUG")
    channel = TelegramChannel(BOT_TOKEN, "1", base_url=url)
    notifier = Notifier([channel], max_retries=1, backoff_s=0.01)
    await _run(notifier, Notification("x", "text"))
    unreachable = Notifier([TelegramChannel(BOT_TOKEN, "1", base_url="http://127.0.0.1:9")], max_retries=0)
    await _run(unreachable, Notification("y", "text"))
    assert BOT_TOKEN not in caplog.text
    assert BOT_TOKEN not in repr(channel)
