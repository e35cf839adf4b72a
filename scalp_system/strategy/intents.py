"""What the strategy asks the risk engine for: open a position or close one, and why."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from scalp_system.core.orders import PositionSide


class ExitReason(StrEnum):
    """Why a position is being closed."""

    STOP = "stop"
    TARGET = "target"
    TRAILING = "trailing"
    REVERSAL = "reversal"
    TIME_LIMIT = "time_limit"
    SESSION_END = "session_end"
    HALT = "halt"
    HEDGE = "hedge"


@dataclass(frozen=True, slots=True)
class EnterPosition:
    """Open a position on ``side``; the risk engine sizes it and may deny it."""

    instrument_id: str
    side: PositionSide
    ts_ns: int
    probability: float
    expected_edge_ticks: float
    cost_ticks: float


@dataclass(frozen=True, slots=True)
class ExitPosition:
    """Close the whole position of an instrument."""

    instrument_id: str
    reason: ExitReason
    ts_ns: int
