"""The call gate: one server interceptor in front of every rpc of the local exchange.

For each call it checks the bearer token (UNAUTHENTICATED 40003 with ``message`` metadata, as the
real API answers), applies the unary fault switches (UNAVAILABLE bursts, injected 80002), counts
the call against its rate-limit group (80002 with ``x-ratelimit-*``), sends the ``x-tracking-id``
and ``x-ratelimit-*`` headers, and turns an ``ExchangeReject`` raised by a servicer into the
matching gRPC status with the API code as details. Streams get the token check and the
open-stream limit (80001). Servicers therefore contain only the business of their rpc.
"""

from __future__ import annotations

import contextvars
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn

import grpc
from grpc import aio

from scalp_system.exchange.auth import AUTH_FAILED_CODE, AUTH_FAILED_MESSAGE, TokenVerifier
from scalp_system.exchange.errors import ExchangeReject, RateLimitInfo
from scalp_system.exchange.faults import FaultSwitches
from scalp_system.exchange.services.errors import (
    INTERNAL_ERROR,
    STREAM_LIMIT,
    rate_limit_headers,
    status_for_code,
)
from scalp_system.exchange.services.limits import RateLimiter, StreamCounter

_log = logging.getLogger("scalp_system.exchange")

_TRACKING_ID: contextvars.ContextVar[str] = contextvars.ContextVar("tracking_id", default="")

Metadata = tuple[tuple[str, str], ...]


def current_tracking_id() -> str:
    """The tracking id of the unary call being served (empty outside a call)."""
    return _TRACKING_ID.get()


def new_tracking_id() -> str:
    """A fresh request id, as the real API's ``x-tracking-id``."""
    return uuid.uuid4().hex


async def abort(
    context: aio.ServicerContext[Any, Any],
    status: grpc.StatusCode,
    code: str,
    message: str,
    extra: Metadata = (),
) -> NoReturn:
    """End the call with ``status``, details ``code`` and trailing ``message`` (+ ``extra``)."""
    await context.abort(status, code, trailing_metadata=(("message", message), *extra))
    raise AssertionError("unreachable: context.abort raises")  # pragma: no cover


class CallGate(aio.ServerInterceptor):  # type: ignore[misc]  # grpc ships no type information here
    """Auth, rate limits, unary faults, tracking ids and error mapping for every call."""

    def __init__(
        self, verifier: TokenVerifier, faults: FaultSwitches, limiter: RateLimiter, streams: StreamCounter
    ) -> None:
        self._verifier = verifier
        self._faults = faults
        self._limiter = limiter
        self._streams = streams

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        """Wrap the servicer's behaviour of this call in the gate's checks."""
        handler = await continuation(handler_call_details)
        if handler is None:
            return handler
        method: str = handler_call_details.method  # type: ignore[attr-defined]
        authorized = self._verifier.accepts(handler_call_details.invocation_metadata)  # type: ignore[attr-defined]
        replace: Any = handler._replace  # type: ignore[attr-defined]  # grpc's handlers are namedtuples
        if handler.unary_unary is not None:
            return replace(unary_unary=self._unary(method, handler.unary_unary, authorized))  # type: ignore[no-any-return]
        if handler.unary_stream is not None:
            return replace(unary_stream=self._stream(method, handler.unary_stream, authorized))  # type: ignore[no-any-return]
        if handler.stream_stream is not None:
            return replace(stream_stream=self._stream(method, handler.stream_stream, authorized))  # type: ignore[no-any-return]
        if handler.stream_unary is not None:
            return replace(stream_unary=self._unary(method, handler.stream_unary, authorized))  # type: ignore[no-any-return]
        return handler

    def _unary(self, method: str, inner: Callable[..., Any], authorized: bool) -> Callable[..., Any]:
        async def behaviour(request: Any, context: aio.ServicerContext[Any, Any]) -> Any:
            tracking_id = new_tracking_id()
            _TRACKING_ID.set(tracking_id)
            tracking: Metadata = (("x-tracking-id", tracking_id),)
            if not authorized:
                await abort(
                    context, grpc.StatusCode.UNAUTHENTICATED, AUTH_FAILED_CODE, AUTH_FAILED_MESSAGE, tracking
                )
            fault = self._faults.take_unary_fault()
            if fault is not None:
                extra = tracking
                if fault.reset_s:
                    extra += rate_limit_headers(RateLimitInfo(0, 0, fault.reset_s))
                await abort(context, fault.status, fault.details, fault.message, extra)
            allowed, window = self._limiter.take(method)
            limits: Metadata = rate_limit_headers(window) if window is not None else ()
            if not allowed:
                await abort(
                    context,
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    "80002",
                    "request limit per minute exceeded",
                    tracking + limits,
                )
            await context.send_initial_metadata(tracking + limits)
            try:
                return await inner(request, context)
            except ExchangeReject as rejected:
                extra = tracking + (rate_limit_headers(rejected.rate_limit) if rejected.rate_limit else ())
                await abort(context, status_for_code(rejected.code), rejected.code, rejected.message, extra)
            except aio.AbortError:
                raise
            except Exception:
                _log.exception("internal error in %s (tracking id %s)", method, tracking_id)
                await abort(context, grpc.StatusCode.INTERNAL, INTERNAL_ERROR, "internal error", tracking)

        return behaviour

    def _stream(self, method: str, inner: Callable[..., Any], authorized: bool) -> Callable[..., Any]:
        async def behaviour(request: Any, context: aio.ServicerContext[Any, Any]) -> None:
            if not authorized:
                await abort(context, grpc.StatusCode.UNAUTHENTICATED, AUTH_FAILED_CODE, AUTH_FAILED_MESSAGE)
            if not self._streams.acquire(method):
                await abort(
                    context,
                    grpc.StatusCode.RESOURCE_EXHAUSTED,
                    STREAM_LIMIT,
                    "the limit of open streams is exceeded",
                )
            try:
                await inner(request, context)
            except ExchangeReject as rejected:
                await abort(context, status_for_code(rejected.code), rejected.code, rejected.message)
            finally:
                self._streams.release(method)

        return behaviour
