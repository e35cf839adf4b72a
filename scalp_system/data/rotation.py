"""Instrument rotation: every ``data.rotation_interval_s`` keep the most liquid instruments active.

Liquidity score (higher is better), from statistics over a recent window (``measure_liquidity``):

    score = w_trades · ln(1 + trades_per_min)
          + w_depth  · ln(1 + depth_notional)
          − w_spread · ln(max(spread_ticks, 1))

``spread_ticks`` is the mean ask1 − bid1 in ticks (1 tick is the best possible and costs nothing),
``depth_notional`` the mean money resting in the top ``depth_levels`` levels of both sides, and
``trades_per_min`` the public trade rate. Logs make the three terms comparable across instruments
of very different size, and doubling any one quantity moves the score by the same amount. An
instrument without book data scores −inf. Weights default to 1.

``InstrumentRotation.plan`` ranks candidates (ties: currently active first, then uid), keeps every
instrument with a position or an open order (``has_exposure``) whatever its rank, fills the rest of
``data.max_active_instruments`` from the top, and names what to subscribe, what to unsubscribe and
which instruments re-enter after having been active before (their feature and data state must be
reset). ``rotate`` carries a plan out through a ``SubscriptionControl`` (the broker client, via the
orchestrator) and resets re-entered instruments with the given ``forget`` callback.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from scalp_system.config import DataConfig
from scalp_system.core.clock import NS_PER_S
from scalp_system.data.engine import DataEngine


class SubscriptionControl(Protocol):
    """What rotation needs from the broker side: market-data (un)subscription by instrument uid."""

    async def subscribe(self, uids: Sequence[str]) -> None:
        """Start order book and trade streams for ``uids``."""
        ...

    async def unsubscribe(self, uids: Sequence[str]) -> None:
        """Stop order book and trade streams for ``uids``."""
        ...


@dataclass(frozen=True, slots=True)
class LiquidityStats:
    """Liquidity of one instrument over a recent window (the inputs of ``liquidity_score``)."""

    uid: str
    spread_ticks: float  # mean ask1 − bid1, ticks
    depth_notional: float  # mean money in the top levels of both sides (currency units)
    trades_per_min: float
    books: int  # books the means are over; 0 = no data


@dataclass(frozen=True, slots=True)
class LiquidityWeights:
    """Weights of the three terms of the liquidity score."""

    spread: float = 1.0
    depth: float = 1.0
    trades: float = 1.0


def liquidity_score(stats: LiquidityStats, weights: LiquidityWeights = LiquidityWeights()) -> float:
    """The documented score (module docstring); −inf without book data."""
    if stats.books <= 0 or not math.isfinite(stats.spread_ticks):
        return -math.inf
    return (
        weights.trades * math.log1p(max(stats.trades_per_min, 0.0))
        + weights.depth * math.log1p(max(stats.depth_notional, 0.0))
        - weights.spread * math.log(max(stats.spread_ticks, 1.0))
    )


def measure_liquidity(
    engine: DataEngine,
    uid: str,
    now_ns: int,
    *,
    window_s: float = 300.0,
    depth_levels: int = 5,
) -> LiquidityStats:
    """Liquidity of ``uid`` from the engine's history over the last ``window_s`` of exchange time.

    The trade rate divides by the whole window, so an instrument that joined recently is not
    flattered by a short sample. Floats are fine here: the score ranks, it never prices.
    """
    start_ns = now_ns - int(window_s * NS_PER_S)
    books = engine.book_history(uid)
    first = int(np.searchsorted(books.exchange_ts_ns, start_ns, side="left"))
    instrument = engine.instrument(uid)
    if first >= len(books) or instrument is None:
        return LiquidityStats(uid, math.inf, 0.0, 0.0, 0)
    bid_px, ask_px = books.bid_px[first:, 0], books.ask_px[first:, 0]
    levels = min(depth_levels, books.levels)
    depth_lots = books.bid_qty[first:, :levels].sum(axis=1) + books.ask_qty[first:, :levels].sum(axis=1)
    mid_price = (bid_px + ask_px) * (0.5 * float(instrument.tick))
    unit_value = float(instrument.lot) * float(instrument.point_value)
    trades = engine.trade_history(uid)
    trade_count = len(trades) - int(np.searchsorted(trades.exchange_ts_ns, start_ns, side="left"))
    return LiquidityStats(
        uid=uid,
        spread_ticks=float(np.mean(ask_px - bid_px)),
        depth_notional=float(np.mean(depth_lots * mid_price)) * unit_value,
        trades_per_min=trade_count / (window_s / 60.0),
        books=len(bid_px),
    )


def measure_all(
    engine: DataEngine, uids: Iterable[str], now_ns: int, *, window_s: float = 300.0
) -> dict[str, LiquidityStats]:
    """``measure_liquidity`` for each of ``uids``."""
    return {uid: measure_liquidity(engine, uid, now_ns, window_s=window_s) for uid in uids}


@dataclass(frozen=True, slots=True)
class RotationPlan:
    """The outcome of one ranking: the new active set and the changes to get there."""

    ts_ns: int
    active: tuple[str, ...]  # new active set, pinned first, then by rank
    subscribe: tuple[str, ...]  # to start streaming
    unsubscribe: tuple[str, ...]  # to stop streaming
    reentered: tuple[str, ...]  # subscribed again after an earlier spell as active: reset their state
    pinned: tuple[str, ...]  # kept because of a position or open order, whatever their rank
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        """True when anything is (un)subscribed."""
        return bool(self.subscribe or self.unsubscribe)


class InstrumentRotation:
    """Chooses the active instruments every ``data.rotation_interval_s`` (see the module docstring).

    ``has_exposure(uid)`` answers whether ``uid`` has a position or an open order (the risk or
    execution engine knows); such an instrument is never dropped and is brought in if missing.
    """

    def __init__(
        self,
        config: DataConfig,
        has_exposure: Callable[[str], bool],
        *,
        weights: LiquidityWeights = LiquidityWeights(),
        initial_active: Iterable[str] = (),
    ) -> None:
        self._max_active = config.max_active_instruments
        self._interval_ns = int(config.rotation_interval_s * NS_PER_S)
        self._has_exposure = has_exposure
        self._weights = weights
        self._active: tuple[str, ...] = tuple(dict.fromkeys(initial_active))
        self._ever_active: set[str] = set(self._active)
        self._last_rotation_ns: int | None = None

    @property
    def active(self) -> tuple[str, ...]:
        """The instruments currently subscribed, as the last applied plan left them."""
        return self._active

    def is_due(self, now_ns: int) -> bool:
        """True when no rotation has run yet or ``rotation_interval_s`` has passed since the last."""
        return self._last_rotation_ns is None or now_ns - self._last_rotation_ns >= self._interval_ns

    def plan(self, now_ns: int, stats: Mapping[str, LiquidityStats]) -> RotationPlan:
        """Rank ``stats``' instruments and the current active ones; changes nothing (see ``apply``)."""
        current = set(self._active)
        candidates = list(dict.fromkeys([*self._active, *stats]))
        scores = {
            uid: liquidity_score(stats[uid], self._weights) if uid in stats else -math.inf
            for uid in candidates
        }
        ranked = sorted(candidates, key=lambda uid: (-scores[uid], uid not in current, uid))
        pinned = tuple(uid for uid in ranked if self._has_exposure(uid))
        free_slots = max(0, self._max_active - len(pinned))
        others = tuple(uid for uid in ranked if uid not in pinned)[:free_slots]
        chosen = set(pinned) | set(others)
        active = tuple(uid for uid in ranked if uid in chosen)
        subscribe = tuple(uid for uid in active if uid not in current)
        return RotationPlan(
            ts_ns=now_ns,
            active=active,
            subscribe=subscribe,
            unsubscribe=tuple(uid for uid in self._active if uid not in chosen),
            reentered=tuple(uid for uid in subscribe if uid in self._ever_active),
            pinned=pinned,
            scores=scores,
        )

    def apply(self, plan: RotationPlan) -> None:
        """Record ``plan`` as carried out: it becomes the active set and the rotation clock restarts."""
        self._active = plan.active
        self._ever_active.update(plan.active)
        self._last_rotation_ns = plan.ts_ns

    async def rotate(
        self,
        now_ns: int,
        stats: Mapping[str, LiquidityStats],
        control: SubscriptionControl,
        *,
        forget: Callable[[str], None] | None = None,
    ) -> RotationPlan:
        """Plan, unsubscribe the dropped, reset re-entered state (``forget``, e.g. the DataEngine's
        and the feature engine's), subscribe the new, then ``apply``. If subscribing fails the
        active set still reflects the unsubscriptions done, and the error propagates."""
        plan = self.plan(now_ns, stats)
        if plan.unsubscribe:
            await control.unsubscribe(plan.unsubscribe)
            self._active = tuple(uid for uid in self._active if uid not in plan.unsubscribe)
        if forget is not None:
            for uid in plan.reentered:
                forget(uid)
        if plan.subscribe:
            await control.subscribe(plan.subscribe)
        self.apply(plan)
        return plan
