"""ScalperStrategy.on_mids: the move scale learned from many mids at once equals one book at a time."""

from __future__ import annotations

import numpy as np

from scalp_system.config import StrategyConfig
from scalp_system.core.market import OrderBook
from scalp_system.strategy.scalper import ScalperStrategy


def _book(mid_bid: int, ts: int) -> OrderBook:
    return OrderBook.build("X", [(mid_bid, 5)], [(mid_bid + 1 + ts % 3, 5)], ts)


def test_on_mids_learns_the_same_move_scale_as_on_book() -> None:
    rng = np.random.default_rng(7)
    bids = (10_000 + np.cumsum(rng.integers(-3, 4, 500))).tolist()
    books = [_book(bid, ts) for ts, bid in enumerate(bids)]
    one_by_one = ScalperStrategy(StrategyConfig(), horizon=10, commission_rate=0.0005)
    bulk = ScalperStrategy(StrategyConfig(), horizon=10, commission_rate=0.0005)
    for book in books:
        one_by_one.on_book(book)
    for book in books[:123]:
        bulk.on_book(book)
    bulk.on_mids("X", [book.mid_ticks for book in books[123:] if book.mid_ticks is not None])
    assert bulk.move_scale_ticks("X") == one_by_one.move_scale_ticks("X")
    assert one_by_one.move_scale_ticks("X") > 0
