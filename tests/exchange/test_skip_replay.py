"""ExchangeCore.skip_replay: a replayed stretch taken at once leaves the market as replaying it event
by event — books, tape (GetLastTrades), last prices and the trade ids of later prints."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalp_system.core.orders import OrderType, Side, TimeInForce
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from tests.recordings import BtcRecording

BTC = recording_instrument("BTCUSDT", "0.1", "0.001")


@pytest.fixture(scope="module")
def btc_feed(btc_recording: BtcRecording) -> ReplayFeed:
    books, trades = btc_recording.books, btc_recording.trades
    end = int(books.exchange_ts_ns[400])
    return ReplayFeed(btc_recording.instrument, books.slice(0, 400), trades.between(None, end))


def _core(feed: ReplayFeed) -> tuple[ExchangeCore, ReplaySource, str]:
    source = ReplaySource([feed])
    core = ExchangeCore([BTC], commission_rate=Decimal("0.0005"), source=source, limit_band_pct=None)
    account = core.open_account()
    core.pay_in(account, Decimal(10_000_000))
    return core, source, account


def _replay(core: ExchangeCore, source: ReplaySource, count: int) -> None:
    """Event by event, as the backtest's venue pumps them."""
    target = source.position + count
    while source.position < target:
        ts = int(source.schedule.ts_ns[source.position])
        core.advance_to(ts)


def test_skipping_a_stretch_leaves_the_same_market_as_replaying_it(btc_feed: ReplayFeed) -> None:
    one_by_one, source_a, account_a = _core(btc_feed)
    skipped, source_b, account_b = _core(btc_feed)
    _replay(one_by_one, source_a, 50)
    _replay(skipped, source_b, 50)
    _replay(one_by_one, source_a, 900)
    skipped.skip_replay(source_a.position - source_b.position)
    assert source_b.position == source_a.position
    assert skipped.now_ns == one_by_one.now_ns
    book_a, book_b = one_by_one.book(BTC.uid, 20), skipped.book(BTC.uid, 20)
    assert book_a.exchange_ts_ns == book_b.exchange_ts_ns
    assert book_a.bid_px.tolist() == book_b.bid_px.tolist()
    assert book_a.ask_qty.tolist() == book_b.ask_qty.tolist()
    assert skipped.last_price_ticks(BTC.uid) == one_by_one.last_price_ticks(BTC.uid)
    assert skipped.last_trades(BTC.uid, 0, 2**62) == one_by_one.last_trades(BTC.uid, 0, 2**62)
    # An order now fills with the same trade id either way: the id counter moved on identically.
    fills = []
    for core, account in ((one_by_one, account_a), (skipped, account_b)):
        result = core.post_order(
            account, "k-1", BTC.uid, Side.BUY, 1, OrderType.MARKET, TimeInForce.FILL_AND_KILL, None,
            core.now_ns,
        )
        fills.append([(f.trade_id, f.price) for f in result.order.fills])
    assert fills[0] == fills[1] and fills[0]


def test_skipping_refuses_while_a_client_order_rests_in_the_book(btc_feed: ReplayFeed) -> None:
    core, source, account = _core(btc_feed)
    _replay(core, source, 20)
    best_bid = core.book(BTC.uid, 1).bid_px[0]
    price = int(best_bid) - 50
    now = core.now_ns
    core.post_order(account, "rest", BTC.uid, Side.BUY, 1, OrderType.LIMIT, TimeInForce.DAY, price, now)
    with pytest.raises(RuntimeError, match="client order"):
        core.skip_replay(10)


def test_tape_keeps_only_its_capacity_across_skipped_blocks() -> None:
    import numpy as np

    from scalp_system.exchange.tape import TradeTape

    tape = TradeTape("X", capacity=5)
    ids = np.arange(4, dtype=np.int64)
    tape.extend(ids * 10, ids + 100, ids + 1, np.ones(4, dtype=np.int8), ids)
    tape.extend(ids * 10 + 40, ids + 200, ids + 1, np.full(4, 2, dtype=np.int8), ids + 4)
    assert len(tape) == 5
    assert [t.trade_id for t in tape.between(0, 10**9)] == ["3", "4", "5", "6", "7"]
    assert [t.price_ticks for t in tape.between(40, 50)] == [200, 201]
