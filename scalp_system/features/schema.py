"""FeatureSchema: the identity of a feature vector (names, order, registry version, depth).

A model records the schema it was trained on in its manifest and calls ``assert_compatible`` with the
live engine's schema before scoring: any difference (version, depth, length, a name or its position)
is refused with an error that names the first difference, so a model never reads a vector it does
not understand.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from scalp_system.config import FeaturesConfig
from scalp_system.features.registry import REGISTRY_VERSION, feature_names, names_fingerprint

if TYPE_CHECKING:
    from scalp_system.features.layout import FeatureLayout


class FeatureSchemaMismatch(ValueError):
    """Two feature schemas differ; the message names the first difference."""


@dataclass(frozen=True, slots=True)
class FeatureSchema:
    """Names in vector order, the registry version that produced them and the book depth."""

    names: tuple[str, ...]
    registry_version: int
    lob_levels: int

    @classmethod
    def current(cls, cfg: FeaturesConfig, lob_levels: int) -> FeatureSchema:
        """The schema the current registry produces for this config and depth."""
        return cls(feature_names(cfg, lob_levels), REGISTRY_VERSION, lob_levels)

    @classmethod
    def from_layout(cls, layout: FeatureLayout) -> FeatureSchema:
        """The schema of a resolved layout."""
        return cls(layout.names, layout.registry_version, layout.lob_levels)

    @property
    def n_features(self) -> int:
        """Vector length."""
        return len(self.names)

    @property
    def fingerprint(self) -> str:
        """SHA-256 of the names in order (handy for manifests and logs)."""
        return names_fingerprint(self.names)

    def assert_compatible(self, other: FeatureSchema) -> None:
        """Raise ``FeatureSchemaMismatch`` naming the first difference between ``self`` (expected,
        e.g. the model's training schema) and ``other`` (e.g. the live engine's)."""
        if self.registry_version != other.registry_version:
            raise FeatureSchemaMismatch(
                "feature registry version differs: "
                f"expected {self.registry_version}, got {other.registry_version}"
            )
        if self.lob_levels != other.lob_levels:
            raise FeatureSchemaMismatch(
                f"lob_levels differs: expected {self.lob_levels}, got {other.lob_levels}"
            )
        for i, (mine, theirs) in enumerate(zip(self.names, other.names, strict=False)):
            if mine != theirs:
                raise FeatureSchemaMismatch(f"feature {i} differs: expected {mine!r}, got {theirs!r}")
        if len(self.names) != len(other.names):
            longer, which = (
                (self.names, "missing") if len(self.names) > len(other.names) else (other.names, "extra")
            )
            first = longer[min(len(self.names), len(other.names))]
            raise FeatureSchemaMismatch(
                f"feature count differs: expected {len(self.names)}, got {len(other.names)} "
                f"(first {which} feature: {first!r})"
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form for manifests and checkpoints."""
        return {
            "names": list(self.names),
            "registry_version": self.registry_version,
            "lob_levels": self.lob_levels,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSchema:
        """Inverse of ``to_dict``."""
        return cls(
            tuple(str(n) for n in data["names"]), int(data["registry_version"]), int(data["lob_levels"])
        )
