"""The broker layer: Invest API v2 contract subset, async client, streams and the Venue adapter.

Nothing here hands protobuf types to callers: the public face speaks core types (Instrument, OrderBook,
Trade, LastPrice, TradingStatusChanged, Order, Fill, VenueAccount) and the small value types in
``broker.types``.
"""

from scalp_system.broker.auth import Secret, TokenError, load_token, scrub
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.convert import BrokerDataError
from scalp_system.broker.endpoints import Endpoint, EndpointError, resolve_endpoint
from scalp_system.broker.errors import (
    BrokerAuthError,
    BrokerError,
    BrokerInvalidRequestError,
    BrokerNotFoundError,
    BrokerOrderRejectedError,
    BrokerOutcomeUnknownError,
    BrokerRateLimitError,
    BrokerStreamError,
    BrokerTimeoutError,
    BrokerUnavailableError,
)
from scalp_system.broker.order_streams import OrderStateStream, TradesStream
from scalp_system.broker.ratelimit import RateLimiter, UnaryLimitInfo
from scalp_system.broker.registry import InstrumentRegistry
from scalp_system.broker.retry import Backoff
from scalp_system.broker.streams import MarketDataStream, MarketEvent, SubscriptionError
from scalp_system.broker.types import (
    AccountInfo,
    Candle,
    PortfolioSnapshot,
    StreamLimitInfo,
    TradingDayInfo,
    UserInfo,
    UserTariff,
)
from scalp_system.broker.venue import BrokerVenue

__all__ = [
    "AccountInfo",
    "Backoff",
    "BrokerAuthError",
    "BrokerClient",
    "BrokerDataError",
    "BrokerError",
    "BrokerInvalidRequestError",
    "BrokerNotFoundError",
    "BrokerOrderRejectedError",
    "BrokerOutcomeUnknownError",
    "BrokerRateLimitError",
    "BrokerStreamError",
    "BrokerTimeoutError",
    "BrokerUnavailableError",
    "BrokerVenue",
    "Candle",
    "Endpoint",
    "EndpointError",
    "InstrumentRegistry",
    "MarketDataStream",
    "MarketEvent",
    "OrderStateStream",
    "PortfolioSnapshot",
    "RateLimiter",
    "Secret",
    "StreamLimitInfo",
    "SubscriptionError",
    "TokenError",
    "TradesStream",
    "TradingDayInfo",
    "UnaryLimitInfo",
    "UserInfo",
    "UserTariff",
    "load_token",
    "resolve_endpoint",
    "scrub",
]
