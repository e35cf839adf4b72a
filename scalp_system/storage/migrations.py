"""Ordered schema migrations keyed by ``PRAGMA user_version``.

A database starts at version 0 (empty). Each migration moves it up exactly one version inside its
own ``BEGIN IMMEDIATE`` transaction (DDL and the new ``user_version`` commit together, so a crash
leaves the database at the old or the new version, never between). Two processes opening the same
file at once serialise on the write lock and the second sees the work already done. A database
written by newer software (version above ``LATEST_VERSION``) is refused, never downgraded.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scalp_system.storage.schema import DDL_V1_MARKET_DATA, DDL_V2_TRADING, DDL_V3_METRICS_AND_RUN_STATE


class SchemaTooNewError(RuntimeError):
    """The database was written by a newer schema than this code knows."""


@dataclass(frozen=True, slots=True)
class Migration:
    """One step from ``version - 1`` to ``version``."""

    version: int
    description: str
    statements: tuple[str, ...]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "market data: instruments, books (depth-N blobs), trades", DDL_V1_MARKET_DATA),
    Migration(2, "trading: orders, order events, fills, positions, risk events", DDL_V2_TRADING),
    Migration(3, "metrics and run state", DDL_V3_METRICS_AND_RUN_STATE),
)
LATEST_VERSION = MIGRATIONS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    """The database's ``PRAGMA user_version`` (0 for a new file)."""
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, target: int = LATEST_VERSION) -> tuple[int, int]:
    """Apply every migration above the current version up to ``target``; returns (from, to).

    ``conn`` must be in autocommit mode (``isolation_level=None``). Re-running on an up-to-date
    database does nothing.
    """
    if not 0 <= target <= LATEST_VERSION:
        raise ValueError(f"target schema version {target} outside 0..{LATEST_VERSION}")
    start = schema_version(conn)
    if start > LATEST_VERSION:
        raise SchemaTooNewError(
            f"database schema version {start} is newer than this software ({LATEST_VERSION}); "
            "refusing to open"
        )
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        if migration.version <= start:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if schema_version(conn) >= migration.version:  # another process got here first
                conn.execute("ROLLBACK")
                continue
            for statement in migration.statements:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {migration.version:d}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
    return start, max(start, schema_version(conn))
