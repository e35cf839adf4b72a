"""Recordings of a sweep task: loaded with the existing importers, cut into walk-forward windows.

CSV recordings go through ``commands.research.load_recordings_csv`` and stores through
``load_recordings_db`` (the same code ``scalp backtest`` uses). A worker keeps what it loaded in a
small per-process cache, so the many tasks a worker runs on one group read the files once.
Windows are equal slices of the period's time span; the test window skips its first ``purge``
books of every instrument so no label of the training window sees into it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from scalp_system.backtest.runner import Recording
from scalp_system.commands.research import instrument_from_flags, load_recordings_csv, load_recordings_db
from scalp_system.config import Config
from scalp_system.core.frames import TradeFrame
from scalp_system.research.plan import DataRequest

CACHE_SIZE = 4
_cache: OrderedDict[tuple[str, int], tuple[Recording, ...]] = OrderedDict()


@dataclass(frozen=True, slots=True)
class GroupData:
    """A data request's recordings, already cut to its period (what the object store carries)."""

    request: DataRequest
    levels: int
    recordings: tuple[Recording, ...]


def _slice_trades(trades: TradeFrame, start_ns: int | None, end_ns: int | None) -> TradeFrame:
    ts = trades.exchange_ts_ns
    lo = 0 if start_ns is None else int(np.searchsorted(ts, start_ns, side="left"))
    hi = len(trades) if end_ns is None else int(np.searchsorted(ts, end_ns, side="left"))
    ids = trades.trade_id[lo:hi] if trades.trade_id is not None else None
    return TradeFrame(
        trades.instrument_id,
        ts[lo:hi],
        trades.local_ts_ns[lo:hi],
        trades.price_ticks[lo:hi],
        trades.lots[lo:hi],
        trades.aggressor[lo:hi],
        ids,
    )


def cut(recording: Recording, start_ns: int | None, end_ns: int | None, skip_books: int = 0) -> Recording:
    """The part of a recording with ``start_ns <= t < end_ns`` (books and trades), minus its first
    ``skip_books`` books (the purge gap; trades start at the first kept book)."""
    ts = recording.books.exchange_ts_ns
    lo = 0 if start_ns is None else int(np.searchsorted(ts, start_ns, side="left"))
    hi = len(ts) if end_ns is None else int(np.searchsorted(ts, end_ns, side="left"))
    lo = min(lo + skip_books, hi)
    books = recording.books.slice(lo, hi)
    if lo == hi:
        return Recording(recording.instrument, books, _slice_trades(recording.trades, 0, 0))
    return Recording(recording.instrument, books, _slice_trades(recording.trades, int(ts[lo]), end_ns))


def _load(request: DataRequest, config: Config) -> tuple[Recording, ...]:
    period = request.period
    recordings: list[Recording] = []
    for source in request.sources:
        if source.books is not None:
            assert source.tick is not None and source.lot is not None
            instrument = instrument_from_flags(
                source.ticker, str(source.tick), str(source.lot), source.currency
            )
            loaded = load_recordings_csv(source.books, source.trades, instrument, config)
            recordings += [cut(r, period.start_ns, period.end_ns) for r in loaded]
        else:
            assert source.db is not None
            recordings += load_recordings_db(
                source.db, [source.ticker], period.start_ns, period.end_ns, config
            )
    kept = tuple(r for r in recordings if len(r.books))
    if not kept:
        raise ValueError(f"group {request.group!r}: no books in period {period.name!r}")
    return kept


def load_group(request: DataRequest, config: Config) -> GroupData:
    """The request's recordings at the configuration's depth (cached per process)."""
    key = (request.key, config.data.lob_levels)
    if key not in _cache:
        _cache[key] = _load(request, config)
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    _cache.move_to_end(key)
    return GroupData(request, config.data.lob_levels, _cache[key])


def window_bounds(recordings: Sequence[Recording], windows: int) -> list[int]:
    """``windows + 1`` boundaries (ns) cutting the recordings' common span into equal windows."""
    start = min(int(r.books.exchange_ts_ns[0]) for r in recordings)
    end = max(int(r.books.exchange_ts_ns[-1]) for r in recordings) + 1
    return [start + (end - start) * i // windows for i in range(windows)] + [end]


def window(
    recordings: Sequence[Recording], bounds: Sequence[int], first: int, last: int, purge: int = 0
) -> list[Recording]:
    """Windows ``first..last`` (inclusive) of every recording, the first ``purge`` books skipped."""
    parts = [cut(r, bounds[first], bounds[last + 1], purge) for r in recordings]
    return [p for p in parts if len(p.books)]
