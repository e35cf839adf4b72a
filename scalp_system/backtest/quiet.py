"""The fast path's quiet stretches: recorded events taken in at once while nothing can happen.

Which recorded events are quiet is path-independent and known before the replay: a trade the data
engine accepts, or an accepted, two-sided, uncrossed book whose precomputed signal is below the
entry threshold on both sides and carries no drift check or recalibration. Whether the run is
quiet is path-dependent and asked of the orchestrator after each event (flat, nothing working,
ACTIVE with nothing pending; see ``Orchestrator.quiet_until_ns``). When both hold, the run of quiet
events ahead — up to the next timer or breaker deadline — is replayed by the venue at once and its
market facts absorbed by the orchestrator, with the same state afterwards as event by event (the
fast-path/plain equality tests check orders, fills and PnL on real recordings).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from scalp_system.backtest.fast_path import PrecomputedSignals
from scalp_system.backtest.sim_venue import SimulatedVenue
from scalp_system.core.clock import NS_PER_S
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, SkippedStretch
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.quiet import QuietStretch
from scalp_system.orchestration.signals import SignalStep, StepRows

BoolArray = npt.NDArray[np.bool_]
MIN_STRETCH = 4  # shorter runs are cheaper event by event (measured on BTCUSDT)


def quiet_steps(steps: Sequence[SignalStep], entry_probability: float) -> BoolArray:
    """Per step: True when it cannot lead to an entry or change the risk state by itself."""
    if isinstance(steps, StepRows):
        return steps.quiet(entry_probability)
    return np.fromiter(
        (
            step.drift is None
            and not step.recalibrated
            and (
                step.signal is None
                or (step.signal.p_up < entry_probability and step.signal.p_down < entry_probability)
            )
            for step in steps
        ),
        dtype=np.bool_,
        count=len(steps),
    )


def quiet_books(feed: ReplayFeed, accepted: BoolArray, step_quiet: BoolArray) -> BoolArray:
    """Per recorded book: accepted, two-sided and uncrossed at the top, with a quiet step."""
    books = feed.books
    valid = (
        accepted
        & (books.bid_qty[:, 0] > 0)
        & (books.ask_qty[:, 0] > 0)
        & (books.bid_px[:, 0] > 0)
        & (books.bid_px[:, 0] < books.ask_px[:, 0])
    )
    step_of_row = np.cumsum(accepted) - 1
    quiet = np.zeros(len(books), dtype=np.bool_)
    rows = np.flatnonzero(valid)
    quiet[rows] = step_quiet[step_of_row[rows]]
    return quiet


class QuietForwarder:
    """The backtest's ``StretchForwarder``: skips quiet stretches of a replay (module docstring)."""

    def __init__(
        self,
        orchestrator: Orchestrator,
        venue: SimulatedVenue,
        signals: PrecomputedSignals,
        *,
        entry_probability: float,
        depth: int,
        min_stretch: int = MIN_STRETCH,
    ) -> None:
        source = venue.core.source
        if not isinstance(source, ReplaySource):
            raise TypeError("quiet stretches need a replayed recording")
        self._orchestrator = orchestrator
        self._venue = venue
        self._source = source
        self._signals = signals
        self._depth = depth
        self._min_stretch = max(1, min_stretch)
        self._feeds = {feed.instrument.uid: feed for feed in source.feeds}
        schedule = source.schedule
        quiet = np.zeros(len(schedule.ts_ns), dtype=np.bool_)
        is_book = schedule.kind == 0
        for number, feed in enumerate(source.feeds):
            uid = feed.instrument.uid
            accepted_books, accepted_trades = signals.accepted(uid)
            step_quiet = quiet_steps(signals.steps(uid), entry_probability)
            mine = schedule.feed == number
            at = mine & is_book
            quiet[at] = quiet_books(feed, accepted_books, step_quiet)[schedule.row[at]]
            at = mine & ~is_book
            quiet[at] = accepted_trades[schedule.row[at]]
        # Sorted Python lists, searched with bisect: one lookup per event, cheaper than numpy's.
        self._loud: list[int] = np.flatnonzero(~quiet).tolist()  # stops a stretch when the run is quiet
        self._book_positions: list[list[int]] = [  # schedule positions of each recording's books
            np.flatnonzero((schedule.feed == number) & is_book).tolist()
            for number in range(len(source.feeds))
        ]
        self._loud_or_book: list[int] = np.flatnonzero(~quiet | is_book).tolist()  # stops one of trades only
        self._ts = schedule.ts_ns
        self._times: list[int] = schedule.ts_ns.tolist()
        self.stretches = 0  # how many stretches were skipped (reported with the result)
        self.events = 0

    def forward(self) -> int:
        """Absorb the quiet events ahead if the run is quiet now; returns how many."""
        start = self._source.position
        times, loud = self._times, self._loud
        next_loud = bisect_left(loud, start)
        end = loud[next_loud] if next_loud < len(loud) else len(times)
        if end - start < self._min_stretch or self._venue.has_pending():
            return 0  # (the stretch's end only moves closer from here)
        orchestrator = self._orchestrator
        until = orchestrator.quiet_until_ns()
        full = until is not None
        if until is None:  # in a position or just after an order: only trades can be taken in
            if not orchestrator.trades_quiet():
                return 0
            until, stops = orchestrator.next_timer_ns, self._loud_or_book
            next_stop = bisect_left(stops, start)
            end = stops[next_stop] if next_stop < len(stops) else len(times)
        end = min(end, bisect_left(times, until))
        next_timer: int | None = None
        timer_at = bisect_left(times, orchestrator.next_timer_ns)
        if full and end > timer_at and end - start >= self._min_stretch and orchestrator.timers_quiet():
            end, next_timer = self._through_timers(start, end, orchestrator.next_timer_ns)
        else:
            end = min(end, timer_at)
        count = end - start
        if count < self._min_stretch:
            return 0
        skipped = self._venue.skip_quiet(count)
        skipped.sort(key=_last_offset)  # the data engine's recency order follows the last event
        orchestrator.absorb_quiet([self._stretch(start, part) for part in skipped])
        if next_timer is not None:
            orchestrator.skip_timers(next_timer)
        self.stretches += 1
        self.events += count
        return count

    def _through_timers(self, start: int, end: int, due_ns: int) -> tuple[int, int]:
        """How far a quiet stretch may run through once-a-second timers, and when the next timer is
        due after it. A timer fires after the first event at or past its due time; within the
        stretch it can only trip the stale-data breaker (``Orchestrator.timers_quiet``), so the
        stretch ends before the first event whose timer would find an instrument's last book older
        than the TTL (that event and its timer run the normal way)."""
        risk = self._orchestrator.risk
        ttl = risk.book_ttl_ns
        feeds = self._source.feeds
        before = [risk.last_book_ns(feed.instrument.uid) for feed in feeds]
        times = self._times
        while True:
            fire = max(bisect_left(times, due_ns), start)
            if fire >= end:
                return end, due_ns
            at = times[fire]
            for number, positions in enumerate(self._book_positions):
                last_index = bisect_right(positions, fire) - 1
                last = (
                    times[positions[last_index]]
                    if last_index >= 0 and positions[last_index] >= start
                    else before[number]
                )
                if last is not None and at - last > ttl:
                    return fire, due_ns
            due_ns = at + NS_PER_S

    def _stretch(self, start: int, skipped: SkippedStretch) -> QuietStretch:
        uid = skipped.instrument_uid
        feed = self._feeds[uid]
        book_ts = self._ts[start + skipped.book_offsets]
        trade_ts = self._ts[start + skipped.trade_offsets]
        rows = skipped.book_rows
        frame = feed.books
        books = BookFrame(
            uid,
            book_ts,
            book_ts,
            frame.bid_px[rows],
            frame.bid_qty[rows],
            frame.ask_px[rows],
            frame.ask_qty[rows],
            np.ones(len(rows), dtype=np.bool_),
        )
        tape = feed.trades
        trade_rows = skipped.trade_rows
        trades = TradeFrame(
            uid,
            trade_ts,
            trade_ts,
            tape.price_ticks[trade_rows],
            tape.lots[trade_rows],
            tape.aggressor[trade_rows],
        )
        mids = (books.bid_px[:, 0].astype(np.float64) + books.ask_px[:, 0]) / 2.0
        offsets = np.concatenate((skipped.book_offsets, skipped.trade_offsets))
        order = np.argsort(offsets, kind="stable")
        prices = np.concatenate((mids, trades.price_ticks.astype(np.float64)))[order]
        times = np.concatenate((book_ts, trade_ts))[order]
        is_trade = np.concatenate((np.zeros(len(rows), np.bool_), np.ones(len(trade_rows), np.bool_)))[order]
        last_book = self._venue.core.book(uid, self._depth) if len(rows) else None
        return QuietStretch(
            uid, books, trades, last_book, self._signals.take(uid, len(rows)), prices, times, is_trade
        )


def _last_offset(skipped: SkippedStretch) -> int:
    last_book = int(skipped.book_offsets[-1]) if len(skipped.book_offsets) else -1
    last_trade = int(skipped.trade_offsets[-1]) if len(skipped.trade_offsets) else -1
    return max(last_book, last_trade)
