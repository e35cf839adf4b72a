"""The scalper: enter when the calibrated signal's edge beats costs, exit on reversal or time.

Entry (long; short mirrored): ``p_up ≥ strategy.entry_probability`` and the expected edge exceeds
spread + round-trip commission + ``min_edge_ticks``, all in ticks. A position is a bracket: stop at
distance ``d`` (the risk engine's SPEC §1.1 distance), target at ``k_tp·d``. With ``p`` the model's
probability of the move going our way among directional outcomes, ``p_up / (p_up + p_down)``, the
bracket's expected value is ``d·(k_tp·p − (1 − p))`` — an approximation that treats ``p`` as the
chance of reaching the target first. Before the risk engine has a distance the edge falls back to
``(p_up − p_down) × move_scale``, the running mean absolute mid move over the label horizon. Exits on
stop, target and trailing are the risk engine's (it owns the levels); the strategy adds signal
reversal, the time-in-trade limit and the end-of-session flatten.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from scalp_system.config import StrategyConfig
from scalp_system.core.clock import NS_PER_S
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import PositionSide
from scalp_system.strategy.intents import EnterPosition, ExitPosition, ExitReason


@dataclass(frozen=True, slots=True)
class Signal:
    """Calibrated class probabilities for one book update."""

    p_down: float
    p_flat: float
    p_up: float


class _MoveScale:
    """Mean absolute mid move over ``horizon`` book updates, learned online (in ticks)."""

    def __init__(self, horizon: int, decay: float = 0.995) -> None:
        self._mids: deque[float] = deque(maxlen=horizon + 1)
        self._decay = decay
        self.value = 0.0
        self.samples = 0

    def update(self, mid_ticks: float) -> None:
        self._mids.append(mid_ticks)
        if len(self._mids) == self._mids.maxlen:
            move = abs(self._mids[-1] - self._mids[0])
            self.samples += 1
            weight = max(1.0 - self._decay, 1.0 / self.samples)
            self.value += weight * (move - self.value)

    def update_many(self, mids_ticks: list[float]) -> None:
        """``update`` for each mid in order (the backtest's quiet stretches), with locals bound."""
        mids, decay_weight, value, samples = self._mids, 1.0 - self._decay, self.value, self.samples
        full = mids.maxlen
        for mid in mids_ticks:
            mids.append(mid)
            if len(mids) == full:
                samples += 1
                weight = max(decay_weight, 1.0 / samples)
                value += weight * (abs(mids[-1] - mids[0]) - value)
        self.value, self.samples = value, samples


class ScalperStrategy:
    """Turns signals and books into EnterPosition / ExitPosition intents for each instrument."""

    def __init__(
        self, config: StrategyConfig, *, horizon: int, commission_rate: float, k_tp: float = 2.0
    ) -> None:
        self._config = config
        self._k_tp = k_tp
        self._horizon = horizon
        self._commission_rate = commission_rate
        self._scales: dict[str, _MoveScale] = {}

    def reset(self, instrument_id: str) -> None:
        """Forget per-instrument state (rotation re-entry)."""
        self._scales.pop(instrument_id, None)

    def move_scale_ticks(self, instrument_id: str) -> float:
        """The learned mean absolute move over the horizon, in ticks."""
        scale = self._scales.get(instrument_id)
        return scale.value if scale else 0.0

    def cost_ticks(self, book: OrderBook) -> float:
        """Spread plus round-trip commission, in ticks, for one lot at the current mid."""
        mid = book.mid_ticks or 0.0
        spread = float(book.spread_ticks or 0)
        return spread + 2.0 * self._commission_rate * mid

    def on_book(self, book: OrderBook) -> None:
        """Learn the move scale from every valid book."""
        mid = book.mid_ticks
        if mid is None:
            return
        scale = self._scales.get(book.instrument_id)
        if scale is None:
            scale = self._scales[book.instrument_id] = _MoveScale(self._horizon)
        scale.update(mid)

    def on_mids(self, instrument_id: str, mids_ticks: list[float]) -> None:
        """``on_book`` for many valid books' mids at once (same result, in order)."""
        if not mids_ticks:
            return
        scale = self._scales.get(instrument_id)
        if scale is None:
            scale = self._scales[instrument_id] = _MoveScale(self._horizon)
        scale.update_many(mids_ticks)

    def decide(
        self,
        book: OrderBook,
        signal: Signal,
        position_lots: int,
        position_opened_ns: int | None,
        now_ns: int,
        *,
        session_closing: bool = False,
        stop_distance_ticks: float | None = None,
    ) -> EnterPosition | ExitPosition | None:
        """The intent for this book and signal given the current position, or None."""
        uid = book.instrument_id
        if position_lots:
            if session_closing:
                return ExitPosition(uid, ExitReason.SESSION_END, now_ns)
            held_s = (now_ns - position_opened_ns) / NS_PER_S if position_opened_ns else 0.0
            if held_s >= self._config.max_hold_s:
                return ExitPosition(uid, ExitReason.TIME_LIMIT, now_ns)
            against = signal.p_down if position_lots > 0 else signal.p_up
            if self._config.exit_on_reversal and against >= self._config.entry_probability:
                return ExitPosition(uid, ExitReason.REVERSAL, now_ns)
            return None
        if session_closing or book.spread_ticks is None:
            return None
        threshold = self._config.entry_probability
        if signal.p_up >= threshold and signal.p_up > signal.p_down:
            side, probability = PositionSide.LONG, signal.p_up
        elif signal.p_down >= threshold and signal.p_down > signal.p_up:
            side, probability = PositionSide.SHORT, signal.p_down
        else:
            return None
        edge = self.expected_edge_ticks(uid, signal, side, stop_distance_ticks)
        cost = self.cost_ticks(book)
        if edge <= cost + float(self._config.min_edge_ticks):
            return None
        return EnterPosition(uid, side, now_ns, probability, edge, cost)

    def expected_edge_ticks(
        self, instrument_id: str, signal: Signal, side: PositionSide, stop_distance_ticks: float | None
    ) -> float:
        """Expected gain of an entry on ``side`` before costs, in ticks (see the module docstring)."""
        ours, theirs = (
            (signal.p_up, signal.p_down) if side is PositionSide.LONG else (signal.p_down, signal.p_up)
        )
        if stop_distance_ticks is None or stop_distance_ticks <= 0:
            return (ours - theirs) * self.move_scale_ticks(instrument_id)
        p_win = ours / (ours + theirs) if ours + theirs > 0 else 0.5
        return stop_distance_ticks * (self._k_tp * p_win - (1.0 - p_win))
