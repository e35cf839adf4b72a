"""Model families, the compact tree evaluator's parity with LightGBM, calibration, metrics, training."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.isotonic import IsotonicRegression
from sklearn.metrics import brier_score_loss, f1_score
from sklearn.metrics import log_loss as sk_log_loss

from scalp_system.config import MlConfig
from scalp_system.ml.calibration import (
    IdentityCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    calibrator_from_files,
    fit_calibrator,
)
from scalp_system.ml.labels import DOWN, FLAT, UP
from scalp_system.ml.metrics import score
from scalp_system.ml.models import (
    PROBABILITY_FLOOR,
    GbmParams,
    LightGBMModel,
    LinearModel,
    balanced_sample_weights,
)
from scalp_system.ml.synthetic import synthetic_market
from scalp_system.ml.training import BASELINE_FLAT, BASELINE_IMBALANCE, ENSEMBLE, TrainingSettings, train
from scalp_system.ml.tree_eval import CompactTreeEnsemble, TreeModelFormatError

SMALL_GBM = GbmParams(num_iterations=15, num_leaves=7, max_depth=4, min_data_in_leaf=20)


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2_000, 6))
    y = np.digitize(x[:, 0] + 0.5 * x[:, 1] + rng.normal(size=2_000), [-0.8, 0.8]).astype(np.int64)
    return x, y


@pytest.fixture(scope="module")
def tree_model(data) -> LightGBMModel:
    x, y = data
    x = x.copy()
    x[::17, 2] = np.nan  # NaN seen in training → NaN-missing splits
    return LightGBMModel.fit(x, y, SMALL_GBM)


def _rows_with_missing_values(n: int) -> np.ndarray:
    rng = np.random.default_rng(11)
    rows = rng.normal(size=(n, 6))
    rows[rng.random(rows.shape) < 0.1] = np.nan
    rows[:5, :] = 0.0
    return rows


def test_compact_evaluator_matches_lightgbm_exactly_on_batches_with_missing_values(tree_model):
    rows = _rows_with_missing_values(500)
    reference = tree_model.predict_proba_booster(rows)
    assert np.max(np.abs(tree_model.compact.predict_proba(rows) - reference)) <= 1e-15


def test_compact_evaluator_matches_lightgbm_row_by_row(tree_model):
    rows = _rows_with_missing_values(300)
    reference = tree_model.predict_proba_booster(rows)
    single = np.array([tree_model.compact.predict_proba_row(r) for r in rows])
    listed = np.array([tree_model.compact.proba_list(r) for r in rows])
    assert np.max(np.abs(single - reference)) <= 1e-15
    assert np.max(np.abs(listed - reference)) <= 1e-15


def test_compact_evaluator_matches_lightgbm_on_zero_as_missing_models(data):
    import lightgbm as lgb

    x, y = data
    x = x.copy()
    x[::5, 1] = 0.0
    params = {**SMALL_GBM.lightgbm_params(), "zero_as_missing": True}
    booster = lgb.train(params, lgb.Dataset(x, label=y), num_boost_round=10)
    compact = CompactTreeEnsemble(booster.model_to_string())
    rows = _rows_with_missing_values(200)
    rows[::3, 1] = 0.0
    assert np.max(np.abs(compact.predict_proba(rows) - booster.predict(rows))) <= 1e-15
    single = np.array([compact.predict_proba_row(r) for r in rows])
    assert np.max(np.abs(single - booster.predict(rows))) <= 1e-15


def test_compact_evaluator_refuses_a_binary_objective(data):
    import lightgbm as lgb

    x, y = data
    params = {"objective": "binary", "verbosity": -1, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(x, label=y > 1), num_boost_round=2)
    with pytest.raises(TreeModelFormatError, match="not softmax multiclass"):
        CompactTreeEnsemble(booster.model_to_string())


def test_lightgbm_training_is_deterministic(data):
    x, y = data
    assert LightGBMModel.fit(x, y, SMALL_GBM).to_files() == LightGBMModel.fit(x, y, SMALL_GBM).to_files()


def test_models_answer_three_probabilities_in_class_order_summing_to_one(data, tree_model):
    x, y = data
    linear = LinearModel.fit(x, y)
    for model in (tree_model, linear):
        probs = model.predict_proba(x[:50])
        assert probs.shape == (50, 3)
        assert np.allclose(probs.sum(axis=1), 1.0)
        assert np.allclose(model.predict_proba_row(x[0]), probs[0], atol=1e-12)
    # The signal pushes class UP with feature 0: the UP column must rise with it.
    high, low = np.full(6, 0.0), np.full(6, 0.0)
    high[0], low[0] = 3.0, -3.0
    assert linear.predict_proba_row(high)[UP] > linear.predict_proba_row(low)[UP]


@pytest.mark.parametrize("family", [LightGBMModel, LinearModel])
def test_a_class_absent_from_training_still_gets_a_floor_probability(data, family):
    x, y = data
    keep = y != DOWN
    model = family.fit(x[keep], y[keep]) if family is LinearModel else family.fit(x[keep], y[keep], SMALL_GBM)
    probs = model.predict_proba(x[:20])
    assert probs.shape == (20, 3)
    assert np.all(probs[:, DOWN] >= PROBABILITY_FLOOR * 0.99)
    assert np.allclose(probs.sum(axis=1), 1.0)


def test_a_single_class_training_set_gives_a_constant_linear_forecast(data):
    x, _ = data
    model = LinearModel.fit(x[:100], np.full(100, FLAT, dtype=np.int64))
    probs = model.predict_proba(x[:10])
    assert np.all(np.argmax(probs, axis=1) == FLAT)


def test_linear_model_imputes_missing_values_with_the_training_mean(data):
    x, y = data
    model = LinearModel.fit(x, y)
    row = np.full(6, np.nan)
    assert np.allclose(model.predict_proba_row(row), model.predict_proba_row(model.mean), atol=1e-12)


def test_balanced_weights_give_every_present_class_the_same_total_weight():
    y = np.array([0] * 10 + [1] * 80 + [2] * 10, dtype=np.int64)
    weights = balanced_sample_weights(y)
    totals = [weights[y == k].sum() for k in range(3)]
    assert np.allclose(totals, totals[0])


@pytest.mark.parametrize("family", [LightGBMModel, LinearModel])
def test_models_round_trip_through_their_text_artifacts_exactly(data, family):
    x, y = data
    model = family.fit(x, y) if family is LinearModel else family.fit(x, y, SMALL_GBM)
    rebuilt = family.from_files(model.to_files())
    assert np.array_equal(rebuilt.predict_proba(x[:100]), model.predict_proba(x[:100]))


def test_isotonic_calibrator_agrees_with_scikit_learn_per_class_before_renormalising():
    rng = np.random.default_rng(5)
    probs = rng.dirichlet([2, 3, 2], size=1_000)
    labels = np.array([rng.choice(3, p=p) for p in probs], dtype=np.int64)
    calibrator = IsotonicCalibrator.fit(probs, labels)
    queries = rng.dirichlet([1, 1, 1], size=200)
    per_class = [IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip").fit(probs[:, k], labels == k)
                 for k in range(3)]
    raw = np.column_stack([per_class[k].predict(queries[:, k]) for k in range(3)])
    expected = np.maximum(raw / raw.sum(axis=1, keepdims=True), PROBABILITY_FLOOR)
    expected /= expected.sum(axis=1, keepdims=True)
    assert np.allclose(calibrator.transform(queries), expected, atol=1e-12)
    listed = np.array([calibrator.transform_list(q.tolist()) for q in queries])
    assert np.allclose(listed, calibrator.transform(queries), atol=1e-14)


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_calibration_reduces_log_loss_of_a_miscalibrated_forecast(method):
    rng = np.random.default_rng(9)
    truth = rng.dirichlet([2, 2, 2], size=4_000)
    labels = np.array([rng.choice(3, p=p) for p in truth], dtype=np.int64)
    overconfident = truth ** 3 / (truth ** 3).sum(axis=1, keepdims=True)
    calibrator = fit_calibrator(method, overconfident[:2_000], labels[:2_000])
    before = score(overconfident[2_000:], labels[2_000:]).log_loss
    after = score(calibrator.transform(overconfident[2_000:]), labels[2_000:]).log_loss
    assert after < before


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_calibrators_round_trip_through_json(method):
    rng = np.random.default_rng(2)
    probs = rng.dirichlet([1, 1, 1], size=500)
    labels = rng.integers(0, 3, size=500)
    calibrator = fit_calibrator(method, probs, labels)
    files = calibrator.to_files()
    assert json.loads(files["calibrator.json"])["method"] == method
    assert np.array_equal(calibrator_from_files(files).transform(probs), calibrator.transform(probs))


def test_too_few_outcomes_give_the_identity_calibrator():
    assert isinstance(fit_calibrator("isotonic", np.full((10, 3), 1 / 3), np.zeros(10, np.int64)),
                      IdentityCalibrator)
    assert isinstance(PlattCalibrator(np.ones(3), np.zeros(3)), PlattCalibrator)


def test_metrics_agree_with_scikit_learn():
    rng = np.random.default_rng(4)
    probs = rng.dirichlet([1, 1, 1], size=300)
    labels = rng.integers(0, 3, size=300)
    s = score(probs, labels)
    hard = probs.argmax(axis=1)
    assert s.accuracy == pytest.approx(np.mean(hard == labels))
    assert s.macro_f1 == pytest.approx(f1_score(labels, hard, average="macro"))
    assert s.log_loss == pytest.approx(sk_log_loss(labels, probs, labels=[0, 1, 2]))
    one_vs_rest = sum(brier_score_loss(labels == k, probs[:, k]) for k in range(3))
    assert s.brier == pytest.approx(one_vs_rest)


@pytest.fixture(scope="module")
def training_result():
    market = synthetic_market(3_000, 6, seed=1)
    progress: list[tuple[str, int, int]] = []
    result = train(market.features, market.mids_ticks, market.spec, MlConfig(),
                   settings=TrainingSettings(n_folds=3, gbm=SMALL_GBM), instruments=("SYN",),
                   progress=lambda *a: progress.append(a))
    return result, progress


def test_training_scores_every_model_and_both_baselines_out_of_sample(training_result):
    result, _ = training_result
    report = result.report
    assert set(report.pooled) == {"lightgbm", "linear", ENSEMBLE, BASELINE_FLAT, BASELINE_IMBALANCE}
    assert len(report.folds) == 3
    assert all(s.n == report.pooled[ENSEMBLE].n for s in report.pooled.values())
    assert sum(report.class_counts.values()) == report.n_labelled == 3_000 - 20


def test_on_a_market_with_signal_the_ensemble_beats_both_baselines_on_log_loss(training_result):
    result, _ = training_result
    assert result.report.beats_baselines("log_loss")


def test_training_reports_progress_up_to_the_total(training_result):
    _, progress = training_result
    assert progress[-1][1] == progress[-1][2] == (3 + 1) * 2
    assert [p[1] for p in progress] == sorted(p[1] for p in progress)


def test_training_report_is_json_and_a_rich_table(training_result):
    result, _ = training_result
    body = json.loads(result.report.to_json())
    assert body["label"] == {"horizon": 20, "dead_zone_ticks": 0.5}
    assert body["pooled"]["ensemble"]["n"] > 0
    assert result.report.summary_table().row_count == 5


def test_trained_bundles_carry_manifests_with_out_of_sample_metrics(training_result):
    result, _ = training_result
    families = {b.manifest.family for b in result.bundles}
    assert families == {"lightgbm", "linear"}
    for bundle in result.bundles:
        pooled = result.report.pooled[bundle.name]
        assert bundle.manifest.metrics["log_loss"] == pytest.approx(pooled.log_loss)
        assert bundle.manifest.data.instruments == ("SYN",)
        assert len(bundle.manifest.data.content_sha256) == 64
        assert "lightgbm" in bundle.manifest.library_versions


def test_training_refuses_a_matrix_that_disagrees_with_the_schema():
    market = synthetic_market(500, 4)
    with pytest.raises(ValueError, match="schema names 4"):
        train(market.features[:, :3], market.mids_ticks, market.spec, MlConfig())


def test_train_from_store_trains_on_a_real_recording_read_back_from_sqlite(tmp_path, shared_data):
    from decimal import Decimal

    from scalp_system.config import Config
    from scalp_system.core.instrument import Instrument, InstrumentKind
    from scalp_system.data.csv_import import read_recording
    from scalp_system.ml.dataset import train_from_store
    from scalp_system.storage.historical import write_book_frame, write_trade_frame
    from scalp_system.storage.store import Store

    instrument = Instrument("ETHUSDT", "ETHUSDT", lot=Decimal("0.001"), tick=Decimal("0.01"),
                            kind=InstrumentKind.CRYPTO)
    books, trades = read_recording(shared_data / "usdm_ethusdt_20240808_depth20.csv.gz",
                                   shared_data / "usdm_ethusdt_20240808_trades.csv.gz", instrument)
    db = tmp_path / "scalp.db"
    with Store(db) as store:
        store.upsert_instrument(instrument)
        write_book_frame(store, books.slice(0, 3_000))
        write_trade_frame(store, trades)
    cfg = Config()
    result = train_from_store(db, ["ETHUSDT"], None, None, cfg,
                              settings=TrainingSettings(n_folds=2, gbm=SMALL_GBM))
    report = result.report
    assert report.instruments == ("ETHUSDT",) and report.n_rows == 3_000
    assert report.n_features == len(result.bundles[0].manifest.feature_names) == 90
    assert report.from_ns == int(books.exchange_ts_ns[0])
    assert all(np.isfinite(s.log_loss) for s in report.pooled.values())
