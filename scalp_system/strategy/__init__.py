"""Strategy: turns calibrated signals into entry and exit intents (never bypassing risk)."""

from scalp_system.strategy.intents import EnterPosition, ExitPosition, ExitReason
from scalp_system.strategy.scalper import ScalperStrategy

__all__ = ["EnterPosition", "ExitPosition", "ExitReason", "ScalperStrategy"]
