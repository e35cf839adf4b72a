"""OrderStateStream and TradesStream managers: the account's order lifecycle and fills as core events.

Both are server streams supervised like the market data stream (watchdog, reconnect with backoff).
After a reconnect the server may resend what was already delivered (reference §10.8), so order updates
are deduplicated by (order id, status, lots executed) and fills by trade id.
"""

from __future__ import annotations

from typing import Any

from scalp_system.broker import convert
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.proto.generated import orders_pb2
from scalp_system.broker.stream_base import RecentKeys, SupervisedStream
from scalp_system.core.orders import Fill, Order


class OrderStateStream(SupervisedStream[Order]):
    """Order state changes of ``accounts`` (every status transition; one event per partial fill)."""

    def __init__(
        self,
        client: BrokerClient,
        accounts: list[str],
        *,
        watchdog_s: float | None = None,
        ping_delay_ms: int | None = None,
    ) -> None:
        config = client.config
        super().__init__(
            "OrderStateStream",
            str(client.endpoint),
            watchdog_s=watchdog_s if watchdog_s is not None else config.watchdog_s,
            backoff=client.backoff,
            clock=client.clock,
        )
        self.client = client
        self.accounts = list(accounts)
        # OrderStateStream accepts 1 000–120 000 ms.
        delay = ping_delay_ms if ping_delay_ms is not None else config.ping_delay_ms
        self.ping_delay_ms = min(max(delay, 1_000), 120_000)
        self._seen = RecentKeys()

    async def _open(self) -> Any:
        request = orders_pb2.OrderStateStreamRequest(
            accounts=self.accounts, ping_delay_millis=self.ping_delay_ms
        )
        return self.client.stub("OrdersStreamService").OrderStateStream(
            request, metadata=self.client.metadata()
        )

    async def _handle(self, message: Any) -> list[Order]:
        if message.WhichOneof("payload") != "order_state":
            return []
        msg = message.order_state
        instrument = await self.client.instrument_for(msg.instrument_uid or f"{msg.ticker}_{msg.class_code}")
        order = convert.order_from_stream_state(msg, instrument)
        if not self._seen.add((order.order_id, int(order.status), order.lots_executed)):
            return []
        return [order]


class TradesStream(SupervisedStream[Fill]):
    """Fills of ``accounts`` (TradesStream carries executions only; no new/cancel/reject events)."""

    def __init__(
        self,
        client: BrokerClient,
        accounts: list[str],
        *,
        watchdog_s: float | None = None,
        ping_delay_ms: int | None = None,
    ) -> None:
        config = client.config
        super().__init__(
            "TradesStream",
            str(client.endpoint),
            watchdog_s=watchdog_s if watchdog_s is not None else config.watchdog_s,
            backoff=client.backoff,
            clock=client.clock,
        )
        self.client = client
        self.accounts = list(accounts)
        delay = ping_delay_ms if ping_delay_ms is not None else config.ping_delay_ms
        self.ping_delay_ms = min(max(delay, 5_000), 180_000)
        self._seen = RecentKeys()

    async def _open(self) -> Any:
        request = orders_pb2.TradesStreamRequest(accounts=self.accounts, ping_delay_ms=self.ping_delay_ms)
        return self.client.stub("OrdersStreamService").TradesStream(request, metadata=self.client.metadata())

    async def _handle(self, message: Any) -> list[Fill]:
        if message.WhichOneof("payload") != "order_trades":
            return []
        msg = message.order_trades
        instrument = await self.client.instrument_for(msg.instrument_uid or msg.figi)
        return [
            fill for fill in convert.fills_from_order_trades(msg, instrument) if self._seen.add(fill.trade_id)
        ]
