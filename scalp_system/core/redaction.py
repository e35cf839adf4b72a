"""Process-wide secret redaction: every secret the system loads is registered here, and every
text that leaves the process through logs, audit lines, errors or files can be scrubbed of it.

Registering happens where a secret is loaded (the broker token loader, notification tokens); the
logging filter installed by ``install_log_filter`` scrubs every log record's message and arguments.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

REDACTED = "***"
_SECRET_KEYS = ("token", "authorization", "password", "secret", "api_key", "apikey")
_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Remember a secret value so it is scrubbed wherever it would appear (ignores short values)."""
    if value and len(value) >= 6:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    if not _secrets:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


def redact_mapping(details: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``details`` with secret-looking keys masked and secret values scrubbed, recursively."""
    clean: dict[str, Any] = {}
    for key, value in details.items():
        if any(marker in key.lower() for marker in _SECRET_KEYS):
            clean[key] = REDACTED
        elif isinstance(value, Mapping):
            clean[key] = redact_mapping(value)
        elif isinstance(value, str):
            clean[key] = redact(value)
        elif isinstance(value, list | tuple):
            clean[key] = [redact(v) if isinstance(v, str) else v for v in value]
        else:
            clean[key] = value
    return clean


class RedactingFilter(logging.Filter):
    """A logging filter that scrubs registered secrets from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message in place; never drops a record."""
        if _secrets:
            message = record.getMessage()
            cleaned = redact(message)
            if cleaned != message:
                record.msg, record.args = cleaned, None
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
        return True


def install_log_filter(logger: logging.Logger | None = None) -> None:
    """Attach the redacting filter to the root logger's handlers (and the logger itself)."""
    target = logger or logging.getLogger()
    redacting = RedactingFilter()
    target.addFilter(redacting)
    for handler in target.handlers:
        handler.addFilter(redacting)
