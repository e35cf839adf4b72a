"""``accepted_rows`` decides exactly what the DataEngine decides when a recording is replayed through
it: on a real recording and on generated data broken in every way the engine checks."""

from __future__ import annotations

import numpy as np
import pytest

from scalp_system.config import DataConfig
from scalp_system.core.clock import SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame, merge_events
from scalp_system.core.instrument import Instrument
from scalp_system.data.batch_validation import accepted_rows
from scalp_system.data.engine import DataEngine
from scalp_system.data.validation import RejectReason
from scalp_system.exchange.replay import recording_instrument
from tests.recordings import BtcRecording

BoolArray = np.ndarray


def _engine_decisions(
    config: DataConfig,
    instrument: Instrument,
    books: BookFrame,
    trades: TradeFrame,
    engine: DataEngine | None = None,
) -> tuple[BoolArray, BoolArray]:
    """The reference: every row through a fresh DataEngine in replay order."""
    clock = SimulatedClock()
    engine = engine or DataEngine(config, {instrument.uid: instrument}, clock)
    rows, kinds = merge_events(books, trades)
    book_ok = np.zeros(len(books), dtype=np.bool_)
    trade_ok = np.zeros(len(trades), dtype=np.bool_)
    for row, kind in zip(rows.tolist(), kinds.tolist(), strict=True):
        if kind == 0:
            book = books.book(row)
            clock.set(book.exchange_ts_ns)
            book_ok[row] = engine.on_book(book)
        else:
            trade = trades.trade(row)
            clock.set(trade.exchange_ts_ns)
            trade_ok[row] = engine.on_trade(trade)
    return book_ok, trade_ok


def _instrument() -> Instrument:
    return recording_instrument("TESTUSDT", "0.1", "0.001")


def _broken_frames(
    seed: int, n_books: int = 400, n_trades: int = 600, levels: int = 5
) -> tuple[BookFrame, TradeFrame]:
    """Mostly good books and trades with every kind of defect the engine checks sprinkled in."""
    rng = np.random.default_rng(seed)
    uid = _instrument().uid
    mid = 1_000 + np.cumsum(rng.integers(-2, 3, n_books))
    steps = np.arange(levels)
    bid_px = mid[:, None] - 1 - steps[None, :] * rng.integers(1, 3, (n_books, 1))
    ask_px = mid[:, None] + 1 + steps[None, :] * rng.integers(1, 3, (n_books, 1))
    bid_qty = rng.integers(1, 50, (n_books, levels))
    ask_qty = rng.integers(1, 50, (n_books, levels))
    consistent = np.ones(n_books, dtype=np.bool_)
    ts = np.sort(rng.integers(0, 10_000, n_books)) * 1_000_000
    for row in rng.choice(n_books, n_books // 2, replace=False).tolist():
        defect = int(rng.integers(0, 12))
        if defect == 0:  # crossed
            bid_px[row, 0] = ask_px[row, 0] + int(rng.integers(1, 3))
        elif defect == 1:  # locked
            bid_px[row, 0] = ask_px[row, 0]
        elif defect == 2:  # an empty side
            (bid_qty if rng.random() < 0.5 else ask_qty)[row, :] = 0
        elif defect == 3:  # a gap: a zero-size level inside the book
            ask_qty[row, int(rng.integers(0, levels - 1))] = 0
        elif defect == 4:  # a thin book: absent levels at the end (valid)
            cut = int(rng.integers(1, levels))
            bid_qty[row, cut:] = 0
            bid_px[row, cut:] = 0
        elif defect == 5:  # negative size
            bid_qty[row, int(rng.integers(0, levels))] = -int(rng.integers(1, 5))
        elif defect == 6:  # non-positive price
            bid_px[row, levels - 1] = -int(rng.integers(0, 3))
        elif defect == 7:  # unsorted or repeated levels
            j = int(rng.integers(1, levels))
            side = ask_px if rng.random() < 0.5 else bid_px
            side[row, j] = (
                side[row, j - 1]
                if rng.random() < 0.5
                else side[row, j - 1] - (side[row, j] - side[row, j - 1])
            )
        elif defect == 8:
            consistent[row] = False
        elif defect == 9:  # time goes backwards
            ts[row] = max(0, int(ts[row]) - int(rng.integers(1, 3_000)) * 1_000_000)
        elif defect == 10:  # a duplicate of the previous book
            if row:
                for array in (bid_px, ask_px, bid_qty, ask_qty, ts):
                    array[row] = array[row - 1]
        else:  # a price on the zero level of a thin side with size
            ask_px[row, levels - 1] = 0
    books = BookFrame(uid, ts, ts.copy(), bid_px, bid_qty, ask_px, ask_qty, consistent)
    trade_ts = np.sort(rng.integers(0, 10_000, n_trades)) * 1_000_000
    back = rng.random(n_trades) < 0.05
    trade_ts[back] = np.maximum(0, trade_ts[back] - rng.integers(1, 3_000, int(back.sum())) * 1_000_000)
    price = rng.integers(990, 1_010, n_trades)
    price[rng.random(n_trades) < 0.05] = 0
    lots = rng.integers(1, 10, n_trades)
    lots[rng.random(n_trades) < 0.05] = -1
    lots[rng.random(n_trades) < 0.05] = 0
    aggressor = rng.integers(0, 3, n_trades).astype(np.int8)
    trades = TradeFrame(uid, trade_ts, trade_ts.copy(), price, lots, aggressor)
    return books, trades


def test_accepts_exactly_the_rows_the_data_engine_accepts_on_a_real_recording(
    btc_recording: BtcRecording,
) -> None:
    instrument, books, trades = btc_recording.instrument, btc_recording.books, btc_recording.trades
    books, trades = books.slice(0, 3_000), trades.between(None, int(books.exchange_ts_ns[3_000]))
    config = DataConfig()
    batch = accepted_rows(config, instrument, books, trades)
    reference = _engine_decisions(config, instrument, books, trades)
    assert np.array_equal(batch[0], reference[0]) and np.array_equal(batch[1], reference[1])


@pytest.mark.parametrize("seed", range(6))
def test_accepts_exactly_the_rows_the_data_engine_accepts_on_broken_data(seed: int) -> None:
    books, trades = _broken_frames(seed)
    config = DataConfig()
    batch = accepted_rows(config, _instrument(), books, trades)
    reference = _engine_decisions(config, _instrument(), books, trades)
    assert 0 < reference[0].sum() < len(books) and 0 < reference[1].sum() < len(trades)
    assert np.array_equal(batch[0], reference[0])
    assert np.array_equal(batch[1], reference[1])


def test_the_broken_data_exercises_every_rule_the_engine_applies_to_replayed_frames() -> None:
    clock = SimulatedClock()
    engine = DataEngine(DataConfig(), {_instrument().uid: _instrument()}, clock)
    for seed in range(6):
        engine.forget(_instrument().uid)
        books, trades = _broken_frames(seed)
        _engine_decisions(DataConfig(), _instrument(), books, trades, engine)
    # TIME_BACKWARDS cannot happen: the replay order sorts each kind by exchange time; the price band
    # cannot either: frames carry no limits.
    expected = {
        RejectReason.BOOK_CROSSED,
        RejectReason.BOOK_LOCKED,
        RejectReason.BOOK_SIDE_EMPTY,
        RejectReason.BOOK_INCONSISTENT,
        RejectReason.SIZE_NOT_POSITIVE,
        RejectReason.PRICE_NOT_POSITIVE,
        RejectReason.LEVELS_UNSORTED,
    }
    assert expected <= set(engine.rejects_by_reason())


def test_refuses_every_row_of_an_instrument_the_engine_does_not_know() -> None:
    books, trades = _broken_frames(1)
    other = recording_instrument("OTHERUSDT", "0.1", "0.001")
    book_ok, trade_ok = accepted_rows(DataConfig(), other, books, trades)
    reference = _engine_decisions(DataConfig(), other, books, trades)
    assert not book_ok.any() and not trade_ok.any()
    assert not reference[0].any() and not reference[1].any()


def test_an_aggressor_code_the_replay_cannot_build_raises_as_the_replay_does() -> None:
    books, trades = _broken_frames(2)
    trades.aggressor[3] = 7
    with pytest.raises(ValueError):
        _engine_decisions(DataConfig(), _instrument(), books, trades)
    with pytest.raises(ValueError):
        accepted_rows(DataConfig(), _instrument(), books, trades)


def test_empty_frames_accept_nothing() -> None:
    books, trades = _broken_frames(3)
    book_ok, trade_ok = accepted_rows(
        DataConfig(), _instrument(), books.slice(0, 0), trades.select(trades.lots < -5)
    )
    assert book_ok.shape == (0,) and trade_ok.shape == (0,)
