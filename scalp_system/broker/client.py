"""The async Invest API v2 client (grpc.aio) that speaks only core types to the rest of the system.

Every unary call goes through one path: the method group's token bucket, the per-method deadline,
metadata (``authorization: Bearer``, ``x-app-name``), error mapping to typed BrokerErrors, waiting out
RESOURCE_EXHAUSTED for ``x-ratelimit-reset``, and retries with exponential backoff + jitter on
UNAVAILABLE and 70001–70003. PostOrder is special: its intent key is the request ``order_id``; an
ambiguous failure (timeout, 70002, 30057, UNAVAILABLE) is resolved with GetOrderState by that key, and
the intent is only ever re-sent under the SAME key — never under a new one.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any, TypeVar

import grpc

from scalp_system.broker import convert
from scalp_system.broker.auth import Secret
from scalp_system.broker.endpoints import Endpoint, open_channel
from scalp_system.broker.errors import (
    STREAM_LIMIT_CODES,
    BrokerError,
    BrokerNotFoundError,
    BrokerOrderRejectedError,
    BrokerOutcomeUnknownError,
    BrokerRateLimitError,
    BrokerUnavailableError,
    error_from_rpc,
)
from scalp_system.broker.proto.generated import (
    common_pb2,
    instruments_pb2,
    instruments_pb2_grpc,
    marketdata_pb2,
    marketdata_pb2_grpc,
    operations_pb2,
    operations_pb2_grpc,
    orders_pb2,
    orders_pb2_grpc,
    sandbox_pb2,
    sandbox_pb2_grpc,
    users_pb2,
    users_pb2_grpc,
)
from scalp_system.broker.ratelimit import PACKAGE, RateLimiter, UnaryLimitInfo
from scalp_system.broker.registry import InstrumentRegistry
from scalp_system.broker.retry import Backoff
from scalp_system.broker.types import (
    AccountInfo,
    Candle,
    PortfolioSnapshot,
    StreamLimitInfo,
    TradingDayInfo,
    UserInfo,
    UserTariff,
)
from scalp_system.config import BrokerConfig
from scalp_system.core.clock import Clock, WallClock
from scalp_system.core.events import SubmitOrder
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import LastPrice, OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order, TimeInForce
from scalp_system.core.venue import VenueAccount, VenuePosition

log = logging.getLogger(__name__)
R = TypeVar("R")

# Recommended minimum deadlines in seconds (reference §1, deadlines.md); scaled by config.
DEADLINES_S: dict[str, float] = {
    "PostOrder": 1.5,
    "CancelOrder": 1.5,
    "GetOrderState": 0.3,
    "GetOrders": 0.5,
    "GetOrderBook": 0.5,
    "GetLastPrices": 0.5,
    "GetCandles": 0.5,
    "GetTradingStatus": 0.5,
    "GetLastTrades": 0.5,
    "GetPortfolio": 1.5,
    "GetPositions": 1.0,
    "ShareBy": 0.3,
    "GetInstrumentBy": 0.3,
    "FutureBy": 0.3,
    "Shares": 0.5,
    "Futures": 0.5,
    "TradingSchedules": 0.5,
    "GetAccounts": 0.3,
    "GetUserTariff": 0.3,
    "GetInfo": 1.0,
    "PostSandboxOrder": 0.3,
    "GetSandboxPortfolio": 2.0,
    "GetSandboxPositions": 2.0,
    "OpenSandboxAccount": 1.0,
    "GetSandboxAccounts": 0.3,
    "SandboxPayIn": 1.0,
    "CloseSandboxAccount": 1.0,
}
DEFAULT_DEADLINE_S = 1.0
MAX_RATE_LIMIT_WAIT_S = 65.0
ORDER_RESOLVE_ATTEMPTS = 3
VALID_DEPTHS = frozenset({1, 10, 20, 30, 40, 50})
# The generated *_pb2_grpc modules are untyped; the stubs are held as Any behind this table.
_STUB_FACTORIES: dict[str, Any] = {
    "InstrumentsService": instruments_pb2_grpc.InstrumentsServiceStub,
    "MarketDataService": marketdata_pb2_grpc.MarketDataServiceStub,
    "MarketDataStreamService": marketdata_pb2_grpc.MarketDataStreamServiceStub,
    "OrdersService": orders_pb2_grpc.OrdersServiceStub,
    "OrdersStreamService": orders_pb2_grpc.OrdersStreamServiceStub,
    "OperationsService": operations_pb2_grpc.OperationsServiceStub,
    "UsersService": users_pb2_grpc.UsersServiceStub,
    "SandboxService": sandbox_pb2_grpc.SandboxServiceStub,
}


class BrokerClient:
    """One connection to an Invest API v2 server (real broker, sandbox or the local exchange).

    Use as ``async with BrokerClient(endpoint, token, config) as client: ...``. Instruments returned by
    ``shares()``/``futures()``/``instrument_by()`` are remembered in ``client.instruments`` so that
    stream and order messages can be converted to ticks and lots.
    """

    def __init__(
        self,
        endpoint: Endpoint,
        token: Secret,
        config: BrokerConfig | None = None,
        *,
        clock: Clock | None = None,
        rate_limiter: RateLimiter | None = None,
        backoff: Backoff | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        deadline_scale: float = 2.0,
        instruments: Iterable[Instrument] = (),
    ) -> None:
        self.endpoint = endpoint
        self.config = config or BrokerConfig()
        self.clock: Clock = clock or WallClock()
        self.instruments = InstrumentRegistry(instruments)
        self.rate_limiter = rate_limiter or RateLimiter()
        self.backoff = backoff or Backoff(self.config.backoff_base_s, self.config.backoff_max_s)
        self._token = token
        self._sleep = sleep
        self._deadline_scale = deadline_scale
        self._channel: grpc.aio.Channel | None = None
        self._stubs: dict[str, Any] = {}
        # Connectivity observers (the run's connectivity breaker, SPEC §1.4): every unary answer that
        # is UNAVAILABLE, and every successful one, whatever the retries above them do.
        self.on_unavailable: Callable[[str], None] | None = None
        self.on_call_succeeded: Callable[[], None] | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    async def connect(self) -> None:
        """Open the channel and create the service stubs (no network round trip yet)."""
        if self._channel is not None:
            return
        self._channel = open_channel(self.endpoint, self.config.max_message_mb * 1024 * 1024)
        self._stubs = {name: factory(self._channel) for name, factory in _STUB_FACTORIES.items()}

    async def close(self) -> None:
        """Close the channel (cancels in-flight calls and streams)."""
        if self._channel is not None:
            channel, self._channel = self._channel, None
            self._stubs = {}
            await channel.close(grace=None)

    async def __aenter__(self) -> BrokerClient:
        await self.connect()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"BrokerClient({self.endpoint}, connected={self._channel is not None})"

    # --- plumbing shared with the stream managers ------------------------------------------------

    def metadata(self) -> tuple[tuple[str, str], ...]:
        """Call metadata: bearer token and app name. Never log this."""
        return (("authorization", f"Bearer {self._token.reveal()}"), ("x-app-name", self.config.app_name))

    def stub(self, service: str) -> Any:
        """The generated stub of ``service`` (raises when not connected)."""
        if not self._stubs:
            raise BrokerError("broker client is not connected; call connect() first", status="NOT_CONNECTED")
        return self._stubs[service]

    def deadline(self, method: str) -> float:
        """The deadline in seconds for ``method`` (recommended minimum × scale)."""
        return DEADLINES_S.get(method, DEFAULT_DEADLINE_S) * self._deadline_scale

    async def call(
        self,
        service: str,
        method: str,
        request: Any,
        *,
        retry: bool = True,
        order: bool = False,
        deadline_s: float | None = None,
    ) -> Any:
        """One unary call with rate limiting, deadline, error mapping, rate-limit waits and retries.

        ``retry=False`` disables retries on UNAVAILABLE/70001–70003 (rate-limit waits still happen,
        since a RESOURCE_EXHAUSTED request was never executed). ``order=True`` maps errors as for an
        order request (rejections → BrokerOrderRejectedError, 70002/30057 → outcome unknown).
        """
        path = f"/{PACKAGE}.{service}/{method}"
        rpc = getattr(self.stub(service), method)
        timeout = deadline_s if deadline_s is not None else self.deadline(method)
        attempt = 0
        while True:
            await self.rate_limiter.acquire(path)
            try:
                response = await rpc(request, metadata=self.metadata(), timeout=timeout)
            except grpc.aio.AioRpcError as exc:
                error = error_from_rpc(exc, method, order=order)
            else:
                if self.on_call_succeeded is not None:
                    self.on_call_succeeded()
                return response
            if error.status == "UNAVAILABLE" and self.on_unavailable is not None:
                self.on_unavailable(str(error))
            if isinstance(error, BrokerRateLimitError) and error.code not in STREAM_LIMIT_CODES:
                reset = min(
                    error.ratelimit_reset_s if error.ratelimit_reset_s is not None else 1.0,
                    MAX_RATE_LIMIT_WAIT_S,
                )
                log.warning(
                    "%s rate limited (code %s); waiting %.2f s for the reset",
                    method,
                    error.code or "-",
                    reset,
                )
                self.rate_limiter.penalise(path, reset)
                if attempt >= self.config.max_retries:
                    raise error
                attempt += 1
                continue
            if retry and isinstance(error, BrokerUnavailableError) and attempt < self.config.max_retries:
                delay = self.backoff.delay(attempt)
                log.warning(
                    "%s failed (%s %s); retry %d in %.2f s",
                    method,
                    error.status,
                    error.code or "-",
                    attempt + 1,
                    delay,
                )
                attempt += 1
                await self._sleep(delay)
                continue
            raise error

    async def instrument_for(self, key: str) -> Instrument:
        """The registered instrument for uid/figi/``TICKER_CLASSCODE`` ``key``, fetched once if unknown."""
        found = self.instruments.get(key)
        if found is not None:
            return found
        return await self.instrument_by(uid=key)

    # --- instruments ----------------------------------------------------------------------------

    async def shares(self, *, all_statuses: bool = False) -> list[Instrument]:
        """All tradable shares (``all_statuses`` includes non-base ones); registers them."""
        request = instruments_pb2.InstrumentsRequest(
            instrument_status=common_pb2.INSTRUMENT_STATUS_ALL
            if all_statuses
            else common_pb2.INSTRUMENT_STATUS_BASE
        )
        response = await self.call("InstrumentsService", "Shares", request)
        return self._register_many(convert.instrument_from_share, response.instruments)

    async def futures(self, *, all_statuses: bool = False) -> list[Instrument]:
        """All futures; registers them."""
        request = instruments_pb2.InstrumentsRequest(
            instrument_status=common_pb2.INSTRUMENT_STATUS_ALL
            if all_statuses
            else common_pb2.INSTRUMENT_STATUS_BASE
        )
        response = await self.call("InstrumentsService", "Futures", request)
        return self._register_many(convert.instrument_from_future, response.instruments)

    def _register_many(self, build: Callable[[Any], Instrument], messages: Sequence[Any]) -> list[Instrument]:
        found = []
        for msg in messages:
            try:
                instrument = build(msg)
            except (convert.BrokerDataError, ValueError) as exc:
                log.warning("skipping instrument %s: %s", getattr(msg, "ticker", "?"), exc)
                continue
            self.instruments.add(instrument)
            found.append(instrument)
        return found

    async def instrument_by(
        self, *, uid: str = "", figi: str = "", ticker: str = "", class_code: str = ""
    ) -> Instrument:
        """One instrument by uid, figi or ticker + class code (GetInstrumentBy); registers it."""
        if uid:
            request = instruments_pb2.InstrumentRequest(
                id_type=instruments_pb2.INSTRUMENT_ID_TYPE_UID, id=uid
            )
        elif figi:
            request = instruments_pb2.InstrumentRequest(
                id_type=instruments_pb2.INSTRUMENT_ID_TYPE_FIGI, id=figi
            )
        elif ticker and class_code:
            request = instruments_pb2.InstrumentRequest(
                id_type=instruments_pb2.INSTRUMENT_ID_TYPE_TICKER, id=ticker, class_code=class_code
            )
        else:
            raise ValueError("instrument_by needs uid, figi, or ticker with class_code")
        response = await self.call("InstrumentsService", "GetInstrumentBy", request)
        instrument = convert.instrument_from_generic(response.instrument)
        self.instruments.add(instrument)
        return instrument

    async def trading_schedules(
        self, exchange: str = "", from_ns: int | None = None, to_ns: int | None = None
    ) -> list[TradingDayInfo]:
        """Trading days per exchange between ``from_ns`` and ``to_ns`` (UTC ns)."""
        request = instruments_pb2.TradingSchedulesRequest()
        if exchange:
            request.exchange = exchange
        if from_ns is not None:
            getattr(request, "from").CopyFrom(convert.timestamp_msg(from_ns))
        if to_ns is not None:
            request.to.CopyFrom(convert.timestamp_msg(to_ns))
        response = await self.call("InstrumentsService", "TradingSchedules", request)
        days = []
        for schedule in response.exchanges:
            for day in schedule.days:
                days.append(
                    TradingDayInfo(
                        exchange=schedule.exchange,
                        date_ns=convert.timestamp_ns(day.date, "date"),
                        is_trading_day=day.is_trading_day,
                        start_ns=convert.timestamp_ns(day.start_time, "start_time"),
                        end_ns=convert.timestamp_ns(day.end_time, "end_time"),
                        opening_auction_start_ns=convert.timestamp_ns(day.opening_auction_start_time),
                        closing_auction_end_ns=convert.timestamp_ns(day.closing_auction_end_time),
                        evening_start_ns=convert.timestamp_ns(day.evening_start_time),
                        evening_end_ns=convert.timestamp_ns(day.evening_end_time),
                    )
                )
        return days

    # --- market data ----------------------------------------------------------------------------

    async def get_order_book(self, instrument: Instrument, depth: int) -> OrderBook:
        """A book snapshot of ``depth`` levels (1, 10, 20, 30, 40 or 50)."""
        if depth not in VALID_DEPTHS:
            raise ValueError(f"order book depth {depth} not allowed; use one of {sorted(VALID_DEPTHS)}")
        request = marketdata_pb2.GetOrderBookRequest(depth=depth, instrument_id=instrument.uid)
        response = await self.call("MarketDataService", "GetOrderBook", request)
        return convert.order_book_from_response(response, instrument, self.clock.now_ns())

    async def get_last_prices(self, instruments: Sequence[Instrument]) -> list[LastPrice]:
        """Last prices of ``instruments`` (unknown ids in the answer are skipped)."""
        by_uid = {i.uid: i for i in instruments}
        request = marketdata_pb2.GetLastPricesRequest(instrument_id=list(by_uid))
        response = await self.call("MarketDataService", "GetLastPrices", request)
        prices = []
        for msg in response.last_prices:
            instrument = by_uid.get(msg.instrument_uid) or self.instruments.find(msg.instrument_uid, msg.figi)
            if instrument is None:
                continue
            if msg.price.units == 0 and msg.price.nano == 0:
                continue  # no trades yet
            prices.append(convert.last_price_from_msg(msg, instrument))
        return prices

    async def get_candles(
        self,
        instrument: Instrument,
        from_ns: int,
        to_ns: int,
        interval: int = marketdata_pb2.CANDLE_INTERVAL_1_MIN,
    ) -> list[Candle]:
        """Historic candles (``interval`` is a CandleInterval value; default one minute)."""
        request = marketdata_pb2.GetCandlesRequest(
            to=convert.timestamp_msg(to_ns),
            interval=interval,  # type: ignore[arg-type]
            instrument_id=instrument.uid,
        )
        getattr(request, "from").CopyFrom(convert.timestamp_msg(from_ns))  # `from` is a Python keyword
        response = await self.call("MarketDataService", "GetCandles", request)
        return [
            Candle(
                instrument_id=instrument.uid,
                ts_ns=convert.timestamp_ns(c.time),
                open_ticks=convert.ticks_from_quotation(c.open, instrument, "open"),
                high_ticks=convert.ticks_from_quotation(c.high, instrument, "high"),
                low_ticks=convert.ticks_from_quotation(c.low, instrument, "low"),
                close_ticks=convert.ticks_from_quotation(c.close, instrument, "close"),
                volume_lots=int(c.volume),
                is_complete=c.is_complete,
            )
            for c in response.candles
        ]

    async def get_trading_status(self, instrument: Instrument) -> TradingStatusChanged:
        """The instrument's current trading status and whether limit/market orders are accepted."""
        request = marketdata_pb2.GetTradingStatusRequest(instrument_id=instrument.uid)
        response = await self.call("MarketDataService", "GetTradingStatus", request)
        return convert.trading_status_from_response(response, instrument, self.clock.now_ns())

    async def get_last_trades(self, instrument: Instrument, from_ns: int, to_ns: int) -> list[Trade]:
        """Public trades between ``from_ns`` and ``to_ns`` (the broker keeps the last hour)."""
        request = marketdata_pb2.GetLastTradesRequest(
            to=convert.timestamp_msg(to_ns), instrument_id=instrument.uid
        )
        getattr(request, "from").CopyFrom(convert.timestamp_msg(from_ns))  # `from` is a Python keyword
        response = await self.call("MarketDataService", "GetLastTrades", request)
        now = self.clock.now_ns()
        return [convert.trade_from_msg(t, instrument, now) for t in response.trades]

    # --- orders ---------------------------------------------------------------------------------

    async def post_order(self, account_id: str, command: SubmitOrder, instrument: Instrument) -> Order:
        """Place ``command`` with its intent key as the idempotency key; returns the acknowledged order.

        Raises BrokerOrderRejectedError (final) or BrokerOutcomeUnknownError when the intent could not
        be resolved; the caller then resolves it later with ``get_order_state(key)`` — never re-keys.
        """
        request = convert.post_order_request(account_id, command, instrument)
        last_error: BrokerError | None = None
        for attempt in range(self.config.max_retries + 1):
            try:
                response = await self.call("OrdersService", "PostOrder", request, retry=False, order=True)
            except BrokerOrderRejectedError:
                raise
            except BrokerNotFoundError as exc:  # e.g. 50002 unknown instrument / 50004 account: final
                raise BrokerOrderRejectedError(
                    str(exc),
                    status=exc.status,
                    code=exc.code,
                    tracking_id=exc.tracking_id,
                    api_message=exc.api_message,
                    method="PostOrder",
                ) from exc
            except BrokerError as exc:
                if not exc.retryable:
                    raise
                last_error = exc
                log.warning(
                    "PostOrder %s outcome unknown (%s %s); resolving by key",
                    command.intent_key,
                    exc.status,
                    exc.code or "-",
                )
                resolved = await self._resolve_intent(account_id, command, instrument)
                if resolved is not None:
                    return resolved
                await self._sleep(self.backoff.delay(attempt))
                continue  # same request, same key: idempotent on the broker side
            return convert.order_from_post_response(response, instrument, command, self.clock.now_ns())
        assert last_error is not None
        raise BrokerOutcomeUnknownError(
            f"PostOrder {command.intent_key}: outcome unknown after {self.config.max_retries + 1} attempts "
            f"({last_error.status} {last_error.code})",
            status=last_error.status,
            code=last_error.code,
            tracking_id=last_error.tracking_id,
            method="PostOrder",
            retryable=True,
        ) from last_error

    async def _resolve_intent(
        self, account_id: str, command: SubmitOrder, instrument: Instrument
    ) -> Order | None:
        for attempt in range(ORDER_RESOLVE_ATTEMPTS):
            try:
                return await self.get_order_state(
                    account_id,
                    command.intent_key,
                    by_request=True,
                    instrument=instrument,
                    time_in_force=command.time_in_force,
                )
            except BrokerError as exc:
                if not exc.retryable:
                    return None
                await self._sleep(self.backoff.delay(attempt))
        return None

    async def cancel_order(self, account_id: str, order_id: str, *, by_request: bool = False) -> int:
        """Cancel by exchange id (or by intent key with ``by_request``); returns the cancel time (ns)."""
        request = orders_pb2.CancelOrderRequest(account_id=account_id, order_id=order_id)
        if by_request:
            request.order_id_type = orders_pb2.ORDER_ID_TYPE_REQUEST
        response = await self.call("OrdersService", "CancelOrder", request)
        return convert.timestamp_ns(response.time) if response.HasField("time") else self.clock.now_ns()

    async def get_order_state(
        self,
        account_id: str,
        key: str,
        *,
        by_request: bool = True,
        instrument: Instrument | None = None,
        time_in_force: TimeInForce = TimeInForce.DAY,
    ) -> Order | None:
        """The order placed under intent key ``key`` (or exchange id with ``by_request=False``);
        None when the broker does not know it (NOT_FOUND)."""
        request = orders_pb2.GetOrderStateRequest(account_id=account_id, order_id=key)
        request.order_id_type = (
            orders_pb2.ORDER_ID_TYPE_REQUEST if by_request else orders_pb2.ORDER_ID_TYPE_EXCHANGE
        )
        try:
            response = await self.call("OrdersService", "GetOrderState", request)
        except BrokerNotFoundError:
            return None
        found = instrument or await self.instrument_for(response.instrument_uid or response.figi)
        return convert.order_from_state(response, found, time_in_force)

    async def get_order_fills(
        self, account_id: str, key: str, *, by_request: bool = True, instrument: Instrument | None = None
    ) -> list[Fill] | None:
        """The executions (GetOrderState ``stages``) of the order placed under intent key ``key``;
        None when the broker does not know the order."""
        request = orders_pb2.GetOrderStateRequest(account_id=account_id, order_id=key)
        request.order_id_type = (
            orders_pb2.ORDER_ID_TYPE_REQUEST if by_request else orders_pb2.ORDER_ID_TYPE_EXCHANGE
        )
        try:
            response = await self.call("OrdersService", "GetOrderState", request)
        except BrokerNotFoundError:
            return None
        found = instrument or await self.instrument_for(response.instrument_uid or response.figi)
        return convert.fills_from_state(response, found)

    async def get_orders(self, account_id: str) -> list[Order]:
        """The account's active orders."""
        response = await self.call(
            "OrdersService", "GetOrders", orders_pb2.GetOrdersRequest(account_id=account_id)
        )
        orders = []
        for msg in response.orders:
            instrument = await self.instrument_for(msg.instrument_uid or msg.figi)
            orders.append(convert.order_from_state(msg, instrument))
        return orders

    # --- operations -----------------------------------------------------------------------------

    def _position_lots(self, units: int | Decimal, instrument: Instrument | None) -> int:
        if instrument is None:
            return int(units)
        lots = Decimal(units) / instrument.lot
        if lots != lots.to_integral_value():
            raise convert.BrokerDataError("balance", str(units), f"not whole lots of {instrument.lot}")
        return int(lots)

    async def get_positions(self, account_id: str) -> VenueAccount:
        """Free cash by currency and security positions in lots (the wire balance is in units)."""
        response = await self.call(
            "OperationsService", "GetPositions", operations_pb2.PositionsRequest(account_id=account_id)
        )
        cash: dict[str, Decimal] = {}
        for money in response.money:
            value = convert.money_from_msg(money, "money")
            cash[value.currency] = cash.get(value.currency, Decimal(0)) + value.to_decimal()
        positions = []
        for sec in list(response.securities) + list(response.futures):
            instrument = self.instruments.find(sec.instrument_uid, sec.figi)
            positions.append(
                VenuePosition(
                    instrument.uid if instrument else sec.instrument_uid,
                    self._position_lots(sec.balance + sec.blocked, instrument),
                )
            )
        return VenueAccount(cash=cash, positions=tuple(positions))

    async def get_portfolio(self, account_id: str, currency: str = "rub") -> PortfolioSnapshot:
        """Portfolio value, positions (lots, average price) and expected yield."""
        currency_code = {"rub": 0, "usd": 1, "eur": 2}.get(currency.lower(), 0)
        request = operations_pb2.PortfolioRequest(account_id=account_id, currency=currency_code)  # type: ignore[arg-type]
        response = await self.call("OperationsService", "GetPortfolio", request)
        positions = []
        for pos in response.positions:
            instrument = self.instruments.find(pos.instrument_uid, pos.figi)
            quantity = convert.decimal_from_quotation(pos.quantity, "quantity")
            if instrument is None and pos.instrument_type == "currency":
                continue
            positions.append(
                VenuePosition(
                    instrument.uid if instrument else pos.instrument_uid,
                    self._position_lots(quantity, instrument),
                    convert.decimal_from_money(pos.average_position_price, "average_position_price"),
                )
            )
        total = convert.money_from_msg(response.total_amount_portfolio, "total_amount_portfolio")
        return PortfolioSnapshot(
            account_id=response.account_id or account_id,
            total_value=total.to_decimal(),
            currency=total.currency or currency.lower(),
            positions=tuple(positions),
            expected_yield=convert.decimal_from_quotation(response.expected_yield, "expected_yield"),
        )

    # --- users ----------------------------------------------------------------------------------

    @staticmethod
    def _accounts(response: users_pb2.GetAccountsResponse) -> list[AccountInfo]:
        return [
            AccountInfo(
                account_id=a.id,
                name=a.name,
                type=int(a.type),
                status=int(a.status),
                access_level=int(a.access_level),
                opened_ts_ns=convert.timestamp_ns(a.opened_date),
            )
            for a in response.accounts
        ]

    async def get_accounts(self) -> list[AccountInfo]:
        """The user's accounts."""
        return self._accounts(await self.call("UsersService", "GetAccounts", users_pb2.GetAccountsRequest()))

    async def get_info(self) -> UserInfo:
        """Tariff, user id and qualification flags."""
        response = await self.call("UsersService", "GetInfo", users_pb2.GetInfoRequest())
        return UserInfo(
            user_id=response.user_id,
            tariff=response.tariff,
            prem_status=response.prem_status,
            qual_status=response.qual_status,
            qualified_for=tuple(response.qualified_for_work_with),
        )

    async def get_user_tariff(self, *, apply: bool = True) -> UserTariff:
        """The user's rate limits; with ``apply`` the client-side buckets are resized to them."""
        response = await self.call("UsersService", "GetUserTariff", users_pb2.GetUserTariffRequest())
        unary = tuple(
            UnaryLimitInfo(
                methods=tuple(limit.methods),
                limit_per_minute=int(limit.limit_per_minute),
                limit_per_second=int(limit.limit_per_second) if limit.HasField("limit_per_second") else None,
            )
            for limit in response.unary_limits
        )
        streams = tuple(
            StreamLimitInfo(streams=tuple(s.streams), limit=int(s.limit), open=int(s.open))
            for s in response.stream_limits
        )
        if apply:
            self.rate_limiter.configure(unary)
        return UserTariff(unary_limits=unary, stream_limits=streams)

    # --- sandbox --------------------------------------------------------------------------------

    async def open_sandbox_account(self, name: str = "") -> str:
        """Open a sandbox account; returns its id."""
        request = (
            sandbox_pb2.OpenSandboxAccountRequest(name=name)
            if name
            else sandbox_pb2.OpenSandboxAccountRequest()
        )
        response = await self.call("SandboxService", "OpenSandboxAccount", request, retry=False)
        return str(response.account_id)

    async def get_sandbox_accounts(self) -> list[AccountInfo]:
        """The user's sandbox accounts."""
        return self._accounts(
            await self.call("SandboxService", "GetSandboxAccounts", users_pb2.GetAccountsRequest())
        )

    async def sandbox_pay_in(self, account_id: str, amount: Decimal, currency: str = "rub") -> Decimal:
        """Credit ``amount`` to a sandbox account; returns the new balance."""
        request = sandbox_pb2.SandboxPayInRequest(
            account_id=account_id, amount=convert.money_msg(amount, currency)
        )
        response = await self.call("SandboxService", "SandboxPayIn", request, retry=False)
        return convert.decimal_from_money(response.balance, "balance")

    async def close_sandbox_account(self, account_id: str) -> None:
        """Close a sandbox account."""
        await self.call(
            "SandboxService",
            "CloseSandboxAccount",
            sandbox_pb2.CloseSandboxAccountRequest(account_id=account_id),
        )
