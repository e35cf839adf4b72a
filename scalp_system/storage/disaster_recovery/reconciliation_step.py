"""Recovery step 4, reconciliation (with a venue): the checkpoint is restored into a real Orchestrator
and reconciled: in-flight intents are resolved by key, open orders the checkpoint does not know
(orphans) are cancelled, the broker's positions win; the corrected state is written as a fresh
checkpoint. Instruments come from ``recover``'s list, else the store, else the broker.
"""

from __future__ import annotations

import copy
import logging
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from scalp_system.core.instrument import Instrument
from scalp_system.core.venue import VenueError
from scalp_system.monitoring.audit import CONTROLS
from scalp_system.orchestration.checkpoint import CheckpointStore
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.side_channels import SideChannels
from scalp_system.storage.disaster_recovery.checkpoint_step import positions_of
from scalp_system.storage.disaster_recovery.context import ACTOR, RecoveryContext
from scalp_system.storage.disaster_recovery.report import StepReport, StepStatus
from scalp_system.storage.store import StorageError, Store

log = logging.getLogger(__name__)


class _FunctionClock:
    """A Clock over a ``now_ns`` callable."""

    def __init__(self, now_ns: Callable[[], int]) -> None:
        self._now_ns = now_ns

    def now_ns(self) -> int:
        """Current UTC time, ns."""
        return self._now_ns()


def _instrument_ids(state: Mapping[str, Any] | None) -> set[str]:
    """Every instrument a checkpoint mentions (risk markets, ledger positions, orders)."""
    if not state:
        return set()
    ids = set(state.get("risk", {}).get("markets", {}))
    execution = state.get("execution", {})
    ids |= set(execution.get("ledger", {}).get("positions", {}))
    ids |= {str(o["instrument_id"]) for o in execution.get("orders", [])}
    return ids


async def reconcile_with_broker(run: RecoveryContext, step: StepReport) -> None:
    """Step 4: restore ``run.state`` into a real Orchestrator against ``run.venue`` and reconcile it
    (intents resolved by key, orphans cancelled, the broker's positions adopted); write the corrected
    state as a fresh checkpoint. SKIPPED without a venue, FAILED when the connection failed."""
    if run.venue is None:
        if run.venue_error:
            step.escalate(StepStatus.FAILED)
            step.found.append(f"broker unreachable: {run.venue_error}")
        else:
            step.status = StepStatus.SKIPPED
            step.found.append("no broker given (--endpoint): positions are reconciled when a run starts")
        return
    venue = run.venue
    state = copy.deepcopy(run.state) if run.state else None
    before = await venue.account()
    venue_open = await venue.open_orders()
    ids = _instrument_ids(state) | {p.instrument_id for p in before.positions}
    ids |= {o.instrument_id for o in venue_open}
    instruments = await _resolve_instruments(run, ids)
    unresolved = sorted(ids - set(instruments))
    if unresolved:
        raise RuntimeError(
            f"instrument(s) {', '.join(unresolved)} are unknown to the broker and the store; "
            "cannot rebuild their risk state"
        )

    def ticker(uid: str) -> str:
        return instruments[uid].ticker if uid in instruments else uid

    ours = positions_of(state)
    theirs = {p.instrument_id: p.lots for p in before.positions if p.lots}
    known = {str(o["intent_key"]) for o in (state or {}).get("execution", {}).get("orders", [])}
    orphans = [o for o in venue_open if o.intent_key not in known]
    for uid in sorted(set(ours) | set(theirs)):
        if ours.get(uid, 0) != theirs.get(uid, 0):
            step.found.append(
                f"{ticker(uid)}: checkpoint {ours.get(uid, 0)} lot(s), broker {theirs.get(uid, 0)}"
            )
    for order in orphans:
        step.found.append(
            f"orphan order {order.order_id} ({ticker(order.instrument_id)} {order.side.name} "
            f"{order.lots_requested} lot(s)) open at the broker, unknown to the checkpoint"
        )
    orchestrator = Orchestrator(
        run.config,
        [instruments[uid] for uid in sorted(instruments)],
        venue,
        _FunctionClock(run.now_ns),
        side=SideChannels(audit=run.audit.log),
        model_name=str((state or {}).get("model", "")),
    )
    result = await orchestrator.start(restored=state)
    ledger = orchestrator.execution.ledger
    for uid, (_ours, lots) in result.position_corrections.items():
        step.did.append(
            f"{ticker(uid)}: adopted the broker's {lots} lot(s) @ {ledger.position(uid).avg_price}"
        )
    cash = sum((await venue.account()).cash.values(), Decimal(0))
    for order_id in result.cancelled_orphans:
        step.did.append(f"cancelled orphan order {order_id}")
    for key in result.resolved_intents:
        resolved = orchestrator.execution.order(key)
        status = resolved.status.name if resolved is not None else "?"
        step.did.append(f"resolved in-flight intent {key} by its key: {status}")
    for key in result.adopted_orders:
        step.did.append(f"order {key} is no longer working at the broker: final state adopted")
    still_open = {o.order_id for o in await venue.open_orders()} & set(result.cancelled_orphans)
    if still_open:
        step.escalate(StepStatus.FAILED)
        step.found.append(f"orphan order(s) {', '.join(sorted(still_open))} still open after cancel")
    fixed = not result.clean or bool(result.resolved_intents)
    if fixed:
        step.escalate(StepStatus.REPAIRED)
    step.details = {
        "positions_checkpoint": ours,
        "positions_broker": theirs,
        "corrections": {k: list(v) for k, v in result.position_corrections.items()},
        "orphans_cancelled": list(result.cancelled_orphans),
        "resolved_intents": list(result.resolved_intents),
        "adopted_orders": list(result.adopted_orders),
        "cash": str(cash),
    }
    if run.checkpoints_lost:
        step.found.append("no checkpoint written: every stored checkpoint is damaged (see above)")
    elif fixed:
        store = CheckpointStore(run.config.checkpoint.dir, keep=run.config.checkpoint.keep)
        path = store.save(orchestrator.snapshot())
        step.did.append(f"wrote the reconciled state as {path.name}")
        step.details["checkpoint"] = path.name
        run.state = CheckpointStore.read(path)
    else:
        step.found.append(
            "checkpoint and broker agree" if state else "no checkpoint; the broker shows no position or order"
        )
    run.audit.record("position_reconciled", ACTOR, step.details, CONTROLS["position_reconciled"])
    if not result.clean:
        run.notify(
            "recovery_reconciled",
            f"reconciled with the broker: {len(result.position_corrections)} position(s) corrected, "
            f"{len(result.cancelled_orphans)} orphan order(s) cancelled",
        )


async def _resolve_instruments(run: RecoveryContext, ids: Iterable[str]) -> dict[str, Instrument]:
    wanted = set(ids)
    found = {uid: i for uid, i in run.given_instruments.items() if uid in wanted}
    if wanted - set(found) and run.database_ok:
        try:
            with Store(run.config.storage.db_path, read_only=True) as store:
                found.update(
                    {i.uid: i for i in store.instruments() if i.uid in wanted and i.uid not in found}
                )
        except (sqlite3.Error, StorageError, OSError) as exc:
            log.info("store instruments unavailable (%s)", exc)
    lookup = getattr(run.venue, "instrument", None)
    if lookup is not None:
        for uid in sorted(wanted - set(found)):
            try:
                found[uid] = await lookup(uid)
            except VenueError as exc:
                log.warning("instrument %s unknown to the broker (%s)", uid, exc)
    return found
