"""Typed broker errors: gRPC status + the API's numeric code, tracking id and message.

On the wire an Invest API error is a gRPC status whose *details* hold the numeric API code as a string
(``'40003'``, may be empty for the per-minute limiter), with trailing metadata ``message`` (text),
``x-tracking-id`` (quote it to support) and ``x-ratelimit-reset`` (seconds). ``error_from_rpc`` turns an
``AioRpcError`` into one of the classes below. All are ``core.venue.VenueError`` subclasses; order
rejections and unknown outcomes are also ``OrderRejectedError``/``OutcomeUnknownError``. No error text
ever contains the token: every message passes through ``auth.scrub``.
"""

from __future__ import annotations

import grpc

from scalp_system.broker.auth import scrub
from scalp_system.core.venue import OrderRejectedError, OutcomeUnknownError, VenueError

INTERNAL_RETRYABLE_CODES = frozenset({"70001", "70002", "70003"})
# The request may have been executed although the call failed: resolve by key, never re-key.
OUTCOME_UNKNOWN_CODES = frozenset({"70002", "30057"})
DUPLICATE_ORDER_CODE = "30057"
AUTH_CODES = frozenset({"40002", "40003", "40004"})
STREAM_LIMIT_CODES = frozenset({"80001", "80004", "80005"})


class BrokerError(VenueError):
    """A failed broker call: ``status`` (gRPC code name), ``code`` (API code), ``tracking_id``,
    ``api_message`` (trailing ``message``), ``method`` and, when sent, ``ratelimit_reset_s``."""

    def __init__(
        self,
        message: str,
        *,
        status: str = "",
        code: str = "",
        tracking_id: str = "",
        api_message: str = "",
        method: str = "",
        ratelimit_reset_s: float | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(scrub(message), code=code, retryable=retryable, tracking_id=tracking_id)
        self.status = status
        self.api_message = scrub(api_message)
        self.method = method
        self.ratelimit_reset_s = ratelimit_reset_s


class BrokerAuthError(BrokerError):
    """UNAUTHENTICATED (40003: token missing or invalid) or PERMISSION_DENIED (40002/40004)."""


class BrokerRateLimitError(BrokerError):
    """RESOURCE_EXHAUSTED: a request or stream limit; wait ``ratelimit_reset_s`` before retrying."""


class BrokerUnavailableError(BrokerError):
    """UNAVAILABLE or an internal error 70001–70003: transient, retried with backoff."""


class BrokerTimeoutError(BrokerUnavailableError):
    """The call's deadline passed; the server may still have executed it."""


class BrokerNotFoundError(BrokerError):
    """NOT_FOUND (50002 instrument, 50004 account, 50005 order, ...)."""


class BrokerInvalidRequestError(BrokerError):
    """INVALID_ARGUMENT / FAILED_PRECONDITION / other final errors for a non-order request."""


class BrokerOrderRejectedError(BrokerError, OrderRejectedError):
    """The broker refused an order (30078 off tick, 30099 price band, 30034 funds, ...): final."""


class BrokerOutcomeUnknownError(BrokerError, OutcomeUnknownError):
    """The order may or may not exist (timeout, 70002, 30057) and could not be resolved by its key."""


class BrokerStreamError(BrokerError):
    """A stream failed for good (e.g. subscription refused); transient stream failures reconnect."""


def _metadata(exc: grpc.aio.AioRpcError) -> dict[str, str]:
    found: dict[str, str] = {}
    for source in (exc.initial_metadata(), exc.trailing_metadata()):
        if not source:
            continue
        for key, value in source:
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            found.setdefault(str(key).lower(), str(value))
    return found


def _reset_seconds(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None


def error_from_rpc(exc: grpc.aio.AioRpcError, method: str, *, order: bool = False) -> BrokerError:
    """Map a gRPC error to a typed BrokerError. ``order=True`` for PostOrder-like calls: final
    rejections become BrokerOrderRejectedError, ambiguous outcomes BrokerOutcomeUnknownError."""
    status = exc.code()
    details = (exc.details() or "").strip()
    code = details if details.isdigit() else ""
    meta = _metadata(exc)
    api_message = meta.get("message", "") or ("" if code else details)
    tracking_id = meta.get("x-tracking-id", "")
    reset = _reset_seconds(meta.get("x-ratelimit-reset"))
    name = status.name if status is not None else "UNKNOWN"
    text = f"{method}: {name}"
    if code:
        text += f" {code}"
    if api_message:
        text += f" {api_message}"
    if tracking_id:
        text += f" (tracking id {tracking_id})"

    def make(cls: type[BrokerError], retryable: bool = False) -> BrokerError:
        return cls(
            text,
            status=name,
            code=code,
            tracking_id=tracking_id,
            api_message=api_message,
            method=method,
            ratelimit_reset_s=reset,
            retryable=retryable,
        )

    if status == grpc.StatusCode.UNAUTHENTICATED or code in AUTH_CODES:
        return make(BrokerAuthError)
    if status == grpc.StatusCode.RESOURCE_EXHAUSTED:
        return make(BrokerRateLimitError, retryable=True)
    if order and code in OUTCOME_UNKNOWN_CODES:
        return make(BrokerOutcomeUnknownError, retryable=True)
    if status == grpc.StatusCode.DEADLINE_EXCEEDED:
        return make(BrokerTimeoutError, retryable=True)
    if status in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED) or code in INTERNAL_RETRYABLE_CODES:
        return make(BrokerUnavailableError, retryable=True)
    if status == grpc.StatusCode.NOT_FOUND:
        return make(BrokerNotFoundError)
    return make(BrokerOrderRejectedError if order else BrokerInvalidRequestError)
