"""Spillover: when SQLite cannot take a write, rows go to fsynced JSONL files; later they are merged back.

* ``classify_failure`` names what went wrong (disk full, locked, corrupt, read-only, I/O) as a
  ``STORAGE_*`` code for alerts and metrics.
* ``SpillWriter`` appends records to ``spill-<ns>-<n>.jsonl.part`` in ``spill_dir``, flushes and
  fsyncs after every append (a spilled row is as durable as a committed one), and rotates at
  ``spill_rotate_mb``: the full file is renamed to ``.jsonl``. While it lives it holds an exclusive
  ``flock`` on ``spill_dir/.writer.lock``, so a merge can tell a live ``.part`` file from one a crash
  left behind.
* ``merge_spill`` replays closed files (and orphaned ``.part`` files when no writer holds the lock)
  into the store, one durable transaction per file, then moves the file to ``spill_dir/merged``.
  Natural keys make the replay idempotent: a crash between commit and move replays a file without
  duplicating a row. A torn last line of an orphaned ``.part`` file (a crash mid-append, never
  fsynced, so never acknowledged) is skipped; any other bad line sends the file to
  ``spill_dir/rejected`` after its good lines are merged, and is reported.
* ``attempt_backup`` copies the database with the SQLite online backup API into ``backup_dir``; when
  the file is too damaged for that, it keeps a raw byte copy for forensics.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import IO

from scalp_system.core.durable import fsync_dir
from scalp_system.storage.rows import decode_record, encode_record
from scalp_system.storage.schema import Row, RowError, table_spec
from scalp_system.storage.store import Store

LOCK_NAME = ".writer.lock"
MERGED_DIR = "merged"
REJECTED_DIR = "rejected"


class StorageFailure(StrEnum):
    """Why a write failed (alert kinds, ``CATEGORY_CONDITION``)."""

    DISK_FULL = "STORAGE_DISK_FULL"
    LOCKED = "STORAGE_LOCKED"
    CORRUPT = "STORAGE_CORRUPT"
    READ_ONLY = "STORAGE_READ_ONLY"
    IO_ERROR = "STORAGE_IO_ERROR"
    CANNOT_OPEN = "STORAGE_CANNOT_OPEN"
    OTHER = "STORAGE_WRITE_FAILED"


_SQLITE_PRIMARY = {
    13: StorageFailure.DISK_FULL,  # SQLITE_FULL
    5: StorageFailure.LOCKED,  # SQLITE_BUSY
    6: StorageFailure.LOCKED,  # SQLITE_LOCKED
    8: StorageFailure.READ_ONLY,  # SQLITE_READONLY
    11: StorageFailure.CORRUPT,  # SQLITE_CORRUPT
    26: StorageFailure.CORRUPT,  # SQLITE_NOTADB
    10: StorageFailure.IO_ERROR,  # SQLITE_IOERR
    14: StorageFailure.CANNOT_OPEN,  # SQLITE_CANTOPEN
}


def classify_failure(exc: BaseException) -> StorageFailure:
    """The failure kind of an exception raised by a store write or open."""
    if isinstance(exc, sqlite3.Error):
        code = getattr(exc, "sqlite_errorcode", None)
        if isinstance(code, int) and (code & 0xFF) in _SQLITE_PRIMARY:
            return _SQLITE_PRIMARY[code & 0xFF]
        text = str(exc).lower()
        for needle, kind in (
            ("full", StorageFailure.DISK_FULL),
            ("locked", StorageFailure.LOCKED),
            ("readonly", StorageFailure.READ_ONLY),
            ("not a database", StorageFailure.CORRUPT),
            ("malformed", StorageFailure.CORRUPT),
            ("disk i/o", StorageFailure.IO_ERROR),
        ):
            if needle in text:
                return kind
        return StorageFailure.OTHER
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageFailure.DISK_FULL
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return StorageFailure.READ_ONLY
        return StorageFailure.IO_ERROR
    return StorageFailure.OTHER


class SpillWriter:
    """Appends rows to rotated, fsynced JSONL files in one directory (one live writer per directory)."""

    def __init__(self, spill_dir: Path, rotate_mb: int) -> None:
        self.spill_dir = Path(spill_dir)
        self.rotate_bytes = rotate_mb * 1024 * 1024
        self._file: IO[bytes] | None = None
        self._path: Path | None = None
        self._counter = 0
        self._lock_fd: int | None = None
        self.rows_written = 0

    def _acquire_lock(self) -> None:
        if self._lock_fd is not None:
            return
        self.spill_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.spill_dir / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise
        self._lock_fd = fd

    @property
    def current_path(self) -> Path | None:
        """The ``.part`` file being appended to (None between files)."""
        return self._path

    def append(self, records: Sequence[tuple[str, Row]]) -> None:
        """Write records and fsync them before returning; rotate when the file is big enough."""
        if not records:
            return
        self._acquire_lock()
        if self._file is None:
            self._counter += 1
            self._path = self.spill_dir / f"spill-{time.time_ns():020d}-{self._counter:04d}.jsonl.part"
            self._file = open(self._path, "ab")  # noqa: SIM115 - kept open across appends
            fsync_dir(self.spill_dir)
        payload = b"".join(encode_record(table, row) for table, row in records)
        self._file.write(payload)
        self._file.flush()
        os.fsync(self._file.fileno())
        self.rows_written += len(records)
        if self._file.tell() >= self.rotate_bytes:
            self.close_current()

    def close_current(self) -> Path | None:
        """Close the current file and rename it ``.jsonl`` (ready to merge); returns its new path."""
        file, path = self._file, self._path
        self._file, self._path = None, None
        if file is None or path is None:
            return None
        file.flush()
        os.fsync(file.fileno())
        file.close()
        done = path.with_suffix("")  # drop ".part"
        os.replace(path, done)
        fsync_dir(self.spill_dir)
        return done

    def close(self) -> None:
        """Close the current file and release the directory lock."""
        self.close_current()
        if self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            os.close(self._lock_fd)
            self._lock_fd = None


def writer_is_live(spill_dir: Path) -> bool:
    """True when a SpillWriter currently holds ``spill_dir``'s lock."""
    lock = Path(spill_dir) / LOCK_NAME
    if not lock.exists():
        return False
    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


@dataclass
class MergeReport:
    """What ``merge_spill`` did."""

    files_merged: list[Path] = field(default_factory=list)
    files_rejected: list[Path] = field(default_factory=list)
    files_skipped: list[Path] = field(default_factory=list)
    rows_read: int = 0
    rows_changed: int = 0
    torn_lines: int = 0
    bad_lines: list[str] = field(default_factory=list)

    # rows_changed counts rows that changed the database: new rows, and upserts (orders, run_state,
    # positions) whose snapshot was not older than the stored one. Replayed duplicates count 0.


def spill_files(spill_dir: Path, *, include_partial: bool) -> list[Path]:
    """Spill files waiting to be merged, oldest first."""
    spill_dir = Path(spill_dir)
    if not spill_dir.is_dir():
        return []
    names = list(spill_dir.glob("spill-*.jsonl"))
    if include_partial:
        names += spill_dir.glob("spill-*.jsonl.part")
    return sorted(names, key=lambda p: p.name)


def _read_records(path: Path, report: MergeReport) -> tuple[dict[str, list[Row]], bool]:
    data = path.read_bytes()
    lines = data.split(b"\n")
    batch: dict[str, list[Row]] = {}
    clean = True
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        is_last_unterminated = number == len(lines) and not data.endswith(b"\n")
        try:
            table, row = decode_record(line)
        except ValueError as exc:
            if is_last_unterminated and path.name.endswith(".part"):
                report.torn_lines += 1  # crash mid-append: never fsynced, never acknowledged
                continue
            report.bad_lines.append(f"{path.name} line {number}: {exc}")
            clean = False
            continue
        batch.setdefault(table, []).append(row)
        report.rows_read += 1
    return batch, clean


def merge_spill(
    store: Store, spill_dir: Path, *, include_partial: bool | None = None, archive: bool = True
) -> MergeReport:
    """Replay spill files into ``store`` idempotently; returns a report.

    ``include_partial``: also merge ``.part`` files; None (default) = only when no live writer holds
    the directory lock (they are then crash leftovers). Each file is committed in one durable
    transaction and only then moved to ``merged/`` (or deleted when ``archive`` is false). A write
    failure (``sqlite3.Error``/``OSError``) propagates with the file left in place for the next try.
    """
    spill_dir = Path(spill_dir)
    report = MergeReport()
    if include_partial is None:
        include_partial = not writer_is_live(spill_dir)
    for path in spill_files(spill_dir, include_partial=include_partial):
        batch, clean = _read_records(path, report)
        good: dict[str, list[Row]] = {}
        for table, rows in batch.items():
            try:
                spec = table_spec(table)
            except RowError as exc:
                report.bad_lines.append(f"{path.name}: {len(rows)} row(s): {exc}")
                clean = False
                continue
            checked = []
            for row in rows:
                try:
                    checked.append(spec.normalize(row))
                except RowError as exc:
                    report.bad_lines.append(f"{path.name}: {exc}")
                    clean = False
            good[table] = checked
        if any(good.values()):
            report.rows_changed += store.write_batch(good, durable=True)
        final_name = path.name.removesuffix(".part")
        if not clean:
            target_dir = spill_dir / REJECTED_DIR
            report.files_rejected.append(path)
        else:
            target_dir = spill_dir / MERGED_DIR
            report.files_merged.append(path)
        if archive or not clean:
            target_dir.mkdir(exist_ok=True)
            os.replace(path, target_dir / final_name)
            fsync_dir(target_dir)
        else:
            path.unlink()
        fsync_dir(spill_dir)
    return report


@dataclass(frozen=True, slots=True)
class BackupResult:
    """Outcome of a backup attempt: ``method`` is "sqlite_backup", "raw_copy" or "failed"."""

    path: Path | None
    method: str
    error: str = ""


def attempt_backup(db_path: Path, backup_dir: Path) -> BackupResult:
    """Copy ``db_path`` into ``backup_dir`` (online backup API; raw bytes when SQLite cannot read it).

    Never raises: the outcome, including why it failed, is in the result.
    """
    db_path, backup_dir = Path(db_path), Path(backup_dir)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + f"-{time.time_ns() % 1_000_000_000:09d}"
    try:
        backup_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return BackupResult(None, "failed", f"cannot create {backup_dir}: {exc}")
    dest = backup_dir / f"{db_path.stem}-{stamp}.db"
    first_error = ""
    try:
        source = sqlite3.connect(f"file:{db_path.resolve()}?mode=ro", uri=True, timeout=1.0)
        try:
            target = sqlite3.connect(str(dest))
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        return BackupResult(dest, "sqlite_backup")
    except (sqlite3.Error, OSError) as exc:
        first_error = f"backup API: {exc}"
        with contextlib.suppress(OSError):
            dest.unlink(missing_ok=True)
    raw = backup_dir / f"{db_path.stem}-{stamp}.raw"
    try:
        raw.mkdir()
        for suffix in ("", "-wal", "-shm"):
            source_file = Path(str(db_path) + suffix)
            if source_file.exists():
                shutil.copy2(source_file, raw / source_file.name)
        return BackupResult(raw, "raw_copy", first_error)
    except OSError as exc:
        return BackupResult(None, "failed", f"{first_error}; raw copy: {exc}")
