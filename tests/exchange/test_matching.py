"""The matching engine: price-time priority in integer ticks and lots."""

from __future__ import annotations

from scalp_system.core.market import Aggressor
from scalp_system.core.orders import Side
from scalp_system.exchange.matching import LimitOrderBook


def _book() -> LimitOrderBook:
    return LimitOrderBook("X")


def test_a_better_price_executes_before_an_older_worse_one() -> None:
    book = _book()
    book.rest(Side.SELL, 101, 5, 1, "older-worse")
    book.rest(Side.SELL, 100, 5, 2, "newer-better")
    prints = book.take(Side.BUY, 5, None, 3, "taker")
    assert [(p.price_ticks, p.maker_ref) for p in prints] == [(100, "newer-better")]


def test_at_one_price_the_oldest_order_executes_first() -> None:
    book = _book()
    book.rest(Side.BUY, 100, 3, 1, "first")
    book.rest(Side.BUY, 100, 3, 2, "second")
    prints = book.take(Side.SELL, 4, None, 3, "taker")
    assert [(p.maker_ref, p.lots) for p in prints] == [("first", 3), ("second", 1)]
    assert all(p.aggressor is Aggressor.SELL for p in prints)


def test_a_partly_filled_order_keeps_its_place_in_the_queue() -> None:
    book = _book()
    book.rest(Side.SELL, 100, 10, 1, "first")
    book.rest(Side.SELL, 100, 10, 2, "second")
    book.take(Side.BUY, 4, None, 3, "t1")
    prints = book.take(Side.BUY, 7, None, 4, "t2")
    assert [(p.maker_ref, p.lots) for p in prints] == [("first", 6), ("second", 1)]


def test_an_aggressive_order_walks_the_book_up_to_its_limit() -> None:
    book = _book()
    for price in (100, 101, 102):
        book.agent_limit(Side.SELL, price, 5, 0)
    prints = book.take(Side.BUY, 20, 101, 1, "taker")
    assert [(p.price_ticks, p.lots) for p in prints] == [(100, 5), (101, 5)]
    assert book.best_ask() == 102


def test_levels_are_best_first_and_aggregate_orders() -> None:
    book = _book()
    book.agent_limit(Side.BUY, 99, 2, 0)
    book.agent_limit(Side.BUY, 100, 3, 0)
    book.agent_limit(Side.BUY, 100, 4, 0)
    book.agent_limit(Side.SELL, 102, 1, 0)
    book.agent_limit(Side.SELL, 101, 6, 0)
    assert book.levels(Side.BUY, 5) == [(100, 7), (99, 2)]
    assert book.levels(Side.SELL, 1) == [(101, 6)]


def test_cancel_removes_the_order_and_closes_an_empty_level() -> None:
    book = _book()
    book.rest(Side.BUY, 100, 5, 1, "mine")
    assert book.cancel("mine") == 5
    assert book.best_bid() is None
    assert book.cancel("mine") == 0


def test_sweep_preview_does_not_change_the_book() -> None:
    book = _book()
    book.agent_limit(Side.SELL, 100, 5, 0)
    book.agent_limit(Side.SELL, 101, 5, 0)
    assert book.sweep_preview(Side.BUY, 7, None) == [(100, 5), (101, 2)]
    assert book.levels(Side.SELL, 5) == [(100, 5), (101, 5)]


def test_queue_ahead_counts_older_orders_at_the_same_price() -> None:
    book = _book()
    book.agent_limit(Side.BUY, 100, 8, 0)
    book.rest(Side.BUY, 100, 2, 1, "mine")
    book.agent_limit(Side.BUY, 100, 5, 2)
    assert book.queue_ahead("mine") == 8


def test_a_marketable_agent_limit_order_crosses_then_rests_the_rest() -> None:
    book = _book()
    book.agent_limit(Side.SELL, 100, 3, 0)
    order_id, prints = book.agent_limit(Side.BUY, 101, 5, 1)
    assert [(p.price_ticks, p.lots) for p in prints] == [(100, 3)]
    assert book.best_bid() == 101 and book.resting_lots(order_id) == 2
