"""The local exchange: matching engine, accounts, market-flow sources and the ExchangeCore facade.

The gRPC server (``server.py``, ``services/``) speaks the Invest API contract on top of
``ExchangeCore``; the backtester uses the same core as its simulated venue.
"""

from scalp_system.exchange.accounts import AccountBook, commission_for
from scalp_system.exchange.catalogue import (
    Catalogue,
    MarketProfile,
    default_catalogue,
    market_profile,
    stable_uid,
)
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.errors import ExchangeReject, RateLimitInfo, RejectCode
from scalp_system.exchange.matching import LimitOrderBook
from scalp_system.exchange.reports import (
    AccountInfo,
    BookChanged,
    ExchangeEvent,
    FillExecuted,
    OrderReport,
    OrderUpdated,
    PortfolioLine,
    PortfolioView,
    PositionsView,
    PositionView,
    PostResult,
    TradePrinted,
    TradingStatusSet,
)
from scalp_system.exchange.source import MarketSource, VenueBook
from scalp_system.exchange.static import StaticMarket
from scalp_system.exchange.synthetic import SyntheticMarket

__all__ = [
    "AccountBook",
    "AccountInfo",
    "BookChanged",
    "Catalogue",
    "ExchangeCore",
    "ExchangeEvent",
    "ExchangeReject",
    "FillExecuted",
    "LimitOrderBook",
    "MarketProfile",
    "MarketSource",
    "OrderReport",
    "OrderUpdated",
    "PortfolioLine",
    "PortfolioView",
    "PositionView",
    "PositionsView",
    "PostResult",
    "RateLimitInfo",
    "RejectCode",
    "StaticMarket",
    "SyntheticMarket",
    "TradePrinted",
    "TradingStatusSet",
    "VenueBook",
    "commission_for",
    "default_catalogue",
    "market_profile",
    "stable_uid",
]
