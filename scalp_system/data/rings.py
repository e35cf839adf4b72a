"""Bounded ring buffers of books and trades for one instrument, stored in preallocated numpy blocks.

A ring holds at most ``capacity`` rows, newest last. Storage is a short queue of fixed-size blocks
(``block_rows`` rows each, allocated whole, never resized): appending is O(1) (a row write; a new
block every ``block_rows`` appends, or the recycled oldest one once the ring is full), and the
memory guard frees history one oldest block at a time in O(1). Memory used is exactly the bytes of
the blocks held (``nbytes``) and never exceeds ``(ceil(capacity / block_rows) + 1)`` blocks.

``frame(n)`` returns the last ``n`` rows in time order as a core ``BookFrame``/``TradeFrame``:
read-only views when the rows lie in one block, otherwise a (read-only) copy. A view is only valid
until the ring is appended to again; copy it to keep it.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import OrderBook, Trade

Block = tuple[npt.NDArray[Any], ...]

DEFAULT_BOOK_BLOCK_ROWS = 256
DEFAULT_TRADE_BLOCK_ROWS = 1024


def _read_only(array: npt.NDArray[Any]) -> npt.NDArray[Any]:
    array.flags.writeable = False
    return array


class _BlockRing:
    """Block bookkeeping shared by the book and trade rings (subclasses define the columns)."""

    def __init__(self, capacity: int, block_rows: int) -> None:
        if capacity < 1:
            raise ValueError(f"ring capacity must be at least 1, got {capacity}")
        if block_rows < 1:
            raise ValueError(f"block_rows must be at least 1, got {block_rows}")
        self.capacity = capacity
        self.block_rows = min(block_rows, capacity)
        self._blocks: deque[Block] = deque()
        self._spare: Block | None = None  # a retired block kept for reuse (no allocation when full)
        self._start = 0  # first live row in the oldest block
        self._fill = 0  # rows written in the newest block
        self._size = 0
        self._block_nbytes = self.block_rows * sum(
            column.dtype.itemsize * int(np.prod(column.shape[1:])) for column in self._empty_columns()
        )

    # -- subclass hooks -------------------------------------------------------------------------
    def _allocate(self) -> Block:
        raise NotImplementedError

    def _empty_columns(self) -> Block:
        raise NotImplementedError

    # -- bookkeeping ----------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._size

    @property
    def nbytes(self) -> int:
        """Bytes of numpy storage held right now (live blocks plus a spare one)."""
        return (len(self._blocks) + (self._spare is not None)) * self._block_nbytes

    @property
    def block_nbytes(self) -> int:
        """Bytes of one block (the unit the memory guard frees)."""
        return self._block_nbytes

    @property
    def fill_ratio(self) -> float:
        """Rows held / capacity, 0..1."""
        return self._size / self.capacity

    @property
    def block_count(self) -> int:
        """Blocks holding live rows."""
        return len(self._blocks)

    def _slot(self) -> tuple[Block, int, int]:
        """The block and row the next append writes to, and the bytes allocated to make room (0 or a
        block): a new block is taken when the newest is full, the spare one if there is one."""
        allocated = 0
        if not self._blocks or self._fill == self.block_rows:
            if self._spare is not None:
                block, self._spare = self._spare, None
            else:
                block = self._allocate()
                allocated = self._block_nbytes
            self._blocks.append(block)
            self._fill = 0
        row = self._fill
        self._fill += 1
        self._size += 1
        return self._blocks[-1], row, allocated

    def _trim(self) -> None:
        """Drop the oldest row when over capacity; a block that empties becomes the spare."""
        if self._size > self.capacity:
            self._size -= 1
            self._start += 1
            if self._start == self.block_rows:
                self._spare = self._blocks.popleft()
                self._start = 0

    def _extend(self, columns: Block) -> int:
        """Append many rows at once (columns shaped like the block's, oldest first): the same state
        as appending them one by one; returns the bytes newly allocated."""
        count = int(columns[0].shape[0])
        allocated = 0
        done = 0
        while done < count:
            if not self._blocks or self._fill == self.block_rows:
                if self._spare is not None:
                    new_block, self._spare = self._spare, None
                else:
                    new_block = self._allocate()
                    allocated += self._block_nbytes
                self._blocks.append(new_block)
                self._fill = 0
            take = min(count - done, self.block_rows - self._fill)
            block = self._blocks[-1]
            for target, source in zip(block, columns, strict=True):
                target[self._fill : self._fill + take] = source[done : done + take]
            self._fill += take
            self._size += take
            done += take
            excess = self._size - self.capacity
            while excess > 0:
                dropped = min(excess, self.block_rows - self._start)
                self._start += dropped
                self._size -= dropped
                excess -= dropped
                if self._start == self.block_rows:
                    self._spare = self._blocks.popleft()
                    self._start = 0
        return allocated

    def release_spare(self) -> int:
        """Free the spare block, if any; returns bytes freed."""
        if self._spare is None:
            return 0
        self._spare = None
        return self._block_nbytes

    def evict_oldest_block(self) -> int:
        """Free the oldest block of history (never the block being written); returns rows dropped."""
        if len(self._blocks) < 2:
            return 0
        self._blocks.popleft()
        dropped = self.block_rows - self._start
        self._start = 0
        self._size -= dropped
        return dropped

    def clear(self) -> None:
        """Drop every row and free all storage."""
        self._blocks.clear()
        self._spare = None
        self._start = self._fill = self._size = 0

    def _columns(self, n: int | None) -> list[npt.NDArray[Any]]:
        """The last ``n`` rows (all when None) of every column, oldest first."""
        count = self._size if n is None else max(0, min(n, self._size))
        if count == 0 or not self._blocks:
            return [_read_only(column) for column in self._empty_columns()]
        # Walk blocks from the newest back until ``count`` rows are covered.
        pieces: list[tuple[Block, int, int]] = []
        remaining = count
        last = len(self._blocks) - 1
        for index in range(last, -1, -1):
            block = self._blocks[index]
            end = self._fill if index == last else self.block_rows
            first = self._start if index == 0 else 0
            take = min(remaining, end - first)
            pieces.append((block, end - take, end))
            remaining -= take
            if remaining == 0:
                break
        pieces.reverse()
        width = len(pieces[0][0])
        if len(pieces) == 1:
            block, lo, hi = pieces[0]
            return [_read_only(block[k][lo:hi]) for k in range(width)]
        return [
            _read_only(np.concatenate([block[k][lo:hi] for block, lo, hi in pieces])) for k in range(width)
        ]


class BookRing(_BlockRing):
    """The last ``capacity`` accepted books of one instrument at depth ``levels``.

    Columns: exchange and local time (ns), bid/ask price (ticks) and size (lots) per level, best
    first. Books thinner than ``levels`` are padded with zeros (the BookFrame convention); deeper
    books are cut to ``levels``.
    """

    def __init__(self, capacity: int, levels: int, block_rows: int = DEFAULT_BOOK_BLOCK_ROWS) -> None:
        if levels < 1:
            raise ValueError(f"levels must be at least 1, got {levels}")
        self.levels = levels
        super().__init__(capacity, block_rows)

    def _allocate(self) -> Block:
        rows, levels = self.block_rows, self.levels
        return (
            np.empty(rows, np.int64),
            np.empty(rows, np.int64),
            np.empty((rows, levels), np.int64),
            np.empty((rows, levels), np.int64),
            np.empty((rows, levels), np.int64),
            np.empty((rows, levels), np.int64),
        )

    def _empty_columns(self) -> Block:
        levels = self.levels
        return (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty((0, levels), np.int64),
            np.empty((0, levels), np.int64),
            np.empty((0, levels), np.int64),
            np.empty((0, levels), np.int64),
        )

    def append(self, book: OrderBook) -> int:
        """Store ``book`` as the newest row (O(1); the oldest row goes when full).

        Returns the bytes newly allocated (0, or one block) so the owner can keep a memory total.
        """
        block, row, allocated = self._slot()
        block[0][row] = book.exchange_ts_ns
        block[1][row] = book.local_ts_ns
        levels = self.levels
        for column, values in ((2, book.bid_px), (3, book.bid_qty), (4, book.ask_px), (5, book.ask_qty)):
            target = block[column][row]
            n = len(values)
            if n >= levels:
                target[:] = values[:levels]
            else:
                target[:n] = values
                target[n:] = 0
        self._trim()
        return allocated

    def extend(self, frame: BookFrame) -> int:
        """Store every row of ``frame`` (levels beyond the ring's depth dropped, absent ones zeroed)
        as ``append`` would, oldest first; returns the bytes newly allocated."""
        levels = self.levels
        n = len(frame)
        sides = []
        for px, qty in ((frame.bid_px, frame.bid_qty), (frame.ask_px, frame.ask_qty)):
            held = np.count_nonzero(qty > 0, axis=1)  # levels kept, as ``BookFrame.book`` counts them
            present = np.arange(qty.shape[1])[None, :] < held[:, None]
            padded_px = np.zeros((n, levels), np.int64)
            padded_qty = np.zeros((n, levels), np.int64)
            width = min(levels, px.shape[1])
            padded_px[:, :width] = np.where(present[:, :width], px[:, :width], 0)
            padded_qty[:, :width] = np.where(present[:, :width], qty[:, :width], 0)
            sides.append((padded_px, padded_qty))
        (bid_px, bid_qty), (ask_px, ask_qty) = sides
        return self._extend((frame.exchange_ts_ns, frame.local_ts_ns, bid_px, bid_qty, ask_px, ask_qty))

    def frame(self, instrument_id: str, n: int | None = None) -> BookFrame:
        """The last ``n`` books (all when None) in time order as a BookFrame."""
        ets, lts, bid_px, bid_qty, ask_px, ask_qty = self._columns(n)
        consistent = _read_only(np.ones(ets.shape[0], dtype=np.bool_))
        return BookFrame(instrument_id, ets, lts, bid_px, bid_qty, ask_px, ask_qty, consistent)


class TradeRing(_BlockRing):
    """The last ``capacity`` accepted trades of one instrument (trade ids are not kept).

    Columns: exchange and local time (ns), price (ticks), size (lots), aggressor (Aggressor value).
    """

    def __init__(self, capacity: int, block_rows: int = DEFAULT_TRADE_BLOCK_ROWS) -> None:
        super().__init__(capacity, block_rows)

    def _allocate(self) -> Block:
        rows = self.block_rows
        return (
            np.empty(rows, np.int64),
            np.empty(rows, np.int64),
            np.empty(rows, np.int64),
            np.empty(rows, np.int64),
            np.empty(rows, np.int8),
        )

    def _empty_columns(self) -> Block:
        return (
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.int64),
            np.empty(0, np.int8),
        )

    def append(self, trade: Trade) -> int:
        """Store ``trade`` as the newest row (O(1); the oldest row goes when full); returns the bytes
        newly allocated (0, or one block)."""
        block, row, allocated = self._slot()
        block[0][row] = trade.exchange_ts_ns
        block[1][row] = trade.local_ts_ns
        block[2][row] = trade.price_ticks
        block[3][row] = trade.lots
        block[4][row] = int(trade.aggressor)
        self._trim()
        return allocated

    def extend(self, frame: TradeFrame) -> int:
        """Store every row of ``frame`` as ``append`` would, oldest first; returns bytes allocated."""
        return self._extend(
            (frame.exchange_ts_ns, frame.local_ts_ns, frame.price_ticks, frame.lots, frame.aggressor)
        )

    def frame(self, instrument_id: str, n: int | None = None) -> TradeFrame:
        """The last ``n`` trades (all when None) in time order as a TradeFrame (``trade_id`` None)."""
        ets, lts, price, lots, aggressor = self._columns(n)
        return TradeFrame(instrument_id, ets, lts, price, lots, aggressor, None)
