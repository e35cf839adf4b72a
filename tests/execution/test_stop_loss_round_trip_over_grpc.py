"""Risk and execution against the local exchange over real gRPC (issue: risk engine integration).

A long position is opened by an IOC order, its stop is computed from the fill (average entry) price
with the SPEC §1.1 formula, the market then falls through the stop, the risk engine's exit closes the
position, and the PnL the system books matches the exchange's account to the kopeck.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

from scalp_system.broker import BrokerClient, BrokerVenue, Secret, resolve_endpoint
from scalp_system.config import BrokerConfig, Config, ExchangeConfig, config_from_mapping
from scalp_system.core.clock import WallClock
from scalp_system.core.events import SubmitOrder
from scalp_system.core.money import Rounding
from scalp_system.core.orders import OrderStatus, OrderType, PositionSide, Side, TimeInForce
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.static import StaticMarket
from scalp_system.execution.engine import ExecutionEngine
from scalp_system.execution.ledger import Ledger
from scalp_system.execution.planner import OrderPlanner
from scalp_system.risk.engine import RiskEngine
from scalp_system.risk.stops import stop_distance

TOKEN = "integration-token-0123456789"


def _config() -> Config:
    return config_from_mapping(
        {
            "risk": {"allow_warmup_entries": True, "max_position_lots": 5},
            "routing": {"aggressiveness_ticks": 1},
        }
    )


async def _until(predicate: object, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)


async def test_stop_from_the_fill_price_closes_the_position_and_pnl_matches_the_exchange() -> None:
    config = _config()
    sber = next(i for i in default_catalogue() if i.ticker == "SBER")
    market = StaticMarket([sber], start_ns=time.time_ns())
    market.add_liquidity(sber.uid, Side.SELL, 31001, 3)
    market.add_liquidity(sber.uid, Side.SELL, 31002, 50)
    market.add_liquidity(sber.uid, Side.BUY, 31000, 20)
    market.add_liquidity(sber.uid, Side.BUY, 30999, 20)
    market.add_liquidity(sber.uid, Side.BUY, 30000, 100)
    async with LocalExchange(ExchangeConfig(port=0), TOKEN, source=market) as exchange:
        client = BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), BrokerConfig())
        await client.connect()
        clock = WallClock()
        risk = RiskEngine(config.risk, clock, instruments=[sber])
        venue = BrokerVenue(client, exchange.account_id, [sber])
        execution = ExecutionEngine(venue, Ledger({sber.uid: sber}), clock)
        start_cash = exchange.core.positions(exchange.account_id).cash
        risk.start_day(start_cash, cash=start_cash)

        async def pump_fills() -> None:
            async for fill in venue.fills():
                if await execution.on_fill(fill):
                    for command in risk.on_fill(fill):
                        assert isinstance(command, SubmitOrder)
                        await execution.submit(command)

        pump = asyncio.create_task(pump_fills())
        try:
            await asyncio.sleep(0.3)  # the trades stream is up before the first order
            book = await client.get_order_book(sber, 20)
            risk.on_book(book)
            decision = risk.evaluate_entry(sber.uid, PositionSide.LONG)
            assert decision.allowed and decision.lots == 5
            plan = OrderPlanner(config.routing).plan(sber.uid, Side.BUY, decision.lots, book, clock.now_ns())
            assert plan.route.value == "IOC" and len(plan.slices) == 1
            command = plan.order_for(plan.slices[0], book)
            assert risk.check_order(command) is None
            order = await execution.submit(command)
            assert order.status is OrderStatus.FILL and order.lots_executed == 5
            await _until(lambda: risk.position_lots(sber.uid) == 5)

            state = risk.position_state(sber.uid)
            assert state is not None
            average_entry = (Decimal("310.01") * 3 + Decimal("310.02") * 2) / 5
            assert state.avg_entry == average_entry
            spread = Decimal("0.01")
            distance = stop_distance(
                Decimal(0), spread, k_stop=config.risk.k_stop, spread_floor=config.risk.spread_floor
            )
            expected_stop = sber.to_price(
                sber.to_ticks(average_entry - max(distance, state.distance), rounding=Rounding.DOWN)
            )
            assert state.stop == expected_stop
            assert average_entry - state.stop >= state.distance

            # Another participant sells hard: the best bid drops from 310.00 to 300.00, through the stop.
            other = exchange.core.open_account("other")
            exchange.core.pay_in(other, Decimal("10000000"))
            exchange.core.post_order(
                other,
                "crash-seller-1",
                sber.uid,
                Side.SELL,
                40,
                OrderType.MARKET,
                TimeInForce.FILL_AND_KILL,
                None,
                time.time_ns(),
            )
            book = await client.get_order_book(sber, 20)
            assert book.best_bid == 30000
            exits = risk.on_book(book)
            assert len(exits) == 1 and isinstance(exits[0], SubmitOrder) and exits[0].reason == "stop"
            await execution.submit(exits[0])
            await _until(
                lambda: risk.position_lots(sber.uid) == 0 and execution.ledger.position(sber.uid).lots == 0
            )
            await _until(
                lambda: (
                    execution.ledger.commission()
                    == exchange.core.portfolio(exchange.account_id).commission_paid
                )
            )
        finally:
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
            await venue.close()
            await client.close()
        portfolio = exchange.core.portfolio(exchange.account_id)
        ledger = execution.ledger
        assert ledger.realized_pnl() == portfolio.realized_pnl == (Decimal("300.00") - average_entry) * 5 * 10
        assert ledger.commission() == portfolio.commission_paid
        cash = exchange.core.positions(exchange.account_id).cash
        assert cash - start_cash == ledger.realized_pnl() - ledger.commission()


async def test_a_position_adopted_from_the_broker_carries_its_average_price() -> None:
    sber = next(i for i in default_catalogue() if i.ticker == "SBER")
    market = StaticMarket([sber], start_ns=time.time_ns())
    market.add_liquidity(sber.uid, Side.SELL, 31001, 10)
    market.add_liquidity(sber.uid, Side.BUY, 31000, 10)
    async with LocalExchange(ExchangeConfig(port=0), TOKEN, source=market) as exchange:
        exchange.core.post_order(
            exchange.account_id,
            "before-restart",
            sber.uid,
            Side.BUY,
            2,
            OrderType.LIMIT,
            TimeInForce.FILL_AND_KILL,
            31001,
            time.time_ns(),
        )
        client = BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), BrokerConfig())
        await client.connect()
        try:
            venue = BrokerVenue(client, exchange.account_id, [sber])
            account = await venue.account()
            await venue.close()
        finally:
            await client.close()
    position = next(p for p in account.positions if p.instrument_id == sber.uid)
    assert position.lots == 2 and position.avg_price == Decimal("310.01")
