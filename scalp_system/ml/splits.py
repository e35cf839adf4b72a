"""Walk-forward, time-ordered train/test splits with a purge gap (SPEC §3: never shuffled ticks).

Rows are book updates in time order. Fold ``k`` tests on the ``k``-th block after an initial training
block and trains on everything before it except the last ``purge`` rows: a label looks ``h`` updates
ahead, so a training row within ``h`` updates of the first test row would carry the test period's
prices into training. With ``purge = h`` no training row's label window reaches a test row. Several
instruments (segments laid end to end) are split each on its own time line and their folds merged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Fold:
    """One walk-forward fold: row indices to train on and to test on (both ascending)."""

    index: int
    train: I64
    test: I64


def walk_forward_splits(
    n_rows: int,
    n_folds: int,
    purge: int,
    *,
    min_train_fraction: float = 0.3,
    segments: Sequence[int] | None = None,
) -> list[Fold]:
    """Expanding-window folds over ``n_rows`` time-ordered rows.

    The first ``min_train_fraction`` of each segment is training only; the rest is cut into ``n_folds``
    equal test blocks. Fold ``k`` trains on rows ``[seg_start, test_start - purge)`` of each segment.
    ``segments`` are the lengths of consecutive per-instrument blocks (default: one segment).
    """
    if n_folds < 1:
        raise ValueError(f"n_folds must be ≥ 1, got {n_folds}")
    if purge < 0:
        raise ValueError(f"purge must be ≥ 0, got {purge}")
    if not 0.0 < min_train_fraction < 1.0:
        raise ValueError(f"min_train_fraction must be in (0, 1), got {min_train_fraction}")
    lengths = list(segments) if segments is not None else [n_rows]
    if sum(lengths) != n_rows:
        raise ValueError(f"segment lengths sum to {sum(lengths)}, not n_rows = {n_rows}")
    trains: list[list[I64]] = [[] for _ in range(n_folds)]
    tests: list[list[I64]] = [[] for _ in range(n_folds)]
    offset = 0
    for length in lengths:
        first_test = int(length * min_train_fraction)
        bounds = np.linspace(first_test, length, n_folds + 1).astype(np.int64)
        for k in range(n_folds):
            start, stop = int(bounds[k]), int(bounds[k + 1])
            train_stop = max(0, start - purge)
            if stop > start and train_stop > 0:
                trains[k].append(np.arange(offset, offset + train_stop, dtype=np.int64))
                tests[k].append(np.arange(offset + start, offset + stop, dtype=np.int64))
        offset += length
    folds = []
    for k in range(n_folds):
        if trains[k] and tests[k]:
            folds.append(Fold(k, np.concatenate(trains[k]), np.concatenate(tests[k])))
    if not folds:
        raise ValueError(f"{n_rows} rows are too few for {n_folds} folds with a purge of {purge}")
    return folds


def holdout_split(
    n_rows: int,
    train_fraction: float,
    purge: int,
    *,
    segments: Sequence[int] | None = None,
) -> Fold:
    """One split: the first ``train_fraction`` of each segment trains, the rest (after ``purge``) tests."""
    if not 0.0 < train_fraction < 1.0:
        raise ValueError(f"train_fraction must be in (0, 1), got {train_fraction}")
    lengths = list(segments) if segments is not None else [n_rows]
    if sum(lengths) != n_rows:
        raise ValueError(f"segment lengths sum to {sum(lengths)}, not n_rows = {n_rows}")
    train_parts: list[I64] = []
    test_parts: list[I64] = []
    offset = 0
    for length in lengths:
        cut = int(length * train_fraction)
        train_parts.append(np.arange(offset, offset + max(0, cut - purge), dtype=np.int64))
        test_parts.append(np.arange(offset + cut, offset + length, dtype=np.int64))
        offset += length
    return Fold(0, np.concatenate(train_parts), np.concatenate(test_parts))


def tail_split(train: I64, tail: int, purge: int) -> tuple[I64, I64]:
    """Cut a time-ordered training index into (fit, calibrate): the last ``tail`` rows calibrate and the
    ``purge`` rows before them are dropped, so calibration is out-of-sample for the fitted model."""
    if tail <= 0 or train.shape[0] <= tail + purge:
        return train, train[:0]
    return train[: train.shape[0] - tail - purge], train[train.shape[0] - tail :]


def min_gap(train: I64, test: I64) -> int:
    """Smallest |i − j| between a training and a test index (∞ as a large int when either is empty)."""
    if train.size == 0 or test.size == 0:
        return np.iinfo(np.int64).max
    sorted_train = np.sort(train)
    pos = np.searchsorted(sorted_train, test)
    left = sorted_train[np.clip(pos - 1, 0, sorted_train.size - 1)]
    right = sorted_train[np.clip(pos, 0, sorted_train.size - 1)]
    return int(np.minimum(np.abs(test - left), np.abs(test - right)).min())
