"""The DataEngine's accept/reject decisions for a whole recording at once, without building events.

A backtest replays a recording's books and trades through ``DataEngine.on_book``/``on_trade`` in
``merge_events`` order; which rows the engine accepts depends only on the data, so it can be decided
up front. ``accepted_rows`` does that with array operations over the frames and returns exactly the
engine's decisions (a test replays real and deliberately broken data through the engine and
compares): the checks of ``validation.check_book``/``check_trade`` applied to the books and trades
that ``BookFrame.book``/``TradeFrame.trade`` would build, plus the one rule that carries state
between events — exchange time must not go back from the last *accepted* book (trade) of the
instrument. Books and trades never influence each other here: a trade is checked against the price
band of the latest accepted book, and frames carry no band. The memory guard and TTLs of the engine
decide nothing about acceptance, so they do not appear.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from scalp_system.config import DataConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import Aggressor

I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_AGGRESSOR_CODES = np.array(sorted(int(a) for a in Aggressor), dtype=np.int64)


def accepted_rows(
    config: DataConfig, instrument: Instrument, books: BookFrame, trades: TradeFrame
) -> tuple[BoolArray, BoolArray]:
    """(book_ok, trade_ok): which rows a fresh DataEngine for ``instrument`` accepts when the frames
    are replayed in ``merge_events`` order (books and trades each by exchange time, ties by row).

    Rows are indexed as in the frames. ``config`` is the engine's DataConfig (no data setting changes
    acceptance today; it is taken so the contract stays the engine's). A trade frame whose aggressor
    codes are not ``Aggressor`` values cannot be replayed at all (``TradeFrame.trade`` raises), and
    neither can it be judged here: ValueError, as the replay would raise.
    """
    del config  # acceptance depends on no DataConfig setting (see the docstring)
    book_ok = _book_rows_valid(books, instrument)
    trade_ok = _trade_rows_valid(trades, instrument)
    return (
        _not_backwards(books.exchange_ts_ns, book_ok),
        _not_backwards(trades.exchange_ts_ns, trade_ok),
    )


def _book_rows_valid(books: BookFrame, instrument: Instrument) -> BoolArray:
    """``check_book`` on every row, but for the time rule (the first failing check rejects)."""
    n = len(books)
    if books.instrument_id != instrument.uid:  # the engine knows no other instrument
        return np.zeros(n, dtype=np.bool_)
    ok = np.asarray(books.is_consistent, dtype=np.bool_).copy()
    if books.levels == 0:
        return np.zeros(n, dtype=np.bool_)
    for px, qty, descending in ((books.bid_px, books.bid_qty, True), (books.ask_px, books.ask_qty, False)):
        # BookFrame.book keeps the first count(qty > 0) levels of a side, whatever they hold.
        kept = np.arange(px.shape[1]) < np.count_nonzero(qty > 0, axis=1)[:, None]
        ok &= kept[:, 0]  # an empty side
        ok &= ~np.any(kept & (qty <= 0), axis=1)
        ok &= ~np.any(kept & (px <= 0), axis=1)
        step = px[:, 1:] >= px[:, :-1] if descending else px[:, 1:] <= px[:, :-1]
        ok &= ~np.any(kept[:, 1:] & step, axis=1)
    ok &= books.bid_px[:, 0] < books.ask_px[:, 0]  # neither crossed nor locked
    return ok


def _trade_rows_valid(trades: TradeFrame, instrument: Instrument) -> BoolArray:
    """``check_trade`` on every row, but for the time rule; no price band (frames carry none)."""
    if len(trades) and not np.isin(trades.aggressor, _AGGRESSOR_CODES).all():
        bad = trades.aggressor[~np.isin(trades.aggressor, _AGGRESSOR_CODES)][0]
        raise ValueError(
            f"trade frame of {trades.instrument_id} holds aggressor code {bad}, not an Aggressor"
        )
    if trades.instrument_id != instrument.uid:
        return np.zeros(len(trades), dtype=np.bool_)
    ok: BoolArray = (trades.lots > 0) & (trades.price_ticks > 0)
    return ok


def _not_backwards(times: I64, valid: BoolArray) -> BoolArray:
    """Rows that are valid and not older than the last accepted row, in replay order.

    An accepted row never lowers the running maximum, so "not older than the last accepted row" is
    "not older than every earlier valid row": a running maximum over valid rows, no loop.
    """
    n = times.shape[0]
    if n == 0:
        return valid.copy()
    ordered = bool(np.all(times[1:] >= times[:-1]))
    order = np.arange(n) if ordered else np.argsort(times, kind="stable")
    t = times[order]
    v = valid[order]
    floor = np.maximum.accumulate(np.where(v, t, np.iinfo(np.int64).min))
    before = np.concatenate(([np.iinfo(np.int64).min], floor[:-1]))
    out = np.empty(n, dtype=np.bool_)
    out[order] = v & (t >= before)
    return out
