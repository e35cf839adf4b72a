"""Task hooks for fault drills and audits of a sweep: kill a worker once, log every execution.

A hook is called in the worker as ``hook(kind, id)`` when a job starts. These two live in the
package (not in the tests) so that Ray pickles them by reference on any worker. They write marker
and log files, so they need a folder every worker sees (true for a local Ray).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class ExitOnceFault:
    """Kill the worker process (``os._exit``, no cleanup, as an OOM kill would) the first time a
    matching job starts; a marker file remembers it, so the retry runs normally."""

    marker_dir: Path
    kind: str = "evaluate"
    job_id: str | None = None  # None: the first matching job of that kind
    exit_code: int = 137

    def __call__(self, kind: str, job_id: str) -> None:
        """Exit the process unless this fault already fired."""
        if kind != self.kind or (self.job_id is not None and job_id != self.job_id):
            return
        self.marker_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.marker_dir / "fired", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            return
        os.write(fd, f"{kind} {job_id} {os.getpid()}\n".encode())
        os.close(fd)
        os._exit(self.exit_code)


@dataclass(frozen=True, slots=True)
class ExecutionLog:
    """Append ``kind id pid`` to a file at every job start (one ``write`` on an O_APPEND file)."""

    path: Path

    def __call__(self, kind: str, job_id: str) -> None:
        """Record one execution."""
        fd = os.open(self.path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o644)
        try:
            os.write(fd, f"{kind} {job_id} {os.getpid()}\n".encode())
        finally:
            os.close(fd)


@dataclass(frozen=True, slots=True)
class Hooks:
    """Several hooks called in order."""

    hooks: tuple[object, ...]

    def __call__(self, kind: str, job_id: str) -> None:
        """Call each hook."""
        for hook in self.hooks:
            if callable(hook):
                hook(kind, job_id)


def read_executions(path: Path) -> list[tuple[str, str]]:
    """``(kind, id)`` of every execution an ExecutionLog recorded (none when the file is absent)."""
    if not path.exists():
        return []
    rows = [line.split() for line in path.read_text(encoding="utf-8").splitlines()]
    return [(row[0], row[1]) for row in rows if len(row) >= 2]
