"""Instrument rotation in a running session: ranked by liquidity, applied through the broker's
market-data stream over real gRPC, never dropping an instrument with a position."""

from __future__ import annotations

import time

from scalp_system.broker import BrokerClient, BrokerVenue, Secret, resolve_endpoint
from scalp_system.broker.streams import MarketDataStream
from scalp_system.config import BrokerConfig, ExchangeConfig, config_from_mapping
from scalp_system.core.clock import WallClock
from scalp_system.core.orders import OrderType, Side, TimeInForce
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.server import LocalExchange
from scalp_system.exchange.synthetic import SyntheticMarket
from scalp_system.orchestration.live_source import LiveEventSource
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.rotation import RotationDriver

TOKEN = "rotation-token-0123456789"
TICKERS = ("SBER", "GAZP", "LKOH", "VTBR")


async def test_rotation_keeps_the_most_liquid_and_pins_a_held_instrument() -> None:
    catalogue = default_catalogue()
    instruments = [next(i for i in catalogue if i.ticker == t) for t in TICKERS]
    config = config_from_mapping(
        {
            "data": {"max_active_instruments": 2, "rotation_interval_s": 1.5},
            "sessions": {"enforce": False},
            "risk": {"spread_floor": "50"},  # a far stop: the held position must not be stopped out here
        }
    )
    market = SyntheticMarket(catalogue, seed=3, start_ns=time.time_ns())
    async with LocalExchange(ExchangeConfig(port=0), TOKEN, source=market, history_s=300) as exchange:
        client = BrokerClient(resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), BrokerConfig())
        await client.connect()
        try:
            held = instruments[0]
            exchange.core.post_order(
                exchange.account_id,
                "held-before-start",
                held.uid,
                Side.BUY,
                1,
                OrderType.MARKET,
                TimeInForce.FILL_AND_KILL,
                None,
                time.time_ns(),
            )
            venue = BrokerVenue(client, exchange.account_id, instruments)
            orchestrator = Orchestrator(config, instruments, venue, WallClock())
            await orchestrator.start()  # reconciliation adopts the broker's position
            assert orchestrator.risk.position_lots(held.uid) == 1
            source = LiveEventSource(MarketDataStream(client), venue)
            driver = RotationDriver(orchestrator, client, source.market, instruments)
            assert driver.active == (instruments[0].uid, instruments[1].uid)
            await source.subscribe([i for i in instruments if i.uid in driver.active], config.data.lob_levels)
            orchestrator.timer_hooks.append(driver.maybe_rotate)
            source.start()
            await orchestrator.run(source, wall_deadline=time.monotonic() + 5.0, realtime=True)
            await source.close()
        finally:
            await client.close()
    assert driver.plans, "the rotation never ran"
    plan = driver.plans[-1]
    assert len(plan.active) == 2
    assert orchestrator.risk.position_lots(held.uid) == 1
    assert held.uid in plan.active and held.uid in plan.pinned
    assert set(source.market.books) == set(plan.active)  # the stream carries exactly the active set
    assert all(score > float("-inf") for uid, score in plan.scores.items())  # every candidate was measured
