"""Synthetic market flow for several instruments at once — SYNTHETIC DATA, NO EDGE ON REAL MARKETS.

Everything this module produces is invented by a stochastic model. It exists so that the system can
run, be tested and be trained end to end with no broker and no recordings; a model that learns to
trade it has learned this generator, not MOEX. Never read results on it as evidence of real profit.

The model, per instrument (each with its own generator seeded from ``(seed, uid)``, so runs are
deterministic per seed and independent of how many instruments run beside it):

- a latent fair price (in ticks) that diffuses with regime-dependent volatility calibrated to the
  instrument's daily volatility, and takes a permanent impact from every market order;
- event times from a Hawkes process (exponential kernel, branching ratio ~0.65): arrivals cluster;
- a two-state Markov regime (calm / volatile) scaling intensity, volatility and the share of
  market orders: volatility clusters;
- an intraday U-shape of intensity over the MOEX main session (10:00–18:40 MSK);
- agents that place limit orders around the fair price (log-uniform depth offsets, Pareto sizes),
  cancel resting orders, and send market orders (heavier-tailed Pareto sizes) whose sign follows the
  gap between fair price and mid plus a persistent herding pressure. Because limit placement,
  cancels and market orders all lean toward the fair price, the book's imbalance and the order-flow
  imbalance carry information about the next mid moves, and market orders walking the book produce
  bid-ask bounce and heavy-tailed returns.

The book is kept at least 22 levels deep per side (refilled at the far end with the realistic
hump-shaped depth profile), so depth-20 snapshots are always full. Client orders rest in the same
``LimitOrderBook`` and meet this flow with price-time priority.
"""

from __future__ import annotations

import heapq
import math
import zlib
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal

import numpy as np

from scalp_system.core.clock import NS_PER_S
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Side
from scalp_system.exchange.catalogue import MarketProfile, market_profile
from scalp_system.exchange.matching import LimitOrderBook
from scalp_system.exchange.source import BookUpdated, SourceEvent

# 2025-03-03 07:00:00 UTC = 10:00 MSK, a Monday: the default start of the synthetic session.
DEFAULT_START_NS = 1_740_985_200 * NS_PER_S
SESSION_OPEN_UTC_S = 7 * 3600  # 10:00 MSK
SESSION_LENGTH_S = 8 * 3600 + 40 * 60  # until 18:40 MSK
MIN_LEVELS = 22
DISPLAY_DEPTH = 20
MAX_AGENT_ORDERS_PER_SIDE = 700

_HAWKES_DECAY_PER_S = 2.0
_HAWKES_JUMP = 1.3  # branching ratio = jump / decay = 0.65
_BRANCHING = _HAWKES_JUMP / _HAWKES_DECAY_PER_S
_U_SHAPE = 1.6  # intensity at the open/close is 1 + _U_SHAPE times the midday one
_U_MEAN = 1.0 + _U_SHAPE / 3.0
_CALM_MEAN_S = 10 * 60.0
_VOLATILE_MEAN_S = 3 * 60.0
_VOLATILE_INTENSITY = 1.8
_VOLATILE_VOL = 2.5
_IMPACT_TICKS = 0.25
_LEAN = 0.8  # how strongly limit placement and cancels lean toward the fair price (per tick of gap)
_POOL = 8192
_LOG_OFFSETS = math.log(31.0)  # limit orders land 0..30 levels behind the fair quote, log-uniformly
_BUY = Side.BUY
_SELL = Side.SELL


def u_shape(ts_ns: int) -> float:
    """Relative intensity at this time of the MOEX session: high at open and close, low at midday."""
    seconds = (ts_ns // NS_PER_S) % 86_400 - SESSION_OPEN_UTC_S
    x = min(max(2.0 * seconds / SESSION_LENGTH_S - 1.0, -1.0), 1.0)
    return (1.0 + _U_SHAPE * x * x) / _U_MEAN


def _logistic(x: float) -> float:
    if x < -30.0:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class _InstrumentFlow:
    """The market-flow agents of one instrument and their book."""

    def __init__(self, instrument: Instrument, profile: MarketProfile, seed: int, start_ns: int) -> None:
        self.instrument = instrument
        self.uid = instrument.uid
        self.book = LimitOrderBook(instrument.uid)
        self.rng = np.random.default_rng(np.random.SeedSequence([seed, zlib.crc32(instrument.uid.encode())]))
        self._u = self._uniform_stream().__next__
        self._n = self._normal_stream().__next__
        start_ticks = (
            instrument.to_ticks(profile.start_price)
            if profile.start_price % instrument.tick == 0
            else int(profile.start_price / instrument.tick)
        )
        self.fair = float(start_ticks) + 0.5
        events_per_day = profile.events_per_s * SESSION_LENGTH_S
        self.sigma = profile.daily_volatility * start_ticks / math.sqrt(events_per_day) * 0.8
        self.base_rate = profile.events_per_s * (1.0 - _BRANCHING)
        self.median = max(1, profile.median_order_lots)
        self.excitation = 0.0
        self.pressure = 0.0
        self.volatile = False
        self.now_ns = start_ns
        self.switch_ns = start_ns + self._exp_ns(_CALM_MEAN_S)
        self._seed_book(start_ticks)
        self.next_ns = start_ns
        self.next_ns = self._draw_next(start_ns)

    # --- randomness from pre-drawn pools (fast scalar draws) -------------------------------------

    def _uniform_stream(self) -> Iterator[float]:
        while True:
            yield from self.rng.random(_POOL).tolist()

    def _normal_stream(self) -> Iterator[float]:
        while True:
            yield from self.rng.standard_normal(_POOL).tolist()

    def _exp_ns(self, mean_s: float) -> int:
        return int(-math.log(1.0 - self._u()) * mean_s * NS_PER_S) + 1

    def _pareto(self, median: float, alpha: float, cap: float) -> int:
        scale = median / 2.0 ** (1.0 / alpha)
        size = scale * (1.0 - self._u()) ** (-1.0 / alpha)
        return max(1, int(min(size, cap)))

    def _depth_lots(self, level: int) -> int:
        # hump-shaped depth profile: thin at the touch, fuller a few levels away, flat deeper
        return max(1, int(self.median * (1.2 + 2.8 * (1.0 - math.exp(-level / 4.0))) * (0.5 + self._u())))

    # --- book setup and upkeep -------------------------------------------------------------------

    def _seed_book(self, start_ticks: int) -> None:
        for level in range(MIN_LEVELS + 6):
            for _ in range(1 + int(self._u() * 3)):
                size = max(1, self._depth_lots(level) // 2)
                self.book.agent_limit(Side.BUY, start_ticks - level, size, self.now_ns)
                self.book.agent_limit(Side.SELL, start_ticks + 1 + level, size, self.now_ns)

    def _refill(self, side: Side, ts_ns: int) -> None:
        book = self.book
        while book.level_count(side) < MIN_LEVELS:
            far = book.deepest(side)
            if far is None:
                best_other = book.best_ask() if side is Side.BUY else book.best_bid()
                anchor = int(self.fair) if best_other is None else best_other
                far = anchor
            price = far - 1 if side is Side.BUY else far + 1
            book.agent_limit(side, price, self._depth_lots(book.level_count(side)), ts_ns)
        while book.agent_order_count(side) > MAX_AGENT_ORDERS_PER_SIDE:
            far = book.deepest(side)
            if far is None:
                break
            index = int(self._u() * book.agent_order_count(side))
            order_id, price = book.agent_order_at(side, index)
            book.cancel_order(order_id)

    # --- time ------------------------------------------------------------------------------------

    def _rate(self, ts_ns: int) -> float:
        mult = _VOLATILE_INTENSITY if self.volatile else 1.0
        return self.base_rate * u_shape(ts_ns) * mult

    def _draw_next(self, from_ns: int) -> int:
        """Next event time by thinning the Hawkes intensity. The baseline (U-shape × regime) moves on a
        scale of minutes, so it is held constant within one draw; the excitation only decays."""
        t = from_ns
        excitation = self.excitation
        rate = self._rate(from_ns)
        u = self._u
        while True:
            bound = rate + excitation
            dt = -math.log(1.0 - u()) / bound
            decayed = excitation * math.exp(-_HAWKES_DECAY_PER_S * dt)
            t += int(dt * NS_PER_S) + 1
            if u() * bound <= rate + decayed:
                self.excitation = decayed + _HAWKES_JUMP
                return t
            excitation = decayed

    # --- one event -------------------------------------------------------------------------------

    def step(self) -> list[SourceEvent]:
        """Apply the next market-flow event to the book; returns what happened."""
        ts = self.next_ns
        self.now_ns = ts
        if ts >= self.switch_ns:
            self.volatile = not self.volatile
            self.switch_ns = ts + self._exp_ns(_VOLATILE_MEAN_S if self.volatile else _CALM_MEAN_S)
        vol = _VOLATILE_VOL if self.volatile else 1.0
        self.fair += self.sigma * vol * self._n()
        self.pressure = 0.985 * self.pressure + 0.12 * self._n()
        book = self.book
        bid, ask = book.best_bid(), book.best_ask()
        mid = (bid + ask) / 2.0 if bid is not None and ask is not None else self.fair
        gap = self.fair - mid
        action = self._u()
        market_share = 0.16 if self.volatile else 0.11
        if action < market_share:
            events = self._market_order(gap, ts)
        elif action < market_share + 0.47:
            events = self._limit_order(gap, bid, ask, ts)
        else:
            events = self._cancel(gap, ts)
        bid_levels, ask_levels, bid_orders, ask_orders = book.shape()
        if bid_levels < MIN_LEVELS or bid_orders > MAX_AGENT_ORDERS_PER_SIDE:
            self._refill(_BUY, ts)
        if ask_levels < MIN_LEVELS or ask_orders > MAX_AGENT_ORDERS_PER_SIDE:
            self._refill(_SELL, ts)
        self.next_ns = self._draw_next(ts)
        return events

    def _market_order(self, gap: float, ts: int) -> list[SourceEvent]:
        side = _BUY if self._u() < _logistic(1.2 * gap + self.pressure) else _SELL
        top = sum(q for _, q in self.book.levels(side.opposite, 5))
        size = min(self._pareto(self.median * 0.7, 1.4, self.median * 40.0), max(1, int(top * 0.6)))
        events: list[SourceEvent] = self.book.agent_market(side, size, ts)  # type: ignore[assignment]
        self.fair += (_IMPACT_TICKS if side is _BUY else -_IMPACT_TICKS) * math.sqrt(size / self.median)
        events.append(BookUpdated(self.uid, ts))
        return events

    def _limit_order(self, gap: float, bid: int | None, ask: int | None, ts: int) -> list[SourceEvent]:
        offset = int(math.exp(self._u() * _LOG_OFFSETS)) - 1
        size = self._pareto(self.median, 1.6, self.median * 60.0)
        if self._u() < _logistic(_LEAN * gap):
            side = _BUY
            price = math.floor(self.fair - 0.5) - offset
            if ask is not None and price >= ask:
                price = ask - 1
            nth = self.book.nth_price(_BUY, DISPLAY_DEPTH)
            visible = nth is None or price >= nth
        else:
            side = _SELL
            price = math.ceil(self.fair + 0.5) + offset
            if bid is not None and price <= bid:
                price = bid + 1
            nth = self.book.nth_price(_SELL, DISPLAY_DEPTH)
            visible = nth is None or price <= nth
        _, prints = self.book.agent_limit(side, price, size, ts)
        events: list[SourceEvent] = prints  # type: ignore[assignment]
        if visible or prints:
            events.append(BookUpdated(self.uid, ts))
        return events

    def _cancel(self, gap: float, ts: int) -> list[SourceEvent]:
        side = _SELL if self._u() < _logistic(_LEAN * gap) else _BUY
        count = self.book.agent_order_count(side)
        if count == 0:
            return []
        order_id, price = self.book.agent_order_at(side, int(self._u() * count))
        nth = self.book.nth_price(side, DISPLAY_DEPTH)
        visible = nth is None or (price >= nth if side is Side.BUY else price <= nth)
        if self._u() < 0.3:
            self.book.reduce_order(order_id, max(1, self.book.resting_lots(order_id) // 2))
        else:
            self.book.cancel_order(order_id)
        return [BookUpdated(self.uid, ts)] if visible else []


class SyntheticMarket:
    """A ``MarketSource`` of synthetic flow for several instruments (see the module docstring)."""

    def __init__(
        self,
        instruments: Sequence[Instrument],
        *,
        seed: int,
        start_ns: int = DEFAULT_START_NS,
        profiles: Mapping[str, MarketProfile] | None = None,
        activity: float = 1.0,
    ) -> None:
        if activity <= 0:
            raise ValueError(f"activity must be positive, got {activity}")
        self._instruments = list(instruments)
        self._start_ns = start_ns
        self._flows: dict[str, _InstrumentFlow] = {}
        for inst in self._instruments:
            profile = (profiles or {}).get(inst.uid) or market_profile(inst)
            if activity != 1.0:
                profile = MarketProfile(
                    profile.start_price,
                    profile.daily_volatility,
                    profile.events_per_s * activity,
                    profile.median_order_lots,
                )
            self._flows[inst.uid] = _InstrumentFlow(inst, profile, seed, start_ns)
        self._heap = [(flow.next_ns, i, uid) for i, (uid, flow) in enumerate(self._flows.items())]
        heapq.heapify(self._heap)
        self._started = False

    def instruments(self) -> Sequence[Instrument]:
        """The instruments this market simulates."""
        return list(self._instruments)

    def book(self, instrument_uid: str) -> LimitOrderBook:
        """The matching engine of one instrument."""
        return self._flows[instrument_uid].book

    def start(self, ts_ns: int) -> None:
        """Move the start of market time (only before the first event; later calls are ignored)."""
        if self._started or ts_ns == self._start_ns:
            return
        shift = ts_ns - self._start_ns
        self._start_ns = ts_ns
        for flow in self._flows.values():
            flow.now_ns += shift
            flow.next_ns += shift
            flow.switch_ns += shift
        self._heap = [(t + shift, i, uid) for t, i, uid in self._heap]
        heapq.heapify(self._heap)

    def start_ns(self) -> int:
        """The market time the session starts from."""
        return self._start_ns

    def next_event_ns(self) -> int | None:
        """Time of the next flow event of any instrument."""
        return self._heap[0][0] if self._heap else None

    def regime_is_volatile(self, instrument_uid: str) -> bool:
        """Whether an instrument is in its volatile regime now (diagnostics and tests)."""
        return self._flows[instrument_uid].volatile

    def fair_ticks(self, instrument_uid: str) -> float:
        """The latent fair price in ticks (diagnostics and tests; never shown to clients)."""
        return self._flows[instrument_uid].fair

    def events_until(self, ts_ns: int) -> Iterator[SourceEvent]:
        """Run every instrument's flow up to ``ts_ns``, yielding events in time order."""
        self._started = True
        heap = self._heap
        flows = self._flows
        while heap and heap[0][0] <= ts_ns:
            _, index, uid = heap[0]
            flow = flows[uid]
            events = flow.step()
            heapq.heapreplace(heap, (flow.next_ns, index, uid))
            yield from events


def default_start_ns() -> int:
    """The default synthetic session start (a Monday, 10:00 MSK)."""
    return DEFAULT_START_NS


def profile_with_price(profile: MarketProfile, price: Decimal) -> MarketProfile:
    """A copy of ``profile`` starting at ``price`` (for scenario tests)."""
    return MarketProfile(price, profile.daily_volatility, profile.events_per_s, profile.median_order_lots)
