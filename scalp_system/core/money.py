"""Exact money: the broker's Quotation/MoneyValue, Decimal and integer ticks.

The Invest API sends every price as ``units`` + ``nano``·1e-9 where ``nano`` carries the same sign
as ``units``. Inside the system prices are integer ticks (hot paths) or Decimal (accounting); binary
floats never cross a boundary that decides money. Every conversion here is exact or raises.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal, localcontext
from enum import StrEnum

NANO = 1_000_000_000
_NANO_DEC = Decimal(NANO)
_MAX_INT64 = 2**63 - 1


class MoneyError(ValueError):
    """A price or amount that cannot be represented exactly (bad nano, off tick, overflow)."""


class Rounding(StrEnum):
    """How a price that is not on the tick grid is moved onto it."""

    DOWN = "down"  # toward minus infinity
    UP = "up"  # toward plus infinity
    NEAREST = "nearest"  # half to even


@dataclass(frozen=True, slots=True)
class Quotation:
    """A signed decimal as the Invest API sends it: ``units + nano / 1e9``, nano with units' sign."""

    units: int
    nano: int

    def __post_init__(self) -> None:
        if not -NANO < self.nano < NANO:
            raise MoneyError(f"Quotation nano {self.nano} out of range (|nano| < 1e9)")
        if (self.units > 0 and self.nano < 0) or (self.units < 0 and self.nano > 0):
            raise MoneyError(f"Quotation units {self.units} and nano {self.nano} differ in sign")
        if abs(self.units) > _MAX_INT64:
            raise MoneyError(f"Quotation units {self.units} overflow int64")

    def to_decimal(self) -> Decimal:
        """The exact Decimal value."""
        return Decimal(self.units) + Decimal(self.nano) / _NANO_DEC

    @classmethod
    def from_decimal(cls, value: Decimal | int | str) -> Quotation:
        """Exact conversion; raises MoneyError when the value has more than 9 decimal places."""
        dec = _as_decimal(value)
        with localcontext() as ctx:
            ctx.prec = 60
            scaled = dec * _NANO_DEC
            if scaled != scaled.to_integral_value():
                raise MoneyError(f"{dec} has more than 9 decimal places")
            total = int(scaled)
        sign = -1 if total < 0 else 1
        units, nano = divmod(abs(total), NANO)
        return cls(units=sign * units, nano=sign * nano)


@dataclass(frozen=True, slots=True)
class MoneyValue:
    """An amount of a currency as the Invest API sends it (ISO code lower-case, e.g. ``rub``)."""

    currency: str
    units: int
    nano: int

    def __post_init__(self) -> None:
        Quotation(self.units, self.nano)  # same validation rules

    def to_decimal(self) -> Decimal:
        """The exact Decimal amount."""
        return Quotation(self.units, self.nano).to_decimal()

    @classmethod
    def from_decimal(cls, value: Decimal | int | str, currency: str) -> MoneyValue:
        """Exact conversion; raises MoneyError on more than 9 decimal places."""
        quotation = Quotation.from_decimal(value)
        return cls(currency=currency.lower(), units=quotation.units, nano=quotation.nano)


def _as_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise MoneyError("binary floats are not accepted as money; pass Decimal or str")
    try:
        dec = Decimal(value)
    except Exception as exc:  # decimal.InvalidOperation and friends
        raise MoneyError(f"not a number: {value!r}") from exc
    if not dec.is_finite():
        raise MoneyError(f"not a finite number: {value!r}")
    return dec


def decimal_to_ticks(price: Decimal, tick: Decimal, rounding: Rounding | None = None) -> int:
    """Price → integer ticks. Without ``rounding`` an off-tick price raises MoneyError."""
    if tick <= 0:
        raise MoneyError(f"tick must be positive, got {tick}")
    with localcontext() as ctx:
        ctx.prec = 60
        ratio = _as_decimal(price) / tick
        if ratio == ratio.to_integral_value():
            return int(ratio)
        if rounding is None:
            raise MoneyError(f"price {price} is not a multiple of tick {tick}")
        mode = {Rounding.DOWN: ROUND_FLOOR, Rounding.UP: ROUND_CEILING, Rounding.NEAREST: ROUND_HALF_EVEN}
        return int(ratio.to_integral_value(rounding=mode[rounding]))


def ticks_to_decimal(ticks: int, tick: Decimal) -> Decimal:
    """Integer ticks → exact Decimal price."""
    return (Decimal(ticks) * tick).normalize() if ticks else Decimal(0)


def round_to_tick(price: Decimal, tick: Decimal, rounding: Rounding) -> Decimal:
    """Move a price onto the tick grid in the given direction (exact)."""
    return ticks_to_decimal(decimal_to_ticks(price, tick, rounding), tick)


def quotation_to_ticks(quotation: Quotation, tick: Decimal, rounding: Rounding | None = None) -> int:
    """Quotation → ticks (raises on off-tick unless a rounding is given)."""
    return decimal_to_ticks(quotation.to_decimal(), tick, rounding)


def ticks_to_quotation(ticks: int, tick: Decimal) -> Quotation:
    """Ticks → Quotation (always exact for ticks with ≤ 9 decimals)."""
    return Quotation.from_decimal(Decimal(ticks) * tick)
