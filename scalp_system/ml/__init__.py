"""ML signal: labels, walk-forward training, models, calibration, WeightedEnsemble, registry, drift."""

from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.calibration import (
    IdentityCalibrator,
    IsotonicCalibrator,
    PlattCalibrator,
    RecentWindow,
    calibrator_from_files,
    fit_calibrator,
)
from scalp_system.ml.dataset import (
    Dataset,
    Recording,
    dataset_from_frames,
    dataset_from_store,
    train_from_store,
)
from scalp_system.ml.drift import DriftBand, DriftCheck, DriftDetector, DriftStatus, FeatureDrift, holm_adjust
from scalp_system.ml.ensemble import EnsemblePrediction, PendingOutcomes, WeightedEnsemble
from scalp_system.ml.labels import DOWN, FLAT, UP, LabelParams, direction_labels, labelled_mask, mid_ticks
from scalp_system.ml.manifest import (
    DataRange,
    FeatureMismatchError,
    FeatureVectorSpec,
    ModelManifest,
    describe_feature_mismatch,
)
from scalp_system.ml.metrics import Scores, score
from scalp_system.ml.models import GbmParams, LightGBMModel, LinearModel, model_from_files
from scalp_system.ml.registry import ArtifactCorruptError, LoadOutcome, LoadStatus, ModelRegistry
from scalp_system.ml.splits import Fold, holdout_split, walk_forward_splits
from scalp_system.ml.training import TrainingReport, TrainingResult, TrainingSettings, train

__all__ = [
    "DOWN",
    "FLAT",
    "UP",
    "ArtifactCorruptError",
    "DataRange",
    "Dataset",
    "DriftBand",
    "DriftCheck",
    "DriftDetector",
    "DriftStatus",
    "EnsemblePrediction",
    "FeatureDrift",
    "FeatureMismatchError",
    "FeatureVectorSpec",
    "Fold",
    "GbmParams",
    "IdentityCalibrator",
    "IsotonicCalibrator",
    "LabelParams",
    "LightGBMModel",
    "LinearModel",
    "LoadOutcome",
    "LoadStatus",
    "ModelBundle",
    "ModelManifest",
    "ModelRegistry",
    "PendingOutcomes",
    "PlattCalibrator",
    "RecentWindow",
    "Recording",
    "Scores",
    "TrainingReport",
    "TrainingResult",
    "TrainingSettings",
    "WeightedEnsemble",
    "calibrator_from_files",
    "dataset_from_frames",
    "dataset_from_store",
    "describe_feature_mismatch",
    "direction_labels",
    "fit_calibrator",
    "holdout_split",
    "holm_adjust",
    "labelled_mask",
    "mid_ticks",
    "model_from_files",
    "score",
    "train",
    "train_from_store",
    "walk_forward_splits",
]
