"""The model a run trades with: load the ensemble from the registry, or train one and save it.

Every family (gradient-boosted trees, linear) is a named model in the registry; the ensemble is
built from whichever families load. Loading verifies hashes and manifests against the live feature
schema, restores an older good version when the newest is damaged, and reports every such event
to the audit log. A run without a usable model does not trade (it never falls back to a rule).
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.features import FeatureSchema
from scalp_system.ml.dataset import Recording, dataset_from_frames
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.ml.registry import LoadOutcome, ModelRegistry, atomic_write_bytes, sha256_bytes
from scalp_system.ml.training import ProgressCallback, TrainingResult, train

log = logging.getLogger(__name__)

FAMILIES = ("lightgbm", "linear")
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class LoadedModel:
    """The ensemble (None when no member is usable), a human description, and per-family outcomes."""

    ensemble: WeightedEnsemble | None
    description: str
    outcomes: tuple[LoadOutcome, ...]


def live_schema(config: Config) -> FeatureSchema:
    """The feature schema the live engine produces under this configuration."""
    return FeatureSchema.current(config.features, config.data.lob_levels)


def open_registry(
    config: Config, on_event: Callable[[str, dict[str, Any]], None] | None = None
) -> ModelRegistry:
    """The model registry of this configuration."""
    return ModelRegistry(config.ml.registry_dir, keep_versions=config.ml.keep_versions, on_event=on_event)


def load_ensemble(config: Config, registry: ModelRegistry) -> LoadedModel:
    """Load every family's current model (verified, rehydrated if needed) into a WeightedEnsemble."""
    schema = live_schema(config)
    outcomes = tuple(registry.load_current(name, expected=schema) for name in FAMILIES)
    members = [o.bundle for o in outcomes if o.usable and o.bundle is not None]
    if not members:
        return LoadedModel(None, "none", outcomes)
    ensemble = WeightedEnsemble(
        members,
        schema,
        decay=config.ml.ensemble_decay,
        calibration_method=config.ml.calibration,
        calibration_window=config.ml.calibration_window,
    )
    parts = [f"{o.name} v{o.version} ({o.status.value})" for o in outcomes if o.usable]
    return LoadedModel(ensemble, "WeightedEnsemble[" + ", ".join(parts) + "]", outcomes)


def train_and_save(
    config: Config,
    recordings: Sequence[Recording],
    registry: ModelRegistry,
    *,
    progress: ProgressCallback | None = None,
) -> TrainingResult:
    """Walk-forward training on recordings; the final bundles are saved to the registry."""
    data = dataset_from_frames(recordings, config)
    result = train(
        data.features,
        data.mids_ticks,
        data.schema,
        config.ml,
        segments=data.segments,
        instruments=data.instruments,
        from_ns=data.from_ns,
        to_ns=data.to_ns,
        progress=progress,
    )
    for bundle in result.bundles:
        manifest = registry.save(bundle)
        log.info("saved model %s v%s", bundle.name, manifest.version)
    save_drift_reference(config, data.features, data.segments, data.instruments)
    return result


REFERENCE_FILE = "drift_reference.npz"
REFERENCE_ROWS = 5_000


def save_drift_reference(
    config: Config, features: F64, segments: Sequence[int], instruments: Sequence[str]
) -> Path:
    """Keep a sample of the training features per instrument as the drift detector's reference.

    Written as a numeric ``.npz`` (no pickled objects) with a SHA-256 sidecar, atomically."""
    arrays: dict[str, F64] = {}
    start = 0
    for uid, count in zip(instruments, segments, strict=True):
        block = features[start : start + count]
        start += count
        step = max(1, block.shape[0] // REFERENCE_ROWS)
        arrays[uid] = np.ascontiguousarray(block[::step][:REFERENCE_ROWS])
    path = Path(config.ml.registry_dir) / REFERENCE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs misread keyword arrays
    data = buffer.getvalue()
    atomic_write_bytes(path, data)
    atomic_write_bytes(path.with_suffix(".sha256"), sha256_bytes(data).encode("ascii"))
    return path


def load_drift_references(config: Config) -> dict[str, F64]:
    """The per-instrument drift references; empty when missing or when the checksum fails."""
    path = Path(config.ml.registry_dir) / REFERENCE_FILE
    try:
        data = path.read_bytes()
        expected = path.with_suffix(".sha256").read_text(encoding="ascii").strip()
    except OSError:
        return {}
    if sha256_bytes(data) != expected:
        log.warning("drift reference %s fails its checksum; drift detection is off until retraining", path)
        return {}
    with np.load(io.BytesIO(data), allow_pickle=False) as archive:
        return {key: np.asarray(archive[key], dtype=np.float64) for key in archive.files}
