"""Exit and flatten orders of the RiskEngine: IOCs that close a whole position by walking the book.

Stops, targets, trailing stops, strategy exits, an emergency halt's flatten and its retries all close
a position the same way: one reduce-only FILL_AND_KILL order for the lots not already being closed,
limited at the book level whose cumulative size covers it (bounded by the exchange's price band).
The order still passes the engine's own pre-trade checks; a refused exit waits a second before the
next attempt so that a market move cannot turn into a denial storm.
"""

from __future__ import annotations

from collections.abc import Callable

from scalp_system.core.clock import NS_PER_S
from scalp_system.core.events import SubmitOrder
from scalp_system.core.ids import fast_intent_key
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Side, TimeInForce
from scalp_system.core.state import Denial
from scalp_system.risk.market_state import InFlightOrder, MarketState
from scalp_system.risk.portfolio import Portfolio
from scalp_system.risk.pretrade import PreTradeChecks

EXIT_RETRY_NS = NS_PER_S


def sweep_price_ticks(book: OrderBook, side: Side, lots: int) -> int | None:
    """The limit (ticks) at which an IOC of ``lots`` on ``side`` sweeps the opposite side of the
    book: the first level where the cumulative size covers it, else the deepest level; the exchange's
    price band bounds it. None when the opposite side is empty."""
    prices, sizes = (book.ask_px, book.ask_qty) if side is Side.BUY else (book.bid_px, book.bid_qty)
    if not len(prices):
        return None
    covered = 0
    price = int(prices[-1])
    for level_price, level_size in zip(prices.tolist(), sizes.tolist(), strict=True):
        covered += level_size
        if covered >= lots:
            price = level_price
            break
    if side is Side.BUY and book.limit_up_ticks is not None:
        price = min(price, book.limit_up_ticks)
    if side is Side.SELL and book.limit_down_ticks is not None:
        price = max(price, book.limit_down_ticks)
    return int(price)


class ExitOrders:
    """Builds the approved exit IOC of one instrument's position (see module doc).

    ``inflight`` is the engine's in-flight dict (shared, updated in place); ``pretrade`` counts the
    lots already in flight; ``check_order`` is the engine's approval, which registers an approved
    order in flight.
    """

    def __init__(
        self,
        portfolio: Portfolio,
        inflight: dict[str, InFlightOrder],
        pretrade: PreTradeChecks,
        check_order: Callable[[SubmitOrder], Denial | None],
    ) -> None:
        self._portfolio = portfolio
        self._inflight = inflight
        self._pending_lots = pretrade.pending_lots
        self._check_order = check_order

    def exit_order(self, market: MarketState, reason: str, now: int) -> SubmitOrder | None:
        """An IOC that closes the position, priced at the book level that covers its size; None when
        flat, without a book, while a refused exit waits to retry, while an exit is in flight, when
        in-flight exits already cover the position, or when the checks refuse it."""
        instrument_id = market.instrument.uid
        held = self._portfolio.lots(instrument_id)
        book = market.book
        if held == 0 or book is None or now < market.exit_retry_ns:
            return None
        if market.exit_intent is not None and market.exit_intent in self._inflight:
            return None
        side = Side.SELL if held > 0 else Side.BUY
        lots = abs(held) - self._pending_lots(instrument_id, side, reduces=True)
        if lots <= 0:
            return None
        price_ticks = sweep_price_ticks(book, side, lots)
        if price_ticks is None:
            return None
        order = SubmitOrder(
            fast_intent_key(),
            instrument_id,
            side,
            lots,
            price_ticks,
            TimeInForce.FILL_AND_KILL,
            reduce_only=True,
            reason=reason,
        )
        if self._check_order(order) is not None:
            market.exit_retry_ns = now + EXIT_RETRY_NS
            return None
        market.exit_intent = order.intent_key
        return order
