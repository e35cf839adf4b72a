"""Durability on disk: after a file is created, renamed or removed, its directory entry must be
flushed too, or a crash can lose the file even though its bytes were synced."""

from __future__ import annotations

import os
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Flush ``directory``'s entries (new, renamed or removed files) to disk."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
