"""ExchangeCore: order lifecycle, real reject codes, idempotent keys, rate limit, events."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalp_system.core.orders import OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.catalogue import Catalogue, default_catalogue
from scalp_system.exchange.core import STATUS_NOT_AVAILABLE, ExchangeCore
from scalp_system.exchange.errors import ExchangeReject
from scalp_system.exchange.reports import ExchangeEvent, FillExecuted, OrderUpdated
from scalp_system.exchange.static import StaticMarket
from scalp_system.exchange.synthetic import DEFAULT_START_NS, SyntheticMarket

S = 1_000_000_000
CAT = Catalogue(default_catalogue())
SBER = CAT.by_ticker("SBER")  # lot 10, tick 0.01
LKOH = CAT.by_ticker("LKOH")  # lot 1, tick 0.5


def _exchange(**kwargs: object) -> tuple[ExchangeCore, StaticMarket, str]:
    market = StaticMarket([SBER, LKOH], start_ns=1_000 * S)
    for price, lots in ((31001, 5), (31002, 5), (31003, 10)):
        market.add_liquidity(SBER.uid, Side.SELL, price, lots)
    for price, lots in ((31000, 5), (30999, 5)):
        market.add_liquidity(SBER.uid, Side.BUY, price, lots)
    core = ExchangeCore([SBER, LKOH], commission_rate=Decimal("0.0005"), source=market, **kwargs)  # type: ignore[arg-type]
    core.set_reference_price(SBER.uid, 31000)
    account = core.open_account("test")
    core.pay_in(account, Decimal("1000000"))
    return core, market, account


def _post(
    core: ExchangeCore,
    account: str,
    key: str,
    side: Side,
    lots: int,
    price: int | None,
    tif: TimeInForce = TimeInForce.DAY,
    order_type: OrderType = OrderType.LIMIT,
    ts: int = 1_001 * S,
):
    return core.post_order(account, key, SBER.uid, side, lots, order_type, tif, price, ts)


def _reject_code(call: object) -> str:
    with pytest.raises(ExchangeReject) as info:
        call()  # type: ignore[operator]
    return info.value.code


def test_ioc_fills_what_the_book_has_and_cancels_the_rest() -> None:
    core, _, account = _exchange()
    result = _post(core, account, "k1", Side.BUY, 12, 31002, TimeInForce.FILL_AND_KILL)
    assert result.created
    assert result.order.status is OrderStatus.CANCELLED
    assert result.order.lots_executed == 10 and result.order.lots_cancelled == 2
    assert [f.price for f in result.order.fills] == [Decimal("310.01"), Decimal("310.02")]
    statuses = [e.report.status for e in result.events if isinstance(e, OrderUpdated)]
    assert statuses == [
        OrderStatus.NEW,
        OrderStatus.PARTIALLYFILL,
        OrderStatus.PARTIALLYFILL,
        OrderStatus.CANCELLED,
    ]
    assert core.open_orders(account) == []


def test_fill_or_kill_executes_nothing_when_it_cannot_fill_completely() -> None:
    core, _, account = _exchange()
    result = _post(core, account, "k1", Side.BUY, 21, 31003, TimeInForce.FILL_OR_KILL)
    assert result.order.status is OrderStatus.CANCELLED and result.order.lots_executed == 0
    assert core.book(SBER.uid, 3).ask_qty.tolist() == [5, 5, 10]


def test_fill_or_kill_executes_completely_when_it_can() -> None:
    core, _, account = _exchange()
    result = _post(core, account, "k1", Side.BUY, 20, 31003, TimeInForce.FILL_OR_KILL)
    assert result.order.status is OrderStatus.FILL and result.order.lots_executed == 20


def test_a_market_order_walks_the_book_and_reports_its_average_price() -> None:
    core, _, account = _exchange()
    result = _post(core, account, "k1", Side.BUY, 8, None, order_type=OrderType.MARKET)
    assert result.order.status is OrderStatus.FILL
    assert result.order.executed_avg_price == (Decimal("310.01") * 5 + Decimal("310.02") * 3) / 8


def test_a_day_order_rests_and_fills_when_another_client_crosses_it() -> None:
    core, _, account = _exchange()
    resting = _post(core, account, "bid", Side.BUY, 3, 31000).order
    assert resting.status is OrderStatus.NEW and core.book(SBER.uid, 1).bid_qty.tolist() == [8]
    other = core.open_account("other")
    core.pay_in(other, Decimal("1000000"))
    core.post_order(
        other, "sell", SBER.uid, Side.SELL, 7, OrderType.LIMIT, TimeInForce.FILL_AND_KILL, 31000, 1_002 * S
    )
    after = core.order_by_id(account, resting.order_id)
    assert after is not None and after.lots_executed == 2 and after.status is OrderStatus.PARTIALLYFILL


def test_an_off_tick_price_is_rejected_with_30078() -> None:
    core, _, account = _exchange()
    code = _reject_code(
        lambda: core.post_order(
            account,
            "k",
            SBER.uid,
            Side.BUY,
            1,
            OrderType.LIMIT,
            TimeInForce.DAY,
            None,
            1_001 * S,
            price=Decimal("310.005"),
        )
    )
    assert code == "30078"


def test_a_price_outside_the_limit_band_is_rejected_with_30099() -> None:
    core, _, account = _exchange()
    assert core.limits(SBER.uid) == (24800, 37200)
    assert _reject_code(lambda: _post(core, account, "k", Side.BUY, 1, 37201)) == "30099"
    assert _reject_code(lambda: _post(core, account, "k", Side.SELL, 1, 24799)) == "30099"


def test_a_buy_beyond_free_cash_is_rejected_with_30034() -> None:
    core, _, account = _exchange()
    assert _reject_code(lambda: _post(core, account, "k", Side.BUY, 400, 31000)) == "30034"


def test_a_sell_without_the_position_is_rejected_when_shorting_is_off() -> None:
    no_short = SBER.__class__(**{**{f: getattr(SBER, f) for f in SBER.__slots__}, "short_enabled": False})
    market = StaticMarket([no_short])
    core = ExchangeCore([no_short], commission_rate=Decimal("0.0005"), source=market)
    account = core.open_account()
    core.pay_in(account, Decimal(100000))
    code = _reject_code(
        lambda: core.post_order(
            account, "k", no_short.uid, Side.SELL, 1, OrderType.LIMIT, TimeInForce.DAY, 31000, 0
        )
    )
    assert code == "30042"


def test_orders_are_rejected_with_30079_while_the_instrument_is_not_trading() -> None:
    core, _, account = _exchange(trading=lambda uid, ts: False)
    assert core.trading_status(SBER.uid) == STATUS_NOT_AVAILABLE
    assert _reject_code(lambda: _post(core, account, "k", Side.BUY, 1, 31000)) == "30079"


def test_a_non_positive_quantity_is_rejected_with_30080() -> None:
    core, _, account = _exchange()
    assert _reject_code(lambda: _post(core, account, "k", Side.BUY, 0, 31000)) == "30080"


def test_a_repeated_request_key_returns_the_existing_order_and_creates_none() -> None:
    core, _, account = _exchange()
    first = _post(core, account, "same-key", Side.BUY, 2, 30990)
    again = _post(core, account, "same-key", Side.BUY, 2, 30990, ts=1_002 * S)
    assert first.created and not again.created
    assert again.order.order_id == first.order.order_id
    assert len(core.open_orders(account)) == 1
    assert core.order_by_request_key(account, "same-key") == first.order


def test_the_per_minute_order_limit_rejects_with_80002_and_resets_after_the_minute() -> None:
    core, _, account = _exchange(orders_per_minute=3)
    for n in range(3):
        _post(core, account, f"k{n}", Side.BUY, 1, 30000, ts=1_001 * S + n)
    with pytest.raises(ExchangeReject) as info:
        _post(core, account, "k3", Side.BUY, 1, 30000, ts=1_010 * S)
    assert info.value.code == "80002" and info.value.grpc_status == "RESOURCE_EXHAUSTED"
    assert info.value.rate_limit is not None
    assert (info.value.rate_limit.limit, info.value.rate_limit.remaining) == (3, 0)
    assert info.value.rate_limit.reset_s == 51
    assert _post(core, account, "k3", Side.BUY, 1, 30000, ts=1_061 * S).created


def test_cancelling_a_working_order_releases_its_blocked_cash() -> None:
    core, _, account = _exchange()
    order = _post(core, account, "k", Side.BUY, 10, 30990).order
    assert core.positions(account).blocked_cash > 0
    cancelled = core.cancel_order(account, order.order_id, 1_002 * S)
    assert cancelled.status is OrderStatus.CANCELLED
    assert core.positions(account).blocked_cash == 0
    assert core.positions(account).cash == Decimal("1000000")


def test_cancelling_an_unknown_order_is_50005_and_a_final_one_is_30059() -> None:
    core, _, account = _exchange()
    assert _reject_code(lambda: core.cancel_order(account, "nope", 1_001 * S)) == "50005"
    done = _post(core, account, "k", Side.BUY, 1, 31001, TimeInForce.FILL_AND_KILL).order
    assert _reject_code(lambda: core.cancel_order(account, done.order_id, 1_002 * S)) == "30059"


def test_an_order_can_be_cancelled_by_its_request_key() -> None:
    core, _, account = _exchange()
    _post(core, account, "my-key", Side.BUY, 1, 30990)
    assert (
        core.cancel_order(account, "my-key", 1_002 * S, by_request_key=True).status is OrderStatus.CANCELLED
    )


def test_every_fill_has_a_unique_trade_id_and_listeners_see_all_events() -> None:
    core, _, account = _exchange()
    seen: list[ExchangeEvent] = []
    core.add_listener(seen.append)
    _post(core, account, "a", Side.BUY, 12, 31003, TimeInForce.FILL_AND_KILL)
    order = _post(core, account, "b", Side.BUY, 1, 30000).order
    core.cancel_order(account, order.order_id, 1_002 * S)
    fills = [e.fill for e in seen if isinstance(e, FillExecuted)]
    assert len(fills) == 3 and len({f.trade_id for f in fills}) == 3
    assert [e.report.status for e in seen if isinstance(e, OrderUpdated)][-1] is OrderStatus.CANCELLED


def test_a_resting_order_in_the_synthetic_market_is_filled_by_market_flow() -> None:
    market = SyntheticMarket([SBER], seed=3)
    core = ExchangeCore([SBER], commission_rate=Decimal("0.0005"), source=market)
    account = core.open_account()
    core.pay_in(account, Decimal(10_000_000))
    bid = core.book(SBER.uid, 1).best_bid
    assert bid is not None
    order = core.post_order(
        account, "k", SBER.uid, Side.BUY, 5, OrderType.LIMIT, TimeInForce.DAY, bid, DEFAULT_START_NS + S
    ).order
    core.advance_to(DEFAULT_START_NS + 600 * S)
    final = core.order_by_id(account, order.order_id)
    assert final is not None and final.lots_executed > 0
    assert all(f.price == Decimal(bid) * SBER.tick for f in final.fills)
    assert core.portfolio(account).lines[0].lots == final.lots_executed
