"""RESOURCE_EXHAUSTED with code 80002 and ``x-ratelimit-reset`` (SPEC §5): the client waits out the
reset before calling that method group again, and never exceeds the exchange's limits afterwards."""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

import pytest

from scalp_system.broker.ratelimit import RateLimiter as ClientRateLimiter
from scalp_system.exchange.server import LocalExchange
from scalp_system.orchestration.orchestrator import Orchestrator
from tests.faults.harness import local_exchange, paper_config, run_against, wait_for

RESET_S = 2


async def test_80002_is_waited_out_and_the_limit_is_never_exceeded_afterwards(
    tmp_path: Path, trained_models: Path, exchange_token: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = paper_config(tmp_path, trained_models)
    arrivals: list[tuple[float, str, bool]] = []  # (wall time, method, allowed) at the exchange's limiter

    async def exhaust(_orchestrator: Orchestrator, ex: LocalExchange) -> None:
        real_take = ex.limiter.take

        def recording_take(method: str) -> tuple[bool, Any]:  # records, then the real limiter decides
            allowed, window = real_take(method)
            arrivals.append((time.time(), method, allowed))
            return allowed, window

        ex.limiter.take = recording_take  # type: ignore[method-assign]
        await asyncio.sleep(2.0)
        ex.faults.exhaust_next_unary(1, reset_s=RESET_S)
        await wait_for(lambda: ex.faults.injected["resource_exhausted"] == 1, 15.0, "the 80002 answer")

    async with local_exchange(tmp_path) as ex:
        await run_against(ex, config, duration_s=16.0, script=exhaust)

    waits = [
        (r.created, m.group(1), float(m.group(2)))
        for r in caplog.records
        if (m := re.search(r"^(\w+) rate limited \(code 80002\); waiting ([\d.]+) s", r.getMessage()))
    ]
    assert len(waits) == 1, waits
    limited_at, method, waited = waits[0]
    assert waited == pytest.approx(RESET_S)
    client = ClientRateLimiter()
    path = next(m for _, m, _ in arrivals if m.endswith("/" + method))
    group = client.group_of(path)
    same_group_after = [t for t, m, _ in arrivals if t > limited_at and client.group_of(m) == group]
    assert same_group_after, f"{method} was never retried"
    assert same_group_after[0] - limited_at >= RESET_S - 0.05  # nothing of that group before the reset
    assert all(allowed for _, _, allowed in arrivals)  # the exchange's own limits were never exceeded
