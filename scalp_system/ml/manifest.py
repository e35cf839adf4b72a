"""Model manifests: what a saved model was trained on and with, and how to tell a mismatch.

A manifest travels with every artifact (SPEC §3): model family, feature names in order, feature
registry version, lob_levels, label parameters, data range and content hash, metrics, library
versions, and the SHA-256 and size of every artifact file. ``FeatureVectorSpec`` is the live side of the
comparison; ``describe_feature_mismatch`` names the first difference in words a trader can act on.
"""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

F64 = npt.NDArray[np.float64]


class FeatureMismatchError(ValueError):
    """A model's manifest disagrees with the live feature registry; the message names the difference."""


@dataclass(frozen=True, slots=True)
class FeatureVectorSpec:
    """The feature vector a model consumes: names in order, registry version, order-book depth."""

    names: tuple[str, ...]
    registry_version: str
    lob_levels: int

    @classmethod
    def of(cls, schema: Any) -> FeatureVectorSpec:
        """Adapt a FeatureVectorSpec or any schema object exposing names / registry_version / lob_levels."""
        if isinstance(schema, FeatureVectorSpec):
            return schema
        names = getattr(schema, "names", None)
        if names is None:
            names = getattr(schema, "feature_names", None)
        version = getattr(schema, "registry_version", getattr(schema, "version", None))
        levels = getattr(schema, "lob_levels", None)
        if names is None or version is None or levels is None:
            raise TypeError(
                f"{type(schema).__name__} does not describe names, registry_version and lob_levels"
            )
        return cls(tuple(str(n) for n in names), str(version), int(levels))


def describe_feature_mismatch(
    model_name: str, expected: FeatureVectorSpec, live: FeatureVectorSpec
) -> str | None:
    """None when ``live`` serves exactly what the model expects, else one sentence naming the difference."""
    problems: list[str] = []
    if expected.registry_version != live.registry_version:
        problems.append(
            f"feature registry version: model {expected.registry_version!r}, live {live.registry_version!r}"
        )
    if expected.lob_levels != live.lob_levels:
        problems.append(f"lob_levels: model {expected.lob_levels}, live {live.lob_levels}")
    if expected.names != live.names:
        if len(expected.names) != len(live.names):
            problems.append(f"feature count: model {len(expected.names)}, live {len(live.names)}")
        missing = [n for n in expected.names if n not in set(live.names)]
        extra = [n for n in live.names if n not in set(expected.names)]
        if missing:
            problems.append(f"missing live: {missing[:5]}")
        if extra:
            problems.append(f"not in model: {extra[:5]}")
        for i, (a, b) in enumerate(zip(expected.names, live.names, strict=False)):
            if a != b:
                problems.append(f"first difference at position {i}: model {a!r}, live {b!r}")
                break
    if not problems:
        return None
    return f"model {model_name!r} refuses the live features — " + "; ".join(problems)


@dataclass(frozen=True, slots=True)
class DataRange:
    """The training data: instruments, time span (UTC ns), rows, and a hash of the exact content."""

    instruments: tuple[str, ...]
    from_ns: int
    to_ns: int
    n_rows: int
    content_sha256: str

    @staticmethod
    def hash_arrays(*arrays: npt.NDArray[Any]) -> str:
        """SHA-256 over the raw bytes, shapes and dtypes of the training arrays."""
        digest = hashlib.sha256()
        for array in arrays:
            contiguous = np.ascontiguousarray(array)
            digest.update(f"{contiguous.dtype.str}{contiguous.shape}".encode())
            digest.update(contiguous.tobytes())
        return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of everything that shapes a model's numbers."""
    import lightgbm
    import scipy
    import sklearn

    import scalp_system

    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "lightgbm": lightgbm.__version__,
        "scalp_system": getattr(scalp_system, "__version__", "0"),
    }


@dataclass(frozen=True, slots=True)
class ArtifactFile:
    """One file of an artifact: its SHA-256 and byte size."""

    sha256: str
    size: int


@dataclass(frozen=True, slots=True)
class ModelManifest:
    """Everything needed to trust, compare and reproduce one saved model version."""

    name: str
    family: str
    feature_names: tuple[str, ...]
    registry_version: str
    lob_levels: int
    label: dict[str, float | int]
    data: DataRange
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    calibration: str = "identity"
    library_versions: dict[str, str] = field(default_factory=dict)
    created_ns: int = 0
    version: int = 0
    files: dict[str, ArtifactFile] = field(default_factory=dict)

    @property
    def feature_spec(self) -> FeatureVectorSpec:
        """The feature vector this model expects."""
        return FeatureVectorSpec(self.feature_names, self.registry_version, self.lob_levels)

    def with_version(self, version: int, created_ns: int, files: dict[str, ArtifactFile]) -> ModelManifest:
        """A copy stamped by the registry at save time."""
        return replace(self, version=version, created_ns=created_ns, files=files)

    def to_body(self) -> dict[str, Any]:
        """JSON-ready dict (without the self-hash)."""
        body = asdict(self)
        body["feature_names"] = list(self.feature_names)
        body["data"]["instruments"] = list(self.data.instruments)
        return body

    def to_json_bytes(self) -> bytes:
        """Canonical JSON with ``manifest_sha256`` over the canonical body, so edits are detected."""
        body = self.to_body()
        body["manifest_sha256"] = hashlib.sha256(_canonical(body)).hexdigest()
        return json.dumps(body, indent=2, sort_keys=True).encode("utf-8")

    @classmethod
    def from_json_bytes(cls, raw: bytes) -> ModelManifest:
        """Parse and verify the self-hash; raises ValueError naming what is wrong."""
        body = json.loads(raw.decode("utf-8"))
        if not isinstance(body, dict):
            raise ValueError("manifest is not a JSON object")
        claimed = body.pop("manifest_sha256", None)
        if claimed != hashlib.sha256(_canonical(body)).hexdigest():
            raise ValueError("manifest self-hash does not match its content (edited or damaged)")
        data = body["data"]
        return cls(
            name=str(body["name"]),
            family=str(body["family"]),
            feature_names=tuple(str(n) for n in body["feature_names"]),
            registry_version=str(body["registry_version"]),
            lob_levels=int(body["lob_levels"]),
            label=dict(body["label"]),
            data=DataRange(
                tuple(data["instruments"]),
                int(data["from_ns"]),
                int(data["to_ns"]),
                int(data["n_rows"]),
                str(data["content_sha256"]),
            ),
            metrics={str(k): float(v) for k, v in body["metrics"].items()},
            params=dict(body["params"]),
            calibration=str(body["calibration"]),
            library_versions=dict(body["library_versions"]),
            created_ns=int(body["created_ns"]),
            version=int(body["version"]),
            files={str(k): ArtifactFile(str(v["sha256"]), int(v["size"])) for k, v in body["files"].items()},
        )


def _canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode("utf-8")
