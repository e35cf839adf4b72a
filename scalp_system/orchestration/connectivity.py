"""The connectivity breaker's inputs and its failover, wired into a connected run (SPEC §1.4, §1.6).

The breaker trips on "stream down > ``risk.connectivity_down_s``" (the market-data stream's
ConnectivityChanged events, handled by the Orchestrator) or on "``risk.connectivity_unavailable_count``
consecutive UNAVAILABLE": every unary answer the BrokerClient gets is reported here (UNAVAILABLE
counts, success resets the count), as is every stream drop with UNAVAILABLE. When it trips, the
RiskEngine is REDUCING and a :class:`FailoverCoordinator` runs ``network.failover_hook``, waits for
the streams to be back on an endpoint of ``network.endpoints`` (the supervised streams reconnect and
resubscribe by themselves, with backoff), reconciles orders and positions with the broker, and only
then lifts the hold. Switching to a *different* endpoint needs a new client channel, which a running
session does not rebuild: such endpoints are reported as unreachable and the failed one (tried last)
is used once it answers again.
"""

from __future__ import annotations

import asyncio
import logging
import time

from scalp_system.broker.client import BrokerClient
from scalp_system.config import Config
from scalp_system.orchestration.live_source import LiveEventSource
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.side_channels import SideChannels
from scalp_system.risk.failover import FailoverCoordinator

log = logging.getLogger(__name__)

STREAM_BACK_TIMEOUT_S = 10.0
POLL_S = 0.05


def wire_connectivity(
    config: Config,
    orchestrator: Orchestrator,
    client: BrokerClient,
    source: LiveEventSource,
    side: SideChannels,
) -> FailoverCoordinator:
    """Feed the client's call outcomes to the connectivity breaker and start a failover on each trip.

    Returns the coordinator (the caller stops it when the run ends)."""
    endpoint = str(client.endpoint)
    risk = orchestrator.risk
    client.on_unavailable = lambda reason: risk.on_unavailable(endpoint, reason)
    client.on_call_succeeded = risk.on_call_succeeded

    async def reconnect(target: str) -> bool:
        if target not in (endpoint, client.endpoint.target):
            log.warning("failover: %s is not this session's channel (%s); skipped", target, endpoint)
            return False
        deadline = time.monotonic() + STREAM_BACK_TIMEOUT_S
        for _ in range(int(STREAM_BACK_TIMEOUT_S / POLL_S) + 1):  # the stream task owns the reconnect
            if source.market.is_up or time.monotonic() >= deadline:
                break
            await asyncio.sleep(POLL_S)
        return source.market.is_up

    async def reconcile() -> bool:
        await orchestrator.reconcile()
        return True

    coordinator = FailoverCoordinator(
        config.network,
        reconnect=reconnect,
        reconcile=reconcile,
        on_reconciled=risk.on_reconciled,
        alert=lambda text: side.notify("failover", text),
        audit=side.audit_sink(),
        failure_context=risk.connectivity_failure,
    )
    orchestrator.risk_listeners.append(coordinator.on_risk_event)
    return coordinator
