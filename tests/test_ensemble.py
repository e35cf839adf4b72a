"""WeightedEnsemble: feature-contract refusal, live/batch agreement, online weights, recalibration."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from scalp_system.config import MlConfig
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.calibration import IdentityCalibrator
from scalp_system.ml.ensemble import PendingOutcomes, WeightedEnsemble
from scalp_system.ml.labels import DOWN, FLAT, UP
from scalp_system.ml.manifest import FeatureMismatchError, FeatureVectorSpec
from scalp_system.ml.models import GbmParams
from scalp_system.ml.synthetic import synthetic_market
from scalp_system.ml.training import TrainingSettings, train


@pytest.fixture(scope="module")
def trained():
    market = synthetic_market(2_500, 6, seed=4)
    result = train(market.features, market.mids_ticks, market.spec, MlConfig(),
                   settings=TrainingSettings(n_folds=2, gbm=GbmParams(num_iterations=10, num_leaves=7)))
    return market, result.bundles


def _fresh(bundles: list[ModelBundle]) -> list[ModelBundle]:
    return [ModelBundle(b.manifest, b.model, b.calibrator) for b in bundles]


def test_ensemble_accepts_members_whose_manifests_match_the_live_features(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec)
    assert set(ensemble.weights) == {"lightgbm", "linear"}
    assert sum(ensemble.weights.values()) == pytest.approx(1.0)


def test_a_reordered_feature_vector_is_refused_naming_the_position(trained):
    market, bundles = trained
    names = list(market.spec.names)
    names[1], names[2] = names[2], names[1]
    live = FeatureVectorSpec(tuple(names), market.spec.registry_version, market.spec.lob_levels)
    expected = r"first difference at position 1: model 'feature_1', live 'feature_2'"
    with pytest.raises(FeatureMismatchError, match=expected):
        WeightedEnsemble(_fresh(bundles), live)


def test_a_different_registry_version_is_refused_naming_both_versions(trained):
    market, bundles = trained
    live = dataclasses.replace(market.spec, registry_version="2")
    with pytest.raises(FeatureMismatchError, match=r"feature registry version: model '1', live '2'"):
        WeightedEnsemble(_fresh(bundles), live)


def test_a_missing_feature_is_refused_naming_it_and_the_counts(trained):
    market, bundles = trained
    live = dataclasses.replace(market.spec, names=market.spec.names[:-1])
    with pytest.raises(FeatureMismatchError, match=r"feature count: model 6, live 5.*depth_imbalance_1"):
        WeightedEnsemble(_fresh(bundles), live)


def test_a_different_book_depth_is_refused(trained):
    market, bundles = trained
    with pytest.raises(FeatureMismatchError, match="lob_levels: model 20, live 10"):
        WeightedEnsemble(_fresh(bundles), dataclasses.replace(market.spec, lob_levels=10))


def test_a_feature_vector_of_the_wrong_length_is_refused_at_inference(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec)
    with pytest.raises(FeatureMismatchError, match=r"expect \(6,\)"):
        ensemble.predict_proba_row(np.zeros(5))


def test_single_row_and_batch_inference_agree(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec)
    rows = market.features[-200:]
    batch = ensemble.predict_proba(rows)
    single = np.array([ensemble.predict_proba_row(r) for r in rows])
    assert np.max(np.abs(batch - single)) < 1e-12
    assert np.allclose(single.sum(axis=1), 1.0)
    assert np.allclose(ensemble.predict_row(rows[0]).probs, single[0])


def test_weights_move_toward_the_model_that_predicts_the_outcomes_better(trained):
    market, bundles = trained
    members = _fresh(bundles)
    for member in members:
        member.calibrator = IdentityCalibrator()
    ensemble = WeightedEnsemble(members, market.spec, decay=0.95)
    before = ensemble.weights["linear"]
    right = np.array([0.05, 0.05, 0.90])  # linear says UP and is right every time
    wrong = np.array([0.45, 0.45, 0.10])
    for _ in range(50):
        ensemble.update(np.vstack([wrong, right]), UP)  # member order: lightgbm, linear
    assert ensemble.weights["linear"] > before
    assert ensemble.weights["linear"] > 0.8
    assert ensemble.decayed_log_loss["linear"] < ensemble.decayed_log_loss["lightgbm"]


def test_update_refuses_an_impossible_label_or_shape(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec)
    with pytest.raises(ValueError, match="0, 1 or 2"):
        ensemble.update(np.full((2, 3), 1 / 3), 3)
    with pytest.raises(ValueError, match=r"shape \(2, 3\)"):
        ensemble.update(np.full((1, 3), 1 / 3), FLAT)


def test_pending_outcomes_resolve_each_prediction_h_updates_later(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec)
    pending = PendingOutcomes(ensemble)
    mids = [100.0] * 20 + [105.0]
    resolved = [pending.on_book(mid, ensemble.predict_row(market.features[i])) for i, mid in enumerate(mids)]
    assert resolved[:20] == [None] * 20
    assert resolved[20] == UP
    assert ensemble.updates == 1
    assert pending.on_book(90.0, None) == DOWN


def test_recalibrate_refits_on_the_recent_window_and_waits_for_enough_outcomes(trained):
    market, bundles = trained
    ensemble = WeightedEnsemble(_fresh(bundles), market.spec, calibration_window=300)
    rng = np.random.default_rng(0)
    for _ in range(50):
        ensemble.update(rng.dirichlet([1, 1, 1], size=2), int(rng.integers(0, 3)))
    assert ensemble.recalibrate() is False
    for _ in range(400):
        ensemble.update(rng.dirichlet([1, 1, 1], size=2), int(rng.integers(0, 3)))
    assert len(ensemble.window) == 300
    assert ensemble.recalibrate() is True
    assert all(m.calibrator.method == "isotonic" for m in ensemble.members)


def test_members_with_different_label_horizons_are_refused(trained):
    market, bundles = trained
    members = _fresh(bundles)
    shorter = {"horizon": 10, "dead_zone_ticks": 0.5}
    members[1].manifest = dataclasses.replace(members[1].manifest, label=shorter)
    with pytest.raises(FeatureMismatchError, match="label parameters"):
        WeightedEnsemble(members, market.spec)
