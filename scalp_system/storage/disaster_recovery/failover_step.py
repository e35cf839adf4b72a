"""Recovery step 5, failover (when asked): the ``network.failover_hook`` runs through
``risk.failover`` with its context variables (``SCALP_FAILED_ENDPOINT`` and the rest); with a broker,
the coordinator then probes it and a reconciliation that failed is retried after the hook.
"""

from __future__ import annotations

from scalp_system.monitoring.audit import CONTROLS
from scalp_system.risk.failover import FailoverCoordinator, run_failover_hook
from scalp_system.storage.disaster_recovery.context import ACTOR, STEP_RECONCILIATION, RecoveryContext
from scalp_system.storage.disaster_recovery.reconciliation_step import reconcile_with_broker
from scalp_system.storage.disaster_recovery.report import StepReport, StepStatus

FAILOVER_REASON = "operator-requested recovery (scalp recover --failover)"


async def run_failover(run: RecoveryContext, step: StepReport) -> None:
    """Step 5 (``failover=True``): run ``network.failover_hook`` through the risk failover coordinator,
    then probe the broker and retry a reconciliation that failed. SKIPPED when not asked or no hook."""
    if not run.failover:
        step.status = StepStatus.SKIPPED
        step.found.append("not requested (--failover)")
        return
    network = run.config.network
    if not network.failover_hook:
        step.status = StepStatus.SKIPPED
        step.found.append("network.failover_hook is not configured: nothing to run")
        return
    failed = run.failed_endpoint or (network.endpoints[0] if network.endpoints else "")
    if run.venue is None:
        context = {
            "SCALP_FAILED_ENDPOINT": failed,
            "SCALP_FAILURE_REASON": FAILOVER_REASON,
            "SCALP_NEXT_ENDPOINT": failed,
            "SCALP_ENDPOINTS": ",".join(network.endpoints),
            "SCALP_EVENT_TS_NS": str(run.now_ns()),
        }
        hook = await run_failover_hook(
            network.failover_hook, timeout_s=network.failover_hook_timeout_s, context=context
        )
        run.audit.record(
            "failover_hook",
            ACTOR,
            {
                "ok": hook.ok,
                "returncode": hook.returncode,
                "timed_out": hook.timed_out,
                "duration_s": round(hook.duration_s, 3),
                "error": hook.error,
            },
            CONTROLS["failover_hook"],
        )
        _hook_outcome(run, step, hook.ok, hook.returncode, hook.timed_out, hook.duration_s, hook.error)
        step.found.append("no broker given: reconnection is not verified")
        return
    coordinator = FailoverCoordinator(
        network,
        reconnect=lambda endpoint: _probe_broker(run, endpoint),
        reconcile=lambda: _reconcile_again(run),
        on_reconciled=lambda: None,
        alert=lambda text: run.notify("failover_hook", text),
        audit=run.audit,
        rounds=1,
        backoff_s=0.0,
        now_ns=run.now_ns,
    )
    outcome = await coordinator.handle_outage(failed, FAILOVER_REASON)
    if outcome.hook is not None:
        hook = outcome.hook
        _hook_outcome(run, step, hook.ok, hook.returncode, hook.timed_out, hook.duration_s, hook.error)
    if outcome.reconciled:
        step.did.append("the broker answers after the hook; its state is reconciled")
    else:
        step.escalate(StepStatus.FAILED)
        step.found.append(f"broker still unreachable after the hook ({outcome.attempts} attempt(s))")
    step.details.update({"reconnected": outcome.reconciled, "attempts": outcome.attempts})


def _hook_outcome(
    run: RecoveryContext,
    step: StepReport,
    ok: bool,
    returncode: int | None,
    timed_out: bool,
    duration_s: float,
    error: str,
) -> None:
    step.details = {
        "ok": ok,
        "returncode": returncode,
        "timed_out": timed_out,
        "duration_s": round(duration_s, 3),
        "error": error,
    }
    if ok:
        step.did.append(f"ran the failover hook: exit 0 in {duration_s:.2f} s")
    else:
        step.escalate(StepStatus.DEGRADED)
        step.found.append(f"failover hook failed: {error}")
        run.notify("failover_hook", f"failover hook failed during recovery: {error}")


async def _probe_broker(run: RecoveryContext, endpoint: str) -> bool:
    assert run.venue is not None
    await run.venue.account()
    return True


async def _reconcile_again(run: RecoveryContext) -> bool:
    previous = run.report.step(STEP_RECONCILIATION)
    if previous.status is not StepStatus.FAILED:
        return True
    retry = await run.run_step(
        f"{STEP_RECONCILIATION} (after failover)", lambda retry_step: reconcile_with_broker(run, retry_step)
    )
    run.report.steps.remove(retry)
    if retry.status is StepStatus.FAILED:
        previous.found.extend(f"retry after the failover hook: {line}" for line in retry.found)
        return False
    previous.found = [f"first attempt: {line}" for line in previous.found] + retry.found
    previous.found.insert(len(previous.found) - len(retry.found), "retried after the failover hook")
    previous.did.extend(retry.did)
    previous.details = retry.details
    previous.status = retry.status
    previous.duration_s += retry.duration_s
    return True
