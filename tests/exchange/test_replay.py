"""Replay: recorded books and trades as the market, client fills against displayed liquidity and
a queue-position model for resting orders."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import Aggressor
from scalp_system.core.orders import OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from scalp_system.exchange.reports import BookChanged, FillExecuted, OrderUpdated, TradePrinted

BTC = recording_instrument("BTCUSDT", "0.1", "0.001")
TOY = recording_instrument("TOY", "1", "1")


@pytest.fixture(scope="module")
def btc_feed(shared_data: Path) -> ReplayFeed:
    return ReplayFeed.from_csv(
        BTC,
        shared_data / "usdm_btcusdt_20240808_depth20.csv.gz",
        shared_data / "usdm_btcusdt_20240808_trades.csv.gz",
    )


def _core(feeds: list[ReplayFeed]) -> tuple[ExchangeCore, ReplaySource, str]:
    source = ReplaySource(feeds)
    core = ExchangeCore(
        [f.instrument for f in feeds], commission_rate=Decimal("0.0005"), source=source, limit_band_pct=None
    )
    account = core.open_account()
    core.pay_in(account, Decimal(10_000_000))
    return core, source, account


def test_recorded_prices_and_sizes_become_ticks_and_lots(btc_feed: ReplayFeed) -> None:
    books, trades = btc_feed.books, btc_feed.trades
    assert (len(books), len(trades)) == (6545, 21313)
    assert books.bid_px[0, 0] == 618002 and books.bid_qty[0, 0] == 2862  # 61800.2, 2.862 BTC
    assert books.ask_px[0, 0] == 618003 and books.ask_qty[0, 0] == 1135
    assert trades.price_ticks[0] == 618003 and trades.lots[0] == 6 and trades.aggressor[0] == Aggressor.BUY
    assert np.all(np.diff(books.exchange_ts_ns) >= 0)


def test_replay_reproduces_the_recorded_book_after_every_update(btc_feed: ReplayFeed) -> None:
    core, _, _ = _core([btc_feed])
    books = btc_feed.books
    for ts in np.unique(books.exchange_ts_ns).tolist():
        core.advance_to(ts)
        row = int(np.searchsorted(books.exchange_ts_ns, ts, side="right")) - 1
        shown = core.book(BTC.uid, 20)
        assert shown.bid_px.tolist() == books.bid_px[row].tolist()
        assert shown.bid_qty.tolist() == books.bid_qty[row].tolist()
        assert shown.ask_px.tolist() == books.ask_px[row].tolist()
        assert shown.ask_qty.tolist() == books.ask_qty[row].tolist()


def test_replay_prints_every_recorded_trade(btc_feed: ReplayFeed) -> None:
    core, source, _ = _core([btc_feed])
    end = source.end_ns()
    assert end is not None
    core.advance_to(end)
    assert len(core.last_trades(BTC.uid, 0, end)) == len(btc_feed.trades)


def test_an_ioc_order_fills_only_the_displayed_size_at_its_price(btc_feed: ReplayFeed) -> None:
    core, _, account = _core([btc_feed])
    core.advance_to(int(btc_feed.books.exchange_ts_ns[100]))
    book = core.book(BTC.uid, 1)
    ask, shown = int(book.ask_px[0]), int(book.ask_qty[0])
    result = core.post_order(
        account,
        "k",
        BTC.uid,
        Side.BUY,
        shown + 5,
        OrderType.LIMIT,
        TimeInForce.FILL_AND_KILL,
        ask,
        core.now_ns,
    )
    assert result.order.lots_executed == shown and result.order.status is OrderStatus.CANCELLED
    assert result.order.executed_avg_price == Decimal(ask) * BTC.tick


def _toy_feed(
    books: list[tuple[int, tuple[int, int], tuple[int, int]]], trades: list[tuple[int, int, int, Aggressor]]
) -> ReplayFeed:
    """A hand-made one-level recording: books (ts, (bid, size), (ask, size)); trades (ts, px, lots, side)."""
    n = len(books)
    frame = BookFrame(
        TOY.uid,
        np.array([b[0] for b in books], np.int64),
        np.array([b[0] for b in books], np.int64),
        np.array([[b[1][0]] for b in books], np.int64),
        np.array([[b[1][1]] for b in books], np.int64),
        np.array([[b[2][0]] for b in books], np.int64),
        np.array([[b[2][1]] for b in books], np.int64),
        np.ones(n, np.bool_),
    )
    tape = TradeFrame(
        TOY.uid,
        np.array([t[0] for t in trades], np.int64),
        np.array([t[0] for t in trades], np.int64),
        np.array([t[1] for t in trades], np.int64),
        np.array([t[2] for t in trades], np.int64),
        np.array([int(t[3]) for t in trades], np.int8),
    )
    return ReplayFeed(TOY, frame, tape)


def _rest_bid(core: ExchangeCore, account: str, key: str, price: int, lots: int, ts: int) -> str:
    return core.post_order(
        account, key, TOY.uid, Side.BUY, lots, OrderType.LIMIT, TimeInForce.DAY, price, ts
    ).order.order_id


def test_a_resting_order_waits_for_the_queue_ahead_of_it() -> None:
    feed = _toy_feed(
        [(10, (100, 10), (101, 10)), (30, (100, 2), (101, 10))],
        [(20, 100, 4, Aggressor.SELL), (40, 100, 5, Aggressor.SELL)],
    )
    core, source, account = _core([feed])
    core.advance_to(10)
    order_id = _rest_bid(core, account, "q", 100, 3, 11)
    assert source.book(TOY.uid).queue_ahead(order_id) == 10
    core.advance_to(20)  # 4 traded at our price: 6 still ahead, nothing for us
    assert source.book(TOY.uid).queue_ahead(order_id) == 6
    core.advance_to(30)  # the book now shows only 2 at 100: cancellations ahead of us
    assert source.book(TOY.uid).queue_ahead(order_id) == 2
    core.advance_to(40)  # 5 trade: 2 clear the queue, 3 reach us
    report = core.order_by_id(account, order_id)
    assert report is not None and report.status is OrderStatus.FILL and report.lots_executed == 3


def test_a_trade_through_the_price_fills_a_resting_order() -> None:
    feed = _toy_feed([(10, (100, 10), (101, 10))], [(20, 98, 50, Aggressor.SELL)])
    core, _, account = _core([feed])
    core.advance_to(10)
    order_id = _rest_bid(core, account, "t", 99, 2, 11)
    core.advance_to(20)
    report = core.order_by_id(account, order_id)
    assert report is not None and report.lots_executed == 2 and report.fills[0].price == Decimal(99)


def test_a_recorded_book_reaching_the_price_fills_a_resting_order() -> None:
    feed = _toy_feed([(10, (100, 10), (102, 10)), (20, (98, 10), (101, 4))], [])
    core, _, account = _core([feed])
    core.advance_to(10)
    order_id = _rest_bid(core, account, "c", 101, 3, 11)
    core.advance_to(20)
    report = core.order_by_id(account, order_id)
    assert report is not None and report.lots_executed == 3


def test_a_client_take_is_private_the_recording_stays_the_public_feed() -> None:
    feed = _toy_feed([(10, (100, 10), (101, 10)), (30, (100, 10), (101, 10))], [(20, 101, 2, Aggressor.BUY)])
    core, _, account = _core([feed])
    core.advance_to(10)
    result = core.post_order(
        account, "take", TOY.uid, Side.BUY, 3, OrderType.LIMIT, TimeInForce.FILL_AND_KILL, 101, 11
    )
    assert result.order.lots_executed == 3
    public = [e for e in result.events if isinstance(e, TradePrinted | BookChanged)]
    assert public == []  # no print on the tape, no book message: only the client's fill and order states
    assert [type(e) for e in result.events] == [OrderUpdated, FillExecuted, OrderUpdated]
    assert core.last_trades(TOY.uid, 0, 11) == [] and core.last_price_ticks(TOY.uid) is None
    core.advance_to(20)
    assert [t.lots for t in core.last_trades(TOY.uid, 0, 20)] == [2]  # the recorded print only
