"""Price-time priority limit order book for one instrument, in integer ticks and lots.

Client orders and simulated market flow share one book: every resting order joins the back of the
queue at its price, an aggressive order takes the best price first and, within a price, the oldest
order first. Each execution is reported as a ``TapePrinted`` naming the client orders on either side
(None for market-flow agents), so the core can turn it into a public trade and client fills.
Pure Python on dicts, sorted price lists and deques: a level is O(1) to hit at the top of the book
and O(levels) to open or close, which is what the synthetic flow needs at ~10⁵ events/s.
"""

from __future__ import annotations

import bisect
from collections import deque

from scalp_system.core.market import Aggressor, IntArray
from scalp_system.core.orders import Side
from scalp_system.exchange.source import TapePrinted


class _RestingOrder:
    """One order waiting in the book (agent or client)."""

    __slots__ = ("client_ref", "order_id", "price", "remaining", "side", "slot")

    def __init__(self, order_id: int, side: Side, price: int, remaining: int, client_ref: str | None) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price
        self.remaining = remaining
        self.client_ref = client_ref
        self.slot = -1  # index in the agent order list of its side (agents only)


class _Level:
    """All orders at one price, oldest first, and their total."""

    __slots__ = ("orders", "total")

    def __init__(self) -> None:
        self.orders: deque[_RestingOrder] = deque()
        self.total = 0


class LimitOrderBook:
    """The matching engine of one instrument (implements ``VenueBook`` for the core)."""

    def __init__(self, instrument_uid: str) -> None:
        self.instrument_uid = instrument_uid
        self._bids: dict[int, _Level] = {}
        self._asks: dict[int, _Level] = {}
        self._bid_prices: list[int] = []  # ascending: best bid is the last
        self._ask_prices: list[int] = []  # ascending: best ask is the first
        self._orders: dict[int, _RestingOrder] = {}
        self._clients: dict[str, _RestingOrder] = {}
        self._agent_orders: dict[Side, list[_RestingOrder]] = {Side.BUY: [], Side.SELL: []}
        self._next_id = 1

    # --- reading ----------------------------------------------------------------------------

    def best_bid(self) -> int | None:
        """Best bid in ticks (None when the bid side is empty)."""
        return self._bid_prices[-1] if self._bid_prices else None

    def best_ask(self) -> int | None:
        """Best ask in ticks (None when the ask side is empty)."""
        return self._ask_prices[0] if self._ask_prices else None

    def level_count(self, side: Side) -> int:
        """How many price levels ``side`` has."""
        return len(self._bid_prices) if side is Side.BUY else len(self._ask_prices)

    def nth_price(self, side: Side, n: int) -> int | None:
        """Price of the ``n``-th level of ``side`` counted from the best (1 = best), None if shallower."""
        prices = self._bid_prices if side is Side.BUY else self._ask_prices
        if len(prices) < n:
            return None
        return prices[-n] if side is Side.BUY else prices[n - 1]

    def shape(self) -> tuple[int, int, int, int]:
        """(bid levels, ask levels, agent bid orders, agent ask orders): the generator's upkeep check."""
        return (
            len(self._bid_prices),
            len(self._ask_prices),
            len(self._agent_orders[Side.BUY]),
            len(self._agent_orders[Side.SELL]),
        )

    def deepest(self, side: Side) -> int | None:
        """The worst price level of ``side`` (lowest bid, highest ask)."""
        prices = self._bid_prices if side is Side.BUY else self._ask_prices
        if not prices:
            return None
        return prices[0] if side is Side.BUY else prices[-1]

    def size_at(self, side: Side, price_ticks: int) -> int:
        """Total lots resting at one price of ``side`` (0 when there is no level)."""
        level = (self._bids if side is Side.BUY else self._asks).get(price_ticks)
        return level.total if level is not None else 0

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        """Up to ``depth`` (price, lots) levels of ``side``, best first."""
        if side is Side.BUY:
            prices = self._bid_prices[-depth:][::-1] if depth > 0 else []
            return [(p, self._bids[p].total) for p in prices]
        return [(p, self._asks[p].total) for p in self._ask_prices[:depth]]

    def displayed_arrays(self, depth: int) -> tuple[IntArray, IntArray, IntArray, IntArray] | None:
        """None: this book keeps no arrays (the core builds the book from ``levels``)."""
        return None

    def resting_lots(self, order_id: int) -> int:
        """Lots an order still has in the book (0 when filled, cancelled or unknown)."""
        order = self._orders.get(order_id)
        return order.remaining if order is not None else 0

    def queue_ahead(self, client_ref: str) -> int:
        """Lots queued before a working client order at its price (0 when unknown)."""
        order = self._clients.get(client_ref)
        if order is None:
            return 0
        level = (self._bids if order.side is Side.BUY else self._asks)[order.price]
        ahead = 0
        for other in level.orders:
            if other is order:
                break
            ahead += other.remaining
        return ahead

    def sweep_preview(self, side: Side, lots: int, limit_ticks: int | None) -> list[tuple[int, int]]:
        """The (price, lots) an aggressive ``side`` order would take now, without touching the book."""
        taken: list[tuple[int, int]] = []
        if side is Side.BUY:
            prices, book = self._ask_prices, self._asks
            iterator = iter(prices)
        else:
            prices, book = self._bid_prices, self._bids
            iterator = reversed(prices)
        for price in iterator:
            if lots <= 0 or (
                limit_ticks is not None and (price > limit_ticks if side is Side.BUY else price < limit_ticks)
            ):
                break
            take = min(lots, book[price].total)
            taken.append((price, take))
            lots -= take
        return taken

    # --- client orders (VenueBook) ------------------------------------------------------------

    def take(
        self, side: Side, lots: int, limit_ticks: int | None, ts_ns: int, client_ref: str
    ) -> list[TapePrinted]:
        """Execute an aggressive client order against the book (best price first, then time)."""
        return self._match(side, lots, limit_ticks, ts_ns, client_ref)

    def rest(self, side: Side, price_ticks: int, lots: int, ts_ns: int, client_ref: str) -> None:
        """Queue a client order at the back of its price level."""
        order = self._insert(side, price_ticks, lots, client_ref)
        self._clients[client_ref] = order

    def cancel(self, client_ref: str) -> int:
        """Remove a working client order; returns its remaining lots (0 if unknown)."""
        order = self._clients.get(client_ref)
        if order is None:
            return 0
        return self._remove(order)

    # --- market flow (agents) ---------------------------------------------------------------

    def agent_limit(
        self, side: Side, price_ticks: int, lots: int, ts_ns: int
    ) -> tuple[int, list[TapePrinted]]:
        """An agent's limit order: crosses what it can, the rest joins the book.
        Returns (order id or 0 when fully executed, prints)."""
        prints = self._match(side, lots, price_ticks, ts_ns, None)
        left = lots - sum(p.lots for p in prints) if prints else lots
        if left <= 0:
            return 0, prints
        order = self._insert(side, price_ticks, left, None)
        agents = self._agent_orders[side]
        order.slot = len(agents)
        agents.append(order)
        return order.order_id, prints

    def agent_market(
        self, side: Side, lots: int, ts_ns: int, limit_ticks: int | None = None
    ) -> list[TapePrinted]:
        """An agent's market order (the unfilled rest is dropped)."""
        return self._match(side, lots, limit_ticks, ts_ns, None)

    def agent_order_count(self, side: Side) -> int:
        """How many agent orders rest on ``side``."""
        return len(self._agent_orders[side])

    def agent_order_at(self, side: Side, index: int) -> tuple[int, int]:
        """(order id, price) of the ``index``-th live agent order of ``side`` (arbitrary order)."""
        order = self._agent_orders[side][index]
        return order.order_id, order.price

    def cancel_order(self, order_id: int) -> int:
        """Cancel any resting order by its book id; returns the lots removed."""
        order = self._orders.get(order_id)
        if order is None:
            return 0
        return self._remove(order)

    def reduce_order(self, order_id: int, lots: int) -> int:
        """Reduce a resting order by up to ``lots`` keeping its queue place; returns lots removed."""
        order = self._orders.get(order_id)
        if order is None:
            return 0
        if lots >= order.remaining:
            return self._remove(order)
        order.remaining -= lots
        (self._bids if order.side is Side.BUY else self._asks)[order.price].total -= lots
        return lots

    # --- internals --------------------------------------------------------------------------

    def _insert(self, side: Side, price: int, lots: int, client_ref: str | None) -> _RestingOrder:
        order = _RestingOrder(self._next_id, side, price, lots, client_ref)
        self._next_id += 1
        book, prices = (self._bids, self._bid_prices) if side is Side.BUY else (self._asks, self._ask_prices)
        level = book.get(price)
        if level is None:
            level = _Level()
            book[price] = level
            bisect.insort(prices, price)
        level.orders.append(order)
        level.total += lots
        self._orders[order.order_id] = order
        return order

    def _remove(self, order: _RestingOrder) -> int:
        book, prices = (
            (self._bids, self._bid_prices) if order.side is Side.BUY else (self._asks, self._ask_prices)
        )
        level = book[order.price]
        level.orders.remove(order)
        left = order.remaining
        level.total -= left
        if not level.orders:
            del book[order.price]
            del prices[bisect.bisect_left(prices, order.price)]
        self._forget(order)
        return left

    def _forget(self, order: _RestingOrder) -> None:
        order.remaining = 0
        del self._orders[order.order_id]
        if order.client_ref is not None:
            self._clients.pop(order.client_ref, None)
        elif order.slot >= 0:
            agents = self._agent_orders[order.side]
            last = agents.pop()
            if last is not order:
                agents[order.slot] = last
                last.slot = order.slot
            order.slot = -1

    def _match(
        self, side: Side, lots: int, limit: int | None, ts_ns: int, taker_ref: str | None
    ) -> list[TapePrinted]:
        prints: list[TapePrinted] = []
        uid = self.instrument_uid
        if side is Side.BUY:
            book, prices, aggressor = self._asks, self._ask_prices, Aggressor.BUY
        else:
            book, prices, aggressor = self._bids, self._bid_prices, Aggressor.SELL
        while lots > 0 and prices:
            price = prices[0] if side is Side.BUY else prices[-1]
            if limit is not None and (price > limit if side is Side.BUY else price < limit):
                break
            level = book[price]
            queue = level.orders
            while lots > 0 and queue:
                maker = queue[0]
                take = lots if lots < maker.remaining else maker.remaining
                maker.remaining -= take
                level.total -= take
                lots -= take
                prints.append(TapePrinted(uid, price, take, aggressor, ts_ns, maker.client_ref, taker_ref))
                if maker.remaining == 0:
                    queue.popleft()
                    self._forget(maker)
            if not queue:
                del book[price]
                if side is Side.BUY:
                    del prices[0]
                else:
                    prices.pop()
        return prints
