"""The backtest serves precomputed signal steps lazily (``StepRows``): each step read equals the one
``SignalRows.steps()`` builds, and the quiet mask from the arrays equals ``quiet_steps`` on the list."""

from __future__ import annotations

import numpy as np
import pytest

from scalp_system.backtest.quiet import quiet_steps
from scalp_system.ml.drift import DriftCheck, DriftStatus
from scalp_system.orchestration.signals import SignalRows, StepRows, signal_summary


def _rows(n: int = 200, seed: int = 3) -> SignalRows:
    rng = np.random.default_rng(seed)
    probs = rng.dirichlet([1.0, 1.0, 1.0], size=n)
    predicted = rng.random(n) > 0.1
    probs[~predicted] = np.nan
    checks = {row: DriftCheck(row, 50, (), DriftStatus.OK) for row in (5, 17, 120)}
    return SignalRows(probs, predicted, checks, frozenset({17, 60}))


def test_each_lazy_step_equals_the_built_step() -> None:
    rows = _rows()
    built, lazy = rows.steps(), rows.lazy_steps()
    assert isinstance(lazy, StepRows) and len(lazy) == len(built)
    assert [lazy[i] for i in range(len(lazy))] == built
    assert lazy[-1] == built[-1]
    assert lazy[40:75] == built[40:75] and lazy[190:500] == built[190:]


def test_reading_past_the_end_is_an_index_error() -> None:
    with pytest.raises(IndexError):
        _rows(10).lazy_steps()[10]


@pytest.mark.parametrize("threshold", [0.3, 0.45, 0.6, 0.9])
def test_quiet_mask_from_the_arrays_equals_the_one_from_the_steps(threshold: float) -> None:
    rows = _rows()
    expected = quiet_steps(rows.steps(), threshold)
    assert np.array_equal(quiet_steps(rows.lazy_steps(), threshold), expected)
    assert not expected[[5, 17, 60, 120]].any()  # drift checks and recalibrations are never quiet


def test_a_window_reads_the_same_steps_as_the_slice() -> None:
    rows = _rows()
    built, lazy = rows.steps(), rows.lazy_steps()
    for start, stop in ((0, 0), (3, 30), (15, 65), (150, 200), (190, 260)):
        window = lazy.window(start, stop)
        assert list(window) == built[start:stop]
        assert np.array_equal(window.quiet(0.45), quiet_steps(built[start:stop], 0.45))
    assert list(lazy.window(10, 40).window(5, 12)) == built[15:22]


def test_signal_summary_counts_signals_and_keeps_the_last() -> None:
    rows = _rows()
    built, lazy = rows.steps(), rows.lazy_steps()
    for start, stop in ((0, 200), (40, 41), (7, 90)):
        expected = signal_summary(built[start:stop])  # the generic path over built steps
        assert lazy.window(start, stop).signal_summary() == expected
        made = [step.signal for step in built[start:stop] if step.signal is not None]
        assert expected == (len(made), made[-1] if made else None)
    unpredicted = SignalRows(np.full((3, 3), np.nan), np.zeros(3, np.bool_), {}, frozenset())
    assert unpredicted.lazy_steps().signal_summary() == (0, None)
