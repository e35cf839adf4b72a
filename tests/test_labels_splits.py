"""Labels (direction h updates ahead, half-tick dead zone) and walk-forward splits with a purge gap."""

from __future__ import annotations

import numpy as np
import pytest

from scalp_system.core.frames import BookFrame
from scalp_system.ml.labels import (
    DOWN,
    FLAT,
    UP,
    LabelParams,
    as_classes,
    direction_labels,
    labelled_mask,
    mid_ticks,
)
from scalp_system.ml.splits import holdout_split, min_gap, tail_split, walk_forward_splits


def test_a_move_beyond_half_a_tick_is_up_or_down_and_inside_it_flat():
    mids = np.array([100.0, 100.5, 101.0, 99.0, 99.5])
    labels = direction_labels(mids, LabelParams(horizon=1, dead_zone_ticks=0.5))
    # 100→100.5 is exactly half a tick: inside the dead zone; 100.5→101 likewise; 101→99 down; 99→99.5 flat.
    assert labels[:4].tolist() == [FLAT, FLAT, DOWN, FLAT]


def test_label_looks_exactly_h_updates_ahead():
    mids = np.array([0.0, 0.0, 0.0, 5.0, 5.0, -5.0, -5.0])
    labels = direction_labels(mids, LabelParams(horizon=3, dead_zone_ticks=0.5))
    assert labels[:4].tolist() == [UP, UP, DOWN, DOWN]


def test_rows_without_a_full_horizon_have_no_label():
    labels = direction_labels(np.arange(10, dtype=float), LabelParams(horizon=4, dead_zone_ticks=0.5))
    assert labelled_mask(labels).tolist() == [True] * 6 + [False] * 4


def test_an_unknown_mid_now_or_ahead_leaves_the_row_unlabelled():
    mids = np.array([1.0, np.nan, 3.0, 4.0, 5.0])
    labels = direction_labels(mids, LabelParams(horizon=1, dead_zone_ticks=0.5))
    assert labelled_mask(labels).tolist() == [False, False, True, True, False]


def test_a_series_shorter_than_the_horizon_has_no_labels():
    assert not labelled_mask(direction_labels(np.ones(3), LabelParams(horizon=20))).any()


def test_dead_zone_is_configurable():
    mids = np.array([0.0, 1.0])
    assert direction_labels(mids, LabelParams(1, 0.5))[0] == UP
    assert direction_labels(mids, LabelParams(1, 1.0))[0] == FLAT


def test_as_classes_refuses_unlabelled_rows():
    with pytest.raises(ValueError, match="unlabelled"):
        as_classes(np.array([0.0, np.nan]))


def test_mid_ticks_of_a_book_frame_is_the_average_of_best_prices_and_nan_for_an_empty_side():
    bid_px = np.array([[100, 99], [100, 99]], dtype=np.int64)
    ask_px = np.array([[101, 102], [0, 0]], dtype=np.int64)
    qty = np.ones((2, 2), dtype=np.int64)
    frame = BookFrame("X", np.array([1, 2]), np.array([1, 2]), bid_px, qty, ask_px,
                      np.array([[3, 3], [0, 0]], dtype=np.int64), np.array([True, True]))
    mids = mid_ticks(frame)
    assert mids[0] == 100.5 and np.isnan(mids[1])


@pytest.mark.parametrize("horizon", [1, 20, 57])
def test_no_training_index_is_within_h_of_any_test_index(horizon):
    for fold in walk_forward_splits(5_000, 4, horizon):
        assert min_gap(fold.train, fold.test) > horizon
        assert fold.train.max() + horizon < fold.test.min()  # no training label window reaches a test row


def test_walk_forward_folds_are_time_ordered_and_never_shuffled():
    folds = walk_forward_splits(1_000, 3, 20)
    assert len(folds) == 3
    for fold in folds:
        assert np.all(np.diff(fold.train) == 1) and np.all(np.diff(fold.test) == 1)
        assert fold.train.max() < fold.test.min()
    assert [f.test.min() for f in folds] == sorted(f.test.min() for f in folds)
    assert folds[1].train.size > folds[0].train.size  # expanding window


def test_segments_are_split_each_on_its_own_time_line():
    folds = walk_forward_splits(600, 2, 10, segments=[400, 200])
    for fold in folds:
        in_first = fold.test[fold.test < 400]
        in_second = fold.test[fold.test >= 400]
        assert in_first.size and in_second.size
        assert min_gap(fold.train[fold.train < 400], in_first) >= 10
        assert min_gap(fold.train[fold.train >= 400], in_second) >= 10


def test_too_little_data_for_the_folds_is_refused():
    with pytest.raises(ValueError, match="too few"):
        walk_forward_splits(5, 4, 20)


def test_holdout_split_purges_between_train_and_test():
    fold = holdout_split(1_000, 0.7, 20)
    assert fold.train.max() == 679 and fold.test.min() == 700
    assert min_gap(fold.train, fold.test) == 21


def test_tail_split_keeps_the_newest_rows_for_calibration_after_a_purge():
    fit, calibrate = tail_split(np.arange(100, dtype=np.int64), 20, 5)
    assert fit.max() == 74 and calibrate.min() == 80 and calibrate.size == 20
