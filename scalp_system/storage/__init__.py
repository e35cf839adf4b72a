"""Storage: SQLite (WAL) store, background writer with JSONL spillover, historical frames."""

from scalp_system.storage.cadence import CadencePolicy
from scalp_system.storage.historical import (
    InstrumentSummary,
    StorageDataError,
    StoreInfo,
    info,
    read_books,
    read_books_many,
    read_trades,
    read_trades_many,
    write_book_frame,
    write_trade_frame,
)
from scalp_system.storage.migrations import LATEST_VERSION, MIGRATIONS, SchemaTooNewError, migrate
from scalp_system.storage.schema import TABLES, Row, RowError
from scalp_system.storage.spill import (
    BackupResult,
    MergeReport,
    SpillWriter,
    StorageFailure,
    attempt_backup,
    classify_failure,
    merge_spill,
)
from scalp_system.storage.store import StorageError, Store
from scalp_system.storage.writer import (
    AlertKind,
    BackgroundWriter,
    Durability,
    StorageUnavailableError,
    WriterClosedError,
    WriterMode,
    WriterStats,
)

__all__ = [
    "LATEST_VERSION",
    "MIGRATIONS",
    "TABLES",
    "AlertKind",
    "BackgroundWriter",
    "BackupResult",
    "CadencePolicy",
    "Durability",
    "InstrumentSummary",
    "MergeReport",
    "Row",
    "RowError",
    "SchemaTooNewError",
    "SpillWriter",
    "StorageDataError",
    "StorageError",
    "StorageFailure",
    "StorageUnavailableError",
    "Store",
    "StoreInfo",
    "WriterClosedError",
    "WriterMode",
    "WriterStats",
    "attempt_backup",
    "classify_failure",
    "info",
    "merge_spill",
    "migrate",
    "read_books",
    "read_books_many",
    "read_trades",
    "read_trades_many",
    "write_book_frame",
    "write_trade_frame",
]
