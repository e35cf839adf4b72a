"""What a run keeps besides its components: counters, per-instrument slots, and the checkpoint.

The checkpoint (SPEC §1.8) gathers the risk and execution state, each instrument's feature state
and position-open time, the model's name and the order counters into one JSON-able document;
``restore_run`` loads it back before the start-up reconciliation, keeping what still applies when
the instruments changed since.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scalp_system.core.instrument import Instrument
from scalp_system.execution.engine import ExecutionEngine
from scalp_system.features.incremental import FeatureEngine
from scalp_system.risk.engine import RiskEngine
from scalp_system.risk.snapshot import SnapshotError
from scalp_system.strategy.scalper import Signal

log = logging.getLogger(__name__)

CHECKPOINT_VERSION = 1


@dataclass(slots=True)
class RunStats:
    """Counters of one run (the summary's raw material)."""

    books: int = 0
    trades: int = 0
    signals: int = 0
    entries: int = 0
    exits: int = 0
    orders_posted: int = 0
    fills: int = 0
    rejects: Counter[str] = field(default_factory=Counter)
    breaker_trips: list[dict[str, Any]] = field(default_factory=list)
    state_changes: list[dict[str, Any]] = field(default_factory=list)
    first_event_ns: int = 0
    last_event_ns: int = 0


@dataclass(slots=True)
class InstrumentSlot:
    """Per-instrument live objects of a run: its feature engine, last signal, when the current
    position was opened and the exchange's trading status."""

    instrument: Instrument
    features: FeatureEngine
    last_signal: Signal | None = None
    opened_ns: int | None = None
    trading_status: int | None = None


def run_snapshot(
    now_ns: int,
    risk: RiskEngine,
    execution: ExecutionEngine,
    slots: Mapping[str, InstrumentSlot],
    model_name: str,
    stats: RunStats,
) -> dict[str, Any]:
    """Everything SPEC §1.8 asks to survive a restart, JSON-able."""
    return {
        "version": CHECKPOINT_VERSION,
        "ts_ns": now_ns,
        "risk": risk.snapshot(),
        "execution": execution.snapshot(),
        "features": {uid: slot.features.snapshot() for uid, slot in slots.items()},
        "opened_ns": {uid: slot.opened_ns for uid, slot in slots.items() if slot.opened_ns},
        "model": model_name,
        "stats": {"orders_posted": stats.orders_posted, "fills": stats.fills},
    }


def restore_run(
    state: Mapping[str, Any],
    risk: RiskEngine,
    execution: ExecutionEngine,
    slots: Mapping[str, InstrumentSlot],
    stats: RunStats,
) -> None:
    """Load a ``run_snapshot`` document. With other instruments than when it was written, the risk
    breakers (halts, cooldowns) are kept and the rest of the risk state is dropped; a feature state
    that no longer fits starts fresh. Both are logged."""
    if "risk" in state:
        try:
            risk.restore(state["risk"])
        except SnapshotError as exc:
            log.warning("risk snapshot only partly restored: %s", exc)
            risk.board.restore(state["risk"]["board"])
    if "execution" in state:
        execution.restore(state["execution"])
    for uid, snap in state.get("features", {}).items():
        if uid in slots:
            try:
                slots[uid].features.restore(snap)
            except (ValueError, KeyError) as exc:
                log.warning("feature state of %s not restored (%s); starting fresh", uid, exc)
    for uid, opened in state.get("opened_ns", {}).items():
        if uid in slots:
            slots[uid].opened_ns = int(opened)
    counters = state.get("stats", {})
    stats.orders_posted = int(counters.get("orders_posted", 0))
    stats.fills = int(counters.get("fills", 0))
