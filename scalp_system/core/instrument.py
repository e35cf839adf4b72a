"""Instrument definition: identity, lot, tick, currency and the broker's trading flags."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from scalp_system.core.money import Rounding, decimal_to_ticks, ticks_to_decimal


class InstrumentKind(StrEnum):
    """What the instrument is; shares are traded, futures may serve as hedges."""

    SHARE = "share"
    FUTURES = "futures"
    CRYPTO = "crypto"  # imported recordings (e.g. the Binance files in shared/data)
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Instrument:
    """One tradable instrument.

    ``uid`` is the system-wide key (the broker's instrument_uid). ``lot`` is how many units of the
    underlying one lot holds (10 for SBER, 0.001 for an imported BTCUSDT); every quantity inside the
    system is a whole number of lots. ``tick`` is min_price_increment.
    """

    uid: str
    ticker: str
    figi: str = ""
    class_code: str = ""
    lot: Decimal = Decimal(1)
    tick: Decimal = Decimal("0.01")
    currency: str = "rub"
    kind: InstrumentKind = InstrumentKind.SHARE
    name: str = ""
    api_trade_available: bool = True
    buy_available: bool = True
    sell_available: bool = True
    short_enabled: bool = False
    # Price of one tick in currency per unit (futures: min_price_increment_amount); shares: == tick.
    tick_value: Decimal | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    def __post_init__(self) -> None:
        if not self.uid or not self.ticker:
            raise ValueError("instrument needs a uid and a ticker")
        if self.lot <= 0:
            raise ValueError(f"instrument {self.ticker}: lot must be positive, got {self.lot}")
        if self.tick <= 0:
            raise ValueError(f"instrument {self.ticker}: tick must be positive, got {self.tick}")

    def to_ticks(self, price: Decimal, rounding: Rounding | None = None) -> int:
        """Price → ticks of this instrument (raises on off-tick without rounding)."""
        return decimal_to_ticks(price, self.tick, rounding)

    def to_price(self, ticks: int) -> Decimal:
        """Ticks → exact price."""
        return ticks_to_decimal(ticks, self.tick)

    def mid_price(self, bid_ticks: int, ask_ticks: int) -> Decimal:
        """The exact mid of a best bid and ask given in ticks (what positions are marked at)."""
        return Decimal(int(bid_ticks + ask_ticks)) * self.tick / 2

    @property
    def point_value(self) -> Decimal:
        """Money per one price unit per underlying unit (1 for shares; futures: tick_value / tick)."""
        return self.tick_value / self.tick if self.tick_value is not None else Decimal(1)

    def notional(self, price: Decimal, lots: int) -> Decimal:
        """Money value of ``lots`` at ``price`` (price × point value × units per lot × lots)."""
        return price * self.point_value * self.lot * lots
