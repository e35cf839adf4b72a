"""The broker connection of ``scalp recover --endpoint``: ``connect_broker`` resolves the endpoint,
loads the token and opens a client on one account (``BrokerConnection``); ``AveragePricedVenue``
wraps its venue so reconciliation sees positions with average prices. Bad command-line input raises
``RecoveryUsageError``; an unreachable server raises ``BrokerConnectError`` (recovery goes on without it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal
from pathlib import Path

from scalp_system.broker.auth import TokenError, load_token
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import EndpointError, resolve_endpoint
from scalp_system.broker.venue import BrokerVenue
from scalp_system.config import Config
from scalp_system.core.events import CancelOrder, SubmitOrder
from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Order
from scalp_system.core.redaction import redact, register_secret
from scalp_system.core.venue import VenueAccount, VenueError

log = logging.getLogger(__name__)


class RecoveryUsageError(ValueError):
    """The broker connection was asked for wrongly (bad endpoint, no token): fix the command line."""


class BrokerConnectError(RuntimeError):
    """The broker could not be reached or listed no account (recovery goes on without it)."""


@dataclass
class BrokerConnection:
    """A connected client and the venue of one account (close it when done)."""

    client: BrokerClient
    venue: BrokerVenue
    account_id: str

    async def close(self) -> None:
        """Stop the venue's streams and close the channel."""
        try:
            await self.venue.close()
        finally:
            await self.client.close()


async def connect_broker(
    config: Config, endpoint: str, *, token_file: Path | None = None, account_id: str = ""
) -> BrokerConnection:
    """Connect to ``endpoint`` (``host:port`` of a broker or a ``scalp exchange``, or sandbox/prod).

    The token comes from ``token_file`` or TINKOFF_TOKEN. Without ``account_id`` the first account
    the server lists is used (the first sandbox account on sandbox); prod needs it explicitly.
    Shares and futures are registered so positions convert to lots. Raises RecoveryUsageError for a
    bad endpoint or token, BrokerConnectError when the server cannot be reached.
    """
    host = endpoint.rsplit(":", 1)[0].strip("[]")
    loopback = host in ("localhost", "::1") or host.startswith("127.")
    try:
        resolved = resolve_endpoint(
            endpoint, tls=False if loopback else None, root_cert_file=config.broker.root_cert_file
        )
        token = load_token(token_file=token_file or config.broker.token_file)
    except (EndpointError, TokenError) as exc:
        raise RecoveryUsageError(str(exc)) from None
    if endpoint.strip() == "prod" and not account_id:
        raise RecoveryUsageError("reconciling a live account needs an explicit --account")
    register_secret(token.reveal())
    client = BrokerClient(resolved, token, config.broker)
    try:
        await client.connect()
        if not account_id:
            sandbox = endpoint.strip() == "sandbox"
            accounts = await (client.get_sandbox_accounts() if sandbox else client.get_accounts())
            if not accounts:
                raise BrokerConnectError(f"{endpoint} lists no account for this token")
            account_id = accounts[0].account_id
        await client.shares()
        try:
            await client.futures()
        except VenueError as exc:  # a venue without futures still reconciles its shares
            log.info("no futures list from %s (%s)", endpoint, exc)
    except VenueError as exc:
        await client.close()
        raise BrokerConnectError(redact(f"cannot reach {endpoint}: {exc}")) from None
    except BaseException:
        await client.close()
        raise
    return BrokerConnection(client, BrokerVenue(client, account_id), account_id)


class AveragePricedVenue:
    """A BrokerVenue whose ``account`` carries average prices: GetPositions has lots only, so they
    come from GetPortfolio (stops of an adopted position are built from its average price)."""

    def __init__(self, venue: BrokerVenue) -> None:
        self._venue = venue

    async def submit(self, command: SubmitOrder) -> Order:
        """Delegated."""
        return await self._venue.submit(command)

    async def cancel(self, command: CancelOrder) -> Order:
        """Delegated."""
        return await self._venue.cancel(command)

    async def order_state(self, intent_key: str) -> Order | None:
        """Delegated."""
        return await self._venue.order_state(intent_key)

    async def open_orders(self) -> list[Order]:
        """Delegated."""
        return await self._venue.open_orders()

    async def account(self) -> VenueAccount:
        """Cash and positions, with average prices from the portfolio where known."""
        account = await self._venue.account()
        try:
            portfolio = await self._venue.client.get_portfolio(self._venue.account_id)
        except VenueError as exc:
            log.info("no portfolio for average prices (%s)", exc)
            return account
        prices = {p.instrument_id: p.avg_price for p in portfolio.positions}
        positions = tuple(
            replace(p, avg_price=p.avg_price or prices.get(p.instrument_id, Decimal(0)))
            for p in account.positions
        )
        return VenueAccount(account.cash, positions)

    async def instrument(self, instrument_id: str) -> Instrument:
        """The broker's definition of an instrument."""
        return await self._venue.client.instrument_for(instrument_id)
