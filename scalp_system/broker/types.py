"""Broker facts with no core equivalent (accounts, tariff, schedules, candles, portfolio), as plain
frozen values so no protobuf type leaves the broker package."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalp_system.broker.ratelimit import UnaryLimitInfo
from scalp_system.core.venue import VenuePosition


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """One brokerage (or sandbox) account. ``type``/``status``/``access_level`` are the wire enum ints."""

    account_id: str
    name: str
    type: int
    status: int
    access_level: int
    opened_ts_ns: int = 0

    @property
    def can_trade(self) -> bool:
        """Open (status 2) with full access (1)."""
        return self.status == 2 and self.access_level == 1


@dataclass(frozen=True, slots=True)
class StreamLimitInfo:
    """One GetUserTariff stream limit: how many of these streams may be open, and how many are."""

    streams: tuple[str, ...]
    limit: int
    open: int


@dataclass(frozen=True, slots=True)
class UserTariff:
    """The user's rate limits as GetUserTariff reports them."""

    unary_limits: tuple[UnaryLimitInfo, ...]
    stream_limits: tuple[StreamLimitInfo, ...]


@dataclass(frozen=True, slots=True)
class UserInfo:
    """GetInfo: tariff name, user id and qualification flags."""

    user_id: str
    tariff: str
    prem_status: bool
    qual_status: bool
    qualified_for: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TradingDayInfo:
    """One exchange's schedule for one day (UTC ns; 0 where the broker gave no time)."""

    exchange: str
    date_ns: int
    is_trading_day: bool
    start_ns: int
    end_ns: int
    opening_auction_start_ns: int = 0
    closing_auction_end_ns: int = 0
    evening_start_ns: int = 0
    evening_end_ns: int = 0


@dataclass(frozen=True, slots=True)
class Candle:
    """One historic candle: prices in ticks, volume in lots, ``ts_ns`` the candle's start."""

    instrument_id: str
    ts_ns: int
    open_ticks: int
    high_ticks: int
    low_ticks: int
    close_ticks: int
    volume_lots: int
    is_complete: bool


@dataclass(frozen=True, slots=True)
class PortfolioSnapshot:
    """GetPortfolio: total value, positions (lots) and expected yield."""

    account_id: str
    total_value: Decimal
    currency: str
    positions: tuple[VenuePosition, ...]
    expected_yield: Decimal = Decimal(0)
