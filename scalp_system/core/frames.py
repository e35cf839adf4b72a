"""Columnar market data: many books or trades of one instrument as numpy arrays.

The shared currency of research code: CSV import and the historical store produce frames, batch
features, labels, training and the backtester consume them. Prices are integer ticks, sizes lots,
times UTC ns; a book level that is absent (thin book) has price 0 and size 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.core.market import Aggressor, OrderBook, Trade

I64 = npt.NDArray[np.int64]
I8 = npt.NDArray[np.int8]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class BookFrame:
    """``n`` depth-``L`` books of one instrument, ordered by ``exchange_ts_ns`` (ties: arrival)."""

    instrument_id: str
    exchange_ts_ns: I64  # (n,)
    local_ts_ns: I64  # (n,)
    bid_px: I64  # (n, L) best first
    bid_qty: I64  # (n, L)
    ask_px: I64  # (n, L)
    ask_qty: I64  # (n, L)
    is_consistent: BoolArray  # (n,)

    def __post_init__(self) -> None:
        n = self.exchange_ts_ns.shape[0]
        for name in ("local_ts_ns", "is_consistent"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"BookFrame.{name} must have shape ({n},)")
        shape = self.bid_px.shape
        if len(shape) != 2 or shape[0] != n:
            raise ValueError(f"BookFrame.bid_px must have shape ({n}, L), got {shape}")
        for name in ("bid_qty", "ask_px", "ask_qty"):
            if getattr(self, name).shape != shape:
                raise ValueError(f"BookFrame.{name} must have shape {shape}")

    def __len__(self) -> int:
        return int(self.exchange_ts_ns.shape[0])

    @property
    def levels(self) -> int:
        """Depth L of every row."""
        return int(self.bid_px.shape[1])

    def book(self, row: int) -> OrderBook:
        """Row ``row`` as an OrderBook (absent levels dropped)."""
        bid_n = int(np.count_nonzero(self.bid_qty[row] > 0))
        ask_n = int(np.count_nonzero(self.ask_qty[row] > 0))
        return OrderBook.build(
            self.instrument_id,
            list(zip(self.bid_px[row, :bid_n].tolist(), self.bid_qty[row, :bid_n].tolist(), strict=True)),
            list(zip(self.ask_px[row, :ask_n].tolist(), self.ask_qty[row, :ask_n].tolist(), strict=True)),
            int(self.exchange_ts_ns[row]),
            int(self.local_ts_ns[row]),
            depth=self.levels,
            is_consistent=bool(self.is_consistent[row]),
        )

    def slice(self, start: int, stop: int) -> BookFrame:
        """Rows ``start:stop`` (views, no copy)."""
        return BookFrame(
            self.instrument_id,
            self.exchange_ts_ns[start:stop],
            self.local_ts_ns[start:stop],
            self.bid_px[start:stop],
            self.bid_qty[start:stop],
            self.ask_px[start:stop],
            self.ask_qty[start:stop],
            self.is_consistent[start:stop],
        )

    def select(self, mask: BoolArray) -> BookFrame:
        """The rows where ``mask`` is true (a copy)."""
        return BookFrame(
            self.instrument_id,
            self.exchange_ts_ns[mask],
            self.local_ts_ns[mask],
            self.bid_px[mask],
            self.bid_qty[mask],
            self.ask_px[mask],
            self.ask_qty[mask],
            self.is_consistent[mask],
        )

    @classmethod
    def from_books(cls, instrument_id: str, books: list[OrderBook], levels: int) -> BookFrame:
        """Pack OrderBooks (padding thin sides with zeros) into a frame."""
        n = len(books)
        arrays = {k: np.zeros((n, levels), dtype=np.int64) for k in ("bp", "bq", "ap", "aq")}
        for i, book in enumerate(books):
            nb, na = min(len(book.bid_px), levels), min(len(book.ask_px), levels)
            arrays["bp"][i, :nb] = book.bid_px[:nb]
            arrays["bq"][i, :nb] = book.bid_qty[:nb]
            arrays["ap"][i, :na] = book.ask_px[:na]
            arrays["aq"][i, :na] = book.ask_qty[:na]
        return cls(
            instrument_id,
            np.array([b.exchange_ts_ns for b in books], dtype=np.int64),
            np.array([b.local_ts_ns for b in books], dtype=np.int64),
            arrays["bp"],
            arrays["bq"],
            arrays["ap"],
            arrays["aq"],
            np.array([b.is_consistent for b in books], dtype=np.bool_),
        )


@dataclass(frozen=True, slots=True)
class TradeFrame:
    """``n`` public trades of one instrument ordered by ``exchange_ts_ns``."""

    instrument_id: str
    exchange_ts_ns: I64
    local_ts_ns: I64
    price_ticks: I64
    lots: I64
    aggressor: I8  # Aggressor values
    trade_id: npt.NDArray[np.str_] | None = None

    def __len__(self) -> int:
        return int(self.exchange_ts_ns.shape[0])

    def trade(self, row: int) -> Trade:
        """Row ``row`` as a Trade."""
        return Trade(
            self.instrument_id,
            int(self.price_ticks[row]),
            int(self.lots[row]),
            Aggressor(int(self.aggressor[row])),
            int(self.exchange_ts_ns[row]),
            int(self.local_ts_ns[row]),
            str(self.trade_id[row]) if self.trade_id is not None else "",
        )

    def select(self, mask: BoolArray) -> TradeFrame:
        """The trades where ``mask`` is true (a copy)."""
        ids = self.trade_id[mask] if self.trade_id is not None else None
        return TradeFrame(
            self.instrument_id,
            self.exchange_ts_ns[mask],
            self.local_ts_ns[mask],
            self.price_ticks[mask],
            self.lots[mask],
            self.aggressor[mask],
            ids,
        )

    def between(self, start_ns: int | None, end_ns: int | None) -> TradeFrame:
        """Trades with ``start_ns <= exchange time < end_ns`` (None: unbounded)."""
        mask = np.ones(len(self), dtype=np.bool_)
        if start_ns is not None:
            mask &= self.exchange_ts_ns >= start_ns
        if end_ns is not None:
            mask &= self.exchange_ts_ns < end_ns
        return self.select(mask)

    @classmethod
    def from_trades(cls, instrument_id: str, trades: list[Trade]) -> TradeFrame:
        """Pack Trades into a frame."""
        return cls(
            instrument_id,
            np.array([t.exchange_ts_ns for t in trades], dtype=np.int64),
            np.array([t.local_ts_ns for t in trades], dtype=np.int64),
            np.array([t.price_ticks for t in trades], dtype=np.int64),
            np.array([t.lots for t in trades], dtype=np.int64),
            np.array([int(t.aggressor) for t in trades], dtype=np.int8),
            np.array([t.trade_id for t in trades], dtype=np.str_),
        )


def merge_events(books: BookFrame, trades: TradeFrame) -> tuple[I64, I8]:
    """The replay order of books and trades: returns (row index, kind) with kind 0 = book, 1 = trade,
    sorted by exchange time; at equal times trades come first (the trade caused the book change)."""
    ts = np.concatenate([books.exchange_ts_ns, trades.exchange_ts_ns])
    kind = np.concatenate([np.zeros(len(books), np.int8), np.ones(len(trades), np.int8)])
    index = np.concatenate([np.arange(len(books), dtype=np.int64), np.arange(len(trades), dtype=np.int64)])
    order = np.lexsort((index, -kind, ts))
    return index[order], kind[order]
