"""The work behind the research commands: import, info, record, train, backtest.

Each function takes a validated Config and plain arguments and returns a result object; the CLI
only parses flags and prints. Nothing here holds trading rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from scalp_system.backtest.report import write_report
from scalp_system.backtest.result import BacktestResult
from scalp_system.backtest.runner import Recording as BacktestRecording
from scalp_system.backtest.runner import run_backtest
from scalp_system.config import Config
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.core.market import OrderBook, Trade
from scalp_system.data.csv_import import read_recording
from scalp_system.exchange.replay import recording_instrument
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.ml.dataset import dataset_from_store
from scalp_system.ml.training import ProgressCallback, TrainingResult, train
from scalp_system.orchestration.models import load_ensemble, open_registry, save_drift_reference
from scalp_system.storage.historical import (
    StoreInfo,
    info,
    read_books,
    read_trades,
    write_book_frame,
    write_trade_frame,
)
from scalp_system.storage.store import Store


def instrument_from_flags(ticker: str, tick: str, lot: str, currency: str) -> Instrument:
    """An instrument definition from the command line (recordings of any market)."""
    kind = InstrumentKind.SHARE if currency.lower() == "rub" else InstrumentKind.CRYPTO
    return recording_instrument(
        ticker.upper(), Decimal(tick), Decimal(lot), currency=currency.lower(), kind=kind
    )


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What ``scalp data import`` wrote."""

    instrument: Instrument
    books: int
    trades: int
    first_ns: int
    last_ns: int
    seconds: float


def import_csv(
    db_path: Path, books_path: Path, trades_path: Path | None, instrument: Instrument, config: Config
) -> ImportResult:
    """Validate the whole recording first (all-or-nothing), then write it to the store."""
    started = time.perf_counter()
    books, trades = read_recording(books_path, trades_path, instrument, levels=config.data.lob_levels)
    with Store(db_path, config.storage) as store:
        store.upsert_instrument(instrument)
        write_book_frame(store, books)
        if trades is not None and len(trades):
            write_trade_frame(store, trades)
    return ImportResult(
        instrument,
        len(books),
        len(trades) if trades is not None else 0,
        int(books.exchange_ts_ns[0]),
        int(books.exchange_ts_ns[-1]),
        time.perf_counter() - started,
    )


def store_info(db_path: Path) -> StoreInfo:
    """Summary of a store (raises FileNotFoundError when it does not exist)."""
    if not db_path.exists():
        raise FileNotFoundError(f"no store at {db_path}")
    with Store(db_path, read_only=True) as store:
        return info(store)


def resolve_stored(db_path: Path, names: Sequence[str]) -> list[Instrument]:
    """Instruments of a store by ticker or uid (all of them when ``names`` is empty)."""
    with Store(db_path, read_only=True) as store:
        stored = store.instruments()
    if not names:
        return stored
    found = []
    for name in names:
        match = [i for i in stored if name in (i.uid, i.ticker)]
        if not match:
            known = ", ".join(i.ticker for i in stored) or "none"
            raise ValueError(f"instrument {name!r} is not in {db_path} (it has: {known})")
        found.append(match[0])
    return found


def train_from_db(
    config: Config,
    db_path: Path,
    names: Sequence[str],
    from_ns: int | None,
    to_ns: int | None,
    *,
    progress: ProgressCallback | None = None,
    save: bool = True,
) -> TrainingResult:
    """Walk-forward training on stored books; the final models go to the registry."""
    instruments = resolve_stored(db_path, names)
    data = dataset_from_store(db_path, [i.uid for i in instruments], from_ns, to_ns, config)
    result = train(
        data.features,
        data.mids_ticks,
        data.schema,
        config.ml,
        segments=data.segments,
        instruments=tuple(i.ticker for i in instruments),
        from_ns=data.from_ns,
        to_ns=data.to_ns,
        progress=progress,
    )
    if save:
        registry = open_registry(config)
        for bundle in result.bundles:
            registry.save(bundle)
        save_drift_reference(config, data.features, data.segments, data.instruments)
    return result


def load_recordings_csv(
    books_path: Path, trades_path: Path | None, instrument: Instrument, config: Config
) -> list[BacktestRecording]:
    """A CSV recording as backtest input."""
    books, trades = read_recording(books_path, trades_path, instrument, levels=config.data.lob_levels)
    return [BacktestRecording(instrument, books, trades if trades is not None else _no_trades(instrument))]


def load_recordings_db(
    db_path: Path, names: Sequence[str], from_ns: int | None, to_ns: int | None, config: Config
) -> list[BacktestRecording]:
    """Stored recordings as backtest input."""
    recordings = []
    with Store(db_path, read_only=True) as store:
        for instrument in resolve_stored(db_path, names):
            books = read_books(store, instrument.uid, from_ns, to_ns, levels=config.data.lob_levels)
            trades = read_trades(store, instrument.uid, from_ns, to_ns)
            if len(books):
                recordings.append(BacktestRecording(instrument, books, trades))
    if not recordings:
        raise ValueError(f"no books in {db_path} for the requested instruments and range")
    return recordings


def _no_trades(instrument: Instrument) -> TradeFrame:
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    return TradeFrame(instrument.uid, empty, empty, empty, empty, np.zeros(0, dtype=np.int8))


@dataclass(frozen=True, slots=True)
class BacktestOutcome:
    """A finished backtest: its result and where the reports went."""

    result: BacktestResult
    json_path: Path
    html_path: Path


def backtest(
    config: Config,
    recordings: Sequence[BacktestRecording],
    report_dir: Path,
    *,
    order_latency_ms: float = 5.0,
    train_fraction: float = 0.0,
    progress: Callable[[int, int], None] | None = None,
    train_progress: ProgressCallback | None = None,
) -> BacktestOutcome:
    """Run a backtest with the registry's model; with ``train_fraction`` > 0 the first part of each
    recording trains a fresh model (walk-forward: tested only on what follows, after a purge gap)."""
    model_name = ""
    if train_fraction > 0:
        recordings = _train_on_head(config, recordings, train_fraction, train_progress)
    loaded = load_ensemble(config, open_registry(config))
    model_name = loaded.description
    result = run_backtest(
        config,
        recordings,
        model=loaded.ensemble,
        model_name=model_name,
        order_latency_ms=order_latency_ms,
        progress=progress,
    )
    json_path, html_path = write_report(result, report_dir)
    return BacktestOutcome(result, json_path, html_path)


def _train_on_head(
    config: Config,
    recordings: Sequence[BacktestRecording],
    fraction: float,
    progress: ProgressCallback | None,
) -> list[BacktestRecording]:
    from scalp_system.orchestration.models import train_and_save

    heads, tails = [], []
    gap = config.ml.horizon
    for recording in recordings:
        cut = int(len(recording.books) * fraction)
        cut_ns = int(recording.books.exchange_ts_ns[min(cut, len(recording.books) - 1)])
        head_trades = recording.trades.between(None, cut_ns)
        heads.append(MlRecording(recording.books.slice(0, cut), head_trades, recording.instrument.tick))
        start = min(cut + gap, len(recording.books))
        start_ns = int(recording.books.exchange_ts_ns[start]) if start < len(recording.books) else cut_ns
        tails.append(
            BacktestRecording(
                recording.instrument,
                recording.books.slice(start, len(recording.books)),
                recording.trades.between(start_ns, None),
            )
        )
    train_and_save(config, heads, open_registry(config), progress=progress)
    return tails


@dataclass(frozen=True, slots=True)
class RecordResult:
    """What ``scalp record`` stored."""

    books: dict[str, int]
    trades: dict[str, int]
    seconds: float


async def record(
    config: Config,
    client_instruments: Sequence[Instrument],
    stream_events: Callable[[], object],
    db_path: Path,
    duration_s: float,
    *,
    flush_every_s: float = 10.0,
    status: Callable[[str], None] = lambda _m: None,
) -> RecordResult:
    """Record books and trades from a market-data event iterator into the store in columnar blocks."""
    from collections.abc import AsyncIterator

    events = stream_events()
    assert isinstance(events, AsyncIterator)
    books: dict[str, list[OrderBook]] = {i.uid: [] for i in client_instruments}
    trades: dict[str, list[Trade]] = {i.uid: [] for i in client_instruments}
    counts_b = dict.fromkeys(books, 0)
    counts_t = dict.fromkeys(books, 0)
    started = time.monotonic()
    deadline = started + duration_s
    next_flush = started + flush_every_s
    with Store(db_path, config.storage) as store:
        for instrument in client_instruments:
            store.upsert_instrument(instrument)

        def flush() -> None:
            for uid in books:
                if books[uid]:
                    write_book_frame(store, BookFrame.from_books(uid, books[uid], config.data.lob_levels))
                    counts_b[uid] += len(books[uid])
                    books[uid] = []
                if trades[uid]:
                    ordered = sorted(trades[uid], key=lambda t: t.exchange_ts_ns)
                    write_trade_frame(store, TradeFrame.from_trades(uid, ordered))
                    counts_t[uid] += len(ordered)
                    trades[uid] = []

        while (left := deadline - time.monotonic()) > 0:
            try:
                event = await asyncio.wait_for(events.__anext__(), timeout=min(left, 1.0))
            except TimeoutError:
                event = None
            except StopAsyncIteration:
                break
            if isinstance(event, OrderBook) and event.instrument_id in books and event.is_consistent:
                books[event.instrument_id].append(event)
            elif isinstance(event, Trade) and event.instrument_id in trades:
                trades[event.instrument_id].append(event)
            if time.monotonic() >= next_flush:
                flush()
                next_flush = time.monotonic() + flush_every_s
                status(f"recorded {sum(counts_b.values())} books, {sum(counts_t.values())} trades")
        flush()
    return RecordResult(counts_b, counts_t, time.monotonic() - started)
