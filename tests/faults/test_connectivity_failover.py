"""Stream resets and an UNAVAILABLE burst (SPEC §1.4 connectivity breaker, §1.6 failover hook): the
streams reconnect with backoff, three consecutive UNAVAILABLE trip the breaker (REDUCING), the
failover hook runs with the failed endpoint and reason (and no secret) in its environment, the run
reconciles with the broker and only then returns to ACTIVE."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest

from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from tests.faults.harness import local_exchange, paper_config, run_against, wait_for

HOOK = """\
import json, os, sys
with open(sys.argv[1], "a", encoding="utf-8") as out:
    out.write(json.dumps(dict(os.environ)) + "\\n")
"""


async def test_resets_and_unavailable_trip_connectivity_run_the_hook_reconcile_and_resume(
    tmp_path: Path, trained_models: Path, exchange_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    hook_path = tmp_path / "hook.py"
    hook_path.write_text(HOOK, encoding="utf-8")
    hook_out = tmp_path / "hook_calls.jsonl"
    config = paper_config(
        tmp_path,
        trained_models,
        network={"failover_hook": f"{sys.executable} {hook_path} {hook_out}", "failover_hook_timeout_s": 10},
    )

    async def outage(orchestrator: Orchestrator, ex: LocalExchange) -> None:
        await asyncio.sleep(3.0)
        ex.faults.fail_next_unary(8)  # the reconciliations after each reconnect meet the outage
        for _ in range(3):
            ex.faults.reset_streams()
            await asyncio.sleep(0.6)
        await wait_for(hook_out.exists, 15.0, "the failover hook")

    async with local_exchange(tmp_path) as ex:
        run = await run_against(ex, config, duration_s=16.0, script=outage)

    assert ex.faults.injected["stream_reset"] == 3
    assert ex.faults.injected["unavailable"] == 8  # every failed call was retried until it succeeded
    # The market-data stream came back after the resets (a reset that lands while it is still
    # reconnecting is no new drop); reconnects and retries waited a backoff delay (base 0.2 s with
    # equal jitter: never under 0.1 s), growing with the attempt.
    connectivity = run.audit_events("connectivity")
    drops = [c for c in connectivity if not c["details"]["up"] and "UNAVAILABLE" in c["details"]["reason"]]
    assert len(drops) >= 2
    assert connectivity[-1]["details"]["up"]
    waits = [
        (int(m.group(1)), float(m.group(2)))
        for record in caplog.records
        if (m := re.search(r"(?:reconnect|retry) (\d+) in ([\d.]+) s", record.getMessage()))
    ]
    assert waits and min(delay for _, delay in waits) >= 0.1
    assert max(delay for attempt, delay in waits if attempt >= 3) > max(d for a, d in waits if a == 1)
    # The connectivity breaker tripped: REDUCING, then ACTIVE again only after reconciliation.
    trips = [t for t in run.summary.breaker_trips if t["breaker"] == "CONNECTIVITY"]
    assert trips and "UNAVAILABLE" in trips[0]["detail"]
    states = [(s["from"], s["to"]) for s in run.orchestrator.stats.state_changes]
    assert ("ACTIVE", "REDUCING") in states
    assert states.index(("REDUCING", "ACTIVE")) > states.index(("ACTIVE", "REDUCING"))
    # The hook ran once, told which endpoint failed and why, and saw no secret.
    calls = [json.loads(line) for line in hook_out.read_text(encoding="utf-8").splitlines()]
    assert len(calls) == 1
    env = calls[0]
    assert ex.address in env["SCALP_FAILED_ENDPOINT"]
    assert "UNAVAILABLE" in env["SCALP_FAILURE_REASON"]
    assert "TINKOFF_TOKEN" not in env and exchange_token not in json.dumps(env)
    hook_runs = run.audit_events("failover_hook_run")
    assert [h["details"]["ok"] for h in hook_runs] == [True]
    completed = run.audit_events("failover_completed")
    assert completed and completed[0]["ts_ns"] >= hook_runs[0]["ts_ns"]
    assert run.summary.trading_state == "ACTIVE"
