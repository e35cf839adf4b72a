"""The failover hook and the connectivity failover (SPEC §1.6), with real subprocesses."""

from __future__ import annotations

import asyncio
import os
import stat
import sys
import time
from pathlib import Path

from scalp_system.config import NetworkConfig
from scalp_system.core.events import ConnectivityChanged
from scalp_system.core.state import TradingState
from scalp_system.risk.audit import MemoryAudit
from scalp_system.risk.failover import FailoverCoordinator, endpoint_order, run_failover_hook
from tests.risk_world import World

CONTEXT = {
    "SCALP_FAILED_ENDPOINT": "primary:443",
    "SCALP_FAILURE_REASON": "watchdog",
    "SCALP_NEXT_ENDPOINT": "backup:443",
}


def script(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def process_gone(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


async def test_the_hook_receives_its_context_in_environment_variables(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    hook = script(
        tmp_path,
        "hook.sh",
        f'echo "$SCALP_FAILED_ENDPOINT|$SCALP_FAILURE_REASON|$SCALP_NEXT_ENDPOINT" > {out}\n',
    )
    result = await run_failover_hook(str(hook), timeout_s=5, context=CONTEXT)
    assert result.ok and result.returncode == 0 and not result.timed_out
    assert out.read_text().strip() == "primary:443|watchdog|backup:443"


async def test_secrets_in_the_environment_are_not_passed_to_the_hook(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    hook = script(tmp_path, "hook.sh", f"env > {out}\n")
    base = {"PATH": os.environ.get("PATH", ""), "TINKOFF_TOKEN": "t.secret", "SCALP_API_KEY": "k"}
    await run_failover_hook(str(hook), timeout_s=5, context=CONTEXT, base_env=base)
    text = out.read_text()
    assert "t.secret" not in text and "SCALP_API_KEY" not in text and "SCALP_NEXT_ENDPOINT=backup:443" in text


async def test_a_hook_that_hangs_is_killed_at_the_timeout() -> None:
    started = time.monotonic()
    result = await run_failover_hook("sleep 5", timeout_s=0.3, context=CONTEXT)
    assert result.timed_out and not result.ok
    assert time.monotonic() - started < 3
    assert "timed out" in result.error


async def test_the_timeout_kills_the_hooks_children_too(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    hook = script(tmp_path, "hook.sh", f"sleep 30 &\necho $! > {pid_file}\nwait\n")
    result = await run_failover_hook(str(hook), timeout_s=0.5, context=CONTEXT)
    assert result.timed_out
    child = int(pid_file.read_text())
    for _ in range(50):
        if process_gone(child):
            break
        await asyncio.sleep(0.02)
    assert process_gone(child)


async def test_a_failing_hook_reports_its_exit_status() -> None:
    result = await run_failover_hook("false", timeout_s=5, context=CONTEXT)
    assert not result.ok and result.returncode == 1 and not result.timed_out


async def test_a_missing_hook_program_is_a_failure_not_an_exception() -> None:
    result = await run_failover_hook("/nonexistent/switch-lte", timeout_s=5, context=CONTEXT)
    assert not result.ok and result.returncode is None and "could not start" in result.error


def test_endpoints_are_tried_in_order_with_the_failed_one_last() -> None:
    assert endpoint_order(["a", "b", "c"], "b") == ["c", "a", "b"]
    assert endpoint_order(["a", "b", "c"], "x") == ["a", "b", "c"]


def tripped_world() -> World:
    world = World()
    world.engine.on_connectivity(ConnectivityChanged(world.clock.now_ns(), False, "a:443", "watchdog"))
    world.advance(11)
    world.engine.poll()
    assert world.state() is TradingState.REDUCING
    return world


async def test_a_failing_hook_never_blocks_reconnection_and_reconciliation(tmp_path: Path) -> None:
    world = tripped_world()
    tried: list[str] = []
    alerts: list[str] = []

    async def reconnect(endpoint: str) -> bool:
        tried.append(endpoint)
        return endpoint == "c:443"

    async def reconcile() -> bool:
        return True

    audit = MemoryAudit()
    network = NetworkConfig(endpoints=("a:443", "b:443", "c:443"), failover_hook="false")
    coordinator = FailoverCoordinator(
        network,
        reconnect=reconnect,
        reconcile=reconcile,
        on_reconciled=world.engine.on_reconciled,
        alert=alerts.append,
        audit=audit,
    )
    outcome = await coordinator.handle_outage("a:443", "watchdog")
    assert outcome.reconciled and outcome.endpoint == "c:443"
    assert outcome.hook is not None and not outcome.hook.ok
    assert tried == ["b:443", "c:443"]
    assert world.state() is TradingState.ACTIVE
    assert any("failover hook failed" in a for a in alerts)
    assert [d["ok"] for d in audit.of_type("failover_hook_run")] == [False]


async def test_a_hung_hook_is_cut_off_and_reconnection_proceeds() -> None:
    world = tripped_world()

    async def reconnect(endpoint: str) -> bool:
        return True

    async def reconcile() -> bool:
        return True

    network = NetworkConfig(
        endpoints=("a:443",),
        failover_hook=f"{sys.executable} -c 'import time; time.sleep(5)'",
        failover_hook_timeout_s=0.3,
    )
    coordinator = FailoverCoordinator(
        network, reconnect=reconnect, reconcile=reconcile, on_reconciled=world.engine.on_reconciled
    )
    started = time.monotonic()
    outcome = await coordinator.handle_outage("a:443", "3 consecutive UNAVAILABLE")
    assert outcome.hook is not None and outcome.hook.timed_out
    assert outcome.reconciled and time.monotonic() - started < 3
    assert world.state() is TradingState.ACTIVE


async def test_trading_stays_reducing_while_reconciliation_fails() -> None:
    world = tripped_world()
    alerts: list[str] = []

    async def reconnect(endpoint: str) -> bool:
        return True

    async def reconcile() -> bool:
        raise RuntimeError("GetPositions failed")

    coordinator = FailoverCoordinator(
        NetworkConfig(endpoints=("a:443", "b:443")),
        reconnect=reconnect,
        reconcile=reconcile,
        on_reconciled=world.engine.on_reconciled,
        alert=alerts.append,
        rounds=2,
        backoff_s=0.01,
    )
    outcome = await coordinator.handle_outage("a:443", "watchdog")
    assert not outcome.reconciled and outcome.attempts == 4
    assert world.state() is TradingState.REDUCING
    assert "gave up" in alerts[-1]


async def test_a_connectivity_trip_starts_the_failover_from_the_event(tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    hook = script(tmp_path, "hook.sh", f'echo "$SCALP_FAILED_ENDPOINT $SCALP_FAILURE_REASON" > {out}\n')
    world = World()

    async def reconnect(endpoint: str) -> bool:
        return True

    async def reconcile() -> bool:
        return True

    coordinator = FailoverCoordinator(
        NetworkConfig(endpoints=("a:443", "b:443"), failover_hook=str(hook)),
        reconnect=reconnect,
        reconcile=reconcile,
        on_reconciled=world.engine.on_reconciled,
        failure_context=world.engine.connectivity_failure,
    )
    world.engine.subscribe(coordinator.on_risk_event)
    for _ in range(3):
        world.engine.on_unavailable("a:443", "UNAVAILABLE: connection reset")
    assert world.state() is TradingState.REDUCING and coordinator.running
    for _ in range(200):
        if not coordinator.running:
            break
        await asyncio.sleep(0.01)
    assert world.state() is TradingState.ACTIVE
    assert out.read_text().strip() == "a:443 UNAVAILABLE: connection reset"
