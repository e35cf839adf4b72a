"""Latency monitor: quantiles within bucket precision, per-second and sliding windows, constant memory."""

from __future__ import annotations

import numpy as np

from scalp_system.core.clock import NS_PER_S
from scalp_system.monitoring.latency import FOLD_EVERY, N_BUCKETS, Histogram, LatencyMonitor, Stage, bucket_of

T0 = 1_700_000_000 * NS_PER_S


def test_quantiles_match_numpy_within_bucket_precision() -> None:
    rng = np.random.default_rng(1)
    samples = rng.lognormal(mean=10, sigma=1.0, size=20_000).astype(np.int64) + 1
    histogram = Histogram()
    for value in samples:
        histogram.add(int(value))
    stats = histogram.stats()
    for got, quantile in ((stats.p50_ns, 50), (stats.p90_ns, 90), (stats.p99_ns, 99)):
        exact = float(np.percentile(samples, quantile))
        assert abs(got - exact) / exact < 0.05
    assert stats.max_ns == int(samples.max())


def test_memory_is_constant_however_many_observations() -> None:
    histogram = Histogram()
    for value in range(1, 200_000, 7):
        histogram.add(value)
    assert histogram.counts.shape == (N_BUCKETS,)


def test_sliding_window_forgets_seconds_older_than_the_window() -> None:
    monitor = LatencyMonitor(window_s=60)
    monitor.record(Stage.DECISION, 80_000_000, T0)  # 80 ms, long ago
    for second in range(61, 70):
        monitor.record(Stage.DECISION, 1_000_000, T0 + second * NS_PER_S)
    stats = monitor.window_stats(Stage.DECISION, T0 + 69 * NS_PER_S)
    assert stats.count == 9
    assert stats.max_ns == 1_000_000
    assert monitor.run_stats(Stage.DECISION).max_ns == 80_000_000


def test_per_second_stats_cover_one_second_only() -> None:
    monitor = LatencyMonitor()
    monitor.record(Stage.FEATURES, 10_000, T0)
    monitor.record(Stage.FEATURES, 20_000, T0 + NS_PER_S)
    assert monitor.second_stats(Stage.FEATURES, T0 // NS_PER_S).count == 1
    assert monitor.second_stats(Stage.FEATURES, T0 // NS_PER_S + 1).max_ns == 20_000


def test_summary_reports_each_stage_in_microseconds() -> None:
    monitor = LatencyMonitor()
    monitor.record(Stage.MODEL, 40_000, T0)
    summary = monitor.summary_us()
    assert set(summary) == {"model"}
    assert 38 <= summary["model"]["p99"] <= 41


def test_deferred_recording_counts_each_value_in_its_own_bucket_and_second() -> None:
    rng = np.random.default_rng(5)
    values = [0, 1, 2, 3, 1024, *rng.integers(1, 10**10, FOLD_EVERY + 500).tolist()]
    monitor = LatencyMonitor(window_s=60)
    expected_run = np.zeros(N_BUCKETS, dtype=np.int64)
    expected_last_second = np.zeros(N_BUCKETS, dtype=np.int64)
    last_second = T0 // NS_PER_S + (len(values) - 1) // 1000
    for index, value in enumerate(values):
        at = T0 + (index // 1000) * NS_PER_S  # a thousand per second, crossing a fold
        monitor.record(Stage.RISK, value, at)
        expected_run[bucket_of(value)] += 1
        if at // NS_PER_S == last_second:
            expected_last_second[bucket_of(value)] += 1
    assert monitor.run_stats(Stage.RISK).count == len(values)
    window = monitor._stages[Stage.RISK]  # the histograms themselves: exact counts per bucket
    assert np.array_equal(window.run.counts, expected_run)
    assert np.array_equal(window.seconds[last_second % 60].counts, expected_last_second)
    assert monitor.run_stats(Stage.RISK).max_ns == max(values)


def test_window_max_equals_the_window_quantiles_max_folded_or_not() -> None:
    rng = np.random.default_rng(11)
    monitor = LatencyMonitor(window_s=60)
    at = T0
    for step in range(FOLD_EVERY + 3_000):  # crosses a fold; seconds advance unevenly, some far
        at += int(rng.choice([0, 10**7, NS_PER_S, 45 * NS_PER_S], p=[0.5, 0.3, 0.19, 0.01]))
        monitor.record(Stage.DECISION, int(rng.integers(-5, 10**8)), at)
        if step % 997 == 0:
            for probe in (at, at + 30 * NS_PER_S, at + 61 * NS_PER_S):
                # window_max_ns first: window_stats folds the pending samples
                largest = monitor.window_max_ns(Stage.DECISION, probe)
                stats = monitor.window_stats(Stage.DECISION, probe)
                assert largest == (stats.max_ns if stats.count else None)
    assert monitor.window_max_ns("unseen stage", at) is None
