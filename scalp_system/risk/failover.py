"""The connectivity failover (SPEC §1.6): run the operator's hook, reconnect, reconcile, then resume.

When the connectivity breaker trips (the RiskEngine is then REDUCING), :class:`FailoverCoordinator`
runs ``network.failover_hook`` — typically a script that switches the route to a backup LTE modem —
as a subprocess with ``network.failover_hook_timeout_s``, passing the context in environment
variables (``SCALP_FAILED_ENDPOINT``, ``SCALP_FAILURE_REASON``, ``SCALP_NEXT_ENDPOINT``,
``SCALP_ENDPOINTS``, ``SCALP_EVENT_TS_NS``); a hook that hangs is killed (its whole process group)
at the timeout. A failing or timed-out hook is logged, audited and alerted and never stops what
follows: reconnecting through ``network.endpoints`` in order (the failed endpoint last) via the
``reconnect`` callback, then ``reconcile``; only when reconciliation succeeds does the engine leave
REDUCING. Secrets in the environment (names with TOKEN, SECRET, PASSWORD, KEY) are not passed on.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from scalp_system.config import NetworkConfig
from scalp_system.core.events import BreakerTripped
from scalp_system.core.state import BreakerKind
from scalp_system.risk.audit import CONTROL_INCIDENT, RISK_ACTOR, AuditSink, NullAudit

log = logging.getLogger(__name__)

_SECRET_MARKERS = ("TOKEN", "SECRET", "PASSWORD", "PASSWD", "KEY", "CREDENTIAL")
_OUTPUT_LIMIT = 4_000


@dataclass(frozen=True, slots=True)
class HookResult:
    """What happened to one run of the failover hook."""

    ok: bool
    returncode: int | None
    timed_out: bool
    duration_s: float
    error: str = ""
    output: str = ""


@dataclass(frozen=True, slots=True)
class FailoverOutcome:
    """The end of one failover: the hook's result, the endpoint reached (if any), reconciled or not."""

    hook: HookResult | None
    endpoint: str | None
    reconciled: bool
    attempts: int


def hook_environment(base: Mapping[str, str], context: Mapping[str, str]) -> dict[str, str]:
    """The hook's environment: ``base`` without secret-looking names, plus ``context``."""
    env = {k: v for k, v in base.items() if not any(marker in k.upper() for marker in _SECRET_MARKERS)}
    env.update(context)
    return env


async def run_failover_hook(
    command: str,
    *,
    timeout_s: float,
    context: Mapping[str, str],
    base_env: Mapping[str, str] | None = None,
) -> HookResult:
    """Run ``command`` (split like a shell would, no shell) with ``context`` in its environment.

    Returns a HookResult; never raises for the hook's own failures (missing program, non-zero exit,
    timeout — after which the process group is killed).
    """
    started = time.monotonic()
    try:
        argv = shlex.split(command)
        if not argv:
            raise ValueError("empty failover hook command")
        process = await asyncio.create_subprocess_exec(
            *argv,
            env=hook_environment(os.environ if base_env is None else base_env, context),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except (OSError, ValueError) as exc:
        return HookResult(False, None, False, time.monotonic() - started, f"could not start hook: {exc}")
    try:
        output, _ = await asyncio.wait_for(process.communicate(), timeout=timeout_s)
    except TimeoutError:
        _kill_group(process.pid)
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return HookResult(
            False,
            process.returncode,
            True,
            time.monotonic() - started,
            f"hook timed out after {timeout_s:g} s and was killed",
        )
    text = output.decode("utf-8", "replace")[-_OUTPUT_LIMIT:] if output else ""
    code = process.returncode
    error = "" if code == 0 else f"hook exited with status {code}"
    return HookResult(code == 0, code, False, time.monotonic() - started, error, text)


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def endpoint_order(endpoints: Sequence[str], failed: str) -> list[str]:
    """``endpoints`` in configured order, starting after ``failed`` and trying it last."""
    items = list(endpoints)
    if failed in items:
        at = items.index(failed)
        items = items[at + 1 :] + items[: at + 1]
    return items


class FailoverCoordinator:
    """Runs the hook, reconnects through the endpoints, reconciles, and lifts the REDUCING hold.

    ``reconnect(endpoint)`` returns True once connected and resubscribed; ``reconcile()`` returns True
    when orders and positions agree with the broker; ``on_reconciled`` is called then (pass
    ``RiskEngine.on_reconciled``). ``alert`` receives a human-readable message for notifications.
    ``failure_context`` tells :meth:`on_risk_event` the failed endpoint and reason (pass
    ``RiskEngine.connectivity_failure``).
    """

    def __init__(
        self,
        network: NetworkConfig,
        *,
        reconnect: Callable[[str], Awaitable[bool]],
        reconcile: Callable[[], Awaitable[bool]],
        on_reconciled: Callable[[], None],
        alert: Callable[[str], None] | None = None,
        audit: AuditSink | None = None,
        rounds: int = 3,
        backoff_s: float = 1.0,
        now_ns: Callable[[], int] = time.time_ns,
        failure_context: Callable[[], tuple[str, str]] | None = None,
    ) -> None:
        self._network = network
        self._reconnect = reconnect
        self._reconcile = reconcile
        self._on_reconciled = on_reconciled
        self._alert = alert or (lambda message: None)
        self._audit: AuditSink = audit if audit is not None else NullAudit()
        self._rounds = max(1, rounds)
        self._backoff_s = backoff_s
        self._now_ns = now_ns
        self._failure_context = failure_context
        self._task: asyncio.Task[FailoverOutcome] | None = None

    @property
    def running(self) -> bool:
        """True while a failover is in progress."""
        return self._task is not None and not self._task.done()

    @property
    def last_outcome(self) -> FailoverOutcome | None:
        """The outcome of the latest finished failover (None before the first one ends)."""
        task = self._task
        if task is None or not task.done() or task.cancelled() or task.exception() is not None:
            return None
        return task.result()

    async def stop(self) -> None:
        """Cancel a failover still in progress (the run is ending) and wait for it to unwind."""
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def on_risk_event(self, event: object) -> None:
        """Subscribe this to the RiskEngine: a connectivity trip starts a failover (one at a time)."""
        if not isinstance(event, BreakerTripped) or event.breaker is not BreakerKind.CONNECTIVITY:
            return
        if not self.running:
            if self._failure_context is not None:
                endpoint, reason = self._failure_context()
            else:
                endpoint, reason = "", event.detail
            self._task = asyncio.get_running_loop().create_task(self.handle_outage(endpoint, reason))

    async def handle_outage(self, failed_endpoint: str, reason: str) -> FailoverOutcome:
        """The whole failover for one outage (see the class doc)."""
        endpoints = endpoint_order(self._network.endpoints, failed_endpoint) or [failed_endpoint]
        hook = await self._run_hook(failed_endpoint, reason, endpoints)
        attempts = 0
        for round_index in range(self._rounds):
            for endpoint in endpoints:
                attempts += 1
                if not await self._safely(self._reconnect(endpoint), f"reconnect to {endpoint}"):
                    continue
                if await self._safely(self._reconcile(), "reconciliation"):
                    self._on_reconciled()
                    self._audit.record(
                        "failover_completed",
                        RISK_ACTOR,
                        {"failed_endpoint": failed_endpoint, "endpoint": endpoint, "attempts": attempts},
                        CONTROL_INCIDENT,
                    )
                    return FailoverOutcome(hook, endpoint, True, attempts)
                self._alert(f"reconciliation after reconnecting to {endpoint} failed; still REDUCING")
            if round_index + 1 < self._rounds:
                await asyncio.sleep(self._backoff_s * (2**round_index))
        message = f"failover gave up after {attempts} attempts; trading stays REDUCING"
        log.error(message)
        self._alert(message)
        self._audit.record(
            "failover_failed",
            RISK_ACTOR,
            {"failed_endpoint": failed_endpoint, "attempts": attempts},
            CONTROL_INCIDENT,
        )
        return FailoverOutcome(hook, None, False, attempts)

    async def _run_hook(self, failed: str, reason: str, endpoints: Sequence[str]) -> HookResult | None:
        command = self._network.failover_hook
        if not command:
            return None
        context = {
            "SCALP_FAILED_ENDPOINT": failed,
            "SCALP_FAILURE_REASON": reason,
            "SCALP_NEXT_ENDPOINT": endpoints[0] if endpoints else "",
            "SCALP_ENDPOINTS": ",".join(endpoints),
            "SCALP_EVENT_TS_NS": str(self._now_ns()),
        }
        result = await run_failover_hook(
            command, timeout_s=self._network.failover_hook_timeout_s, context=context
        )
        details: dict[str, object] = {
            "failed_endpoint": failed,
            "reason": reason,
            "ok": result.ok,
            "returncode": result.returncode,
            "timed_out": result.timed_out,
            "duration_s": round(result.duration_s, 3),
            "error": result.error,
        }
        self._audit.record("failover_hook_run", RISK_ACTOR, details, CONTROL_INCIDENT)
        if not result.ok:
            log.error("failover hook failed: %s", result.error)
            self._alert(f"failover hook failed: {result.error}; reconnecting anyway")
        return result

    async def _safely(self, call: Awaitable[bool], what: str) -> bool:
        try:
            return bool(await call)
        except Exception as exc:  # a failing callback must not end the failover
            log.warning("%s failed: %s", what, exc)
            return False
