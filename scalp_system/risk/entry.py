"""The entry decision of the RiskEngine: may a position be opened on a side, how large, which levels?

An entry is refused in a fixed order (trading state, unknown instrument, cooldown, stale data,
tradability, warm-up without ATR, zero size); an allowed one gets its lots, stop and target. The
common case runs in integer ticks with per-distance constants the market state caches per ATR bar
and spread (equal to the Decimal formulas of ``risk.stops`` and ``risk.sizing``); warm-up, a
caller's own entry price and instruments without positive lot units take the Decimal path. Every
refusal is counted and published through the engine's denial hook.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from scalp_system.config import RiskConfig
from scalp_system.core.orders import PositionSide, Side
from scalp_system.core.state import Denial, TradingState
from scalp_system.risk.breakers import BreakerBoard
from scalp_system.risk.market_state import EntryDecision, InFlightOrder, MarketState, new_entry_decision
from scalp_system.risk.portfolio import Portfolio
from scalp_system.risk.pretrade import PreTradeChecks, halted_denial
from scalp_system.risk.sizing import position_size, position_size_ticks
from scalp_system.risk.stops import distance_for, stop_price, target_price


class EntryEvaluator:
    """Sizes and levels an entry against the engine's state (see module doc).

    The containers are the engine's own (shared, updated in place). ``is_stale`` trips the
    stale-data breaker as a side effect; ``deny`` counts and publishes a denial
    (intent key, instrument, denial, now, detail).
    """

    def __init__(
        self,
        config: RiskConfig,
        *,
        markets: dict[str, MarketState],
        portfolio: Portfolio,
        board: BreakerBoard,
        inflight: dict[str, InFlightOrder],
        pretrade: PreTradeChecks,
        book_ttl_ns: int,
        is_stale: Callable[[MarketState, int], bool],
        deny: Callable[[str, str, Denial, int, str], None],
    ) -> None:
        self.config = config
        self._markets = markets
        self.portfolio = portfolio
        self.board = board
        self._inflight = inflight
        self._pending_lots = pretrade.pending_lots
        self._book_ttl_ns = book_ttl_ns
        self._stale = is_stale
        self._deny = deny

    def evaluate(
        self, instrument_id: str, position_side: PositionSide, entry_price: Decimal | None, now: int
    ) -> EntryDecision:
        """The decision at ``now`` (deadlines already applied); ``entry_price`` None: the best
        opposite price of the latest book."""
        board = self.board
        market = self._markets.get(instrument_id)
        last_book = market.last_book_ns if market is not None else None
        if (  # anything that might refuse: the full check, in its order
            market is None
            or board.state is not TradingState.ACTIVE
            or board.global_cooldown_until
            or board.cooldowns
            or last_book is None
            or now - last_book > self._book_ttl_ns
            or market.book is None
            or market.tradable is not None
        ):
            denial = self._entry_denial(market, instrument_id, now)
            if denial is not None or market is None:
                denial = denial or Denial.INSTRUMENT_UNKNOWN
                return self._deny_entry(instrument_id, position_side, denial, now)
        cfg = self.config
        levels = market.entry_levels(cfg) if entry_price is None else None
        if levels is None:
            atr = market.atr_price()
            if atr is None and not cfg.allow_warmup_entries:
                return self._deny_entry(
                    instrument_id,
                    position_side,
                    Denial.WARMUP_NO_ATR,
                    now,
                    f"{market.atr.completed_bars} of {cfg.atr_period} ATR bars",
                )
            return self._evaluate_exact(market, position_side, atr, entry_price, now)
        long = position_side is PositionSide.LONG
        position = self.portfolio.positions.get(instrument_id)
        held = 0 if position is None else (position.lots if long else -position.lots)
        if held < 0:
            held = 0
        if self._inflight:
            held += self._pending_lots(instrument_id, Side.BUY if long else Side.SELL, reduces=False)
        entry_ticks = market.ask if long else market.bid
        lots = position_size_ticks(
            levels.risk_lots(self.portfolio.equity()),
            entry_ticks,
            levels.order_ticklots,
            cfg.max_position_lots,
            held,
        )
        if lots <= 0:
            detail = f"d={levels.distance}"
            return self._deny_entry(instrument_id, position_side, Denial.SIZE_ZERO, now, detail)
        if long:
            stop_ticks = entry_ticks - levels.stop_ticks
            target_ticks = entry_ticks + levels.target_ticks
        else:
            stop_ticks = entry_ticks + levels.stop_ticks
            target_ticks = entry_ticks - levels.target_ticks
        price = market.prices.get
        entry, stop, target = price(entry_ticks), price(stop_ticks), price(target_ticks)
        if entry is None or stop is None or target is None:
            entry, stop, target = market.remember_prices(entry_ticks, stop_ticks, target_ticks)
        return new_entry_decision(
            instrument_id, position_side, lots, entry, levels.distance, stop, target, None, ""
        )

    def _evaluate_exact(
        self,
        market: MarketState,
        side: PositionSide,
        atr: Decimal | None,
        entry_price: Decimal | None,
        now: int,
    ) -> EntryDecision:
        """The entry decision in Decimal throughout: warm-up (no ATR yet), a caller's entry price
        (which may lie off the tick grid) or an instrument whose lot units are not positive."""
        instrument_id = market.instrument.uid
        tick = market.tick
        spread = (market.ask - market.bid) * tick
        entry = (
            entry_price
            if entry_price is not None
            else (market.ask * tick if side is PositionSide.LONG else market.bid * tick)
        )
        p95 = market.spread_p95_ticks() if atr is None else None
        distance = distance_for(atr, spread, tick, self.config, spread_ticks_p95=p95)
        held = self.portfolio.lots(instrument_id) * side.sign
        held = max(held, 0) + self._pending_lots(instrument_id, side.entry_side, reduces=False)
        lots = position_size(
            self.portfolio.equity(),
            distance,
            self.portfolio.lot_units(instrument_id),
            entry,
            self.config,
            held_lots=held,
        )
        if lots <= 0:
            return self._deny_entry(instrument_id, side, Denial.SIZE_ZERO, now, f"d={distance}")
        stop = stop_price(entry, side, distance, tick)
        target = target_price(entry, side, distance, tick, self.config.k_tp)
        return EntryDecision(instrument_id, side, lots, entry, distance, stop, target)

    def _deny_entry(
        self, instrument_id: str, side: PositionSide, denial: Denial, now: int, detail: str = ""
    ) -> EntryDecision:
        self._deny("", instrument_id, denial, now, detail or f"entry {side.value}")
        return EntryDecision(instrument_id, side, 0, denial=denial, detail=detail)

    def _entry_denial(self, market: MarketState | None, instrument_id: str, now: int) -> Denial | None:
        board = self.board
        state = board.state
        if state is TradingState.HALTED:
            return halted_denial(board)
        if state is TradingState.REDUCING:
            return Denial.STATE_REDUCING_WOULD_OPEN
        if market is None:
            return Denial.INSTRUMENT_UNKNOWN
        if board.cooldown_until(instrument_id, now) is not None:
            return Denial.COOLDOWN_ACTIVE
        if self._stale(market, now) or market.book is None:
            return Denial.DATA_STALE
        return market.tradable
