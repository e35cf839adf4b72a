"""Positions: average entry price on increases, exact realised PnL on reductions and flips."""

from __future__ import annotations

from decimal import Decimal

from scalp_system.core.orders import Position, PositionSide, Side

LOT = Decimal(10)


def test_adding_to_a_position_averages_the_entry_price() -> None:
    position = Position("SBER").apply_fill(Side.BUY, 2, Decimal("100.00"), LOT)
    position = position.apply_fill(Side.BUY, 2, Decimal("101.00"), LOT)
    assert position.lots == 4
    assert position.avg_price == Decimal("100.50")
    assert position.realized_pnl == 0


def test_reducing_realises_pnl_at_the_average_price_in_money() -> None:
    position = Position("SBER").apply_fill(Side.BUY, 4, Decimal("100.50"), LOT)
    position = position.apply_fill(Side.SELL, 1, Decimal("101.25"), LOT)
    assert position.lots == 3
    assert position.avg_price == Decimal("100.50")
    assert position.realized_pnl == Decimal("7.50")  # 0.75 × 10 shares


def test_flipping_through_zero_opens_the_remainder_at_the_fill_price() -> None:
    position = Position("SBER").apply_fill(Side.SELL, 1, Decimal("200"), LOT)
    position = position.apply_fill(Side.BUY, 3, Decimal("190"), LOT)
    assert position.lots == 2
    assert position.side is PositionSide.LONG
    assert position.avg_price == Decimal("190")
    assert position.realized_pnl == Decimal("100")


def test_position_side_accepts_plain_strings() -> None:
    assert PositionSide("long") is PositionSide.LONG
    assert PositionSide("short").entry_side is Side.SELL


def test_unrealized_pnl_marks_open_lots() -> None:
    position = Position("SBER").apply_fill(Side.SELL, 2, Decimal("100"), LOT)
    assert position.unrealized_pnl(Decimal("99.5"), LOT) == Decimal("10.0")
