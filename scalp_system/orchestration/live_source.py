"""The EventSource of connected modes: the broker's market-data, trades and order-state streams
merged into one queue, so the orchestrator handles every fact on one loop in arrival order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from scalp_system.broker.streams import MarketDataStream
from scalp_system.broker.venue import BrokerVenue
from scalp_system.core.events import ConnectivityChanged
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import LastPrice
from scalp_system.core.venue import RunEvent

log = logging.getLogger(__name__)


class LiveEventSource:
    """Pumps the three broker streams into one asyncio queue (bounded; market data is dropped first
    when the consumer falls behind, never fills or order states)."""

    def __init__(self, market: MarketDataStream, venue: BrokerVenue, *, max_queue: int = 10_000) -> None:
        self.market = market
        self.venue = venue
        self._queue: asyncio.Queue[RunEvent | None] = asyncio.Queue()
        self._max_queue = max_queue
        self._tasks: list[asyncio.Task[None]] = []
        self.dropped_market_events = 0
        self._closed = False

    async def subscribe(self, instruments: list[Instrument], depth: int) -> None:
        """Books, trades and trading status of each instrument on the one market-data stream."""
        for instrument in instruments:
            await self.market.subscribe_order_book(instrument, depth)
            await self.market.subscribe_trades(instrument)
            await self.market.subscribe_info(instrument)

    def start(self) -> None:
        """Start pumping."""
        self._tasks = [
            asyncio.create_task(self._pump_market(), name="pump-market"),
            asyncio.create_task(self._pump(self.venue.fills()), name="pump-fills"),
            asyncio.create_task(self._pump(self.venue.order_updates()), name="pump-orders"),
        ]

    async def _pump_market(self) -> None:
        try:
            async for event in self.market.events():
                if isinstance(event, LastPrice):
                    continue
                if self._queue.qsize() >= self._max_queue and not isinstance(event, ConnectivityChanged):
                    self.dropped_market_events += 1
                    continue
                self._queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("market data pump stopped")
            self._queue.put_nowait(None)

    async def _pump(self, events: AsyncIterator[RunEvent]) -> None:
        try:
            async for event in events:
                self._queue.put_nowait(event)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("order stream pump stopped")

    async def next_event(self) -> RunEvent | None:
        """The next event from any stream; None once closed."""
        if self._closed and self._queue.empty():
            return None
        return await self._queue.get()

    async def close(self) -> None:
        """Stop the streams and the pumps."""
        self._closed = True
        await self.market.stop()
        await self.venue.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._queue.put_nowait(None)
