"""Training data from recorded books and trades: features + mids per instrument, laid end to end.

``dataset_from_frames`` runs the feature registry's batch computation over each instrument's
BookFrame/TradeFrame and stacks the results as segments (labels and splits never cross one);
``dataset_from_store`` reads those frames from the SQLite store; ``train_from_store`` is what
``scalp train --db FILE --instruments ... --from ... --to ...`` calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.features import FeatureSchema, batch_features
from scalp_system.ml.labels import mid_ticks
from scalp_system.ml.training import ProgressCallback, TrainingResult, TrainingSettings, train

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Recording:
    """One instrument's books (and trades, when recorded) with its tick size."""

    books: BookFrame
    trades: TradeFrame | None
    tick: Decimal


@dataclass(frozen=True, slots=True)
class Dataset:
    """Feature rows of several instruments stacked in time order per instrument."""

    features: F64
    mids_ticks: F64
    segments: tuple[int, ...]
    instruments: tuple[str, ...]
    from_ns: int
    to_ns: int
    schema: FeatureSchema


def dataset_from_frames(recordings: Sequence[Recording], cfg: Config) -> Dataset:
    """Batch features and mids of every recording; empty recordings are skipped."""
    levels = cfg.data.lob_levels
    schema = FeatureSchema.current(cfg.features, levels)
    blocks: list[F64] = []
    mids: list[F64] = []
    segments: list[int] = []
    instruments: list[str] = []
    first, last = [], []
    for recording in recordings:
        books = recording.books
        if len(books) == 0:
            continue
        blocks.append(
            batch_features(
                books,
                recording.trades,
                cfg.features,
                levels,
                recording.tick,
                atr_bar_s=cfg.risk.atr_bar_s,
                atr_period=cfg.risk.atr_period,
            )
        )
        mids.append(mid_ticks(books))
        segments.append(len(books))
        instruments.append(books.instrument_id)
        first.append(int(books.exchange_ts_ns[0]))
        last.append(int(books.exchange_ts_ns[-1]))
    if not blocks:
        raise ValueError("no books in the requested instruments and range; nothing to train on")
    return Dataset(
        np.vstack(blocks),
        np.concatenate(mids),
        tuple(segments),
        tuple(instruments),
        min(first),
        max(last),
        schema,
    )


def dataset_from_store(
    db_path: Path | str, instruments: Sequence[str], from_ns: int | None, to_ns: int | None, cfg: Config
) -> Dataset:
    """Read books and trades of ``instruments`` with ``from_ns <= t < to_ns`` from the store."""
    from scalp_system.storage.historical import read_books, read_trades
    from scalp_system.storage.store import Store

    store = Store(db_path, read_only=True)
    try:
        recordings = []
        for uid in instruments:
            instrument = store.instrument(uid)
            if instrument is None:
                raise ValueError(f"instrument {uid!r} is not in {db_path}; import or record it first")
            books = read_books(store, uid, from_ns, to_ns, levels=cfg.data.lob_levels)
            trades = read_trades(store, uid, from_ns, to_ns)
            recordings.append(Recording(books, trades if len(trades) else None, instrument.tick))
    finally:
        store.close()
    return dataset_from_frames(recordings, cfg)


def train_from_store(
    db_path: Path | str,
    instruments: Sequence[str],
    from_ns: int | None,
    to_ns: int | None,
    cfg: Config,
    *,
    settings: TrainingSettings | None = None,
    progress: ProgressCallback | None = None,
) -> TrainingResult:
    """Walk-forward training on stored data (the ``scalp train`` entry point)."""
    data = dataset_from_store(db_path, instruments, from_ns, to_ns, cfg)
    return train(
        data.features,
        data.mids_ticks,
        data.schema,
        cfg.ml,
        settings=settings,
        segments=data.segments,
        instruments=data.instruments,
        from_ns=data.from_ns,
        to_ns=data.to_ns,
        progress=progress,
    )
