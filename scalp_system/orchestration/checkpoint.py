"""Atomic checkpoints of a run's state: write temp, fsync, rename; keep the last N; load the
latest valid one, falling back to older ones when the newest is corrupt or truncated.

A checkpoint is one JSON document with a SHA-256 of its body, so a torn or edited file is detected
rather than half-trusted. Decimals travel as strings; the token never enters a checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scalp_system.core.durable import fsync_dir

log = logging.getLogger(__name__)

_PREFIX = "checkpoint-"
_SUFFIX = ".json"


class CheckpointError(ValueError):
    """A checkpoint file is unreadable, truncated or fails its checksum."""


@dataclass(frozen=True, slots=True)
class LoadedCheckpoint:
    """A checkpoint that passed verification, and the newer ones that did not."""

    path: Path
    sequence: int
    state: dict[str, Any]
    skipped: tuple[tuple[Path, str], ...]


class CheckpointStore:
    """Numbered checkpoint files in one directory."""

    def __init__(self, directory: Path, keep: int = 5) -> None:
        if keep < 2:
            raise ValueError("keep at least 2 checkpoints so a corrupt newest one has a fallback")
        self.directory = directory
        self.keep = keep

    def _files(self) -> list[tuple[int, Path]]:
        if not self.directory.is_dir():
            return []
        found = []
        for path in self.directory.glob(f"{_PREFIX}*{_SUFFIX}"):
            number = path.name[len(_PREFIX) : -len(_SUFFIX)]
            if number.isdigit():
                found.append((int(number), path))
        return sorted(found)

    def save(self, state: dict[str, Any]) -> Path:
        """Write a new checkpoint atomically and prune old ones; returns its path."""
        self.directory.mkdir(parents=True, exist_ok=True)
        files = self._files()
        sequence = files[-1][0] + 1 if files else 1
        body = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
        document = json.dumps(
            {"sha256": hashlib.sha256(body.encode()).hexdigest(), "sequence": sequence, "body": body}
        )
        final = self.directory / f"{_PREFIX}{sequence:012d}{_SUFFIX}"
        temp = final.with_suffix(".tmp")
        with open(temp, "w", encoding="utf-8") as handle:
            handle.write(document)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, final)
        fsync_dir(self.directory)
        for _, old in files[: max(0, len(files) + 1 - self.keep)]:
            old.unlink(missing_ok=True)
        return final

    @staticmethod
    def read(path: Path) -> dict[str, Any]:
        """Read and verify one checkpoint file; raises CheckpointError naming the problem."""
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            body = document["body"]
            digest = document["sha256"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CheckpointError(f"{path.name}: unreadable ({type(exc).__name__})") from None
        if hashlib.sha256(body.encode()).hexdigest() != digest:
            raise CheckpointError(f"{path.name}: checksum mismatch (edited or torn)")
        state = json.loads(body)
        if not isinstance(state, dict):
            raise CheckpointError(f"{path.name}: body is not an object")
        return state

    def load_latest(self) -> LoadedCheckpoint | None:
        """The newest checkpoint that verifies, or None when there is none."""
        skipped: list[tuple[Path, str]] = []
        for sequence, path in reversed(self._files()):
            try:
                state = self.read(path)
            except CheckpointError as exc:
                log.warning("skipping checkpoint: %s", exc)
                skipped.append((path, str(exc)))
                continue
            return LoadedCheckpoint(path, sequence, state, tuple(skipped))
        return None
