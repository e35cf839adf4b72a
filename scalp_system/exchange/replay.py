"""Replay of recorded books and trades as a market source, with a queue-position fill model.

Input: the wide CSV recordings of ``shared/data`` (``*_depth20.csv[.gz]``: one full top-N book per
row; ``*_trades.csv[.gz]``: one public trade per row; events ordered by exchange time, ties in file
order) or the project's own ``BookFrame``/``TradeFrame`` store, mapped onto a user-given
instrument (tick, lot: BTCUSDT with tick 0.1 and lot 0.001 turns a size of 0.025 BTC into 25 lots).

While replaying, the recorded book is the displayed liquidity. A client's aggressive order
(market, IOC, FOK, or the crossing part of a DAY limit) fills against it at the displayed prices;
what it took stays taken until the next recorded book replaces the row. Those fills are private:
the recording stays the public feed, so they print nothing on the tape and send no book update
(the backtest sees the same feed; a client's own echo would make features path-dependent). A
client's resting order joins the back of the queue: ``queue_ahead`` starts at the displayed size at
its price, is cut to the displayed size whenever a later book shows less there (cancellations
ahead — the risk-averse model), and is decremented by recorded trades at its price; the part of a
trade beyond the queue fills the order. A trade printing through its price, or a recorded book
whose opposite side reaches it, fills it. Client orders never change the recorded flow (no market
impact beyond the current row), and two clients' orders do not trade with each other. How fast to
replay is the caller's business: this exposes time-ordered events only.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame, merge_events
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import Aggressor, IntArray
from scalp_system.core.orders import Side
from scalp_system.data.csv_import import read_recording
from scalp_system.exchange.catalogue import stable_uid
from scalp_system.exchange.row_shapes import RowShapes
from scalp_system.exchange.source import BookUpdated, ClientExecuted, SourceEvent, TapePrinted


def recording_instrument(
    symbol: str,
    tick: Decimal | str,
    lot: Decimal | str,
    *,
    currency: str = "usdt",
    kind: InstrumentKind = InstrumentKind.CRYPTO,
) -> Instrument:
    """An instrument definition for an imported recording (uid stable per symbol, shorting allowed)."""
    return Instrument(
        uid=stable_uid(symbol),
        ticker=symbol,
        figi="",
        class_code="REPLAY",
        lot=Decimal(lot),
        tick=Decimal(tick),
        currency=currency,
        kind=kind,
        name=f"{symbol} (recording)",
        short_enabled=True,
    )


@dataclass(frozen=True, slots=True)
class ReplayFeed:
    """One instrument's recording: its definition, books and trades (frames in its ticks and lots)."""

    instrument: Instrument
    books: BookFrame
    trades: TradeFrame

    @classmethod
    def from_csv(cls, instrument: Instrument, depth_path: str | Path, trades_path: str | Path) -> ReplayFeed:
        """Load the two CSV files of a recording with the project's strict importer (bad rows are
        refused with file and line; see ``data.csv_import``)."""
        books, trades = read_recording(Path(depth_path), Path(trades_path), instrument)
        assert trades is not None
        return cls(instrument, books, trades)


class _ClientQuote:
    """A resting client order in a replayed book."""

    __slots__ = ("price", "queue_ahead", "remaining", "side")

    def __init__(self, side: Side, price: int, remaining: int, queue_ahead: int) -> None:
        self.side = side
        self.price = price
        self.remaining = remaining
        self.queue_ahead = queue_ahead


class ReplayBook:
    """The displayed book of one replayed instrument plus the client orders working in it."""

    def __init__(self, instrument_uid: str) -> None:
        self.instrument_uid = instrument_uid
        self._bids: list[tuple[int, int]] = []
        self._asks: list[tuple[int, int]] = []
        # The displayed row while its level lists are not built yet: (frame, row, bid levels, ask
        # levels) of a best-first recorded row nobody has taken from (see ``apply_row``).
        self._unbuilt: tuple[BookFrame, int, int, int] | None = None
        self._taken: dict[tuple[Side, int], int] = {}  # (side of the level, price) -> lots clients took
        self._quotes: dict[str, _ClientQuote] = {}

    # --- reading ----------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        """Best displayed bid (recorded levels less what clients took, client quotes included)."""
        levels = self.levels(Side.BUY, 1)
        return levels[0][0] if levels else None

    def best_ask(self) -> int | None:
        """Best displayed ask."""
        levels = self.levels(Side.SELL, 1)
        return levels[0][0] if levels else None

    def recorded_levels(self, side: Side) -> list[tuple[int, int]]:
        """The recorded levels of the current row, best first, less what clients took."""
        if self._unbuilt is not None:
            self._build()
        recorded = self._bids if side is Side.BUY else self._asks
        if not self._taken:
            return list(recorded)
        out = []
        for price, lots in recorded:
            left = lots - self._taken.get((side, price), 0)
            if left > 0:
                out.append((price, left))
        return out

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        """Up to ``depth`` displayed levels of ``side``, best first, with client quotes merged in."""
        if self._unbuilt is not None:
            self._build()
        if not self._quotes and not self._taken:  # the recorded row as it is (rows are best first)
            recorded = self._bids if side is Side.BUY else self._asks
            if _best_first(recorded, side):
                return recorded[:depth]
        merged: dict[int, int] = dict(self.recorded_levels(side))
        for quote in self._quotes.values():
            if quote.side is side:
                merged[quote.price] = merged.get(quote.price, 0) + quote.remaining
        prices = sorted(merged, reverse=side is Side.BUY)
        return [(p, merged[p]) for p in prices[:depth]]

    def displayed_arrays(self, depth: int) -> tuple[IntArray, IntArray, IntArray, IntArray] | None:
        """The displayed book as read-only views of the recording (bid prices, bid lots, ask prices,
        ask lots; up to ``depth`` levels) while it is a best-first recorded row exactly as recorded:
        no list or array is built. None otherwise (use ``levels``)."""
        unbuilt = self._unbuilt
        if unbuilt is None:
            return None
        frame, row, bid_levels, ask_levels = unbuilt
        bid_levels, ask_levels = min(bid_levels, depth), min(ask_levels, depth)
        views = (
            frame.bid_px[row, :bid_levels],
            frame.bid_qty[row, :bid_levels],
            frame.ask_px[row, :ask_levels],
            frame.ask_qty[row, :ask_levels],
        )
        for view in views:
            view.flags.writeable = False
        return views

    def queue_ahead(self, client_ref: str) -> int:
        """Lots modelled ahead of a resting client order (0 when unknown)."""
        quote = self._quotes.get(client_ref)
        return quote.queue_ahead if quote is not None else 0

    def sweep_preview(self, side: Side, lots: int, limit_ticks: int | None) -> list[tuple[int, int]]:
        """What an aggressive ``side`` order would take from the displayed recorded liquidity."""
        taken: list[tuple[int, int]] = []
        for price, size in self.recorded_levels(side.opposite):
            if lots <= 0 or (
                limit_ticks is not None and (price > limit_ticks if side is Side.BUY else price < limit_ticks)
            ):
                break
            take = min(lots, size)
            taken.append((price, take))
            lots -= take
        return taken

    # --- client orders ------------------------------------------------------------------------

    def take(
        self, side: Side, lots: int, limit_ticks: int | None, ts_ns: int, client_ref: str
    ) -> list[TapePrinted]:
        """Fill an aggressive client order against displayed liquidity; each level hit is one print."""
        aggressor = Aggressor.BUY if side is Side.BUY else Aggressor.SELL
        prints = []
        for price, take in self.sweep_preview(side, lots, limit_ticks):
            key = (side.opposite, price)
            self._taken[key] = self._taken.get(key, 0) + take
            prints.append(
                TapePrinted(
                    self.instrument_uid, price, take, aggressor, ts_ns, taker_ref=client_ref, public=False
                )
            )
        return prints

    def rest(self, side: Side, price_ticks: int, lots: int, ts_ns: int, client_ref: str) -> None:
        """Queue a client order behind the displayed size at its price."""
        ahead = dict(self.recorded_levels(side)).get(price_ticks, 0)
        self._quotes[client_ref] = _ClientQuote(side, price_ticks, lots, ahead)

    def has_client_orders(self) -> bool:
        """True while a client order rests in this book."""
        return bool(self._quotes)

    def cancel(self, client_ref: str) -> int:
        """Remove a resting client order; returns its remaining lots."""
        quote = self._quotes.pop(client_ref, None)
        return quote.remaining if quote is not None else 0

    # --- recorded flow --------------------------------------------------------------------------

    def apply_row(self, frame: BookFrame, row: int, shapes: RowShapes, ts_ns: int) -> list[SourceEvent]:
        """``apply_book`` with row ``row`` of ``frame``; while no client order rests here and the row
        is best first, its level lists are built only when something reads them."""
        if self._quotes or not shapes.best_first[row]:
            return self.apply_book(*_row_levels(frame, row), ts_ns)
        self._unbuilt = (frame, row, shapes.bid_levels[row], shapes.ask_levels[row])
        self._taken.clear()
        return [BookUpdated(self.instrument_uid, ts_ns)]

    def _build(self) -> None:
        """Turn the unbuilt displayed row into level lists (``apply_row``)."""
        assert self._unbuilt is not None
        frame, row, bid_levels, ask_levels = self._unbuilt
        self._unbuilt = None
        self._bids = _pairs(frame.bid_px[row, :bid_levels], frame.bid_qty[row, :bid_levels])
        self._asks = _pairs(frame.ask_px[row, :ask_levels], frame.ask_qty[row, :ask_levels])

    def apply_book(
        self, bids: list[tuple[int, int]], asks: list[tuple[int, int]], ts_ns: int
    ) -> list[SourceEvent]:
        """Replace the displayed row; shrink queues to what is displayed; fill quotes the book reached."""
        self._unbuilt = None
        self._bids, self._asks = bids, asks
        self._taken.clear()
        events: list[SourceEvent] = [BookUpdated(self.instrument_uid, ts_ns)]
        for ref, quote in list(self._quotes.items()):
            own = bids if quote.side is Side.BUY else asks
            if own:
                worst = own[-1][0]
                inside = quote.price >= worst if quote.side is Side.BUY else quote.price <= worst
                if inside:
                    quote.queue_ahead = min(quote.queue_ahead, dict(own).get(quote.price, 0))
            opposite = asks if quote.side is Side.BUY else bids
            reachable = sum(
                q for p, q in opposite if (p <= quote.price if quote.side is Side.BUY else p >= quote.price)
            )
            if reachable > 0:
                events.append(self._execute(ref, quote, min(quote.remaining, reachable), ts_ns))
        return events

    def apply_trade(self, price: int, lots: int, aggressor: Aggressor, ts_ns: int) -> list[SourceEvent]:
        """A recorded print: advance queues at its price and fill quotes it reached or traded through."""
        events: list[SourceEvent] = [TapePrinted(self.instrument_uid, price, lots, aggressor, ts_ns)]
        pool = lots
        for ref, quote in list(self._quotes.items()):
            if pool <= 0:
                break
            passive = (
                Side.BUY if aggressor is Aggressor.SELL else Side.SELL if aggressor is Aggressor.BUY else None
            )
            if passive is not None and quote.side is not passive:
                continue
            through = price < quote.price if quote.side is Side.BUY else price > quote.price
            if through:
                fill = min(quote.remaining, pool)
            elif price == quote.price:
                beyond = lots - quote.queue_ahead
                quote.queue_ahead = max(quote.queue_ahead - lots, 0)
                fill = min(quote.remaining, max(beyond, 0), pool)
            else:
                continue
            if fill > 0:
                pool -= fill
                events.append(self._execute(ref, quote, fill, ts_ns))
        return events

    def _execute(self, ref: str, quote: _ClientQuote, lots: int, ts_ns: int) -> ClientExecuted:
        quote.remaining -= lots
        if quote.remaining <= 0:
            del self._quotes[ref]
        return ClientExecuted(self.instrument_uid, ref, quote.price, lots, ts_ns)


def _best_first(levels: list[tuple[int, int]], side: Side) -> bool:
    """True when prices strictly improve toward the front (bids falling, asks rising)."""
    prices = [price for price, _ in levels]
    if side is Side.BUY:
        return all(a > b for a, b in pairwise(prices))
    return all(a < b for a, b in pairwise(prices))


def _row_levels(frame: BookFrame, row: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(bids, asks) of one recorded row as (price, lots) pairs, absent levels dropped."""
    bid_n = int(np.count_nonzero(frame.bid_qty[row] > 0))
    ask_n = int(np.count_nonzero(frame.ask_qty[row] > 0))
    bids = _pairs(frame.bid_px[row, :bid_n], frame.bid_qty[row, :bid_n])
    asks = _pairs(frame.ask_px[row, :ask_n], frame.ask_qty[row, :ask_n])
    return bids, asks


def _pairs(prices: IntArray, lots: IntArray) -> list[tuple[int, int]]:
    """(price, lots) pairs of one side of a row."""
    return list(zip(prices.tolist(), lots.tolist(), strict=True))


@dataclass(frozen=True, slots=True)
class ReplaySchedule:
    """Every recorded event of a replay in time order: time, recording number, row in that
    recording's frame, and kind (0 book, 1 trade)."""

    ts_ns: npt.NDArray[np.int64]
    feed: npt.NDArray[np.int64]
    row: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class SkippedStretch:
    """What ``ReplaySource.skip`` replayed for one instrument: the frame rows of its books and
    trades with their offsets in the skipped stretch (all instruments counted; the schedule gives
    their times, trade ids follow the trades' order), and the time of its last book (None when no
    book was skipped)."""

    instrument_uid: str
    book_rows: npt.NDArray[np.int64]
    book_offsets: npt.NDArray[np.int64]
    trade_rows: npt.NDArray[np.int64]
    trade_offsets: npt.NDArray[np.int64]
    last_book_ts_ns: int | None


class ReplaySource:
    """A ``MarketSource`` replaying recordings of one or more instruments in exchange-time order.

    ``time_offset_ns`` shifts every recorded time (e.g. to replay "as of now" in paper mode)."""

    def __init__(self, feeds: Sequence[ReplayFeed], *, time_offset_ns: int = 0) -> None:
        if not feeds:
            raise ValueError("replay needs at least one recording")
        self._feeds = list(feeds)
        self._books = {f.instrument.uid: ReplayBook(f.instrument.uid) for f in self._feeds}
        self._shapes = [RowShapes.of(f.books) for f in self._feeds]
        ts_parts, feed_parts, row_parts, kind_parts = [], [], [], []
        for number, feed in enumerate(self._feeds):
            rows, kinds = merge_events(feed.books, feed.trades)
            ts = np.empty(len(rows), dtype=np.int64)
            is_book = kinds == 0
            ts[is_book] = feed.books.exchange_ts_ns[rows[is_book]]
            ts[~is_book] = feed.trades.exchange_ts_ns[rows[~is_book]]
            ts_parts.append(ts + time_offset_ns)
            feed_parts.append(np.full(len(rows), number, dtype=np.int64))
            row_parts.append(rows)
            kind_parts.append(kinds)
        ts_all = np.concatenate(ts_parts)
        order = np.argsort(ts_all, kind="stable")
        self.schedule = ReplaySchedule(
            ts_all[order],
            np.concatenate(feed_parts)[order],
            np.concatenate(row_parts)[order],
            np.concatenate(kind_parts)[order],
        )
        self._ts = self.schedule.ts_ns.tolist()
        self._feed = self.schedule.feed.tolist()
        self._row = self.schedule.row.tolist()
        self._kind = self.schedule.kind.tolist()
        self._pos = 0
        self._start_ns = self._ts[0] if self._ts else time_offset_ns

    def instruments(self) -> Sequence[Instrument]:
        """The replayed instruments."""
        return [f.instrument for f in self._feeds]

    @property
    def feeds(self) -> Sequence[ReplayFeed]:
        """The recordings, in the order ``schedule.feed`` numbers them."""
        return self._feeds

    @property
    def position(self) -> int:
        """Index into ``schedule`` of the next event to replay."""
        return self._pos

    def skip(self, count: int) -> list[SkippedStretch]:
        """Replay the next ``count`` events at once, without yielding them: each instrument's book
        becomes its last recorded row in the stretch. Only for stretches where no client order works
        in the books touched (nothing could fill): the backtest's quiet stretches. Returns, per
        instrument touched, what was skipped (for the caller's bookkeeping)."""
        end = min(self._pos + count, len(self._ts))
        stretches: list[SkippedStretch] = []
        if end <= self._pos:
            return stretches
        schedule = self.schedule
        feeds = schedule.feed[self._pos : end]
        kinds = schedule.kind[self._pos : end]
        rows = schedule.row[self._pos : end]
        times = schedule.ts_ns[self._pos : end]
        single = len(self._feeds) == 1
        for number in [0] if single else np.unique(feeds).tolist():
            feed = self._feeds[number]
            book = self._books[feed.instrument.uid]
            if book.has_client_orders():
                raise RuntimeError(f"cannot skip {feed.instrument.ticker}: a client order works there")
            is_book = kinds == 0
            if single:
                book_at, trade_at = np.flatnonzero(is_book), np.flatnonzero(~is_book)
            else:
                mine = feeds == number
                book_at, trade_at = np.flatnonzero(mine & is_book), np.flatnonzero(mine & ~is_book)
            last_book_ts = None
            if len(book_at):
                last = int(book_at[-1])
                row = int(rows[last])
                last_book_ts = int(times[last])
                book.apply_row(feed.books, row, self._shapes[number], last_book_ts)
            stretches.append(
                SkippedStretch(
                    feed.instrument.uid,
                    rows[book_at],
                    book_at,
                    rows[trade_at],
                    trade_at,
                    last_book_ts,
                )
            )
        self._pos = end
        return stretches

    def book(self, instrument_uid: str) -> ReplayBook:
        """The replayed book of one instrument."""
        return self._books[instrument_uid]

    def start(self, ts_ns: int) -> None:
        """Start the market at ``ts_ns``: earlier recorded events are applied silently."""
        for _ in self.events_until(ts_ns - 1):
            pass
        self._start_ns = ts_ns

    def start_ns(self) -> int:
        """The market time the replay starts from (the first recorded event unless ``start`` moved it)."""
        return self._start_ns

    def end_ns(self) -> int | None:
        """The time of the last recorded event."""
        return self._ts[-1] if self._ts else None

    def next_event_ns(self) -> int | None:
        """Time of the next recorded event (None at the end)."""
        return self._ts[self._pos] if self._pos < len(self._ts) else None

    def events_until(self, ts_ns: int) -> Iterator[SourceEvent]:
        """Apply and yield every recorded event with time ≤ ``ts_ns`` (ties: trades before books)."""
        times = self._ts
        while self._pos < len(times) and times[self._pos] <= ts_ns:
            pos = self._pos
            self._pos += 1
            number = self._feed[pos]
            feed = self._feeds[number]
            book = self._books[feed.instrument.uid]
            row = self._row[pos]
            ts = times[pos]
            if self._kind[pos] == 0:
                yield from book.apply_row(feed.books, row, self._shapes[number], ts)
            else:
                trades = feed.trades
                yield from book.apply_trade(
                    int(trades.price_ticks[row]),
                    int(trades.lots[row]),
                    Aggressor(int(trades.aggressor[row])),
                    ts,
                )
