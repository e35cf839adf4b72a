"""ATR5: Wilder's average true range over completed time bars (SPEC §1.1), the one implementation.

Bars are ``bar_s`` seconds long, aligned to the UTC epoch (bar index ``ts_ns // bar_ns``). A bar is
built from the trades printed in it; a bar with no trade is built from the book mids seen in it; an
interval with neither produces no bar (market closed or silent; the next bar's true range still sees
the gap through the previous close). A bar completes when an event of a later bar arrives (or on
``advance_to``). True range: ``max(H − L, |H − C_prev|, |L − C_prev|)``, and ``H − L`` for the very
first bar (no previous close). Seeding: the ATR exists once ``period`` bars have completed and is then
the arithmetic mean of those first ``period`` true ranges (Wilder's original seed); every later bar
updates it as ``ATR = (ATR · (period − 1) + TR) / period``. Values are in the units of the prices fed
in (the feature engine feeds ticks, the risk engine may feed prices). The risk engine and the
features both use ``AtrTracker``; ``atr_at`` is its vectorised twin for batch work and returns the
very same floats (the recursion runs through the shared ``wilder_step``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
NS_PER_S = 1_000_000_000


def wilder_step(
    atr: float | None, tr_sum: float, completed: int, tr: float, period: int
) -> tuple[float | None, float]:
    """Fold one completed bar's true range into (ATR, seed sum); ``completed`` counts this bar."""
    if completed < period:
        return None, tr_sum + tr
    if completed == period:
        tr_sum += tr
        return tr_sum / period, tr_sum
    assert atr is not None
    return (atr * (period - 1) + tr) / period, tr_sum


def true_range(high: float, low: float, prev_close: float | None) -> float:
    """Wilder's true range; ``high − low`` when there is no previous close."""
    if prev_close is None:
        return high - low
    return max(high - low, abs(high - prev_close), abs(low - prev_close))


class AtrTracker:
    """Streaming Wilder ATR over completed ``bar_s`` bars of trades (mids when a bar has no trade).

    Feed events in time order; an event for a bar older than the open one is late and ignored
    (counted in ``late_events``).
    """

    def __init__(self, bar_s: int, period: int) -> None:
        if bar_s <= 0 or period <= 0:
            raise ValueError(f"ATR needs bar_s > 0 and period > 0, got bar_s={bar_s}, period={period}")
        self.bar_s = bar_s
        self.period = period
        self._bar_ns = bar_s * NS_PER_S
        self.reset()

    def reset(self) -> None:
        """Forget every bar (a fresh tracker)."""
        self._bar: int | None = None  # open bar index
        self._closed_through: int | None = None  # last completed bar index
        self._trade: list[float] | None = None  # [high, low, close] of trades in the open bar
        self._mid: list[float] | None = None  # [high, low, close] of mids in the open bar
        self._prev_close: float | None = None
        self._tr_sum = 0.0
        self._atr: float | None = None
        self._completed = 0
        self.late_events = 0

    @property
    def completed_bars(self) -> int:
        """How many bars have completed so far."""
        return self._completed

    def value(self) -> float | None:
        """The ATR, or None before ``period`` bars have completed."""
        return self._atr

    def on_trade(self, price: float | Decimal | int, ts_ns: int) -> None:
        """A trade printed at ``price`` (any consistent unit) at ``ts_ns``."""
        self._on_price(float(price), ts_ns, True)

    def on_mid(self, mid: float | Decimal | int, ts_ns: int) -> None:
        """A book mid seen at ``ts_ns`` (used only for bars without trades)."""
        self._on_price(float(mid), ts_ns, False)

    def on_prices(self, prices: F64, ts_ns: I64, is_trade: npt.NDArray[np.bool_]) -> None:
        """Many events at once, in feed order: the same state as ``on_trade``/``on_mid`` one by one
        (the backtest's quiet stretches). Bars are folded a run of same-bar events at a time."""
        count = len(prices)
        if count == 0:
            return
        bars = ts_ns // self._bar_ns
        if count > 1 and bool(np.any(bars[1:] < bars[:-1])):  # out of order: the exact slow way
            for price, ts, trade in zip(prices.tolist(), ts_ns.tolist(), is_trade.tolist(), strict=True):
                self._on_price(float(price), int(ts), bool(trade))
            return
        starts = np.flatnonzero(np.concatenate(([True], bars[1:] != bars[:-1])))
        ends = np.append(starts[1:], count)
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if not self._enter_bar(int(bars[start])):
                self.late_events += end - start
                continue
            run_prices = prices[start:end]
            run_trades = is_trade[start:end]
            for wanted in (True, False):
                chosen = run_prices[run_trades] if wanted else run_prices[~run_trades]
                if len(chosen):
                    self._fold(chosen, wanted)

    def _fold(self, prices: F64, is_trade: bool) -> None:
        high, low, close = float(prices.max()), float(prices.min()), float(prices[-1])
        stats = self._trade if is_trade else self._mid
        if stats is None:
            stats = [float(prices[0]), float(prices[0]), float(prices[0])]
            if is_trade:
                self._trade = stats
            else:
                self._mid = stats
        if high > stats[0]:
            stats[0] = high
        if low < stats[1]:
            stats[1] = low
        stats[2] = close

    def advance_to(self, ts_ns: int) -> None:
        """Complete the open bar if ``ts_ns`` lies in a later bar (time passing without events)."""
        if self._bar is not None and ts_ns // self._bar_ns > self._bar:
            self._complete()

    def _enter_bar(self, bar: int) -> bool:
        """Make ``bar`` the open bar (completing an older one); False when it is late."""
        if self._bar is None:
            if self._closed_through is not None and bar <= self._closed_through:
                return False
            self._bar = bar
        elif bar > self._bar:
            self._complete()
            self._bar = bar
        elif bar < self._bar:
            return False
        return True

    def _on_price(self, price: float, ts_ns: int, is_trade: bool) -> None:
        if not self._enter_bar(ts_ns // self._bar_ns):
            self.late_events += 1
            return
        stats = self._trade if is_trade else self._mid
        if stats is None:
            stats = [price, price, price]
            if is_trade:
                self._trade = stats
            else:
                self._mid = stats
        else:
            if price > stats[0]:
                stats[0] = price
            if price < stats[1]:
                stats[1] = price
            stats[2] = price

    def _complete(self) -> None:
        stats = self._trade if self._trade is not None else self._mid
        assert stats is not None
        high, low, close = stats
        self._completed += 1
        self._atr, self._tr_sum = wilder_step(
            self._atr, self._tr_sum, self._completed, true_range(high, low, self._prev_close), self.period
        )
        self._prev_close = close
        self._closed_through = self._bar
        self._bar = None
        self._trade = None
        self._mid = None

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict (floats round-trip exactly through JSON)."""
        return {
            "bar_s": self.bar_s,
            "period": self.period,
            "bar": self._bar,
            "closed_through": self._closed_through,
            "trade": self._trade,
            "mid": self._mid,
            "prev_close": self._prev_close,
            "tr_sum": self._tr_sum,
            "atr": self._atr,
            "completed": self._completed,
            "late_events": self.late_events,
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Restore a ``snapshot``; refuses one taken with other bar parameters."""
        if state["bar_s"] != self.bar_s or state["period"] != self.period:
            raise ValueError(
                f"ATR snapshot is for bar_s={state['bar_s']}, period={state['period']}; "
                f"this tracker has bar_s={self.bar_s}, period={self.period}"
            )
        self._bar = state["bar"]
        self._closed_through = state["closed_through"]
        self._trade = None if state["trade"] is None else [float(v) for v in state["trade"]]
        self._mid = None if state["mid"] is None else [float(v) for v in state["mid"]]
        self._prev_close = state["prev_close"]
        self._tr_sum = float(state["tr_sum"])
        self._atr = state["atr"]
        self._completed = int(state["completed"])
        self.late_events = int(state["late_events"])


def _bar_stats(ts_ns: I64, price: F64, bar_ns: int) -> tuple[I64, F64, F64, F64]:
    """(bar ids, high, low, close) of time-sorted prices grouped by bar."""
    if len(ts_ns) == 0:
        empty = np.zeros(0, dtype=np.float64)
        return np.zeros(0, dtype=np.int64), empty, empty, empty
    bars = ts_ns // bar_ns
    starts = np.flatnonzero(np.concatenate(([True], bars[1:] != bars[:-1])))
    ends = np.concatenate((starts[1:], [len(bars)])) - 1
    return bars[starts], np.maximum.reduceat(price, starts), np.minimum.reduceat(price, starts), price[ends]


def completed_bars(
    trade_ts_ns: I64, trade_px: F64, mid_ts_ns: I64, mid_px: F64, bar_s: int
) -> tuple[I64, F64, F64, F64]:
    """All bars of time-sorted trades and mids: (bar ids, high, low, close), trades winning over mids."""
    bar_ns = bar_s * NS_PER_S
    t_ids, t_high, t_low, t_close = _bar_stats(trade_ts_ns, trade_px, bar_ns)
    m_ids, m_high, m_low, m_close = _bar_stats(mid_ts_ns, mid_px, bar_ns)
    ids = np.union1d(t_ids, m_ids).astype(np.int64)
    high, low, close = (np.empty(len(ids), dtype=np.float64) for _ in range(3))
    at = np.searchsorted(ids, m_ids)
    high[at], low[at], close[at] = m_high, m_low, m_close
    at = np.searchsorted(ids, t_ids)
    high[at], low[at], close[at] = t_high, t_low, t_close
    return ids, high, low, close


def atr_after_each_bar(high: F64, low: F64, close: F64, period: int) -> F64:
    """ATR after bar ``j`` completed (NaN while fewer than ``period`` bars), same floats as AtrTracker."""
    out = np.full(len(high), np.nan)
    prev_close: float | None = None
    atr: float | None = None
    tr_sum = 0.0
    for j, (h, lo, c) in enumerate(zip(high.tolist(), low.tolist(), close.tolist(), strict=True)):
        atr, tr_sum = wilder_step(atr, tr_sum, j + 1, true_range(h, lo, prev_close), period)
        prev_close = c
        if atr is not None:
            out[j] = atr
    return out


def atr_at(
    query_ts_ns: I64,
    trade_ts_ns: I64,
    trade_px: F64,
    mid_ts_ns: I64,
    mid_px: F64,
    bar_s: int,
    period: int,
) -> F64:
    """The ATR an ``AtrTracker`` fed every trade and mid at or before each query time reports there
    (bars strictly before the query's bar are complete); NaN where it would report None.

    Inputs must be sorted by time. The query at a book's own time equals the tracker's value right
    after that book's mid.
    """
    if bar_s <= 0 or period <= 0:
        raise ValueError(f"ATR needs bar_s > 0 and period > 0, got bar_s={bar_s}, period={period}")
    ids, high, low, close = completed_bars(trade_ts_ns, trade_px, mid_ts_ns, mid_px, bar_s)
    after = atr_after_each_bar(high, low, close, period)
    done = np.searchsorted(ids, query_ts_ns // (bar_s * NS_PER_S), side="left")
    out = np.full(len(query_ts_ns), np.nan)
    ready = done >= period
    out[ready] = after[done[ready] - 1]
    return out
