"""What one recovery run shares between its steps: ``RecoveryContext`` holds the configuration, the
options of ``recover``, the audit log, the report being written and what earlier steps learned (the
restored checkpoint state, whether the checkpoints are lost, whether the database is usable); it runs
each step timed and isolated (``run_step``: a broken step is reported FAILED, never raised) and
queues notifications from step threads to send them from the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from scalp_system.broker.venue import BrokerVenue
from scalp_system.config import Config
from scalp_system.core.instrument import Instrument
from scalp_system.core.redaction import redact
from scalp_system.core.venue import Venue
from scalp_system.monitoring.audit import CONTROLS, AuditLog
from scalp_system.storage.disaster_recovery.broker_connection import AveragePricedVenue
from scalp_system.storage.disaster_recovery.report import RecoveryReport, StepReport, StepStatus

log = logging.getLogger(__name__)

ACTOR = "disaster_recovery"
CONTROL_BACKUP = CONTROLS["recovery"]  # A.8.13
STEP_CHECKPOINT = "checkpoint"
STEP_DATABASE = "database"
STEP_MODELS = "models"
STEP_RECONCILIATION = "reconciliation"
STEP_FAILOVER = "failover"


class SafeAudit:
    """The audit log of the recovery; a log that cannot be written is reported, never fatal."""

    def __init__(self, config: Config) -> None:
        self.problem = ""
        self.log: AuditLog | None = None
        try:
            self.log = AuditLog(
                config.audit.path,
                fsync=config.audit.fsync,
                fsync_interval_s=config.audit.fsync_interval_s,
                rotate_bytes=config.audit.rotate_mb * 1024 * 1024,
            )
        except (OSError, ValueError) as exc:
            self.problem = f"audit log {config.audit.path} cannot be opened: {exc}"

    def record(
        self, event_type: str, actor: str, details: Mapping[str, object], control: str | None = None
    ) -> None:
        """One audit line (errors are remembered, not raised)."""
        if self.log is None:
            return
        try:
            self.log.record(event_type, actor, details, control)
        except (OSError, ValueError) as exc:
            self.problem = f"audit log write failed: {exc}"

    def close(self) -> None:
        """Flush and close."""
        if self.log is not None:
            try:
                self.log.close()
            except OSError as exc:
                self.problem = f"audit log close failed: {exc}"


class RecoveryContext:
    """One recovery run's shared state and step runner (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        *,
        venue: Venue | None,
        venue_error: str,
        instruments: Sequence[Instrument],
        retrain: bool,
        retrain_lookback_s: float,
        failover: bool,
        failed_endpoint: str,
        actor: str,
        now_ns: Callable[[], int],
        progress: Callable[[str], None] | None,
        notify: Callable[[str, str], None] | None,
    ) -> None:
        self.config = config
        self.venue: Venue | None = AveragePricedVenue(venue) if isinstance(venue, BrokerVenue) else venue
        self.venue_error = venue_error
        self.given_instruments = {i.uid: i for i in instruments}
        self.retrain = retrain
        self.retrain_lookback_s = retrain_lookback_s
        self.failover = failover
        self.failed_endpoint = failed_endpoint
        self.actor = actor
        self.now_ns = now_ns
        self.progress = progress or (lambda message: None)
        self._notify = notify
        self._notes: list[tuple[str, str]] = []  # queued by steps in threads, sent from the loop
        self.audit = SafeAudit(config)
        self.report = RecoveryReport(
            started_ns=now_ns(),
            paths={
                "checkpoints": str(config.checkpoint.dir),
                "database": str(config.storage.db_path),
                "spill": str(config.storage.spill_dir),
                "backups": str(config.storage.backup_dir),
                "models": str(config.ml.registry_dir),
                "audit": str(config.audit.path),
            },
        )
        self.state: dict[str, Any] | None = None
        self.damaged_checkpoints = 0
        self.checkpoints_lost = False  # checkpoints exist but none verifies
        self.database_ok = False

    @staticmethod
    def threaded(work: Callable[[StepReport], None]) -> Callable[[StepReport], Awaitable[None]]:
        """``work`` as a step body that runs in a worker thread (file and SQLite work never blocks
        the event loop)."""

        async def run(step: StepReport) -> None:
            await asyncio.to_thread(work, step)

        return run

    async def run_step(self, name: str, body: Callable[[StepReport], Awaitable[None]]) -> StepReport:
        """Run ``body`` as step ``name``: appended to the report, timed, announced to ``progress``;
        an exception marks the step FAILED instead of stopping the recovery."""
        step = StepReport(name)
        self.report.steps.append(step)
        self.progress(f"{name}: checking")
        started = time.perf_counter()
        try:
            await body(step)
        except Exception as exc:  # one broken step must never stop the rest of the recovery
            log.exception("recovery step %s failed", name)
            step.escalate(StepStatus.FAILED)
            step.found.append(redact(f"step failed: {type(exc).__name__}: {exc}"))
        step.duration_s = time.perf_counter() - started
        self.progress(f"{name}: {step.status.value} in {step.duration_s:.3f} s")
        self.send_notes()
        return step

    def notify(self, key: str, text: str) -> None:
        """Queue a human notification (safe from the step threads)."""
        self._notes.append((key, text))

    def send_notes(self) -> None:
        """Send the queued notifications (from the event loop); a failing notifier is only logged."""
        notes, self._notes = self._notes, []
        if self._notify is None:
            return
        for key, text in notes:
            try:
                self._notify(key, redact(text))
            except Exception as exc:  # a failing notifier never stops the recovery
                log.warning("notification %s failed: %s", key, exc)
