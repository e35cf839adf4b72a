"""The Venue contract: what execution needs from wherever orders go.

Implemented by the gRPC broker adapter (paper on the local exchange, sandbox, live) and by the
backtest's in-process simulated venue. Execution depends on this protocol only, so the same
ExecutionEngine runs in every mode. Fills and order updates reach a run through its EventSource,
in one ordered stream with the market data.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from scalp_system.core.events import CancelOrder, ConnectivityChanged, SubmitOrder
from scalp_system.core.market import OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order


class VenueError(Exception):
    """A venue call failed. ``code`` is the broker's numeric code as a string when known
    (e.g. "30078"), ``retryable`` says whether the same request may be sent again."""

    def __init__(
        self, message: str, *, code: str = "", retryable: bool = False, tracking_id: str = ""
    ) -> None:
        super().__init__(message)
        self.code = code
        self.retryable = retryable
        self.tracking_id = tracking_id


class OrderRejectedError(VenueError):
    """The venue refused the order (validation, price band, funds, ...): final for this intent."""


class OutcomeUnknownError(VenueError):
    """The request may or may not have reached the venue (timeout, 70002, 30057): resolve the
    intent by its key with ``order_state``; never post it again under a new key."""


@dataclass(frozen=True, slots=True)
class VenuePosition:
    """A position as the venue reports it (lots signed; money position has ``instrument_id=currency``)."""

    instrument_id: str
    lots: int
    avg_price: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class VenueAccount:
    """Account snapshot: free cash by currency, positions, open orders."""

    cash: dict[str, Decimal]
    positions: tuple[VenuePosition, ...]


class Venue(Protocol):
    """Where orders go and fills come from."""

    async def submit(self, command: SubmitOrder) -> Order:
        """Place an order under ``command.intent_key``; returns the acknowledged order.
        Raises OrderRejectedError or OutcomeUnknownError."""
        ...

    async def cancel(self, command: CancelOrder) -> Order:
        """Cancel; returns the order's final state."""
        ...

    async def order_state(self, intent_key: str) -> Order | None:
        """The order placed under this intent key, or None when the venue never saw it."""
        ...

    async def open_orders(self) -> list[Order]:
        """Orders still working."""
        ...

    async def account(self) -> VenueAccount:
        """Cash and positions."""
        ...


@runtime_checkable
class FillHistory(Protocol):
    """A venue that can list the executions of a past order by intent key (the Invest API's
    GetOrderState ``stages``). Recovery uses it to pick up fills that happened while the process
    was down or whose stream messages never arrived; venues without it rely on reconciliation."""

    async def order_fills(self, intent_key: str) -> list[Fill] | None:
        """Every fill of the order placed under ``intent_key``; None when the venue never saw it."""
        ...


MarketEvent = OrderBook | Trade | TradingStatusChanged | ConnectivityChanged
RunEvent = MarketEvent | Fill | Order


class EventSource(Protocol):
    """Everything a run reacts to, in one ordered stream: market data and the venue's fills and
    order updates. Backtests produce it from the simulated venue in time order; live modes merge the
    broker's market-data, trades and order-state streams."""

    async def next_event(self) -> RunEvent | None:
        """The next event; None when the source is exhausted or closed."""
        ...
