"""Drift detector: KS (SciPy) + mean-shift bands, Holm control, actions and JSONL events.

The synthetic harness measures the false-positive rate per check on no-drift data (≥ 1 000 checks)
and the power against a 1σ mean shift and a 2× variance change within one window; both numbers are
written to ``test-artifacts/drift_harness.json``.
"""

from __future__ import annotations

import json
from math import comb
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import ks_2samp

from scalp_system.config import DriftConfig
from scalp_system.core.clock import SimulatedClock
from scalp_system.ml.drift import DriftBand, DriftDetector, DriftStatus, holm_adjust

NAMES = ("a", "b", "c")
WINDOW = 2_000
T0 = 1_723_161_255_000_000_000  # 2024-08-08 23:54:15 UTC


def _detector(tmp_path: Path, reference: np.ndarray, **overrides) -> DriftDetector:
    cfg = DriftConfig(**{"window": WINDOW, "check_every": 500, **overrides})
    return DriftDetector(reference, NAMES[: reference.shape[1]], cfg, log_path=tmp_path / "drift.jsonl",
                         now_ns=SimulatedClock(T0).now_ns)


def _run_checks(rng: np.random.Generator, n_checks: int, n_features: int, tmp_path: Path,
                live_transform=None) -> float:
    """Fraction of checks that flagged anything; every check gets a fresh reference and live window."""
    names = tuple(f"f{i}" for i in range(n_features))
    detector = DriftDetector(np.zeros((10, n_features)), names, DriftConfig(window=WINDOW),
                             log_path=tmp_path / "harness.jsonl")
    flagged = 0
    for _ in range(n_checks):
        detector.set_reference(rng.standard_normal((WINDOW, n_features)))
        live = rng.standard_normal((WINDOW, n_features))
        if live_transform is not None:
            live = live_transform(live)
        if detector.check(live).flagged:
            flagged += 1
            detector.mark_recalibrated()
    return flagged / n_checks


def _record(artifacts_dir: Path, key: str, value: float) -> None:
    path = artifacts_dir / "drift_harness.json"
    body = json.loads(path.read_text()) if path.exists() else {}
    body[key] = value
    path.write_text(json.dumps(body, indent=2, sort_keys=True))


def test_false_positive_rate_per_check_on_no_drift_data_is_at_most_five_percent(tmp_path, artifacts_dir):
    rate = _run_checks(np.random.default_rng(2024), 1_000, 3, tmp_path)
    _record(artifacts_dir, "false_positive_rate_1000_checks_3_features", rate)
    assert rate <= 0.05


@pytest.mark.soak
def test_false_positive_rate_stays_bounded_with_many_correlated_features(tmp_path, artifacts_dir):
    rng = np.random.default_rng(7)
    mix = np.linalg.cholesky(0.5 * np.eye(20) + 0.5)  # pairwise correlation 0.5

    def correlated(live: np.ndarray) -> np.ndarray:
        return live @ mix.T

    names = tuple(f"f{i}" for i in range(20))
    detector = DriftDetector(np.zeros((10, 20)), names, DriftConfig(window=WINDOW),
                             log_path=tmp_path / "s.jsonl")
    flagged = 0
    for _ in range(2_000):
        detector.set_reference(correlated(rng.standard_normal((WINDOW, 20))))
        if detector.check(correlated(rng.standard_normal((WINDOW, 20)))).flagged:
            flagged += 1
            detector.mark_recalibrated()
    _record(artifacts_dir, "false_positive_rate_2000_checks_20_correlated_features", flagged / 2_000)
    assert flagged / 2_000 <= 0.05


def test_a_one_sigma_mean_shift_is_detected_within_one_window(tmp_path, artifacts_dir):
    def shift(live: np.ndarray) -> np.ndarray:
        live[:, 1] += 1.0
        return live

    power = _run_checks(np.random.default_rng(1), 40, 3, tmp_path, shift)
    _record(artifacts_dir, "power_mean_shift_1sigma", power)
    assert power >= 0.95


def test_a_doubled_variance_is_detected_within_one_window(tmp_path, artifacts_dir):
    def widen(live: np.ndarray) -> np.ndarray:
        live[:, 2] *= np.sqrt(2.0)
        return live

    power = _run_checks(np.random.default_rng(2), 40, 3, tmp_path, widen)
    _record(artifacts_dir, "power_variance_2x", power)
    assert power >= 0.95


def test_the_rolling_window_checks_as_soon_as_it_is_full_and_catches_a_shift(tmp_path):
    rng = np.random.default_rng(3)
    detector = _detector(tmp_path, rng.standard_normal((WINDOW, 3)))
    shifted = rng.standard_normal((WINDOW, 3)) + np.array([1.0, 0.0, 0.0])
    results = [detector.observe(row) for row in shifted]
    assert all(r is None for r in results[:-1])
    check = results[-1]
    assert check is not None and check.n_live == WINDOW
    assert [f.feature for f in check.flagged] == ["a"]
    assert detector.status is DriftStatus.CALIBRATION_FLAGGED and detector.calibration_flag
    assert not detector.halt_new_entries


def test_ks_statistic_and_p_value_are_scipys(tmp_path):
    rng = np.random.default_rng(4)
    reference = rng.standard_normal((WINDOW, 3))
    live = rng.standard_normal((WINDOW, 3)) * np.array([1.0, 1.1, 1.3]) + np.array([0.0, 0.05, 0.0])
    check = _detector(tmp_path, reference).check(live)
    for j, feature in enumerate(check.features):
        expected = ks_2samp(reference[:, j], live[:, j])
        assert feature.ks_statistic == expected.statistic
        assert feature.p_value == expected.pvalue


def _ecdf_distance(x: np.ndarray, y: np.ndarray) -> float:
    points = np.concatenate([x, y])
    fx = np.searchsorted(np.sort(x), points, side="right") / x.size
    fy = np.searchsorted(np.sort(y), points, side="right") / y.size
    return float(np.max(np.abs(fx - fy)))


@pytest.mark.parametrize(("x", "y", "statistic", "p_value"), [
    ([1, 2, 3, 4, 5], [6, 7, 8, 9, 10], 1.0, 2 / comb(10, 5)),  # exact: only 2 of 252 splits are as extreme
    ([1, 2, 3], [1, 2, 3], 0.0, 1.0),
    ([0.1, 0.4, 0.7], [0.2, 0.5, 0.8, 0.9], 0.5, None),
])
def test_ks_on_reference_vectors_matches_hand_computed_values(tmp_path, x, y, statistic, p_value):
    reference = np.array(x, dtype=float).reshape(-1, 1).repeat(10, axis=0)
    live = np.array(y, dtype=float).reshape(-1, 1).repeat(10, axis=0)
    small = ks_2samp(np.array(x, dtype=float), np.array(y, dtype=float))
    assert small.statistic == pytest.approx(statistic)
    if p_value is not None:
        assert small.pvalue == pytest.approx(p_value)
    cfg = DriftConfig(window=50)
    check = DriftDetector(reference, ("v",), cfg, log_path=tmp_path / "d.jsonl").check(live)
    assert check.features[0].ks_statistic == pytest.approx(_ecdf_distance(reference[:, 0], live[:, 0]))
    assert check.features[0].ks_statistic == pytest.approx(statistic)


def test_holm_adjustment_matches_the_step_down_formula():
    p = np.array([0.01, 0.04, 0.03, 0.005])
    # sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06
    assert holm_adjust(p).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert np.all(holm_adjust(p) >= p) and np.all(holm_adjust(p) <= np.minimum(1, 4 * p))


def test_mean_shift_beyond_three_sigma_is_a_warning_and_beyond_five_critical(tmp_path):
    rng = np.random.default_rng(5)
    reference = rng.standard_normal((WINDOW, 3))
    check = _detector(tmp_path, reference).check(rng.standard_normal((WINDOW, 3)) + np.array([0.0, 4.0, 6.0]))
    bands = {f.feature: f.band for f in check.features}
    assert bands == {"a": DriftBand.NONE, "b": DriftBand.WARNING, "c": DriftBand.CRITICAL}
    assert check.level == "critical" and check.critical_count == 1


def test_critical_drift_on_fewer_than_three_features_only_flags_calibration(tmp_path):
    rng = np.random.default_rng(6)
    detector = _detector(tmp_path, rng.standard_normal((WINDOW, 3)))
    detector.check(rng.standard_normal((WINDOW, 3)) + np.array([6.0, 6.0, 0.0]))
    assert detector.status is DriftStatus.CALIBRATION_FLAGGED


def test_critical_drift_on_three_features_halts_new_entries_until_recalibrated(tmp_path):
    rng = np.random.default_rng(7)
    events: list[tuple[str, dict]] = []
    detector = _detector(tmp_path, rng.standard_normal((WINDOW, 3)))
    detector._on_event = lambda kind, details: events.append((kind, details))
    check = detector.check(rng.standard_normal((WINDOW, 3)) + 6.0)
    assert check.status is DriftStatus.HALTED and detector.halt_new_entries
    assert check.critical_count == 3 and check.level == "critical"
    assert [k for k, _ in events] == ["drift_detected", "drift_critical"]
    detector.check(rng.standard_normal((WINDOW, 3)))  # drift gone, but the halt waits for recalibration
    assert detector.halt_new_entries
    detector.mark_recalibrated()
    assert detector.status is DriftStatus.OK and not detector.calibration_flag
    assert events[-1][0] == "drift_cleared"


def test_every_drift_event_is_a_jsonl_line_with_a_utc_timestamp(tmp_path):
    rng = np.random.default_rng(8)
    detector = _detector(tmp_path, rng.standard_normal((WINDOW, 3)))
    detector.check(rng.standard_normal((WINDOW, 3)) + 6.0)
    lines = [json.loads(line) for line in (tmp_path / "drift.jsonl").read_text().splitlines()]
    drift_lines = [line for line in lines if line["kind"] == "drift"]
    assert [line["feature"] for line in drift_lines] == ["a", "b", "c"]
    for line in drift_lines:
        assert line["ts"] == "2024-08-08T23:54:15.000000Z" and line["ts_ns"] == T0
        assert line["band"] == "critical" and line["ks_rejected"] is True
        assert {"ks_statistic", "p_value", "p_value_holm", "mean_shift_sigma"} <= set(line)
    status = [line for line in lines if line["kind"] == "drift_status"]
    assert status[-1]["status"] == "HALTED" and status[-1]["critical_features"] == ["a", "b", "c"]


def test_no_drift_writes_no_lines(tmp_path):
    rng = np.random.default_rng(9)
    detector = _detector(tmp_path, rng.standard_normal((WINDOW, 3)))
    check = detector.check(rng.standard_normal((WINDOW, 3)))
    assert not check.flagged and check.level == "ok"
    assert not (tmp_path / "drift.jsonl").exists()


def test_missing_values_are_ignored_and_a_subset_of_features_can_be_monitored(tmp_path):
    rng = np.random.default_rng(10)
    reference = rng.standard_normal((WINDOW, 3))
    live = rng.standard_normal((WINDOW, 3))
    live[::3, 0] = np.nan
    detector = DriftDetector(reference, NAMES, DriftConfig(window=WINDOW), monitored=("a", "c"),
                             log_path=tmp_path / "d.jsonl")
    check = detector.check(live)
    assert [f.feature for f in check.features] == ["a", "c"]
    assert np.isfinite(check.features[0].ks_statistic)
    with pytest.raises(ValueError, match="not in the feature names"):
        DriftDetector(reference, NAMES, DriftConfig(), monitored=("zz",))
