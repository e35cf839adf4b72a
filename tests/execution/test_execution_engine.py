"""ExecutionEngine against the real exchange core (in process, through the backtest's SimulatedVenue).

No mocks: orders go into the matching engine of the local exchange with its synthetic market.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from scalp_system.backtest.sim_venue import SimulatedVenue, constant_latency
from scalp_system.core.clock import NS_PER_MS, NS_PER_S, SimulatedClock
from scalp_system.core.events import OrderFilled, OrderRejected, SubmitOrder
from scalp_system.core.ids import new_intent_key
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Fill, Order, OrderStatus, OrderType, Side, TimeInForce
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.synthetic import SyntheticMarket
from scalp_system.execution.engine import ExecutionEngine
from scalp_system.execution.ledger import Ledger


class World:
    """One exchange core with a synthetic SBER market, one funded account, and the engine."""

    def __init__(self, seed: int = 3) -> None:
        catalogue = default_catalogue()
        self.sber: Instrument = next(i for i in catalogue if i.ticker == "SBER")
        market = SyntheticMarket([self.sber], seed=seed)
        self.core = ExchangeCore([self.sber], commission_rate=Decimal("0.0005"), source=market)
        self.account = self.core.open_account("test")
        self.core.pay_in(self.account, Decimal("1000000"))
        self.clock = SimulatedClock(self.core.now_ns)
        self.venue = SimulatedVenue(
            self.core, self.account, self.clock, depth=20, order_latency=constant_latency(2 * NS_PER_MS)
        )
        self.events: list[object] = []
        self.engine = ExecutionEngine(
            self.venue,
            Ledger({self.sber.uid: self.sber}),
            self.clock,
            on_event=self.events.append,
            resolve_backoff_s=0.0,
        )

    async def run_until(self, seconds: float) -> OrderBook | None:
        """Pump events into the engine for ``seconds`` of market time; returns the last book."""
        end = self.clock.now_ns() + int(seconds * NS_PER_S)
        book = None
        while (event := self.venue.pop_event()) is not None:
            ts = (
                getattr(event, "exchange_ts_ns", None) or getattr(event, "ts_ns", None) or self.clock.now_ns()
            )
            self.clock.set(ts)
            if isinstance(event, OrderBook):
                book = event
            elif isinstance(event, Fill):
                await self.engine.on_fill(event)
            elif isinstance(event, Order):
                await self.engine.on_order_update(event)
            if self.clock.now_ns() >= end:
                break
        return book

    def ioc(self, side: Side, lots: int, price_ticks: int) -> SubmitOrder:
        return SubmitOrder(
            new_intent_key(), self.sber.uid, side, lots, price_ticks, TimeInForce.FILL_AND_KILL
        )


async def test_ioc_buy_at_the_ask_fills_and_the_position_matches_the_exchange() -> None:
    world = World()
    book = await world.run_until(5)
    assert book is not None and book.best_ask is not None
    order = await world.engine.submit(world.ioc(Side.BUY, 2, book.best_ask + 5))
    await world.run_until(0.5)
    assert order.status in (OrderStatus.FILL, OrderStatus.PARTIALLYFILL, OrderStatus.CANCELLED)
    exchange_lots = {p.instrument_uid: p.lots for p in world.core.positions(world.account).securities}
    assert world.engine.ledger.position(world.sber.uid).lots == exchange_lots.get(world.sber.uid, 0) > 0
    assert any(isinstance(e, OrderFilled) for e in world.events)


async def test_realised_pnl_and_commission_match_the_exchange_to_the_kopeck() -> None:
    world = World()
    book = await world.run_until(5)
    assert book is not None and book.best_ask is not None and book.best_bid is not None
    await world.engine.submit(world.ioc(Side.BUY, 3, book.best_ask + 10))
    book = await world.run_until(30)
    assert book is not None and book.best_bid is not None
    await world.engine.submit(
        world.ioc(Side.SELL, world.engine.ledger.position(world.sber.uid).lots, book.best_bid - 10)
    )
    await world.run_until(0.5)
    ledger = world.engine.ledger
    assert ledger.position(world.sber.uid).lots == 0
    portfolio = world.core.portfolio(world.account)
    assert ledger.realized_pnl() == portfolio.realized_pnl
    assert ledger.commission() == portfolio.commission_paid
    assert portfolio.cash == Decimal("1000000") + ledger.realized_pnl() - ledger.commission()


async def test_an_off_tick_or_out_of_band_order_is_rejected_with_the_broker_code() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_ask is not None
    order = await world.engine.submit(world.ioc(Side.BUY, 1, book.best_ask * 3))
    assert order.status is OrderStatus.REJECTED and order.reject_reason.startswith("30099")
    assert world.engine.rejects == 1
    assert any(isinstance(e, OrderRejected) and e.code == "30099" for e in world.events)


async def test_an_intent_key_is_never_submitted_twice() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_ask is not None
    command = world.ioc(Side.BUY, 1, book.best_ask)
    await world.engine.submit(command)
    with pytest.raises(ValueError, match="already submitted"):
        await world.engine.submit(command)


async def test_duplicated_fills_do_not_double_the_position() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_ask is not None
    await world.engine.submit(world.ioc(Side.BUY, 2, book.best_ask + 5))
    fills = []
    while (event := world.venue.pop_event()) is not None:
        if isinstance(event, Fill):
            fills.append(event)
        if len(fills) and isinstance(event, OrderBook):
            break
    for fill in fills + fills:
        await world.engine.on_fill(fill)
    assert world.engine.ledger.position(world.sber.uid).lots == sum(f.lots for f in fills)


async def test_stale_order_updates_never_move_an_order_backwards() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_bid is not None
    resting = SubmitOrder(new_intent_key(), world.sber.uid, Side.BUY, 1, book.best_bid - 50, TimeInForce.DAY)
    placed = await world.engine.submit(resting)
    cancelled = await world.engine.cancel(resting.intent_key)
    assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
    await world.engine.on_order_update(placed)  # a late NEW after CANCELLED
    current = world.engine.order(resting.intent_key)
    assert current is not None and current.status is OrderStatus.CANCELLED


async def test_reconcile_cancels_orphan_orders_and_takes_the_venue_positions() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_bid is not None and book.best_ask is not None
    # An order and a fill the engine never saw (placed by a previous, crashed process).
    world.core.post_order(
        world.account,
        new_intent_key(),
        world.sber.uid,
        Side.BUY,
        1,
        OrderType.LIMIT,
        TimeInForce.DAY,
        book.best_bid - 40,
        world.clock.now_ns(),
    )
    world.core.post_order(
        world.account,
        new_intent_key(),
        world.sber.uid,
        Side.BUY,
        2,
        OrderType.LIMIT,
        TimeInForce.FILL_AND_KILL,
        book.best_ask + 10,
        world.clock.now_ns(),
    )
    report = await world.engine.reconcile()
    assert len(report.cancelled_orphans) == 1
    assert world.core.open_orders(world.account) == []
    venue_lots = world.core.positions(world.account).securities[0].lots
    assert world.engine.ledger.position(world.sber.uid).lots == venue_lots
    assert report.position_corrections[world.sber.uid] == (0, venue_lots)


async def test_has_open_orders_follows_a_resting_order_until_it_is_cancelled() -> None:
    world = World()
    book = await world.run_until(2)
    assert book is not None and book.best_bid is not None
    assert not world.engine.has_open_orders()
    resting = SubmitOrder(
        new_intent_key(), world.sber.uid, Side.BUY, 1, book.best_bid - 20, TimeInForce.DAY
    )
    await world.engine.submit(resting)
    assert world.engine.has_open_orders()
    assert [o.intent_key for o in world.engine.open_orders()] == [resting.intent_key]
    await world.engine.cancel(resting.intent_key)
    await world.run_until(0.1)
    assert not world.engine.has_open_orders() and not world.engine.open_orders()
