"""BrokerVenue: the core ``Venue`` protocol on top of BrokerClient and the order streams.

Execution talks to this in paper (local exchange), sandbox and live modes alike. It remembers which
exchange order id belongs to which intent key so fills from TradesStream (which carry only the
exchange id) are tagged with their intent, and keeps each intent's time in force for state queries.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable
from dataclasses import replace

from scalp_system.broker.client import BrokerClient
from scalp_system.broker.errors import BrokerNotFoundError
from scalp_system.broker.order_streams import OrderStateStream, TradesStream
from scalp_system.core.events import CancelOrder, ConnectivityChanged, SubmitOrder
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Fill, Order, TimeInForce
from scalp_system.core.venue import VenueAccount


class BrokerVenue:
    """A ``core.venue.Venue`` over the Invest API for one account."""

    def __init__(
        self,
        client: BrokerClient,
        account_id: str,
        instruments: Iterable[Instrument] = (),
        *,
        stream_watchdog_s: float | None = None,
        stream_ping_delay_ms: int | None = None,
    ) -> None:
        self.client = client
        self.account_id = account_id
        for instrument in instruments:
            client.instruments.add(instrument)
        self._intent_by_order: dict[str, str] = {}
        self._tif_by_intent: dict[str, TimeInForce] = {}
        self._order_streams = OrderStateStream(
            client, [account_id], watchdog_s=stream_watchdog_s, ping_delay_ms=stream_ping_delay_ms
        )
        self._trade_streams = TradesStream(
            client, [account_id], watchdog_s=stream_watchdog_s, ping_delay_ms=stream_ping_delay_ms
        )
        self.connectivity: list[ConnectivityChanged] = []

    def _remember(self, order: Order) -> Order:
        if order.order_id and order.intent_key:
            self._intent_by_order[order.order_id] = order.intent_key
        return order

    async def _instrument(self, instrument_id: str) -> Instrument:
        return await self.client.instrument_for(instrument_id)

    async def submit(self, command: SubmitOrder) -> Order:
        """Place the order under its intent key (raises OrderRejectedError / OutcomeUnknownError)."""
        instrument = await self._instrument(command.instrument_id)
        self._tif_by_intent[command.intent_key] = command.time_in_force
        return self._remember(await self.client.post_order(self.account_id, command, instrument))

    async def cancel(self, command: CancelOrder) -> Order:
        """Cancel by exchange id (or by intent key when not yet acknowledged); returns the final state."""
        by_request = not command.order_id
        key = command.intent_key if by_request else command.order_id
        with contextlib.suppress(BrokerNotFoundError):  # already gone: the state below tells why
            await self.client.cancel_order(self.account_id, key, by_request=by_request)
        instrument = await self._instrument(command.instrument_id)
        state = await self.client.get_order_state(
            self.account_id,
            key,
            by_request=by_request,
            instrument=instrument,
            time_in_force=self._tif_by_intent.get(command.intent_key, TimeInForce.DAY),
        )
        if state is None:
            raise BrokerNotFoundError(
                f"CancelOrder: order {key} unknown to the broker",
                status="NOT_FOUND",
                code="50005",
                method="CancelOrder",
            )
        return self._remember(state)

    async def order_state(self, intent_key: str) -> Order | None:
        """The order placed under ``intent_key``, or None when the broker never saw it."""
        order = await self.client.get_order_state(
            self.account_id,
            intent_key,
            by_request=True,
            time_in_force=self._tif_by_intent.get(intent_key, TimeInForce.DAY),
        )
        return self._remember(order) if order is not None else None

    async def order_fills(self, intent_key: str) -> list[Fill] | None:
        """Every execution of the order placed under ``intent_key`` (from GetOrderState's stages),
        tagged with the key; None when the broker never saw the intent."""
        return await self.client.get_order_fills(self.account_id, intent_key, by_request=True)

    async def open_orders(self) -> list[Order]:
        """Orders still working on the account."""
        return [self._remember(order) for order in await self.client.get_orders(self.account_id)]

    async def account(self) -> VenueAccount:
        """Cash by currency and positions in lots, with average prices. GetPositions carries no
        prices, so positions are priced from GetPortfolio's ``average_position_price``: a position
        adopted at reconciliation gets its stops from its real entry, never from zero."""
        account = await self.client.get_positions(self.account_id)
        if not any(p.lots for p in account.positions):
            return account
        portfolio = await self.client.get_portfolio(self.account_id)
        prices = {p.instrument_id: p.avg_price for p in portfolio.positions}
        positions = tuple(
            replace(p, avg_price=prices.get(p.instrument_id, p.avg_price))
            if p.lots and not p.avg_price
            else p
            for p in account.positions
        )
        return replace(account, positions=positions)

    async def fills(self) -> AsyncIterator[Fill]:
        """Fills from TradesStream, tagged with their intent key, duplicates dropped."""
        async for event in self._trade_streams.events():
            if isinstance(event, ConnectivityChanged):
                self.connectivity.append(event)
                continue
            intent = event.intent_key or self._intent_by_order.get(event.order_id, "")
            yield Fill(
                event.trade_id,
                event.order_id,
                intent,
                event.instrument_id,
                event.side,
                event.lots,
                event.price,
                event.ts_ns,
                event.commission,
            )

    async def order_updates(self) -> AsyncIterator[Order]:
        """Order state changes from OrderStateStream, duplicates dropped."""
        async for event in self._order_streams.events():
            if isinstance(event, ConnectivityChanged):
                self.connectivity.append(event)
                continue
            yield self._remember(event)

    async def close(self) -> None:
        """Stop the order streams (the client is the caller's to close)."""
        await self._order_streams.stop()
        await self._trade_streams.stop()
