"""Execution: the order planner (IOC / VWAP) and the ExecutionEngine's order state machine."""

from scalp_system.execution.planner import (
    ExecutionPlan,
    OrderPlanner,
    PlanError,
    PlanSlice,
    Route,
    SliceStatus,
    VolumeProfile,
    aggressiveness_to_ticks,
    ioc_limit_ticks,
)

__all__ = [
    "ExecutionPlan",
    "OrderPlanner",
    "PlanError",
    "PlanSlice",
    "Route",
    "SliceStatus",
    "VolumeProfile",
    "aggressiveness_to_ticks",
    "ioc_limit_ticks",
]
