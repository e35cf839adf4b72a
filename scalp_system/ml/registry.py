"""Model registry: versioned, hashed, atomically written artifacts with corruption recovery (SPEC §3, §4).

Layout under ``ml.registry_dir``::

    <name>/CURRENT                 the active version number (written atomically)
    <name>/v000007/manifest.json   ModelManifest with SHA-256 + size of every file and its own self-hash
    <name>/v000007/model.txt       LightGBM text model   (or model.json for the linear family)
    <name>/v000007/calibrator.json calibrator arrays
    <name>/v000006.corrupt-<ns>/   a version found damaged, quarantined for forensics

A version is written into a temporary folder (each file fsynced), renamed into place, the folder
fsynced, then CURRENT replaced the same way. Loading verifies the manifest's self-hash, each file's
size and SHA-256 and the feature spec BEFORE anything is deserialised; nothing is ever unpickled.
A corrupt, truncated or missing artifact is never used: it is quarantined, the newest older version
that verifies is restored as CURRENT (rehydrated); with none left the ``retrain`` callback builds a new
one, and failing that the model stays disabled. Every case calls ``on_event(kind, details)`` for the
audit log and alerts. Only the newest ``keep_versions`` versions (and as many quarantined) are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from scalp_system.core.durable import fsync_dir
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.manifest import ArtifactFile, FeatureVectorSpec, ModelManifest, describe_feature_mismatch

MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "CURRENT"

EventSink = Callable[[str, dict[str, Any]], None]

# Event kinds; the ALERT ones are incidents (notify), the rest are audit-only facts.
MODEL_SAVED = "model_saved"
MODEL_LOADED = "model_loaded"
MODEL_VERSION_PRUNED = "model_version_pruned"
MODEL_ARTIFACT_CORRUPT = "model_artifact_corrupt"
MODEL_INCOMPATIBLE = "model_incompatible"
MODEL_REHYDRATED = "model_rehydrated"
MODEL_RETRAINED = "model_retrained"
MODEL_RETRAIN_FAILED = "model_retrain_failed"
MODEL_DISABLED = "model_disabled"
ALERT_KINDS = frozenset(
    {
        MODEL_ARTIFACT_CORRUPT,
        MODEL_INCOMPATIBLE,
        MODEL_REHYDRATED,
        MODEL_RETRAINED,
        MODEL_RETRAIN_FAILED,
        MODEL_DISABLED,
    }
)


class ArtifactCorruptError(RuntimeError):
    """A stored version failed verification; the message says which check failed."""


class LoadStatus(StrEnum):
    """How ``load_current`` obtained (or failed to obtain) a usable model."""

    LOADED = "LOADED"  # the CURRENT version verified
    REHYDRATED = "REHYDRATED"  # CURRENT was unusable; an older good version was restored
    RETRAINED = "RETRAINED"  # nothing usable was stored; a fresh model was trained and saved
    DISABLED = "DISABLED"  # nothing usable and no retrain: trading stays off for this model


@dataclass(frozen=True, slots=True)
class LoadOutcome:
    """Result of ``load_current``: the bundle (None when DISABLED), its version and what went wrong."""

    name: str
    status: LoadStatus
    bundle: ModelBundle | None
    version: int | None
    problems: list[str] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """True when a verified model is available for trading."""
        return self.bundle is not None


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def _write_synced(path: Path, data: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via temp file + fsync + rename + directory fsync."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{time.monotonic_ns()}")
    _write_synced(tmp, data)
    os.replace(tmp, path)
    fsync_dir(path.parent)


def _version_dir_name(version: int) -> str:
    return f"v{version:06d}"


class ModelRegistry:
    """Saves and loads model bundles by name, verifying before use and recovering from damage."""

    def __init__(
        self,
        root: Path,
        *,
        keep_versions: int = 5,
        on_event: EventSink | None = None,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        if keep_versions < 1:
            raise ValueError(f"keep_versions must be ≥ 1, got {keep_versions}")
        self.root = Path(root)
        self.keep_versions = keep_versions
        self._on_event = on_event
        self._now_ns = now_ns

    def _emit(self, kind: str, details: dict[str, Any]) -> None:
        if self._on_event is not None:
            self._on_event(kind, details)

    def model_dir(self, name: str) -> Path:
        """Folder of all versions of ``name``."""
        if not name or "/" in name or name.startswith("."):
            raise ValueError(f"invalid model name {name!r}")
        return self.root / name

    def versions(self, name: str) -> list[int]:
        """Stored (not quarantined) versions of ``name``, ascending."""
        folder = self.model_dir(name)
        if not folder.is_dir():
            return []
        found = []
        for entry in folder.iterdir():
            if entry.is_dir() and entry.name.startswith("v") and entry.name[1:].isdigit():
                found.append(int(entry.name[1:]))
        return sorted(found)

    def current_version(self, name: str) -> int | None:
        """The version CURRENT points at (None when CURRENT is absent or unreadable)."""
        try:
            text = (self.model_dir(name) / CURRENT_FILE).read_text(encoding="ascii").strip()
            return int(text)
        except (OSError, ValueError):
            return None

    def save(self, bundle: ModelBundle) -> ModelManifest:
        """Write ``bundle`` as the next version, make it CURRENT, prune old versions; returns the
        stamped manifest (version, time, file hashes)."""
        name = bundle.name
        folder = self.model_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        existing = self.versions(name) + self._quarantined_versions(name)
        version = max(existing, default=0) + 1
        files = bundle.files()
        stamped = bundle.manifest.with_version(
            version,
            self._now_ns(),
            {fname: ArtifactFile(sha256_bytes(data), len(data)) for fname, data in sorted(files.items())},
        )
        tmp = folder / f".tmp-{_version_dir_name(version)}-{os.getpid()}-{time.monotonic_ns()}"
        tmp.mkdir()
        for fname, data in files.items():
            _write_synced(tmp / fname, data)
        _write_synced(tmp / MANIFEST_FILE, stamped.to_json_bytes())
        fsync_dir(tmp)
        final = folder / _version_dir_name(version)
        os.rename(tmp, final)
        fsync_dir(folder)
        atomic_write_bytes(folder / CURRENT_FILE, f"{version}\n".encode("ascii"))
        bundle.manifest = stamped
        self._emit(
            MODEL_SAVED,
            {
                "model": name,
                "version": version,
                "family": stamped.family,
                "files": {k: v.sha256 for k, v in stamped.files.items()},
            },
        )
        self._prune(name)
        return stamped

    def _quarantined_versions(self, name: str) -> list[int]:
        folder = self.model_dir(name)
        if not folder.is_dir():
            return []
        found = []
        for entry in folder.iterdir():
            head, _, _ = entry.name.partition(".corrupt")
            if entry.is_dir() and ".corrupt" in entry.name and head[1:].isdigit():
                found.append(int(head[1:]))
        return found

    def _prune(self, name: str) -> None:
        folder = self.model_dir(name)
        for version in self.versions(name)[: -self.keep_versions]:
            shutil.rmtree(folder / _version_dir_name(version), ignore_errors=True)
            self._emit(MODEL_VERSION_PRUNED, {"model": name, "version": version})
        quarantined = sorted(
            (e for e in folder.iterdir() if e.is_dir() and ".corrupt" in e.name), key=lambda e: e.name
        )
        for entry in quarantined[: -self.keep_versions]:
            shutil.rmtree(entry, ignore_errors=True)
        for entry in folder.iterdir():  # leftovers of an interrupted save
            if entry.name.startswith(".tmp-"):
                shutil.rmtree(entry, ignore_errors=True)

    def verify(self, name: str, version: int) -> tuple[ModelManifest, dict[str, bytes]]:
        """Read and check one version without deserialising any model: manifest self-hash, name, the
        listed files' sizes and SHA-256. Raises ArtifactCorruptError naming the failed check."""
        path = self.model_dir(name) / _version_dir_name(version)
        if not path.is_dir():
            raise ArtifactCorruptError(f"{name} v{version}: version folder is missing")
        try:
            manifest = ModelManifest.from_json_bytes((path / MANIFEST_FILE).read_bytes())
        except FileNotFoundError:
            raise ArtifactCorruptError(f"{name} v{version}: manifest.json is missing") from None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ArtifactCorruptError(f"{name} v{version}: manifest unreadable — {exc}") from None
        if manifest.name != name or manifest.version != version:
            raise ArtifactCorruptError(
                f"{name} v{version}: manifest describes {manifest.name} v{manifest.version}"
            )
        if not manifest.files:
            raise ArtifactCorruptError(f"{name} v{version}: manifest lists no artifact files")
        files: dict[str, bytes] = {}
        for fname, expected in manifest.files.items():
            try:
                data = (path / fname).read_bytes()
            except FileNotFoundError:
                raise ArtifactCorruptError(f"{name} v{version}: {fname} is missing") from None
            if len(data) != expected.size:
                raise ArtifactCorruptError(
                    f"{name} v{version}: {fname} has {len(data)} bytes, manifest says "
                    f"{expected.size} (truncated or extended)"
                )
            actual = sha256_bytes(data)
            if actual != expected.sha256:
                raise ArtifactCorruptError(
                    f"{name} v{version}: {fname} SHA-256 {actual[:12]}… does not "
                    f"match manifest {expected.sha256[:12]}…"
                )
            files[fname] = data
        return manifest, files

    def load(self, name: str, version: int) -> ModelBundle:
        """Verify, then deserialise one version. Raises ArtifactCorruptError on any failure."""
        manifest, files = self.verify(name, version)
        try:
            return ModelBundle.from_files(manifest, files)
        except Exception as exc:  # verified bytes that still do not parse are corrupt all the same
            raise ArtifactCorruptError(f"{name} v{version}: artifact does not deserialise — {exc}") from None

    def _quarantine(self, name: str, version: int) -> None:
        path = self.model_dir(name) / _version_dir_name(version)
        if path.is_dir():
            with contextlib.suppress(OSError):
                os.rename(path, path.with_name(f"{path.name}.corrupt-{self._now_ns()}"))

    def load_current(
        self,
        name: str,
        *,
        expected: FeatureVectorSpec | Any | None = None,
        retrain: Callable[[], ModelBundle | None] | None = None,
    ) -> LoadOutcome:
        """The usable model of ``name``: CURRENT if it verifies (and matches ``expected``), else the newest
        good older version restored as CURRENT, else a retrained one, else DISABLED. Never raises for a
        damaged store; every fallback is reported through ``on_event``."""
        spec = FeatureVectorSpec.of(expected) if expected is not None else None
        problems: list[str] = []
        current = self.current_version(name)
        stored = self.versions(name)
        if current is None and stored:
            problems.append(f"{name}: CURRENT pointer is missing or unreadable")
            self._emit(MODEL_ARTIFACT_CORRUPT, {"model": name, "version": None, "reason": problems[-1]})
        older = [v for v in reversed(stored) if v != current]
        candidates = ([current] if current is not None else []) + older
        for position, version in enumerate(candidates):
            is_current = position == 0 and current is not None
            try:
                bundle = self.load(name, version)
            except ArtifactCorruptError as exc:
                problems.append(str(exc))
                self._emit(MODEL_ARTIFACT_CORRUPT, {"model": name, "version": version, "reason": str(exc)})
                self._quarantine(name, version)
                continue
            mismatch = describe_feature_mismatch(name, bundle.manifest.feature_spec, spec) if spec else None
            if mismatch is not None:
                problems.append(f"v{version}: {mismatch}")
                self._emit(MODEL_INCOMPATIBLE, {"model": name, "version": version, "reason": mismatch})
                continue
            if is_current:
                self._emit(MODEL_LOADED, {"model": name, "version": version})
                return LoadOutcome(name, LoadStatus.LOADED, bundle, version, problems)
            atomic_write_bytes(self.model_dir(name) / CURRENT_FILE, f"{version}\n".encode("ascii"))
            self._emit(
                MODEL_REHYDRATED,
                {"model": name, "version": version, "replaced": current, "problems": list(problems)},
            )
            return LoadOutcome(name, LoadStatus.REHYDRATED, bundle, version, problems)
        if not candidates:
            problems.append(f"{name}: no stored version")
        return self._retrain_or_disable(name, retrain, problems)

    def _retrain_or_disable(
        self, name: str, retrain: Callable[[], ModelBundle | None] | None, problems: list[str]
    ) -> LoadOutcome:
        if retrain is not None:
            try:
                bundle = retrain()
            except Exception as exc:  # a failing retrain must leave the model disabled, not crash
                bundle = None
                problems.append(f"{name}: retrain failed — {type(exc).__name__}: {exc}")
                self._emit(MODEL_RETRAIN_FAILED, {"model": name, "reason": problems[-1]})
            if bundle is not None:
                if bundle.name != name:
                    raise ValueError(f"retrain for {name!r} returned a bundle named {bundle.name!r}")
                manifest = self.save(bundle)
                self._emit(
                    MODEL_RETRAINED, {"model": name, "version": manifest.version, "problems": list(problems)}
                )
                return LoadOutcome(name, LoadStatus.RETRAINED, bundle, manifest.version, problems)
        self._emit(MODEL_DISABLED, {"model": name, "problems": list(problems)})
        return LoadOutcome(name, LoadStatus.DISABLED, None, None, problems)
