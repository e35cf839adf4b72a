"""API errors on the wire: the Invest API's numeric code in the details, text in ``message``.

The real server answers a refused call with a gRPC status chosen by the code's family
(INVALID_ARGUMENT for 30xxx, UNAUTHENTICATED 40003, NOT_FOUND 50xxx, INTERNAL 70xxx,
RESOURCE_EXHAUSTED 80xxx, FAILED_PRECONDITION 90xxx), the code as the status details and the
human-readable text in the trailing metadata key ``message`` (reference §1, §9).
"""

from __future__ import annotations

import grpc

from scalp_system.exchange.errors import GRPC_STATUS, ExchangeReject, RateLimitInfo, RejectCode

_BY_CODE: dict[str, grpc.StatusCode] = {
    "40002": grpc.StatusCode.PERMISSION_DENIED,
    "40003": grpc.StatusCode.UNAUTHENTICATED,
    "40004": grpc.StatusCode.PERMISSION_DENIED,
    "12001": grpc.StatusCode.UNIMPLEMENTED,
    "12002": grpc.StatusCode.UNIMPLEMENTED,
}
_BY_FAMILY: dict[str, grpc.StatusCode] = {
    "3": grpc.StatusCode.INVALID_ARGUMENT,
    "4": grpc.StatusCode.PERMISSION_DENIED,
    "5": grpc.StatusCode.NOT_FOUND,
    "7": grpc.StatusCode.INTERNAL,
    "8": grpc.StatusCode.RESOURCE_EXHAUSTED,
    "9": grpc.StatusCode.FAILED_PRECONDITION,
}

# Codes the server layer adds to the core's RejectCode (same meaning as the real API).
DIRECTION_INVALID = "30019"
ACCOUNT_ID_INVALID = "30021"
PRICE_NOT_VALID = "30018"
DEPTH_INVALID = "30032"
INSTRUMENT_ID_INVALID = "30013"
INTERNAL_ERROR = "70001"
INTERNAL_NETWORK_ERROR = "70002"
STREAM_LIMIT = "80001"
NO_ACTIVE_SUBSCRIPTIONS = "80004"


def status_for_code(code: str) -> grpc.StatusCode:
    """The gRPC status the real API uses for an API error code (INVALID_ARGUMENT when unknown)."""
    try:
        return grpc.StatusCode[GRPC_STATUS[RejectCode(code)]]
    except ValueError:
        pass
    if code in _BY_CODE:
        return _BY_CODE[code]
    return _BY_FAMILY.get(code[:1], grpc.StatusCode.INVALID_ARGUMENT)


def reject(code: str, message: str) -> ExchangeReject:
    """An ExchangeReject for a code the server layer detects itself (not the core)."""
    return ExchangeReject(code, message)


def rate_limit_headers(info: RateLimitInfo, window_s: int = 60) -> tuple[tuple[str, str], ...]:
    """The ``x-ratelimit-*`` metadata of one caller's window, formatted as the real API does."""
    return (
        ("x-ratelimit-limit", f"{info.limit}, {info.limit};w={window_s}"),
        ("x-ratelimit-remaining", str(max(info.remaining, 0))),
        ("x-ratelimit-reset", str(max(info.reset_s, 0))),
    )
