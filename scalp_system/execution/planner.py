"""Order planning (SPEC §1.3): one IOC for small orders, a VWAP plan of IOC slices for large ones.

1–``routing.vwap_threshold_lots`` lots → one limit order, FILL_AND_KILL, at the best opposite price
moved ``aggressiveness`` ticks into the book (0–1 mapped to 0–3 ticks; default
``routing.aggressiveness_ticks``). More → a VWAP plan: ``routing.vwap_horizon_s`` cut into
``routing.vwap_slices`` intervals, the parent quantity spread in proportion to the expected volume
of each interval (:class:`VolumeProfile`, learned from recorded trades per instrument and minute of
the day; flat when unknown), no slice above ``routing.max_participation`` of its interval's expected
volume (intervals past the horizon are added when the cap needs them), each slice an IOC limit
order with its own intent key; the unfilled remainder of a slice rolls into the next; the plan is
abandoned when the signal reverses or the risk state leaves ACTIVE.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from scalp_system.config import RoutingConfig
from scalp_system.core.events import SubmitOrder
from scalp_system.core.fastbuild import frozen_builder
from scalp_system.core.ids import fast_intent_key
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import Side, TimeInForce
from scalp_system.core.state import TradingState

NS_PER_S = 1_000_000_000
MINUTES_PER_DAY = 1_440
MSK_OFFSET_S = 3 * 3600


@dataclass(slots=True)
class _InstrumentVolume:
    by_minute: dict[int, float] = field(default_factory=dict)
    days: set[int] = field(default_factory=set)


class VolumeProfile:
    """Expected traded lots per instrument and minute of the trading day."""

    def __init__(self, utc_offset_s: int = MSK_OFFSET_S) -> None:
        self._offset_ns = utc_offset_s * NS_PER_S
        self._data: dict[str, _InstrumentVolume] = {}

    @classmethod
    def from_trades(cls, trades: Iterable[Trade], utc_offset_s: int = MSK_OFFSET_S) -> VolumeProfile:
        """A profile learned from recorded trades."""
        profile = cls(utc_offset_s)
        for trade in trades:
            profile.observe(trade.instrument_id, trade.exchange_ts_ns, trade.lots)
        return profile

    def _minute_and_day(self, ts_ns: int) -> tuple[int, int]:
        local_minutes = (ts_ns + self._offset_ns) // (60 * NS_PER_S)
        return local_minutes % MINUTES_PER_DAY, local_minutes // MINUTES_PER_DAY

    def observe(self, instrument_id: str, ts_ns: int, lots: int | float) -> None:
        """Add one trade's lots to the profile."""
        minute, day = self._minute_and_day(ts_ns)
        volume = self._data.setdefault(instrument_id, _InstrumentVolume())
        volume.by_minute[minute] = volume.by_minute.get(minute, 0.0) + float(lots)
        volume.days.add(day)

    def knows(self, instrument_id: str) -> bool:
        """True when trades of this instrument were observed."""
        return instrument_id in self._data

    def lots_per_minute(self, instrument_id: str, minute_of_day: int) -> float | None:
        """Mean lots traded in that minute of the day (flat mean when the minute is unobserved)."""
        volume = self._data.get(instrument_id)
        if volume is None or not volume.days:
            return None
        days = len(volume.days)
        observed = volume.by_minute.get(minute_of_day % MINUTES_PER_DAY)
        if observed is not None:
            return observed / days
        return sum(volume.by_minute.values()) / days / max(len(volume.by_minute), 1)

    def expected_lots(self, instrument_id: str, start_ns: int, duration_ns: int) -> float | None:
        """Expected lots traded in ``[start, start + duration)``, prorated over the minutes it spans."""
        series = self.expected_lots_series(instrument_id, start_ns, duration_ns, 1)
        return None if series is None else series[0]

    def expected_lots_series(
        self, instrument_id: str, start_ns: int, interval_ns: int, count: int
    ) -> list[float] | None:
        """:meth:`expected_lots` of ``count`` consecutive intervals from ``start_ns`` in one pass (each
        minute's rate looked up once): the VWAP planner's per-slice volumes."""
        if instrument_id not in self._data:
            return None
        minute_ns = 60 * NS_PER_S
        offset_ns = self._offset_ns
        rates: dict[int, float] = {}
        series: list[float] = []
        for k in range(count):
            total = 0.0
            cursor = start_ns + k * interval_ns
            end = cursor + interval_ns
            while cursor < end:
                local_minutes = (cursor + offset_ns) // minute_ns
                chunk_end = min(end, (local_minutes + 1) * minute_ns - offset_ns)
                minute = local_minutes % MINUTES_PER_DAY
                per_minute = rates.get(minute)
                if per_minute is None:
                    per_minute = rates[minute] = self.lots_per_minute(instrument_id, minute) or 0.0
                total += per_minute * (chunk_end - cursor) / minute_ns
                cursor = chunk_end
            series.append(total)
        return series

    def to_json(self) -> dict[str, object]:
        """JSON-able form."""
        return {
            "offset_ns": self._offset_ns,
            "instruments": {
                i: {"by_minute": {str(m): v for m, v in d.by_minute.items()}, "days": sorted(d.days)}
                for i, d in self._data.items()
            },
        }

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> VolumeProfile:
        """Inverse of :meth:`to_json`."""
        offset_ns = raw["offset_ns"]
        assert isinstance(offset_ns, int)
        profile = cls(offset_ns // NS_PER_S)
        instruments = raw["instruments"]
        assert isinstance(instruments, dict)
        for instrument_id, data in instruments.items():
            profile._data[str(instrument_id)] = _InstrumentVolume(
                {int(m): float(v) for m, v in data["by_minute"].items()}, {int(d) for d in data["days"]}
            )
        return profile


MAX_AGGRESSIVENESS_TICKS = 3
# Intent keys: random UUID4 strings (the broker's idempotency key) without uuid4's per-key cost.
new_intent_key = fast_intent_key
_MAX_EXTENSION_FACTOR = 10  # a plan never spans more than 10 × vwap_slices intervals


class Route(StrEnum):
    """How a parent order is executed."""

    IOC = "IOC"
    VWAP = "VWAP"


class SliceStatus(StrEnum):
    """Where one slice is in its life."""

    PENDING = "PENDING"
    SENT = "SENT"
    DONE = "DONE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True, slots=True)
class PlanSlice:
    """One child order of a plan: its own intent key, quantity, not-before time and limit price.

    ``cap_lots`` is the participation cap of its interval (None when the volume is unknown).
    """

    index: int
    intent_key: str
    lots: int
    not_before_ns: int
    limit_price_ticks: int
    cap_lots: int | None = None


# Positional constructors of the frozen value types built on every decision (see core.fastbuild).
_new_slice = frozen_builder(PlanSlice)
_new_order = frozen_builder(SubmitOrder)
_IOC = TimeInForce.FILL_AND_KILL


class PlanError(ValueError):
    """A plan that cannot be made (no price on the opposite side, non-positive quantity)."""


def aggressiveness_to_ticks(aggressiveness: float) -> int:
    """0–1 → 0–3 ticks (rounded to the nearest tick, clamped)."""
    clamped = min(max(aggressiveness, 0.0), 1.0)
    return round(clamped * MAX_AGGRESSIVENESS_TICKS)


def ioc_limit_ticks(book: OrderBook, side: Side, aggressiveness_ticks: int) -> int:
    """The best opposite price moved ``aggressiveness_ticks`` into the book (buy: ask + k; sell: bid − k)."""
    buy = side is Side.BUY
    try:
        best: int = (book.ask_px if buy else book.bid_px).item(0)  # a Python int, cheaper than int(a[0])
    except IndexError:
        raise PlanError(f"{book.instrument_id}: no {'ask' if buy else 'bid'} to price against") from None
    return best + aggressiveness_ticks if buy else best - aggressiveness_ticks


@dataclass(slots=True)
class ExecutionPlan:
    """A parent order's execution: route, aggressiveness, slices, fills, roll-over and abandonment.

    Drive it with :meth:`due` (slices whose time has come), :meth:`order_for` (the SubmitOrder of a
    slice, repriced from the current book), and :meth:`on_slice_done` (its outcome: the unfilled
    remainder rolls into the next slice).
    """

    parent_intent: str
    instrument_id: str
    side: Side
    total_lots: int
    route: Route
    aggressiveness_ticks: int
    interval_ns: int
    reason: str = "entry"
    reduce_only: bool = False
    slices: list[PlanSlice] = field(default_factory=list)
    status: dict[str, SliceStatus] = field(default_factory=dict)
    filled: dict[str, int] = field(default_factory=dict)
    shortfall_lots: int = 0
    abandoned_reason: str = ""
    _caps: list[int | None] = field(default_factory=list)
    _start_ns: int = 0
    _max_slices: int = 1

    @property
    def aggressiveness(self) -> float:
        """Aggressiveness on the 0–1 scale (ticks / 3)."""
        return self.aggressiveness_ticks / MAX_AGGRESSIVENESS_TICKS

    @property
    def filled_lots(self) -> int:
        """Lots filled so far over all slices."""
        return sum(self.filled.values())

    @property
    def planned_lots(self) -> int:
        """Lots in slices not yet finished plus lots filled."""
        live = (SliceStatus.PENDING, SliceStatus.SENT)
        return self.filled_lots + sum(s.lots for s in self.slices if self.status[s.intent_key] in live)

    @property
    def abandoned(self) -> bool:
        """True once :meth:`abandon` was called."""
        return bool(self.abandoned_reason)

    @property
    def done(self) -> bool:
        """True when no slice is pending or in flight."""
        return all(st in (SliceStatus.DONE, SliceStatus.CANCELLED) for st in self.status.values())

    def due(self, now_ns: int) -> list[PlanSlice]:
        """Pending slices whose not-before time has come (none once abandoned)."""
        if self.abandoned:
            return []
        return [
            s
            for s in self.slices
            if self.status[s.intent_key] is SliceStatus.PENDING and s.not_before_ns <= now_ns
        ]

    def order_for(self, plan_slice: PlanSlice, book: OrderBook | None = None) -> SubmitOrder:
        """The IOC SubmitOrder of a slice (repriced from ``book`` when given); marks it SENT."""
        key = plan_slice.intent_key
        slices = self.slices
        index = plan_slice.index
        current = slices[index] if index < len(slices) else plan_slice
        if current.intent_key != key:
            current = self._current(key)
        price = current.limit_price_ticks
        if book is not None:
            price = ioc_limit_ticks(book, self.side, self.aggressiveness_ticks)
            current = replace(current, limit_price_ticks=price)
            slices[current.index] = current
        self.status[key] = SliceStatus.SENT
        return _new_order(
            key, self.instrument_id, self.side, current.lots, price, _IOC,
            self.parent_intent, self.reduce_only, self.reason,
        )

    def on_slice_done(self, intent_key: str, filled_lots: int) -> PlanSlice | None:
        """A slice reached a final state with ``filled_lots``; its remainder rolls forward.

        The remainder goes into the following pending slices up to their caps, then into slices
        appended after the last one (at most 10 × vwap_slices in all; beyond, it is shortfall).
        Returns the first slice that received roll-over, if any.
        """
        current = self._current(intent_key)
        self.status[intent_key] = SliceStatus.DONE
        self.filled[intent_key] = min(filled_lots, current.lots)
        remainder = current.lots - self.filled[intent_key]
        if remainder <= 0 or self.abandoned or self.route is Route.IOC:
            self.shortfall_lots += max(remainder, 0) if self.route is Route.IOC else 0
            return None
        return self._roll(current.index + 1, remainder)

    def abandon(self, reason: str) -> list[str]:
        """Stop the plan: pending slices are cancelled; returns the in-flight slices' intent keys
        (to cancel at the venue)."""
        self.abandoned_reason = reason or "abandoned"
        in_flight = []
        for plan_slice in self.slices:
            state = self.status[plan_slice.intent_key]
            if state is SliceStatus.PENDING:
                self.status[plan_slice.intent_key] = SliceStatus.CANCELLED
            elif state is SliceStatus.SENT:
                in_flight.append(plan_slice.intent_key)
        return in_flight

    def _current(self, intent_key: str) -> PlanSlice:
        for plan_slice in self.slices:
            if plan_slice.intent_key == intent_key:
                return plan_slice
        raise KeyError(f"plan {self.parent_intent} has no slice {intent_key}")

    def _roll(self, start: int, remainder: int) -> PlanSlice | None:
        first: PlanSlice | None = None
        for index in range(start, len(self.slices)):
            if remainder <= 0:
                break
            plan_slice = self.slices[index]
            if self.status[plan_slice.intent_key] is not SliceStatus.PENDING:
                continue
            room = remainder if plan_slice.cap_lots is None else max(plan_slice.cap_lots - plan_slice.lots, 0)
            take = min(room, remainder)
            if take:
                self.slices[index] = replace(plan_slice, lots=plan_slice.lots + take)
                remainder -= take
                first = first or self.slices[index]
        while remainder > 0 and len(self.slices) < self._max_slices:
            k = len(self.slices)
            cap = self._caps[k] if k < len(self._caps) else None
            take = remainder if cap is None else min(cap, remainder)
            if take <= 0:
                break
            last = self.slices[-1]
            appended = PlanSlice(
                k, new_intent_key(), take, self._start_ns + k * self.interval_ns, last.limit_price_ticks, cap
            )
            self.slices.append(appended)
            self.status[appended.intent_key] = SliceStatus.PENDING
            remainder -= take
            first = first or appended
        self.shortfall_lots += max(remainder, 0)
        return first


class OrderPlanner:
    """Turns a parent order (instrument, side, lots) into an ExecutionPlan (see the module doc)."""

    def __init__(self, routing: RoutingConfig, volume_profile: VolumeProfile | None = None) -> None:
        self.routing = routing
        self.profile = volume_profile if volume_profile is not None else VolumeProfile()
        self._interval_ns = max(1, int(routing.vwap_horizon_s * NS_PER_S / routing.vwap_slices))

    def route_for(self, lots: int) -> Route:
        """IOC for 1..vwap_threshold_lots lots, VWAP above."""
        return Route.IOC if lots <= self.routing.vwap_threshold_lots else Route.VWAP

    def plan(
        self,
        instrument_id: str,
        side: Side,
        lots: int,
        book: OrderBook,
        now_ns: int,
        *,
        aggressiveness: float | None = None,
        parent_intent: str | None = None,
        reason: str = "entry",
        reduce_only: bool = False,
    ) -> ExecutionPlan:
        """The execution plan of a parent order priced against ``book`` at ``now_ns``."""
        if lots <= 0:
            raise PlanError(f"{instrument_id}: a plan needs a positive quantity, got {lots}")
        routing = self.routing
        ticks = routing.aggressiveness_ticks
        if aggressiveness is not None:
            ticks = aggressiveness_to_ticks(aggressiveness)
        price = ioc_limit_ticks(book, side, ticks)
        parent = parent_intent or new_intent_key()
        if lots <= routing.vwap_threshold_lots:  # IOC: one slice (all fields given: no factories run)
            key = new_intent_key()
            return ExecutionPlan(
                parent, instrument_id, side, lots, Route.IOC, ticks, self._interval_ns, reason, reduce_only,
                [_new_slice(0, key, lots, now_ns, price, None)], {key: SliceStatus.PENDING}, {}, 0, "", [],
                now_ns, 1,
            )
        plan = ExecutionPlan(
            parent, instrument_id, side, lots, Route.VWAP, ticks, self._interval_ns, reason, reduce_only,
            _start_ns=now_ns,
        )
        self._vwap_slices(plan, instrument_id, lots, now_ns, price)
        for plan_slice in plan.slices:
            plan.status[plan_slice.intent_key] = SliceStatus.PENDING
        return plan

    def should_abandon(self, plan: ExecutionPlan, *, signal_side: Side | None, state: TradingState) -> bool:
        """True when the plan must stop: an opening plan when the state leaves ACTIVE or the signal
        turns to the other side; a reduce-only plan only when trading is HALTED."""
        if plan.abandoned or plan.done:
            return False
        if plan.reduce_only:
            return state is TradingState.HALTED
        return state is not TradingState.ACTIVE or (signal_side is not None and signal_side is not plan.side)

    def _vwap_slices(
        self, plan: ExecutionPlan, instrument_id: str, lots: int, now_ns: int, price: int
    ) -> None:
        count = self.routing.vwap_slices
        max_slices = count * _MAX_EXTENSION_FACTOR
        interval = self._interval_ns
        series = self.profile.expected_lots_series(instrument_id, now_ns, interval, max_slices)
        known = series is not None
        expected: list[float | None] = list(series) if series is not None else [None] * max_slices
        participation = float(self.routing.max_participation)
        caps: list[int | None] = [
            math.floor(participation * e + 1e-9) if e is not None and known else None for e in expected
        ]
        base = [e or 0.0 for e in expected[:count]] if known else [1.0] * count
        allocation = _proportional(lots, base if sum(base) > 0 else [1.0] * count)
        remainder = 0
        for k in range(count):
            cap = caps[k]
            if cap is not None and allocation[k] > cap:
                remainder += allocation[k] - cap
                allocation[k] = cap
        for k in range(count):  # spare room inside the horizon first, earliest first
            cap = caps[k]
            if remainder <= 0 or cap is None:
                break
            take = min(cap - allocation[k], remainder)
            allocation[k] += take
            remainder -= take
        k = count
        while remainder > 0 and k < max_slices:  # then intervals past the horizon
            take = min(caps[k] or 0, remainder)
            allocation.append(take)
            remainder -= take
            k += 1
        plan.shortfall_lots = remainder
        plan._caps = caps
        plan._max_slices = max_slices
        for k, qty in enumerate(allocation):
            if qty > 0:
                plan.slices.append(
                    PlanSlice(len(plan.slices), new_intent_key(), qty, now_ns + k * interval, price, caps[k])
                )


def _proportional(total: int, weights: list[float]) -> list[int]:
    """Whole numbers proportional to ``weights`` summing to ``total`` (largest remainder)."""
    weight_sum = sum(weights)
    raw = [total * w / weight_sum for w in weights]
    base = [math.floor(x) for x in raw]
    short = total - sum(base)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:short]:
        base[i] += 1
    return base
