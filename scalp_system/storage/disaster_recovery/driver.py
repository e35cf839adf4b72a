"""The recovery driver: ``recover`` builds one ``RecoveryContext`` and runs the five steps in order
(checkpoint, database, models, reconciliation, failover; the first three in a worker thread), then
audits the outcome, sends the closing notification and returns the ``RecoveryReport``. What each step
does lives in its own ``*_step`` module; this file only sequences them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from scalp_system.config import Config
from scalp_system.core.instrument import Instrument
from scalp_system.core.venue import Venue
from scalp_system.monitoring.audit import CONTROLS
from scalp_system.storage.disaster_recovery.checkpoint_step import restore_checkpoint
from scalp_system.storage.disaster_recovery.context import (
    ACTOR,
    CONTROL_BACKUP,
    STEP_CHECKPOINT,
    STEP_DATABASE,
    STEP_FAILOVER,
    STEP_MODELS,
    STEP_RECONCILIATION,
    RecoveryContext,
)
from scalp_system.storage.disaster_recovery.database_step import repair_database
from scalp_system.storage.disaster_recovery.failover_step import run_failover
from scalp_system.storage.disaster_recovery.models_step import RETRAIN_LOOKBACK_S, load_models
from scalp_system.storage.disaster_recovery.reconciliation_step import reconcile_with_broker
from scalp_system.storage.disaster_recovery.report import SEVERITY, RecoveryReport


async def _run_steps(run: RecoveryContext) -> RecoveryReport:
    """Audit the command, run the five steps, then audit and announce the verdict."""
    started = time.perf_counter()
    run.audit.record(
        "operator_command",
        run.actor,
        {
            "command": "recover",
            "retrain": run.retrain,
            "failover": run.failover,
            "broker": run.venue is not None,
        },
        CONTROLS["operator_command"],
    )
    await run.run_step(STEP_CHECKPOINT, run.threaded(lambda step: restore_checkpoint(run, step)))
    await run.run_step(STEP_DATABASE, run.threaded(lambda step: repair_database(run, step)))
    await run.run_step(STEP_MODELS, run.threaded(lambda step: load_models(run, step)))
    await run.run_step(STEP_RECONCILIATION, lambda step: reconcile_with_broker(run, step))
    await run.run_step(STEP_FAILOVER, lambda step: run_failover(run, step))
    report = run.report
    report.duration_s = time.perf_counter() - started
    if run.audit.problem:
        report.steps[0].found.append(run.audit.problem)
    summary = {
        "usable": report.usable,
        "duration_s": round(report.duration_s, 3),
        "steps": {s.name: s.status.value for s in report.steps},
    }
    run.audit.record("recovery", ACTOR, summary, CONTROL_BACKUP)
    run.audit.close()
    verdict = "usable" if report.usable else "NOT usable"
    problems = [f"{s.name} {s.status.value}" for s in report.steps if SEVERITY[s.status] > 0]
    run.notify(
        "recovery",
        f"recovery finished in {report.duration_s:.1f} s, state {verdict}"
        + (f" ({', '.join(problems)})" if problems else ""),
    )
    run.send_notes()
    return report


async def recover(
    config: Config,
    *,
    venue: Venue | None = None,
    venue_error: str = "",
    instruments: Sequence[Instrument] = (),
    retrain: bool = False,
    retrain_lookback_s: float = RETRAIN_LOOKBACK_S,
    failover: bool = False,
    failed_endpoint: str = "",
    actor: str = "operator",
    now_ns: Callable[[], int] = time.time_ns,
    progress: Callable[[str], None] | None = None,
    notify: Callable[[str, str], None] | None = None,
) -> RecoveryReport:
    """Run the whole recovery of ``config``'s state (see the package docstring) and report it.

    ``venue``: the broker to reconcile with (None: reconciliation is SKIPPED, or FAILED with
    ``venue_error`` when the connection was attempted and failed). ``instruments``: definitions to use
    for instruments the checkpoint or the broker names (else the store's, else the broker's).
    ``retrain``: train a family from the store's last ``retrain_lookback_s`` of books when no stored
    version is usable. ``failover``: run ``network.failover_hook`` (SPEC §1.6) with
    ``failed_endpoint`` in its environment. ``progress`` receives one line per step start and end;
    ``notify(key, text)`` receives human notifications. Never raises for damaged state: every
    problem is in the report; ``report.usable`` says whether a run may start.
    """
    run = RecoveryContext(
        config,
        venue=venue,
        venue_error=venue_error,
        instruments=instruments,
        retrain=retrain,
        retrain_lookback_s=retrain_lookback_s,
        failover=failover,
        failed_endpoint=failed_endpoint,
        actor=actor,
        now_ns=now_ns,
        progress=progress,
        notify=notify,
    )
    return await _run_steps(run)
