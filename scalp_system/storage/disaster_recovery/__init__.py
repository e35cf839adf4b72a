"""Disaster recovery (SPEC §4, §1.6, §1.8): bring a state directory back to a state a run can trust.

``recover`` runs five timed steps, each audited, none able to stop the others:

1. **checkpoint** — the newest checkpoint that verifies is the state to resume; damaged newer ones
   are reported and moved aside (never deleted). Checkpoints that exist but all fail verification
   make the state unusable: halts, cooldowns and the day's PnL would be lost silently.
2. **database** — SQLite ``quick_check``; a corrupt file is moved aside (with its ``-wal``/``-shm``)
   and the newest backup in ``storage.backup_dir`` that verifies is restored; a missing file is
   recreated (migrations). Then the JSONL spill is replayed (idempotent by natural keys), so every row
   accepted before the failure is present exactly once. The database runs before the models so a
   retrain reads repaired data.
3. **models** — every family loads through the registry, which verifies hashes and the live feature
   schema, rehydrates the newest good older version, retrains from the store (``retrain=True``) or
   leaves the model disabled; each outcome is reported per model.
4. **reconciliation** (with a venue) — the checkpoint is restored into a real Orchestrator and
   reconciled: in-flight intents are resolved by key, open orders the checkpoint does not know
   (orphans) are cancelled, the broker's positions win; the corrected state is written as a fresh
   checkpoint.
5. **failover** (when asked) — the ``network.failover_hook`` runs through ``risk.failover`` with its
   context variables; a reconciliation that failed is retried after it.

``RecoveryReport`` says what each step found and did, how long it took, and whether the state is
usable (no step FAILED); it renders as text for people and as JSON for machines.

Layout: ``driver`` (``recover``, the step sequence), ``context`` (state shared by the steps, the step
runner, the audit log), one ``*_step`` module per step, ``report`` (the report types) and
``broker_connection`` (``connect_broker`` for ``scalp recover --endpoint``). Import from this package.
"""

from scalp_system.storage.disaster_recovery.broker_connection import (
    BrokerConnectError,
    BrokerConnection,
    RecoveryUsageError,
    connect_broker,
)
from scalp_system.storage.disaster_recovery.driver import recover
from scalp_system.storage.disaster_recovery.report import RecoveryReport, StepReport, StepStatus

__all__ = [
    "BrokerConnectError",
    "BrokerConnection",
    "RecoveryReport",
    "RecoveryUsageError",
    "StepReport",
    "StepStatus",
    "connect_broker",
    "recover",
]
