"""Per-instrument state the risk engine keeps between events, and the values it hands out.

``MarketState`` holds an instrument's latest valid book, status, ATR, spread statistics, open
position levels and the per-ATR-bar constants of the entry path (``EntryLevels``); ``OrderLimits``
and ``EquityFloors`` cache thresholds until their inputs change; ``InFlightOrder`` is an approved,
not yet terminal order; ``EntryDecision`` is the answer to "may a position be opened here?".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from scalp_system.config import RiskConfig
from scalp_system.core.fastbuild import frozen_builder
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import PositionSide, Side
from scalp_system.core.state import Denial
from scalp_system.features.atr import AtrTracker
from scalp_system.risk.checks import (
    NORMAL_TRADING,
    check_instrument_tradable,
)
from scalp_system.risk.sizing import risk_lots, ticklots_cap
from scalp_system.risk.stops import (
    PositionState,
    as_decimal,
    distance_for,
    level_offsets_ticks,
)

_ZERO = Decimal(0)
_PRICE_CACHE_SIZE = 4096


@dataclass(frozen=True, slots=True)
class EntryDecision:
    """The risk engine's answer to "may I enter?": lots, entry price, distance, stop and target,
    or the denial that refused it (``lots`` is then 0)."""

    instrument_id: str
    side: PositionSide
    lots: int
    entry_price: Decimal | None = None
    distance: Decimal | None = None
    stop: Decimal | None = None
    target: Decimal | None = None
    denial: Denial | None = None
    detail: str = ""

    @property
    def allowed(self) -> bool:
        """True when the entry may be planned and sent."""
        return self.denial is None


new_entry_decision = frozen_builder(EntryDecision)  # positional, every field (see core.fastbuild)
POSITION_SIDES: dict[object, PositionSide] = {str(side.value): side for side in PositionSide}


class EntryLevels:
    """What an entry needs that depends only on the ATR bar, the spread and the config (cached per
    market): the stop distance, the stop and target offsets in ticks, the lot units and the
    per-order notional cap in tick·lots, and the risk lots for the equity last asked about."""

    __slots__ = (
        "_equity",
        "_risk_lots",
        "bars",
        "config",
        "distance",
        "lot_units",
        "order_ticklots",
        "spread_ticks",
        "stop_ticks",
        "target_ticks",
    )

    def __init__(
        self, bars: int, spread_ticks: int, config: RiskConfig, distance: Decimal, tick: Decimal,
        lot_units: Decimal, order_ticklots: int,
    ) -> None:
        self.bars = bars
        self.spread_ticks = spread_ticks
        self.config = config
        self.distance = distance
        self.stop_ticks, self.target_ticks = level_offsets_ticks(distance, tick, config.k_tp)
        self.lot_units = lot_units
        self.order_ticklots = order_ticklots
        self._equity: Decimal | None = None
        self._risk_lots = 0

    def risk_lots(self, equity: Decimal) -> int:
        """``sizing.risk_lots`` at this distance, recomputed only when ``equity`` changed."""
        if equity != self._equity:
            self._risk_lots = risk_lots(equity, self.distance, self.lot_units, self.config.per_trade_risk)
            self._equity = equity
        return self._risk_lots


class OrderLimits:
    """A config's notional limits of one instrument as whole tick·lots (see ``sizing.ticklots_cap``)."""

    __slots__ = ("config", "gross_ticklots", "instrument_ticklots", "order_ticklots", "tick_lot_units")

    def __init__(self, config: RiskConfig, tick_lot_units: Decimal) -> None:
        self.config = config
        self.tick_lot_units = tick_lot_units
        self.order_ticklots = ticklots_cap(config.max_notional_per_order, tick_lot_units)
        self.instrument_ticklots = ticklots_cap(config.max_notional_per_instrument, tick_lot_units)
        self.gross_ticklots = ticklots_cap(config.max_gross_notional, tick_lot_units)


class MarketState:
    """Per-instrument market facts the checks need (latest valid book, status, ATR, spreads)."""

    __slots__ = (
        "_atr_cache",
        "_levels",
        "_limits",
        "allow_dealer_trading",
        "ask",
        "atr",
        "atr_bars_seen",
        "bid",
        "book",
        "exit_intent",
        "exit_retry_ns",
        "instrument",
        "last_book_ns",
        "limit_ok",
        "lot_units",
        "pos_state",
        "prices",
        "spread_counts",
        "spread_total",
        "status",
        "tick",
        "tradable",
    )
    _levels: EntryLevels | None
    _limits: OrderLimits | None
    tradable: Denial | None

    def __init__(self, instrument: Instrument, atr: AtrTracker, *, allow_dealer_trading: bool) -> None:
        self.allow_dealer_trading = allow_dealer_trading
        self.status = NORMAL_TRADING
        self.limit_ok = True
        self.adopt(instrument, atr)
        self.atr_bars_seen = 0
        self.book: OrderBook | None = None
        self.bid = 0  # best bid / ask of ``book`` in ticks (cached ints)
        self.ask = 0
        self._atr_cache: tuple[int, Decimal | None] = (-1, None)
        self.last_book_ns: int | None = None
        self.spread_counts: dict[int, int] = {}
        self.spread_total = 0
        self.pos_state: PositionState | None = None
        self.exit_intent: str | None = None
        self.exit_retry_ns = 0

    def adopt(self, instrument: Instrument, atr: AtrTracker) -> None:
        """(Re)bind the instrument and its ATR tracker; every cached derivative is recomputed."""
        self.instrument = instrument
        self.atr = atr
        self.tick = instrument.tick
        self.lot_units = instrument.lot * instrument.point_value
        self.prices: dict[int, Decimal] = {}  # ticks → price, for entry decisions
        self._limits = None
        self.forget_atr_cache()
        self.set_status(self.status, self.limit_ok)

    def remember_prices(self, *ticks: int) -> tuple[Decimal, ...]:
        """``ticks × tick`` for each, kept in :attr:`prices` (at most 4096 entries) for the next entry."""
        prices = self.prices
        if len(prices) > _PRICE_CACHE_SIZE:
            prices.clear()
        tick = self.tick
        for value in ticks:
            prices[value] = value * tick
        return tuple(prices[value] for value in ticks)

    def set_status(self, status: int, limit_ok: bool) -> None:
        """The trading status and limit-order flag; caches whether they allow trading."""
        self.status = status
        self.limit_ok = limit_ok
        self.tradable = check_instrument_tradable(
            self.instrument, status, limit_ok, allow_dealer_trading=self.allow_dealer_trading
        )

    def limits(self, config: RiskConfig) -> OrderLimits | None:
        """The config's notional limits as tick·lots (None when lot units are not positive)."""
        limits = self._limits
        if limits is None or limits.config is not config:
            tick_lot_units = self.tick * self.lot_units
            if tick_lot_units <= _ZERO:
                return None
            limits = self._limits = OrderLimits(config, tick_lot_units)
        return limits

    @property
    def cached_levels(self) -> EntryLevels | None:
        """The entry constants computed last (None: none yet, or the ATR was replaced)."""
        return self._levels

    def entry_levels(self, config: RiskConfig) -> EntryLevels | None:
        """The entry constants for the current ATR bar and spread (None: no ATR yet, or lot units
        not positive — the Decimal path decides those)."""
        levels = self._levels
        spread_ticks = self.ask - self.bid
        bars = self.atr.completed_bars
        if (
            levels is not None
            and levels.bars == bars
            and levels.spread_ticks == spread_ticks
            and levels.config is config
        ):
            return levels
        atr = self.atr_price()
        limits = self.limits(config)
        if atr is None or limits is None:
            return None
        tick = self.tick
        distance = distance_for(atr, spread_ticks * tick, tick, config)
        self._levels = EntryLevels(
            bars, spread_ticks, config, distance, tick, self.lot_units, limits.order_ticklots
        )
        return self._levels

    def set_book(self, book: OrderBook) -> None:
        """Adopt a valid book (two-sided, uncrossed)."""
        self.book = book
        self.bid = book.bid_px.item(0)
        self.ask = book.ask_px.item(0)
        self.last_book_ns = book.local_ts_ns

    def mid_price(self) -> Decimal:
        """The mid of the current book in price units (what positions are marked at)."""
        return self.instrument.mid_price(self.bid, self.ask)

    def spread(self) -> Decimal | None:
        """Current spread in price units (None without a book)."""
        if self.book is None:
            return None
        return (self.ask - self.bid) * self.instrument.tick

    def spread_p95_ticks(self) -> int | None:
        """95th percentile of the spreads (ticks) seen so far."""
        if not self.spread_total:
            return None
        rank = 0.95 * self.spread_total
        seen = 0
        for spread in sorted(self.spread_counts):
            seen += self.spread_counts[spread]
            if seen >= rank:
                return spread
        return max(self.spread_counts)

    def forget_atr_cache(self) -> None:
        """The tracker was replaced or restored: recompute the price-unit ATR on next use."""
        self._atr_cache = (-1, None)
        self._levels = None

    def atr_price(self) -> Decimal | None:
        """ATR5 in price units (the tracker runs in ticks), None before its first 5 bars."""
        bars = self.atr.completed_bars
        if self._atr_cache[0] != bars:
            value = self.atr.value()
            self._atr_cache = (bars, None if value is None else as_decimal(value) * self.instrument.tick)
        return self._atr_cache[1]


class EquityFloors:
    """The equities at which the daily-loss and drawdown breakers trip, for one (loss baseline,
    start-of-day equity, peak): ``equity − baseline ≤ −daily_loss_limit · sod`` ⇔ ``equity ≤
    baseline − daily_loss_limit · sod``, and ``equity ≤ peak · (1 − intraday_drawdown_limit)``."""

    __slots__ = ("daily_loss", "drawdown", "keys")

    def __init__(self, baseline: Decimal, sod_equity: Decimal, peak: Decimal, config: RiskConfig) -> None:
        self.keys = (baseline, sod_equity, peak)
        self.daily_loss = baseline - config.daily_loss_limit * sod_equity
        self.drawdown = peak * (1 - config.intraday_drawdown_limit)


@dataclass(slots=True)
class InFlightOrder:
    """An approved order not yet terminal."""

    instrument_id: str
    side: Side
    lots: int
    reduces: bool
    reason: str
    order_id: str = ""
