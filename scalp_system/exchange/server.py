"""The local exchange server: the Invest API v2 subset over grpc.aio, on a simulated market.

``LocalExchange`` wires the exchange core (matching, accounts, a synthetic or replayed market) to
one servicer per gRPC service behind a single call gate (bearer token, rate limits, unary faults,
error mapping). A background task moves market time forward — wall-clock seconds × ``speed`` —
and the core's events fan out to the open streams and to the journal. One paper account is opened
and funded at start (``ex.account_id``); clients may open more through SandboxService.

    async with LocalExchange(config, token, journal_path=path, speed=20.0) as ex:
        channel = grpc.aio.insecure_channel(ex.address)
        ...
        ex.faults.stall_streams(5.0)      # run-time fault switches

For tests that need the exact market a backtest sees, ``lockstep=True`` stops time from flowing:
there is no market task, requests never move the market, and the test calls ``ex.step()`` (or
``ex.advance_to(ts)``) to move the core to the source's next event time; every book change of that
step goes out as one book message per subscription (no throttling) and every trade as a trade.

    ex = LocalExchange(config, token, source=ReplaySource(feeds), lockstep=True)
    await ex.start()
    events = ex.step()                    # the events of the next timestamp, already on the streams

``serve()`` runs one until cancelled (the ``scalp exchange`` command). The token is held only as a
digest inside the gate and never logged.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any

from grpc import aio

from scalp_system.broker.proto.generated import (
    instruments_pb2_grpc,
    marketdata_pb2_grpc,
    operations_pb2_grpc,
    orders_pb2_grpc,
    sandbox_pb2_grpc,
    users_pb2_grpc,
)
from scalp_system.config import ExchangeConfig
from scalp_system.core.instrument import Instrument
from scalp_system.exchange.auth import TokenVerifier
from scalp_system.exchange.catalogue import default_catalogue
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.faults import FaultPlan, FaultSwitches
from scalp_system.exchange.journal import Journal
from scalp_system.exchange.reports import ExchangeEvent
from scalp_system.exchange.services.gate import CallGate
from scalp_system.exchange.services.instruments import InstrumentsServicer
from scalp_system.exchange.services.limits import (
    RateLimiter,
    StreamCounter,
    default_stream_groups,
    default_unary_groups,
)
from scalp_system.exchange.services.marketdata import MarketDataServicer
from scalp_system.exchange.services.marketdata_stream import MarketDataStreamServicer
from scalp_system.exchange.services.operations import AccountViews, OperationsServicer
from scalp_system.exchange.services.orders import OrderDesk, OrdersServicer
from scalp_system.exchange.services.orders_stream import OrdersStreamServicer
from scalp_system.exchange.services.runtime import ExchangeRuntime, MarketClock, SteppedClock
from scalp_system.exchange.services.sandbox import SandboxServicer
from scalp_system.exchange.services.users import UsersServicer
from scalp_system.exchange.source import MarketSource
from scalp_system.exchange.synthetic import SyntheticMarket

_log = logging.getLogger("scalp_system.exchange")

# The gate enforces PostOrder's per-minute limit in wall-clock minutes; the core's own limiter
# counts market-time minutes (right for backtests, wrong under ``speed`` ≠ 1), so it is opened wide.
_CORE_ORDER_LIMIT = 10**9
_MAX_MESSAGE_BYTES = 16 * 1024 * 1024


class LocalExchange:
    """A running local exchange (use as ``async with``); see the module docstring."""

    def __init__(
        self,
        config: ExchangeConfig,
        token: str,
        *,
        instruments: Sequence[Instrument] | None = None,
        source: MarketSource | None = None,
        journal_path: Path | None = None,
        speed: float = 1.0,
        account_cash: Decimal | None = None,
        faults: FaultPlan | None = None,
        tick_s: float = 0.01,
        empty_stream_timeout_s: float = 120.0,
        history_s: float = 0.0,
        lockstep: bool = False,
    ) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be positive, got {speed}")
        self.config = config
        if instruments is None:
            instruments = list(source.instruments()) if source is not None else default_catalogue()
        if source is None:
            source = SyntheticMarket(instruments, seed=config.seed)
        open_ns = source.start_ns()
        if history_s > 0:
            # Simulate ``history_s`` of market before serving, so candles, trades and books exist from
            # the first call (clients seed ATR from GetCandles, as they would mid-day on a real venue).
            source.start(open_ns - int(history_s * 1_000_000_000))
        self.core = ExchangeCore(
            instruments,
            commission_rate=config.commission_rate,
            source=source,
            orders_per_minute=_CORE_ORDER_LIMIT,
        )
        self.account_id = self.core.open_account("paper")
        cash = config.initial_cash if account_cash is None else account_cash
        if cash > 0:
            self.core.pay_in(self.account_id, cash)
        self.faults = FaultSwitches(faults)
        self.journal = Journal(journal_path)
        self.limiter = RateLimiter(default_unary_groups(config.orders_per_minute))
        self.streams = StreamCounter(default_stream_groups())
        if history_s > 0:
            self.core.advance_to(open_ns)
        self.lockstep = lockstep
        self.clock: MarketClock | SteppedClock = (
            SteppedClock(self.core) if lockstep else MarketClock(open_ns, speed)
        )
        self.runtime = ExchangeRuntime(
            self.core,
            self.clock,
            self.journal,
            self.faults,
            ping_interval_ms=config.ping_interval_ms,
            book_stream_interval_ms=config.book_stream_interval_ms,
            lockstep=lockstep,
        )
        self._gate = CallGate(TokenVerifier(token), self.faults, self.limiter, self.streams)
        self._tick_s = tick_s
        self._empty_stream_timeout_s = empty_stream_timeout_s
        self._server: aio.Server | None = None
        self._market_task: asyncio.Task[None] | None = None
        self.port = 0
        self.market_data_streams: MarketDataStreamServicer | None = None
        self.order_streams: OrdersStreamServicer | None = None

    @property
    def address(self) -> str:
        """``host:port`` the exchange listens on (valid once started)."""
        return f"{self.config.host}:{self.port}"

    def market_ns(self) -> int:
        """The current market time (UTC ns)."""
        return self.clock.now_ns()

    def _build_server(self) -> aio.Server:
        server = aio.server(
            interceptors=[self._gate],
            options=[
                ("grpc.max_receive_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", _MAX_MESSAGE_BYTES),
                ("grpc.so_reuseport", 0),
            ],
        )
        runtime = self.runtime
        desk = OrderDesk(runtime)
        orders = OrdersServicer(desk)
        views = AccountViews(runtime)
        self.market_data_streams = MarketDataStreamServicer(
            runtime, empty_stream_timeout_s=self._empty_stream_timeout_s
        )
        self.order_streams = OrdersStreamServicer(runtime)
        registrations: list[tuple[Callable[[Any, Any], None], object]] = [
            (instruments_pb2_grpc.add_InstrumentsServiceServicer_to_server, InstrumentsServicer(runtime)),
            (marketdata_pb2_grpc.add_MarketDataServiceServicer_to_server, MarketDataServicer(runtime)),
            (marketdata_pb2_grpc.add_MarketDataStreamServiceServicer_to_server, self.market_data_streams),
            (orders_pb2_grpc.add_OrdersServiceServicer_to_server, orders),
            (orders_pb2_grpc.add_OrdersStreamServiceServicer_to_server, self.order_streams),
            (operations_pb2_grpc.add_OperationsServiceServicer_to_server, OperationsServicer(views)),
            (
                users_pb2_grpc.add_UsersServiceServicer_to_server,
                UsersServicer(runtime, self.limiter, self.streams),
            ),
            (sandbox_pb2_grpc.add_SandboxServiceServicer_to_server, SandboxServicer(orders, views)),
        ]
        for register, servicer in registrations:
            register(servicer, server)
        return server

    async def start(self) -> None:
        """Bind, start serving and start the market clock."""
        if self._server is not None:
            raise RuntimeError("the exchange is already running")
        server = self._build_server()
        self.port = server.add_insecure_port(f"{self.config.host}:{self.config.port}")
        if self.port == 0:
            raise OSError(f"cannot listen on {self.config.host}:{self.config.port}")
        await server.start()
        self._server = server
        self.clock.restart()
        self.faults.schedule(asyncio.get_running_loop())
        if not self.lockstep:
            self._market_task = asyncio.create_task(self._run_market(), name="local-exchange-market")
        _log.info(
            "local exchange listening on %s (%d instruments, %s)",
            self.address,
            len(self.runtime.instruments),
            "lockstep" if self.lockstep else f"speed {self.clock.speed:.3g}",
        )

    async def stop(self, grace_s: float = 0.2) -> None:
        """Stop the market, end every call (streams get CANCELLED/UNAVAILABLE), close the journal."""
        self.faults.cancel_schedule()
        if self._market_task is not None:
            self._market_task.cancel()
            await asyncio.gather(self._market_task, return_exceptions=True)
            self._market_task = None
        if self._server is not None:
            await self._server.stop(grace_s)
            self._server = None
        self.journal.close()

    def step(self) -> list[ExchangeEvent]:
        """Lockstep only: move the market to the source's next event time; returns that step's events
        (already journalled and on the streams). Empty once the source is exhausted."""
        next_ns = self.core.next_event_ns()
        return [] if next_ns is None else self.advance_to(next_ns)

    def advance_to(self, ts_ns: int) -> list[ExchangeEvent]:
        """Lockstep only: move the market to ``ts_ns`` (every source event up to it, in one step)."""
        if not self.lockstep:
            raise RuntimeError("step()/advance_to() drive a lockstep exchange; this one follows the clock")
        return self.core.advance_to(ts_ns)

    async def _run_market(self) -> None:
        """Advance the core to wall-clock market time every tick."""
        while True:
            try:
                self.runtime.sync()
            except Exception:
                _log.exception("market step failed; the market keeps running")
            await asyncio.sleep(self._tick_s)

    async def __aenter__(self) -> LocalExchange:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return f"LocalExchange(address={self.address!r}, account_id={self.account_id!r})"


async def serve(
    config: ExchangeConfig,
    token: str,
    *,
    instruments: Sequence[Instrument] | None = None,
    source: MarketSource | None = None,
    journal_path: Path | None = None,
    speed: float = 1.0,
    account_cash: Decimal | None = None,
    faults: FaultPlan | None = None,
) -> None:
    """Run a local exchange until the task is cancelled (``scalp exchange``)."""
    exchange = LocalExchange(
        config,
        token,
        instruments=instruments,
        source=source,
        journal_path=journal_path,
        speed=speed,
        account_cash=account_cash,
        faults=faults,
    )
    async with exchange:
        _log.info(
            "paper account %s funded with %s RUB",
            exchange.account_id,
            config.initial_cash if account_cash is None else account_cash,
        )
        await asyncio.Event().wait()
