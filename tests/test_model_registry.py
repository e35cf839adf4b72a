"""Model registry: manifests + SHA-256, atomic versions, corruption detection and rehydration."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from scalp_system.config import MlConfig
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.calibration import IdentityCalibrator
from scalp_system.ml.manifest import FeatureVectorSpec, ModelManifest
from scalp_system.ml.models import GbmParams
from scalp_system.ml.registry import (
    ALERT_KINDS,
    CURRENT_FILE,
    MODEL_ARTIFACT_CORRUPT,
    MODEL_DISABLED,
    MODEL_INCOMPATIBLE,
    MODEL_REHYDRATED,
    MODEL_RETRAINED,
    ArtifactCorruptError,
    LoadStatus,
    ModelRegistry,
)
from scalp_system.ml.synthetic import synthetic_market
from scalp_system.ml.training import TrainingSettings, train


@pytest.fixture(scope="module")
def bundles() -> tuple[FeatureVectorSpec, np.ndarray, list[ModelBundle]]:
    market = synthetic_market(1_500, 5, seed=8)
    result = train(market.features, market.mids_ticks, market.spec, MlConfig(),
                   settings=TrainingSettings(n_folds=2, gbm=GbmParams(num_iterations=8, num_leaves=7)))
    return market.spec, market.features[:50], result.bundles


class Events:
    """Collects on_event calls (a real callable, standing in for the audit log + notifier)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict]] = []

    def __call__(self, kind: str, details: dict) -> None:
        self.seen.append((kind, details))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.seen]


def _copy(bundle: ModelBundle) -> ModelBundle:
    return ModelBundle(bundle.manifest, bundle.model, bundle.calibrator)


def _registry(tmp_path: Path, events: Events | None = None, keep: int = 5) -> ModelRegistry:
    return ModelRegistry(tmp_path / "models", keep_versions=keep, on_event=events)


def _two_versions(tmp_path, bundles, events=None) -> tuple[ModelRegistry, str]:
    _, _, trained = bundles
    registry = _registry(tmp_path, events)
    for _ in range(2):
        registry.save(_copy(trained[0]))
    return registry, trained[0].name


def _artifact(registry: ModelRegistry, name: str, version: int) -> Path:
    folder = registry.model_dir(name) / f"v{version:06d}"
    return next(p for p in folder.iterdir() if p.name.startswith("model."))


def test_a_saved_version_loads_back_with_identical_predictions(tmp_path, bundles):
    spec, rows, trained = bundles
    registry = _registry(tmp_path)
    for bundle in trained:
        manifest = registry.save(_copy(bundle))
        outcome = registry.load_current(bundle.name, expected=spec)
        assert outcome.status is LoadStatus.LOADED and outcome.version == manifest.version == 1
        assert np.array_equal(outcome.bundle.predict_proba(rows), bundle.predict_proba(rows))


def test_the_manifest_records_features_label_data_metrics_libraries_and_file_hashes(tmp_path, bundles):
    spec, _, trained = bundles
    registry = _registry(tmp_path)
    registry.save(_copy(trained[0]))
    body = json.loads((registry.model_dir(trained[0].name) / "v000001" / "manifest.json").read_text())
    assert body["feature_names"] == list(spec.names)
    assert body["registry_version"] == "1" and body["lob_levels"] == 20
    assert body["label"] == {"horizon": 20, "dead_zone_ticks": 0.5}
    assert len(body["data"]["content_sha256"]) == 64 and body["data"]["n_rows"] == 1_500
    assert {"accuracy", "macro_f1", "log_loss", "brier"} <= set(body["metrics"])
    assert {"numpy", "lightgbm", "scikit-learn", "scipy"} <= set(body["library_versions"])
    assert set(body["files"]) == {"model.txt", "calibrator.json"}
    assert all(len(f["sha256"]) == 64 for f in body["files"].values())


def test_artifacts_are_text_never_pickles(tmp_path, bundles):
    _, _, trained = bundles
    registry = _registry(tmp_path)
    for bundle in trained:
        registry.save(_copy(bundle))
    for path in registry.root.rglob("*"):
        if path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), path  # pickle protocol marker
            path.read_bytes().decode("utf-8")


def test_a_flipped_byte_is_detected_and_the_previous_version_rehydrated(tmp_path, bundles):
    spec, rows, _ = bundles
    events = Events()
    registry, name = _two_versions(tmp_path, bundles, events)
    artifact = _artifact(registry, name, 2)
    data = bytearray(artifact.read_bytes())
    data[len(data) // 2] ^= 0x01
    artifact.write_bytes(bytes(data))
    outcome = registry.load_current(name, expected=spec)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 1
    assert "SHA-256" in outcome.problems[0]
    assert registry.current_version(name) == 1
    assert outcome.bundle.predict_proba(rows).shape == (50, 3)
    assert events.kinds()[-2:] == [MODEL_ARTIFACT_CORRUPT, MODEL_REHYDRATED]


def test_a_truncated_artifact_is_detected_and_the_previous_version_rehydrated(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    artifact = _artifact(registry, name, 2)
    artifact.write_bytes(artifact.read_bytes()[:100])
    outcome = registry.load_current(name)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 1
    assert "truncated" in outcome.problems[0]


def test_a_missing_artifact_file_is_detected_and_the_previous_version_rehydrated(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    _artifact(registry, name, 2).unlink()
    outcome = registry.load_current(name)
    assert outcome.status is LoadStatus.REHYDRATED and "is missing" in outcome.problems[0]


def test_a_missing_version_folder_is_detected_and_the_previous_version_rehydrated(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    shutil.rmtree(registry.model_dir(name) / "v000002")
    outcome = registry.load_current(name)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 1


def test_a_manifest_from_another_version_is_detected_by_the_file_hashes(tmp_path, bundles):
    _, _, trained = bundles
    registry = _registry(tmp_path)
    registry.save(_copy(trained[0]))
    uncalibrated = _copy(trained[0])
    uncalibrated.calibrator = IdentityCalibrator()
    registry.save(uncalibrated)  # v2 differs from v1 in calibrator.json
    folder = registry.model_dir(trained[0].name)
    # v1's manifest, renumbered to 2 with a valid self-hash, placed over v2's files.
    v1 = ModelManifest.from_json_bytes((folder / "v000001" / "manifest.json").read_bytes())
    wrong = v1.with_version(2, v1.created_ns, v1.files)
    (folder / "v000002" / "manifest.json").write_bytes(wrong.to_json_bytes())
    outcome = registry.load_current(trained[0].name)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 1
    assert "v2: calibrator.json" in outcome.problems[0]


def test_an_edited_manifest_fails_its_self_hash(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    path = registry.model_dir(name) / "v000002" / "manifest.json"
    body = json.loads(path.read_text())
    body["feature_names"][0] = "something_else"
    path.write_text(json.dumps(body))
    with pytest.raises(ArtifactCorruptError, match="self-hash"):
        registry.verify(name, 2)
    assert registry.load_current(name).status is LoadStatus.REHYDRATED


def test_a_manifest_that_is_not_json_is_corrupt(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    (registry.model_dir(name) / "v000002" / "manifest.json").write_bytes(b"\x00\x01garbage")
    assert registry.load_current(name).status is LoadStatus.REHYDRATED


def test_a_corrupt_version_is_quarantined_and_never_retried(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    _artifact(registry, name, 2).write_bytes(b"broken")
    registry.load_current(name)
    assert registry.versions(name) == [1]
    assert any(".corrupt" in p.name for p in registry.model_dir(name).iterdir())
    assert registry.load_current(name).status is LoadStatus.LOADED
    assert registry.save(_copy(bundles[2][0])).version == 3  # numbers are never reused


def test_a_version_built_for_other_features_is_skipped_for_an_older_compatible_one(tmp_path, bundles):
    spec, _, trained = bundles
    events = Events()
    registry = _registry(tmp_path, events)
    registry.save(_copy(trained[0]))
    newer = _copy(trained[0])
    newer.manifest = dataclasses.replace(newer.manifest, registry_version="2")
    registry.save(newer)
    outcome = registry.load_current(trained[0].name, expected=spec)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 1
    assert MODEL_INCOMPATIBLE in events.kinds()
    assert "feature registry version" in outcome.problems[0]


def test_with_no_good_version_the_model_is_retrained_from_stored_data(tmp_path, bundles):
    _, _, trained = bundles
    events = Events()
    registry = _registry(tmp_path, events)
    registry.save(_copy(trained[0]))
    _artifact(registry, trained[0].name, 1).write_bytes(b"")
    outcome = registry.load_current(trained[0].name, retrain=lambda: _copy(trained[0]))
    assert outcome.status is LoadStatus.RETRAINED and outcome.version == 2
    assert MODEL_RETRAINED in events.kinds()
    assert registry.load_current(trained[0].name).status is LoadStatus.LOADED


def test_with_no_good_version_and_no_retrain_the_model_stays_disabled(tmp_path, bundles):
    events = Events()
    registry = _registry(tmp_path, events)
    outcome = registry.load_current("lightgbm")
    assert outcome.status is LoadStatus.DISABLED and not outcome.usable and outcome.bundle is None
    assert events.kinds() == [MODEL_DISABLED]
    assert MODEL_DISABLED in ALERT_KINDS


def test_a_failing_retrain_leaves_the_model_disabled_instead_of_crashing(tmp_path, bundles):
    registry = _registry(tmp_path, Events())

    def retrain() -> ModelBundle:
        raise RuntimeError("no stored data for the range")

    outcome = registry.load_current("lightgbm", retrain=retrain)
    assert outcome.status is LoadStatus.DISABLED
    assert "retrain failed" in outcome.problems[-1]


def test_a_missing_current_pointer_falls_back_to_the_newest_good_version(tmp_path, bundles):
    registry, name = _two_versions(tmp_path, bundles)
    (registry.model_dir(name) / CURRENT_FILE).unlink()
    outcome = registry.load_current(name)
    assert outcome.status is LoadStatus.REHYDRATED and outcome.version == 2
    assert registry.current_version(name) == 2


def test_only_the_last_n_versions_are_kept(tmp_path, bundles):
    _, _, trained = bundles
    registry = _registry(tmp_path, keep=3)
    for _ in range(6):
        registry.save(_copy(trained[1]))
    assert registry.versions(trained[1].name) == [4, 5, 6]
    assert registry.current_version(trained[1].name) == 6


def test_saving_leaves_no_temporary_files_behind(tmp_path, bundles):
    _, _, trained = bundles
    registry = _registry(tmp_path)
    registry.save(_copy(trained[0]))
    leftovers = [p for p in registry.root.rglob("*") if ".tmp" in p.name]
    assert leftovers == []
