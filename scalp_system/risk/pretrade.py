"""The pre-trade gate of the RiskEngine: may this order go out now (SPEC §1.7)?

``checks`` holds one pure function per rule; this module composes them, in a fixed order, against
the engine's live state: duplicate intents, quantity, instrument, price, trading state and the
order's reduce/open classification, cooldowns, stale data, tradability, price band, short/position/
notional/cash exposure, open-order count and order rate. It is the hot path of every decision, so
:class:`PreTradeChecks` binds the engine's containers once (shared by reference, never copied) and
its notional limits compare whole tick·lots, falling back to Decimal only where that is not exact.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from scalp_system.config import HedgeConfig, RiskConfig
from scalp_system.core.events import SubmitOrder
from scalp_system.core.orders import Side
from scalp_system.core.state import Denial, TradingState
from scalp_system.risk.breakers import BreakerBoard
from scalp_system.risk.checks import (
    SlidingWindow,
    check_cash,
    check_exposure,
    check_price_band,
    check_quantity,
    check_short,
)
from scalp_system.risk.hedging import HEDGE_REASON
from scalp_system.risk.market_state import InFlightOrder, MarketState
from scalp_system.risk.portfolio import Portfolio

FLATTEN_REASONS = frozenset({"flatten", "halt"})


def halted_denial(board: BreakerBoard) -> Denial:
    """Why HALTED refuses: an emergency halt, else the drift halt."""
    return Denial.STATE_HALTED if board.halt is not None else Denial.DRIFT_HALTED


class PreTradeChecks:
    """Every pre-trade check of one order against the engine's state; the engine owns that state.

    The containers are the engine's own objects, so they must be updated in place (a snapshot
    restore included), never replaced. ``is_stale`` trips the stale-data breaker as a side effect;
    ``imbalance`` is the inventory imbalance a hedge order is held to.
    """

    def __init__(
        self,
        config: RiskConfig,
        hedge_config: HedgeConfig,
        *,
        markets: dict[str, MarketState],
        portfolio: Portfolio,
        board: BreakerBoard,
        inflight: dict[str, InFlightOrder],
        seen_intents: set[str],
        order_rate: SlidingWindow,
        book_ttl_ns: int,
        is_stale: Callable[[MarketState, int], bool],
        imbalance: Callable[[], Decimal],
    ) -> None:
        self.config = config
        self.hedge_config = hedge_config
        self._markets = markets
        self.portfolio = portfolio
        self.board = board
        self._inflight = inflight
        self._seen_intents = seen_intents
        self._order_rate = order_rate
        self._book_ttl_ns = book_ttl_ns
        self._stale = is_stale
        self.imbalance = imbalance

    def pending_lots(self, instrument_id: str, side: Side, *, reduces: bool) -> int:
        """Lots still in flight on ``instrument_id`` and ``side`` that reduce (or open) the position."""
        return sum(
            f.lots
            for f in self._inflight.values()
            if f.instrument_id == instrument_id and f.side is side and f.reduces is reduces
        )

    def check(self, order: SubmitOrder, now: int) -> Denial | bool:
        """A Denial, or whether the approved order reduces the position (True) or opens (False)."""
        cfg = self.config
        key = order.intent_key
        inflight = self._inflight
        if key in self._seen_intents or key in inflight:
            return Denial.INTENT_DUPLICATE
        lots = order.lots
        if type(lots) is not int or lots <= 0:
            quantity = check_quantity(lots)
            if quantity is not None:
                return quantity
        instrument_id = order.instrument_id
        market = self._markets.get(instrument_id)
        if market is None:
            return Denial.INSTRUMENT_UNKNOWN
        price_ticks = order.limit_price_ticks
        if price_ticks is None:
            return Denial.PRICE_MISSING
        position = self.portfolio.positions.get(instrument_id)
        held = position.lots if position is not None else 0
        side = order.side
        reduces = (held < 0 if side is Side.BUY else held > 0) and (
            lots + (self.pending_lots(instrument_id, side, reduces=True) if inflight else 0) <= abs(held)
        )
        board = self.board
        state = board.state
        reason = order.reason
        if state is TradingState.HALTED:
            if not reduces:
                return halted_denial(board)
            if board.halt is not None and reason not in FLATTEN_REASONS:
                return Denial.STATE_HALTED
        elif state is TradingState.REDUCING and not reduces:
            return Denial.STATE_REDUCING_WOULD_OPEN
        if not reduces:
            if (
                reason != HEDGE_REASON
                and (board.global_cooldown_until or board.cooldowns)
                and board.cooldown_until(instrument_id, now) is not None
            ):
                return Denial.COOLDOWN_ACTIVE
            last_book = market.last_book_ns
            if (last_book is None or now - last_book > self._book_ttl_ns) and self._stale(market, now):
                return Denial.DATA_STALE
        if market.tradable is not None:
            return market.tradable
        book = market.book
        if book is None:
            band = check_price_band(price_ticks, None, None)
        else:
            band = check_price_band(price_ticks, book.limit_down_ticks, book.limit_up_ticks)
        if band is not None:
            return band
        if not reduces:
            denial = self._exposure_denial(order, market, held, price_ticks)
            if denial is not None:
                return denial
        if reason not in FLATTEN_REASONS and len(inflight) >= cfg.max_open_orders:
            return Denial.ORDERS_MAX_OPEN
        if self._order_rate.count(now) >= cfg.max_orders_per_min:
            return Denial.RATE_ORDERS_PER_MINUTE
        return reduces

    def _exposure_denial(
        self, order: SubmitOrder, market: MarketState, held: int, price_ticks: int
    ) -> Denial | None:
        """Short, position-lots, notional (per order, instrument, gross) and cash limits of an
        opening order; notional limits compare whole tick·lots (exact, see ``sizing.ticklots_cap``)."""
        cfg = self.config
        instrument_id = order.instrument_id
        side = order.side
        lots = order.lots
        pending = 0
        if self._inflight:
            pending = self.pending_lots(instrument_id, Side.BUY, reduces=False) - self.pending_lots(
                instrument_id, Side.SELL, reduces=False
            )
        before = held + pending
        after = before + lots if side is Side.BUY else before - lots
        if after < 0 and after < before:  # opens or grows a short
            short = check_short(market.instrument, before, after)
            if short is not None:
                return short
        limits = market.limits(cfg)
        if limits is None or order.reason == HEDGE_REASON:
            return self._exposure_denial_exact(order, market, after, price_ticks)
        size_after = after if after >= 0 else -after
        if size_after > cfg.max_position_lots:
            return Denial.POSITION_MAX_LOTS
        order_ticklots = price_ticks * lots
        if order_ticklots > limits.order_ticklots:
            return Denial.NOTIONAL_PER_ORDER
        instrument_ticklots = size_after * price_ticks
        if instrument_ticklots > limits.instrument_ticklots:
            return Denial.NOTIONAL_PER_INSTRUMENT
        positions = self.portfolio.positions
        others = None
        if len(positions) > (instrument_id in positions):  # positions (maybe flat) in other instruments
            others = self._other_gross_notional(instrument_id)
        if others is None:
            if instrument_ticklots > limits.gross_ticklots:
                return Denial.NOTIONAL_GROSS
        elif others + instrument_ticklots * limits.tick_lot_units > cfg.max_gross_notional:
            return Denial.NOTIONAL_GROSS
        if side is Side.BUY:
            cash = self.portfolio.cash
            if cash is not None and order_ticklots * limits.tick_lot_units > cash:
                return Denial.CASH_INSUFFICIENT
        return None

    def _other_gross_notional(self, instrument_id: str) -> Decimal | None:
        """Σ |notional| of the open positions in other instruments (None when there are none)."""
        total: Decimal | None = None
        portfolio = self.portfolio
        for other, position in portfolio.positions.items():
            if position.lots and other != instrument_id:
                notional = abs(portfolio.signed_notional(other))
                total = notional if total is None else total + notional
        return total

    def _exposure_denial_exact(
        self, order: SubmitOrder, market: MarketState, after: int, price_ticks: int
    ) -> Denial | None:
        """The exposure and cash limits in Decimal (hedges, and instruments without positive lot units)."""
        cfg = self.config
        instrument_id = order.instrument_id
        side = order.side
        price = price_ticks * market.instrument.tick
        lot_units = self.portfolio.lot_units(instrument_id)
        order_notional = price * order.lots * lot_units
        instrument_after = abs(after) * price * lot_units
        if order.reason == HEDGE_REASON:
            # A hedge adds gross notional by design; it is held to the net (beta-weighted) exposure
            # it leaves, which must not exceed the gross limit.
            weight = self.hedge_config.beta if instrument_id == self.hedge_config.instrument else Decimal(1)
            gross_after = abs(self.imbalance() * cfg.max_gross_notional + weight * side.sign * order_notional)
        else:
            held_notional = abs(self.portfolio.signed_notional(instrument_id))
            gross_after = self.portfolio.gross_notional() - held_notional + instrument_after
        exposure = check_exposure(
            order_notional=order_notional,
            instrument_notional_after=instrument_after,
            gross_notional_after=gross_after,
            position_lots_after=after,
            max_position_lots=cfg.max_position_lots,
            max_notional_per_order=cfg.max_notional_per_order,
            max_notional_per_instrument=cfg.max_notional_per_instrument,
            max_gross_notional=cfg.max_gross_notional,
        )
        if exposure is not None:
            return exposure
        if side is Side.BUY:
            return check_cash(order_notional, self.portfolio.cash)
        return None
