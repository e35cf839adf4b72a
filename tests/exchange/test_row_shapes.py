"""A replayed book hands recorded rows on as they are (views of the recording) only when that is
exactly what the slower level-list path would show: best-first rows nobody has taken from."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.orders import OrderType, Side, TimeInForce
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from scalp_system.exchange.row_shapes import RowShapes

TOY = recording_instrument("TOY", "1", "1")


def _feed(rows: list[tuple[list[tuple[int, int]], list[tuple[int, int]]]]) -> ReplayFeed:
    """Three-level rows (bids, asks) of (price, lots), lots 0 for an absent level; row i at ts 10·(i+1)."""
    ts = np.arange(1, len(rows) + 1, dtype=np.int64) * 10

    def column(side: int, field: int) -> np.ndarray:
        return np.array([[level[field] for level in row[side]] for row in rows], np.int64)

    frame = BookFrame(
        TOY.uid, ts, ts, column(0, 0), column(0, 1), column(1, 0), column(1, 1), np.ones(len(rows), np.bool_)
    )
    empty = np.zeros(0, np.int64)
    return ReplayFeed(TOY, frame, TradeFrame(TOY.uid, empty, empty, empty, empty, np.zeros(0, np.int8)))


ORDERED = ([(100, 5), (99, 6), (98, 7)], [(101, 5), (102, 6), (103, 7)])
THIN = ([(100, 5), (99, 6), (0, 0)], [(101, 5), (0, 0), (0, 0)])
UNORDERED = ([(99, 6), (100, 5), (98, 7)], [(101, 5), (102, 6), (103, 7)])


def _core(feed: ReplayFeed) -> tuple[ExchangeCore, str]:
    core = ExchangeCore([TOY], commission_rate=Decimal(0), source=ReplaySource([feed]), limit_band_pct=None)
    account = core.open_account()
    core.pay_in(account, Decimal(1_000_000))
    return core, account


def _levels(core: ExchangeCore) -> tuple[list[list[int]], list[list[int]]]:
    book = core.book(TOY.uid, 3)
    return (
        [book.bid_px.tolist(), book.bid_qty.tolist()],
        [book.ask_px.tolist(), book.ask_qty.tolist()],
    )


def test_row_shapes_count_shown_levels_and_flag_rows_out_of_order() -> None:
    shapes = RowShapes.of(_feed([ORDERED, THIN, UNORDERED]).books)
    assert shapes.bid_levels == [3, 2, 3]
    assert shapes.ask_levels == [3, 1, 3]
    assert shapes.best_first == [True, True, False]


def test_a_recorded_row_is_shown_as_recorded_and_read_only() -> None:
    core, _ = _core(_feed([ORDERED, THIN]))
    core.advance_to(10)
    assert _levels(core) == ([[100, 99, 98], [5, 6, 7]], [[101, 102, 103], [5, 6, 7]])
    core.advance_to(20)
    book = core.book(TOY.uid, 3)
    assert _levels(core) == ([[100, 99], [5, 6]], [[101], [5]])
    assert not any(a.flags.writeable for a in (book.bid_px, book.bid_qty, book.ask_px, book.ask_qty))


def test_a_row_out_of_order_is_shown_best_first() -> None:
    core, _ = _core(_feed([UNORDERED]))
    core.advance_to(10)
    assert _levels(core)[0] == [[100, 99, 98], [5, 6, 7]]


def test_what_a_client_took_stays_taken_until_the_next_recorded_row() -> None:
    core, account = _core(_feed([ORDERED, ORDERED]))
    core.advance_to(10)
    core.post_order(account, "k", TOY.uid, Side.BUY, 7, OrderType.LIMIT, TimeInForce.FILL_AND_KILL, 102, 11)
    assert _levels(core)[1] == [[102, 103], [4, 7]]  # 5 at 101 and 2 of 6 at 102 taken
    core.advance_to(20)
    assert _levels(core)[1] == [[101, 102, 103], [5, 6, 7]]


def test_a_shallower_subscription_gets_the_top_levels_only() -> None:
    core, _ = _core(_feed([ORDERED]))
    core.advance_to(10)
    book = core.book(TOY.uid, 2)
    assert (book.depth, book.bid_px.tolist(), book.ask_qty.tolist()) == (2, [100, 99], [5, 6])
