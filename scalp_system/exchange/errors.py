"""Rejections of the local exchange, carrying the real Invest API error codes as strings.

The gRPC layer maps an ``ExchangeReject`` onto a status (``grpc_code``) with the code in the
details, exactly as the real API does; the backtester turns it into a venue rejection. The codes are
the broker's (reference §9), so clients written against the real API see the same numbers here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RejectCode(StrEnum):
    """The Invest API error codes the local exchange produces."""

    QUANTITY_INVALID = "30080"  # quantity missing, not a whole positive number of lots
    PRICE_INVALID = "30100"  # limit order without a positive price
    ORDER_TYPE_INVALID = "30083"
    TIME_IN_FORCE_INVALID = "30254"
    ORDER_KEY_INVALID = "30055"  # idempotency key empty or longer than 36 characters
    NOT_ENOUGH_BALANCE = "30034"  # not enough cash for a buy
    NOT_ENOUGH_ASSETS = "30042"  # not enough position to sell (shorting not enabled)
    API_TRADING_FORBIDDEN = "30052"  # api_trade_available_flag is false
    PRICE_OFF_TICK = "30078"
    NOT_TRADING = "30079"
    PRICE_OUTSIDE_LIMITS = "30099"
    NOT_EXECUTED = "30095"  # nothing to trade against (market order into an empty book)
    ORDER_NOT_CANCELLABLE = "30059"  # cancel of an order that is already final
    INSTRUMENT_NOT_FOUND = "50002"
    ACCOUNT_NOT_FOUND = "50004"
    ORDER_NOT_FOUND = "50005"
    RATE_LIMIT = "80002"


# gRPC status names for each code (the real API's mapping); the server converts them to grpc.StatusCode.
GRPC_STATUS: dict[RejectCode, str] = {
    **{code: "INVALID_ARGUMENT" for code in RejectCode},
    RejectCode.INSTRUMENT_NOT_FOUND: "NOT_FOUND",
    RejectCode.ACCOUNT_NOT_FOUND: "NOT_FOUND",
    RejectCode.ORDER_NOT_FOUND: "NOT_FOUND",
    RejectCode.RATE_LIMIT: "RESOURCE_EXHAUSTED",
}


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """What the ``x-ratelimit-limit`` / ``-remaining`` / ``-reset`` headers carry for one caller."""

    limit: int
    remaining: int
    reset_s: int  # whole seconds until the current window ends (≥ 1 while it is open)


class ExchangeReject(Exception):
    """The exchange refused a request. ``code`` is the API's numeric code as a string (``"30078"``);
    ``rate_limit`` is set for 80002 (and fills the ``x-ratelimit-*`` metadata)."""

    def __init__(
        self, code: RejectCode | str, message: str, *, rate_limit: RateLimitInfo | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = str(code)
        self.message = message
        self.rate_limit = rate_limit

    @property
    def grpc_status(self) -> str:
        """The gRPC status name the real API answers this code with (INVALID_ARGUMENT by default)."""
        try:
            return GRPC_STATUS[RejectCode(self.code)]
        except ValueError:
            return "INVALID_ARGUMENT"
