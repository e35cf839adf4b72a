"""Recovery step 2, the database: SQLite ``quick_check``; a corrupt file is moved aside (with its
``-wal``/``-shm``) and the newest backup in ``storage.backup_dir`` that verifies is restored; a missing
file is recreated (migrations). Then the JSONL spill is replayed (idempotent by natural keys), so every
row accepted before the failure is present exactly once. It runs before the models so a retrain reads
repaired data.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from scalp_system.config import Config
from scalp_system.core.durable import fsync_dir
from scalp_system.storage.disaster_recovery.checkpoint_step import checkpoint_files, move_aside
from scalp_system.storage.disaster_recovery.context import ACTOR, CONTROL_BACKUP, RecoveryContext
from scalp_system.storage.disaster_recovery.report import StepReport, StepStatus
from scalp_system.storage.spill import classify_failure, merge_spill, spill_files, writer_is_live
from scalp_system.storage.store import StorageError, Store


def _quick_check(path: Path) -> str:
    """Empty when ``path`` is a healthy SQLite file, else why not (read-only: nothing changes)."""
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error as exc:
        return f"cannot open: {exc}"
    try:
        row = conn.execute("PRAGMA quick_check").fetchone()
        return "" if row is not None and str(row[0]) == "ok" else f"quick_check: {row[0] if row else '?'}"
    except sqlite3.Error as exc:
        return f"quick_check: {exc}"
    finally:
        conn.close()


def _database_problem(path: Path, config: Config) -> tuple[str, bool]:
    """Open the store as a run would (migrations included) and check it: ("", False) when healthy,
    else (why, corrupt) where ``corrupt`` says whether restoring a backup is the cure."""
    try:
        with Store(path, config.storage) as store:
            if store.integrity_ok():
                return "", False
            return "integrity check (PRAGMA quick_check) failed", True
    except (sqlite3.Error, OSError, StorageError) as exc:
        kind = classify_failure(exc)
        return f"{kind.value}: {exc}", kind.value == "STORAGE_CORRUPT"


def _backups_newest_first(backup_dir: Path) -> list[Path]:
    if not backup_dir.is_dir():
        return []
    found = [p for p in backup_dir.glob("*.db") if p.is_file()]
    return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name), reverse=True)


def _restore_backup(backup: Path, target: Path) -> None:
    """Copy ``backup`` to ``target`` through the SQLite backup API, atomically (temp + rename)."""
    temp = target.with_name(f".{target.name}.restore-tmp")
    temp.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{quote(str(backup.resolve()))}?mode=ro", uri=True, timeout=1.0)
    try:
        dest = sqlite3.connect(str(temp))
        try:
            source.backup(dest)
        finally:
            dest.close()
    finally:
        source.close()
    with open(temp, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(temp, target)
    fsync_dir(target.parent)


def repair_database(run: RecoveryContext, step: StepReport) -> None:
    """Step 2: check the SQLite store; restore the newest good backup in place of a corrupt or missing
    file, replay the spill, and record in ``run.database_ok`` whether the store can be read."""
    storage = run.config.storage
    db = storage.db_path
    step.details = {"path": str(db)}
    if not db.exists():
        step.found.append(f"no database at {db}")
        step.details["created"] = True
        _restore_database(run, step, why="missing")
    else:
        problem, corrupt = _database_problem(db, run.config)
        if not problem:
            step.found.append(f"{db.name}: integrity check passed")
        elif not corrupt:
            step.escalate(StepStatus.FAILED)
            step.found.append(f"{db.name} cannot be used: {problem} (not corruption: left untouched)")
            run.audit.record("storage_recovery", ACTOR, {"problem": problem}, CONTROL_BACKUP)
            return
        else:
            step.found.append(f"{db.name} is corrupt: {problem}")
            stamp = run.now_ns()
            moved = [move_aside(Path(f"{db}{suffix}"), stamp) for suffix in ("", "-wal", "-shm")]
            kept = [p for p in moved if p is not None]
            step.did.append("moved the damaged file aside (kept): " + ", ".join(p.name for p in kept))
            step.details["moved_aside"] = [str(p) for p in kept]
            _restore_database(run, step, why="corrupt")
    run.database_ok = True
    _replay_spill(run, step)
    with Store(db, storage) as store:
        if not store.integrity_ok():
            step.escalate(StepStatus.FAILED)
            step.found.append(f"{db.name} still fails its integrity check after recovery")
            run.database_ok = False
        step.details["rows"] = {t: store.count(t) for t in ("orders", "fills", "positions", "books")}
    run.audit.record("storage_recovery", ACTOR, step.details, CONTROL_BACKUP)


def _restore_database(run: RecoveryContext, step: StepReport, *, why: str) -> None:
    """Put the newest backup that verifies in place of a corrupt or missing database; with none,
    start an empty one (a fresh state directory has none and loses nothing)."""
    db = run.config.storage.db_path
    for backup in _backups_newest_first(run.config.storage.backup_dir):
        problem = _quick_check(backup)
        if problem:
            step.found.append(f"backup {backup.name} unusable ({problem})")
            continue
        _restore_backup(backup, db)
        with Store(db, run.config.storage) as store:
            version = store.schema_version
        step.escalate(StepStatus.REPAIRED)
        step.did.append(f"restored backup {backup.name} (schema v{version})")
        step.found.append("rows written after that backup and never spilled may be missing")
        step.details["backup"] = str(backup)
        run.notify("storage_restored", f"database was {why}: restored backup {backup.name}")
        return
    with Store(db, run.config.storage) as store:
        step.did.append(f"created a new, empty database (schema v{store.schema_version})")
    had_history = why == "corrupt" or bool(checkpoint_files(run.config.checkpoint.dir))
    if had_history:
        step.escalate(StepStatus.DEGRADED)
        step.found.append(f"no usable backup in {run.config.storage.backup_dir}: stored history is lost")
        run.notify("storage_restored", f"database was {why} and no backup was usable: started empty")


def _replay_spill(run: RecoveryContext, step: StepReport) -> None:
    storage = run.config.storage
    live = writer_is_live(storage.spill_dir)
    pending = spill_files(storage.spill_dir, include_partial=not live)
    if live:
        step.found.append(f"a writer holds {storage.spill_dir}: its open spill file is left to it")
    if not pending:
        step.details["spill"] = {"files": 0}
        return
    step.found.append(f"{len(pending)} spill file(s) waiting in {storage.spill_dir}")
    with Store(storage.db_path, storage) as store:
        merged = merge_spill(store, storage.spill_dir)
    step.did.append(
        f"replayed the spill: {merged.rows_read} row(s) read, {merged.rows_changed} new, "
        f"{len(merged.files_merged)} file(s) merged"
    )
    if merged.torn_lines:
        step.found.append(f"{merged.torn_lines} torn last line(s) of crashed appends skipped")
    if merged.bad_lines or merged.files_rejected:
        step.escalate(StepStatus.DEGRADED)
        step.found.extend(merged.bad_lines[:10])
        step.did.append(f"{len(merged.files_rejected)} file(s) with bad lines set aside in rejected/")
    elif merged.rows_changed:
        step.escalate(StepStatus.REPAIRED)
    step.details["spill"] = {
        "files": len(pending),
        "rows_read": merged.rows_read,
        "rows_changed": merged.rows_changed,
        "torn_lines": merged.torn_lines,
        "bad_lines": len(merged.bad_lines),
        "rejected": [p.name for p in merged.files_rejected],
    }
