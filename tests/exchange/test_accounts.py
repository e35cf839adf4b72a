"""Accounts: commission to the kopeck, cash, positions, realised PnL and portfolio value."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalp_system.core.orders import OrderType, Side, TimeInForce
from scalp_system.exchange.accounts import commission_for
from scalp_system.exchange.catalogue import Catalogue, default_catalogue
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.errors import ExchangeReject
from scalp_system.exchange.static import StaticMarket

CAT = Catalogue(default_catalogue())
SBER = CAT.by_ticker("SBER")  # lot 10, tick 0.01
FUT = CAT.by_ticker("IMOEXF")  # lot 1, tick 0.5 pt = 5 RUB
RATE = Decimal("0.0005")


def _ioc(
    core: ExchangeCore, account: str, key: str, uid: str, side: Side, lots: int, price: int, ts: int = 1
):
    return core.post_order(
        account, key, uid, side, lots, OrderType.LIMIT, TimeInForce.FILL_AND_KILL, price, ts
    )


def _world() -> tuple[ExchangeCore, StaticMarket, str]:
    market = StaticMarket([SBER, FUT])
    core = ExchangeCore([SBER, FUT], commission_rate=RATE, source=market, limit_band_pct=None)
    account = core.open_account("pnl")
    core.pay_in(account, Decimal("100000.00"))
    return core, market, account


def test_commission_is_the_rate_times_the_fill_value_rounded_half_up_to_kopecks() -> None:
    assert commission_for(Decimal("15500.50"), RATE) == Decimal("7.75")  # 7.75025
    assert commission_for(Decimal("10.00"), RATE) == Decimal("0.01")  # 0.005 rounds up
    assert commission_for(Decimal("9.99"), RATE) == Decimal("0.00")  # 0.004995
    assert commission_for(Decimal("-3101.00"), RATE) == Decimal("1.55")  # 1.5505, sign ignored


def test_a_round_trip_books_realised_pnl_and_cash_to_the_kopeck() -> None:
    core, market, account = _world()
    market.add_liquidity(SBER.uid, Side.SELL, 31001, 3)
    buy = _ioc(core, account, "b", SBER.uid, Side.BUY, 3, 31001).order
    market.add_liquidity(SBER.uid, Side.BUY, 31050, 3)
    sell = _ioc(core, account, "s", SBER.uid, Side.SELL, 3, 31050).order
    assert buy.commission == Decimal("4.65")  # 9300.30 × 0.0005 = 4.65015
    assert sell.commission == Decimal("4.66")  # 9315.00 × 0.0005 = 4.6575
    portfolio = core.portfolio(account)
    assert portfolio.realized_pnl == Decimal("14.70")  # 0.49 × 30 shares
    assert portfolio.commission_paid == Decimal("9.31")
    assert portfolio.cash == Decimal("100000.00") + Decimal("14.70") - Decimal("9.31")
    assert portfolio.lines == ()


def test_the_portfolio_values_open_positions_at_the_last_price() -> None:
    core, market, account = _world()
    market.add_liquidity(SBER.uid, Side.SELL, 31000, 2)
    market.add_liquidity(SBER.uid, Side.SELL, 31010, 5)
    _ioc(core, account, "b", SBER.uid, Side.BUY, 2, 31000)
    other = core.open_account()
    core.pay_in(other, Decimal(100000))
    _ioc(core, other, "o", SBER.uid, Side.BUY, 1, 31010)  # the last print is now 310.10
    line = core.portfolio(account).lines[0]
    assert (line.lots, line.units, line.last_price) == (2, Decimal(20), Decimal("310.10"))
    assert line.value == Decimal("6202.00") and line.unrealized_pnl == Decimal("2.00")
    assert core.portfolio(account).total == core.portfolio(account).cash + Decimal("6202.00")


def test_futures_are_valued_through_their_tick_value() -> None:
    core, market, account = _world()
    market.add_liquidity(FUT.uid, Side.SELL, 5700, 1)  # 2850.0 points
    order = _ioc(core, account, "f", FUT.uid, Side.BUY, 1, 5700).order
    assert order.commission == Decimal("14.25")  # 2850 × 10 RUB × 0.0005
    assert core.portfolio(account).total_futures == Decimal("28500.0")


def test_a_short_sale_is_allowed_when_the_instrument_permits_shorts() -> None:
    core, market, account = _world()
    market.add_liquidity(SBER.uid, Side.BUY, 31000, 2)
    _ioc(core, account, "s", SBER.uid, Side.SELL, 2, 31000)
    position = core.positions(account).securities[0]
    assert position.lots == -2 and position.avg_price == Decimal("310.00")


def test_working_sell_orders_block_the_lots_they_would_sell() -> None:
    core, market, account = _world()
    market.add_liquidity(SBER.uid, Side.SELL, 31000, 2)
    _ioc(core, account, "b", SBER.uid, Side.BUY, 2, 31000)
    core.post_order(account, "s", SBER.uid, Side.SELL, 2, OrderType.LIMIT, TimeInForce.DAY, 32000, 2)
    assert core.positions(account).securities[0].blocked_lots == 2


def test_pay_in_adds_roubles_and_refuses_other_currencies() -> None:
    core, _, account = _world()
    assert core.pay_in(account, Decimal("0.50")) == Decimal("100000.50")
    with pytest.raises(ValueError):
        core.pay_in(account, Decimal(1), "usd")


def test_an_unknown_account_is_50004() -> None:
    core, _, _ = _world()
    with pytest.raises(ExchangeReject) as info:
        core.positions("no-such-account")
    assert info.value.code == "50004"


def test_account_ids_are_deterministic_uuids() -> None:
    _, _, a1 = _world()
    _, _, a2 = _world()
    assert a1 == a2 and len(a1) == 36
