"""Instrument rotation in a connected run: the data package's InstrumentRotation driven through
the broker's market-data stream.

Every ``data.rotation_interval_s`` the active instruments are measured from the DataEngine's own
history; the inactive candidates, which stream nothing, are sampled with unary calls (GetOrderBook
and GetLastTrades) into the same engine, so every candidate is ranked by the same liquidity score.
The plan's unsubscriptions and subscriptions go out on the one MarketDataStream; an instrument with
a position or an open order is never dropped; a re-entering instrument starts from clean state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from scalp_system.broker.client import BrokerClient
from scalp_system.broker.errors import BrokerError
from scalp_system.broker.streams import MarketDataStream
from scalp_system.core.clock import NS_PER_S
from scalp_system.core.instrument import Instrument
from scalp_system.data.rotation import InstrumentRotation, RotationPlan, measure_all
from scalp_system.orchestration.orchestrator import Orchestrator

log = logging.getLogger(__name__)

SAMPLE_TRADES_S = 300


class StreamSubscriptions:
    """``data.rotation.SubscriptionControl`` over the run's MarketDataStream."""

    def __init__(self, stream: MarketDataStream, instruments: Sequence[Instrument], depth: int) -> None:
        self._stream = stream
        self._instruments = {i.uid: i for i in instruments}
        self._depth = depth

    async def subscribe(self, uids: Sequence[str]) -> None:
        """Books, trades and trading status of ``uids``."""
        for uid in uids:
            instrument = self._instruments[uid]
            await self._stream.subscribe_order_book(instrument, self._depth)
            await self._stream.subscribe_trades(instrument)
            await self._stream.subscribe_info(instrument)

    async def unsubscribe(self, uids: Sequence[str]) -> None:
        """Drop every subscription of ``uids``."""
        for uid in uids:
            await self._stream.unsubscribe(self._instruments[uid])


class RotationDriver:
    """Runs the rotation for one session (call ``maybe_rotate`` from a timer)."""

    def __init__(
        self,
        orchestrator: Orchestrator,
        client: BrokerClient,
        stream: MarketDataStream,
        candidates: Sequence[Instrument],
    ) -> None:
        self.orchestrator = orchestrator
        self.client = client
        self.candidates = list(candidates)
        config = orchestrator.config.data
        self.control = StreamSubscriptions(stream, self.candidates, config.lob_levels)
        self.rotation = InstrumentRotation(
            config,
            self._has_exposure,
            initial_active=[i.uid for i in self.candidates[: config.max_active_instruments]],
        )
        self.plans: list[RotationPlan] = []
        self._first_due_ns: int | None = None

    @property
    def active(self) -> tuple[str, ...]:
        """The instruments streaming now."""
        return self.rotation.active

    def _has_exposure(self, uid: str) -> bool:
        return self.orchestrator.risk.position_lots(uid) != 0 or bool(
            self.orchestrator.execution.open_orders(uid)
        )

    async def _sample(self, instrument: Instrument) -> None:
        """A snapshot book and the recent tape of an inactive candidate, into the data engine."""
        data = self.orchestrator.data
        try:
            book = await self.client.get_order_book(instrument, self.orchestrator.config.data.lob_levels)
            trades = await self.client.get_last_trades(
                instrument, book.exchange_ts_ns - SAMPLE_TRADES_S * NS_PER_S, book.exchange_ts_ns
            )
        except BrokerError as exc:
            log.info("rotation could not sample %s: %s", instrument.ticker, exc)
            return
        for trade in sorted(trades, key=lambda t: t.exchange_ts_ns):
            data.on_trade(trade)
        data.on_book(book)

    async def maybe_rotate(self, now_ns: int) -> RotationPlan | None:
        """Rotate when due; returns the applied plan (None when not due or nothing to rank)."""
        if len(self.candidates) <= self.orchestrator.config.data.max_active_instruments:
            return None
        if self._first_due_ns is None:  # the active set needs a full interval of its own history first
            self._first_due_ns = now_ns + int(self.orchestrator.config.data.rotation_interval_s * NS_PER_S)
        if now_ns < self._first_due_ns or not self.rotation.is_due(now_ns):
            return None
        active = set(self.rotation.active)
        for instrument in self.candidates:
            if instrument.uid not in active:
                await self._sample(instrument)
        stats = measure_all(self.orchestrator.data, [i.uid for i in self.candidates], now_ns)
        plan = await self.rotation.rotate(
            now_ns, stats, self.control, forget=self.orchestrator.forget_instrument
        )
        if plan.subscribe or plan.unsubscribe:
            ticker = {i.uid: i.ticker for i in self.candidates}
            self.orchestrator.side.record(
                "rotation",
                "data_engine",
                {
                    "active": [ticker[u] for u in plan.active],
                    "subscribed": [ticker[u] for u in plan.subscribe],
                    "unsubscribed": [ticker[u] for u in plan.unsubscribe],
                    "pinned": [ticker[u] for u in plan.pinned],
                },
            )
        self.plans.append(plan)
        return plan
