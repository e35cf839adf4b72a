"""Exact money: Quotation/MoneyValue ⇄ Decimal ⇄ ticks, both directions, negatives, rounding."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scalp_system.core.money import (
    NANO,
    MoneyError,
    MoneyValue,
    Quotation,
    Rounding,
    decimal_to_ticks,
    quotation_to_ticks,
    round_to_tick,
    ticks_to_decimal,
    ticks_to_quotation,
)

units_st = st.integers(min_value=-(10**12), max_value=10**12)
nano_st = st.integers(min_value=0, max_value=NANO - 1)
ticks_st = st.integers(min_value=-(10**9), max_value=10**9)
tick_st = st.sampled_from(
    [
        Decimal("0.01"),
        Decimal("0.5"),
        Decimal("0.005"),
        Decimal("0.1"),
        Decimal("1"),
        Decimal("0.0001"),
        Decimal("10"),
        Decimal("0.000000001"),
    ]
)


@st.composite
def quotations(draw: st.DrawFn) -> Quotation:
    units = draw(units_st)
    nano = draw(nano_st)
    if units < 0 or (units == 0 and draw(st.booleans())):
        nano = -nano
    return Quotation(units, nano)


def test_minus_one_cent_is_zero_units_and_negative_nano() -> None:
    assert Quotation.from_decimal(Decimal("-0.01")) == Quotation(0, -10_000_000)


def test_nano_sign_must_match_units_sign() -> None:
    with pytest.raises(MoneyError, match="differ in sign"):
        Quotation(1, -5)


def test_nano_out_of_range_is_refused() -> None:
    with pytest.raises(MoneyError, match="out of range"):
        Quotation(0, NANO)


def test_more_than_nine_decimals_is_refused_not_rounded() -> None:
    with pytest.raises(MoneyError, match="9 decimal places"):
        Quotation.from_decimal(Decimal("0.0000000001"))


def test_binary_float_is_refused_as_money() -> None:
    with pytest.raises(MoneyError, match="float"):
        Quotation.from_decimal(0.1)  # type: ignore[arg-type]


@given(quotations())
def test_quotation_decimal_round_trip_is_exact(quotation: Quotation) -> None:
    assert Quotation.from_decimal(quotation.to_decimal()) == quotation


@given(quotations(), st.sampled_from(["rub", "USD", "usdt"]))
def test_money_value_round_trip_is_exact(quotation: Quotation, currency: str) -> None:
    money = MoneyValue.from_decimal(quotation.to_decimal(), currency)
    assert money.to_decimal() == quotation.to_decimal()
    assert money.currency == currency.lower()


@given(ticks_st, tick_st)
def test_ticks_decimal_round_trip_is_exact(ticks: int, tick: Decimal) -> None:
    assert decimal_to_ticks(ticks_to_decimal(ticks, tick), tick) == ticks


@given(ticks_st, tick_st)
def test_ticks_quotation_round_trip_is_exact(ticks: int, tick: Decimal) -> None:
    assert quotation_to_ticks(ticks_to_quotation(ticks, tick), tick) == ticks


def test_off_tick_price_raises_without_rounding() -> None:
    with pytest.raises(MoneyError, match="not a multiple"):
        decimal_to_ticks(Decimal("100.005"), Decimal("0.01"))


@given(st.integers(min_value=-(10**8), max_value=10**8), st.integers(min_value=1, max_value=99), tick_st)
def test_rounding_moves_in_the_asked_direction_by_less_than_a_tick(
    ticks: int, frac: int, tick: Decimal
) -> None:
    price = (Decimal(ticks) + Decimal(frac) / 100) * tick
    down = round_to_tick(price, tick, Rounding.DOWN)
    up = round_to_tick(price, tick, Rounding.UP)
    assert down < price < up
    assert up - down == tick
    assert round_to_tick(price, tick, Rounding.NEAREST) in (down, up)


def test_negative_prices_round_down_toward_minus_infinity() -> None:
    assert round_to_tick(Decimal("-0.015"), Decimal("0.01"), Rounding.DOWN) == Decimal("-0.02")
    assert round_to_tick(Decimal("-0.015"), Decimal("0.01"), Rounding.UP) == Decimal("-0.01")
