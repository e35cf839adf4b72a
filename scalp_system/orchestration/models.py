"""The model a run trades with: load the ensemble from the registry, or train one and save it.

Every family (gradient-boosted trees, linear) is a named model in the registry; the ensemble is
built from whichever families load. Loading verifies hashes and manifests against the live feature
schema, restores an older good version when the newest is damaged, and reports every such event
to the audit log. A run without a usable model does not trade (it never falls back to a rule).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from scalp_system.config import Config
from scalp_system.features import FeatureSchema
from scalp_system.ml.dataset import Recording, dataset_from_frames
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.ml.registry import LoadOutcome, ModelRegistry
from scalp_system.ml.training import ProgressCallback, TrainingResult, train

log = logging.getLogger(__name__)

FAMILIES = ("lightgbm", "linear")


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
    return result
