"""Risk: trading states, stops, sizing, pre-trade checks, circuit breakers, hedging, failover."""

from scalp_system.risk.audit import AuditSink, MemoryAudit, NullAudit
from scalp_system.risk.engine import Command, RiskEngine, RiskEvent, sweep_price_ticks
from scalp_system.risk.failover import FailoverCoordinator, FailoverOutcome, HookResult, run_failover_hook
from scalp_system.risk.hedging import Exposure, HedgeAdjustment, hedge_adjustments, inventory_imbalance
from scalp_system.risk.market_state import EntryDecision
from scalp_system.risk.sizing import position_size, risk_lots
from scalp_system.risk.stops import (
    PositionState,
    initial_levels,
    recalculate_stop,
    stop_distance,
    update_position_state,
    warmup_stop_distance,
)

__all__ = [
    "AuditSink",
    "Command",
    "EntryDecision",
    "Exposure",
    "FailoverCoordinator",
    "FailoverOutcome",
    "HedgeAdjustment",
    "HookResult",
    "MemoryAudit",
    "NullAudit",
    "PositionState",
    "RiskEngine",
    "RiskEvent",
    "hedge_adjustments",
    "initial_levels",
    "inventory_imbalance",
    "position_size",
    "recalculate_stop",
    "risk_lots",
    "run_failover_hook",
    "stop_distance",
    "sweep_price_ticks",
    "update_position_state",
    "warmup_stop_distance",
]
