"""Features: the registry of named features, the incremental (live) engine and the batch computation.

Both implementations follow one definition (``registry``) and agree to 1e-9; ``FeatureSchema`` lets a
model refuse a vector it was not trained on; ``AtrTracker`` is the one ATR (SPEC §1.1) that the risk
engine shares.
"""

from scalp_system.features.atr import AtrTracker, atr_at
from scalp_system.features.batch import batch_features
from scalp_system.features.incremental import FeatureEngine, IncrementalFeatures
from scalp_system.features.registry import (
    REGISTRY_VERSION,
    VERSION_FINGERPRINTS,
    FeatureSpec,
    depth_levels,
    feature_count,
    feature_names,
    feature_specs,
)
from scalp_system.features.schema import FeatureSchema, FeatureSchemaMismatch

__all__ = [
    "REGISTRY_VERSION",
    "VERSION_FINGERPRINTS",
    "AtrTracker",
    "FeatureEngine",
    "FeatureSchema",
    "FeatureSchemaMismatch",
    "FeatureSpec",
    "IncrementalFeatures",
    "atr_at",
    "batch_features",
    "depth_levels",
    "feature_count",
    "feature_names",
    "feature_specs",
]
