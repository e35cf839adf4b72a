"""The sweep's durable state in its output folder: one JSON line per finished task, model archives.

Only the driver writes here (workers return their results through Ray), so a cluster needs no
shared writable disk. Each result is one ``write`` of one line on an O_APPEND file, fsynced: a crash
can at worst leave a torn last line, which reading skips. Model archives are written to a temporary
name and renamed into place. A restarted sweep reads the finished ids and submits only the rest.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

RESULTS_FILE = "tasks.jsonl"
MODELS_DIR = "models"
OWNED = (RESULTS_FILE, MODELS_DIR, "results.parquet", "results.csv", "tasks.csv", "report.html", "sweep.json")


class Journal:
    """Append-only task results and model archives of one sweep output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / MODELS_DIR).mkdir(exist_ok=True)
        self.results_path = out_dir / RESULTS_FILE

    def clear(self) -> None:
        """Forget every earlier result of this folder (``--fresh``); other files are left alone."""
        for name in OWNED:
            path = self.out_dir / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
        (self.out_dir / MODELS_DIR).mkdir(exist_ok=True)

    def append(self, row: dict[str, Any]) -> None:
        """Persist one task result durably (one line, one write, fsync)."""
        line = (json.dumps(row, sort_keys=True, default=str) + "\n").encode()
        fd = os.open(self.results_path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o644)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def rows(self) -> dict[str, dict[str, Any]]:
        """The latest result per task id (a torn or foreign line is skipped)."""
        latest: dict[str, dict[str, Any]] = {}
        if not self.results_path.exists():
            return latest
        with self.results_path.open("rb") as handle:
            for raw in handle:
                try:
                    row = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(row, dict) and isinstance(row.get("task_id"), str):
                    latest[row["task_id"]] = row
        return latest

    def finished(self) -> set[str]:
        """Ids of the tasks that completed successfully (failed ones run again on resume)."""
        return {task_id for task_id, row in self.rows().items() if row.get("status") == "ok"}

    def model_path(self, train_id: str) -> Path:
        """Where a training job's packed registry is kept."""
        return self.out_dir / MODELS_DIR / f"{train_id}.tar.gz"

    def load_model(self, train_id: str) -> bytes | None:
        """A stored model archive, or None."""
        path = self.model_path(train_id)
        return path.read_bytes() if path.exists() else None

    def save_model(self, train_id: str, blob: bytes) -> None:
        """Store a model archive atomically (temporary name, fsync, rename)."""
        path = self.model_path(train_id)
        temporary = path.with_suffix(f".tmp-{os.getpid()}")
        with temporary.open("wb") as handle:
            handle.write(blob)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)

    def write_text(self, name: str, text: str) -> Path:
        """Write a whole file atomically (temporary name, rename)."""
        path = self.out_dir / name
        temporary = path.with_name(f".{name}.tmp-{os.getpid()}")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
        return path
