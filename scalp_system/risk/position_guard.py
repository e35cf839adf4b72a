"""What a market move or a fill means for the open positions: equity breakers, trailing, stop/target.

After every book, fill and timer tick the RiskEngine asks :class:`PositionGuard` what must happen
now: the daily-loss and intraday-drawdown breakers are checked first (a trip halts and, with
``risk.flatten_on_halt``, flattens), then the position's stop and target are rebuilt when a new ATR
bar completed (never loosening), the trailing stop advances, and a hit stop, trailing stop or
target becomes a closing IOC. The guard keeps the daily-loss baseline and the equity floors derived
from it; everything else it reads is the engine's, bound once because this runs on every book.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

from scalp_system.config import RiskConfig
from scalp_system.core.orders import PositionSide
from scalp_system.core.state import BreakerKind
from scalp_system.risk.breakers import BreakerBoard
from scalp_system.risk.exits import ExitOrders
from scalp_system.risk.market_state import EquityFloors, MarketState
from scalp_system.risk.portfolio import Portfolio
from scalp_system.risk.stops import (
    PositionState,
    advance_trailing,
    open_position_state,
    stop_hit,
    target_hit,
    update_position_state,
)

if TYPE_CHECKING:
    from scalp_system.risk.engine import Command

_ZERO = Decimal(0)


class PositionGuard:
    """Equity breakers and protective exits of the open positions (see module doc).

    ``loss_baseline`` is the equity the daily-loss limit counts from: start-of-day equity, reset by
    a new trading day and by :meth:`RiskEngine.resume`. ``emergency_halt`` is the engine's halt
    (cancels and flatten orders); ``exits`` builds the closing IOCs.
    """

    def __init__(
        self,
        config: RiskConfig,
        portfolio: Portfolio,
        board: BreakerBoard,
        exits: ExitOrders,
        emergency_halt: Callable[[str, BreakerKind | None], list[Command]],
    ) -> None:
        self.config = config
        self.portfolio = portfolio
        self.board = board
        self._exit_order = exits.exit_order
        self._emergency_halt = emergency_halt
        self.loss_baseline = _ZERO
        self._equity_floors: EquityFloors | None = None

    def refresh_levels(self, market: MarketState) -> None:
        """Stops after a fill or a new bar: from the average entry, never loosening."""
        position = self.portfolio.positions.get(market.instrument.uid)
        if position is None or position.lots == 0:
            market.pos_state = None
            return
        side = PositionSide.LONG if position.lots > 0 else PositionSide.SHORT
        tick = market.instrument.tick
        spread = market.spread()
        spread = spread if spread is not None else self.config.spread_floor
        atr = market.atr_price()
        p95 = market.spread_p95_ticks() if atr is None else None
        state = market.pos_state
        if state is None or state.side is not side:
            market.pos_state = open_position_state(
                position.avg_price, side, atr, spread, tick, self.config, spread_ticks_p95=p95
            )
        else:
            if state.avg_entry != position.avg_price:
                state = PositionState(
                    side,
                    position.avg_price,
                    state.stop,
                    state.target,
                    state.best_price,
                    state.trailing_active,
                    state.distance,
                )
            market.pos_state = update_position_state(
                state, atr, spread, state.best_price, tick, self.config, spread_ticks_p95=p95
            )
        market.atr_bars_seen = market.atr.completed_bars

    def after_market_move(self, market: MarketState, now: int) -> list[Command]:
        """Equity breakers first (a halt flattens), then the position's trailing and stop/target exits."""
        commands = self.check_equity(now)
        halted = self.board.halt is not None
        if halted and self.config.flatten_on_halt and self.portfolio.lots(market.instrument.uid):
            order = self._exit_order(market, "flatten", now)
            if order is not None:
                commands.append(order)
        state = market.pos_state
        book = market.book
        if state is None or book is None:
            return commands
        if market.atr.completed_bars != market.atr_bars_seen:
            self.refresh_levels(market)
            state = market.pos_state
            assert state is not None
        price = market.prices.get
        bid, ask = price(market.bid), price(market.ask)
        if bid is None or ask is None:
            bid, ask = market.remember_prices(market.bid, market.ask)
        exit_price = bid if state.side is PositionSide.LONG else ask
        state = advance_trailing(state, exit_price, market.tick, self.config)
        market.pos_state = state
        if halted:
            return commands
        reason = ""
        if stop_hit(state, bid, ask):
            reason = "trailing" if state.trailing_active else "stop"
        elif target_hit(state, bid, ask):
            reason = "target"
        if reason:
            order = self._exit_order(market, reason, now)
            if order is not None:
                commands.append(order)
        return commands

    def check_equity(self, now: int) -> list[Command]:
        """The daily-loss and intraday-drawdown breakers on the current equity (the peak is raised
        first); a trip is an emergency halt, whose commands are returned."""
        portfolio = self.portfolio
        if self.board.halt is not None or portfolio.sod_equity <= _ZERO:
            return []
        equity = portfolio.equity()
        peak = portfolio.peak_equity
        if equity > peak:
            portfolio.peak_equity = peak = equity
        cfg = self.config
        floors = self._equity_floors
        if floors is None or floors.keys != (self.loss_baseline, portfolio.sod_equity, peak):
            floors = self._equity_floors = EquityFloors(self.loss_baseline, portfolio.sod_equity, peak, cfg)
        if equity <= floors.daily_loss:
            return self._emergency_halt(
                f"daily loss {equity - portfolio.sod_equity} <= -{cfg.daily_loss_limit} of start-of-day "
                f"equity {portfolio.sod_equity}",
                BreakerKind.DAILY_LOSS,
            )
        if equity <= floors.drawdown:
            return self._emergency_halt(
                f"equity {equity} <= peak {portfolio.peak_equity} - {cfg.intraday_drawdown_limit}",
                BreakerKind.INTRADAY_DRAWDOWN,
            )
        return []
