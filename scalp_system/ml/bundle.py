"""A model bundle: one trained model, its calibrator and its manifest — the unit the registry saves.

The ensemble holds bundles; the registry writes and verifies them. The calibrator is replaceable
(``recalibrate``) while model and manifest stay fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.ml.calibration import (
    Calibrator,
    IdentityCalibrator,
    calibrator_from_files,
)
from scalp_system.ml.manifest import ModelManifest
from scalp_system.ml.models import LightGBMModel, LinearModel, model_from_files

F64 = npt.NDArray[np.float64]

CALIBRATOR_FILE = "calibrator.json"


@dataclass(slots=True)
class ModelBundle:
    """A model with its calibrator and manifest; ``predict_*`` answer calibrated probabilities."""

    manifest: ModelManifest
    model: LightGBMModel | LinearModel
    calibrator: Calibrator

    @property
    def name(self) -> str:
        """The member's name (its registry folder)."""
        return self.manifest.name

    def predict_proba(self, x_batch: F64) -> F64:
        """Calibrated (n, 3) probabilities."""
        return self.calibrator.transform(self.model.predict_proba(x_batch))

    def predict_proba_row(self, x: F64) -> F64:
        """Calibrated (3,) probabilities of one row."""
        return self.calibrator.transform_row(self.model.predict_proba_row(x))

    def files(self) -> dict[str, bytes]:
        """Every artifact file: the model's and ``calibrator.json``."""
        files = dict(self.model.to_files())
        files.update(self.calibrator.to_files())
        return files

    @classmethod
    def from_files(cls, manifest: ModelManifest, files: dict[str, bytes]) -> ModelBundle:
        """Rebuild after the registry verified every file's hash against ``manifest``."""
        model = model_from_files(manifest.family, files)
        if model.num_features != len(manifest.feature_names):
            raise ValueError(
                f"model has {model.num_features} inputs, manifest lists "
                f"{len(manifest.feature_names)} features"
            )
        calibrator: Calibrator = (
            calibrator_from_files(files) if CALIBRATOR_FILE in files else IdentityCalibrator()
        )
        return cls(manifest, model, calibrator)
