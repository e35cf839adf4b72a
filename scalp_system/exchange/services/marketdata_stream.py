"""MarketDataStreamService: one bidi stream carrying many subscriptions, as the real one does.

Order book, trades, last price and info (trading status) subscriptions are added and removed by
request; every request is answered with a Subscribe*Response whose per-instrument status says
what happened (SUCCESS, INSTRUMENT_NOT_FOUND, DEPTH_IS_INVALID for a depth outside 1/10/20/30/40/50,
SUBSCRIPTION_NOT_FOUND, LIMIT_IS_EXCEEDED past 300, TOO_MANY_REQUESTS past 100 requests a minute).
Books are throttled to one message per ``book_stream_interval_ms`` per subscription and always
carry the latest book; trades, last prices and statuses are not throttled. A lockstep exchange (a
test facility) instead pushes one book message per book change at once, and none on subscribing.
Pings come every ``ping_delay_ms`` the client asked for (or the configured default), ``PingRequest``
is answered at once with ``ping_request_time``, and a stream left without subscriptions is closed
with 80004.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, TypeAlias

from grpc import StatusCode, aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import common_pb2, marketdata_pb2, marketdata_pb2_grpc
from scalp_system.config import ALLOWED_DEPTHS
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import LastPrice
from scalp_system.exchange.faults import StreamKind
from scalp_system.exchange.reports import BookChanged, ExchangeEvent, TradePrinted, TradingStatusSet
from scalp_system.exchange.services import wire
from scalp_system.exchange.services.errors import NO_ACTIVE_SUBSCRIPTIONS
from scalp_system.exchange.services.gate import new_tracking_id
from scalp_system.exchange.services.marketdata import trading_status_event
from scalp_system.exchange.services.runtime import ExchangeRuntime
from scalp_system.exchange.services.streams import StreamSession, run_session

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
_log = logging.getLogger("scalp_system.exchange")
MD = marketdata_pb2
MAX_SUBSCRIPTIONS = 300
MAX_REQUESTS_PER_MINUTE = 100
MAX_BOOK_BACKLOG = 256
_SUBSCRIBE, _UNSUBSCRIBE = MD.SUBSCRIPTION_ACTION_SUBSCRIBE, MD.SUBSCRIPTION_ACTION_UNSUBSCRIBE


@dataclass(slots=True)
class _BookSubscription:
    instrument: Instrument
    depth: int
    subscription_id: str
    last_sent: float = 0.0
    dirty: bool = True


class MarketDataSession(StreamSession):
    """The state of one MarketDataStream: its subscriptions, throttles and outgoing queue."""

    def __init__(self, runtime: ExchangeRuntime, empty_stream_timeout_s: float) -> None:
        super().__init__(runtime.faults, StreamKind.MARKET_DATA, runtime.ping_interval_ms)
        self.runtime = runtime
        self.books: dict[str, _BookSubscription] = {}
        self.trades: dict[str, str] = {}
        self.last_prices: dict[str, str] = {}
        self.infos: dict[str, str] = {}
        self.books_sent = 0
        self._interval_s = runtime.book_stream_interval_ms / 1000
        self._empty_timeout_s = empty_stream_timeout_s
        self._requests: deque[float] = deque()
        self._wake = asyncio.Event()

    def wrap_ping(self, ping: common_pb2.Ping) -> marketdata_pb2.MarketDataResponse:
        """Pings travel as MarketDataResponse.ping."""
        return MD.MarketDataResponse(ping=ping)

    @property
    def subscription_count(self) -> int:
        """Subscriptions that count against the 300 limit (books + trades; info is unlimited)."""
        return len(self.books) + len(self.trades)

    def _has_any(self) -> bool:
        return bool(self.books or self.trades or self.last_prices or self.infos)

    # --- exchange events ---------------------------------------------------------------------
    def on_exchange_event(self, event: ExchangeEvent) -> None:
        """Mark books dirty; forward trades, last prices and status changes at once."""
        if isinstance(event, BookChanged):
            subscription = self.books.get(event.instrument_uid)
            if subscription is not None and self.runtime.lockstep:
                self._send_book(subscription)  # every book change, as of the step that made it
            elif subscription is not None:
                subscription.dirty = True
                self._wake.set()
        elif isinstance(event, TradePrinted):
            trade = event.trade
            uid = trade.instrument_id
            if uid in self.trades:
                message = convert.trade_msg(trade, self.runtime.instruments[uid])
                if self.faults.draw_trade_garbage():
                    wire.spoil_trade(message)
                self.send(MD.MarketDataResponse(trade=message))
            if uid in self.last_prices:
                last = LastPrice(uid, trade.price_ticks, trade.exchange_ts_ns)
                self.send(
                    MD.MarketDataResponse(
                        last_price=convert.last_price_msg(last, self.runtime.instruments[uid])
                    )
                )
        elif isinstance(event, TradingStatusSet) and event.instrument_uid in self.infos:
            self._send_status(self.runtime.instruments[event.instrument_uid], event.ts_ns)

    def _send_status(self, instrument: Instrument, ts_ns: int) -> None:
        status = trading_status_event(self.runtime, instrument, ts_ns)
        self.send(MD.MarketDataResponse(trading_status=convert.trading_status_msg(status, instrument)))

    # --- requests ----------------------------------------------------------------------------
    def handle(self, request: marketdata_pb2.MarketDataRequest) -> None:
        """Apply one client request and queue its answer."""
        kind = request.WhichOneof("payload")
        if kind == "subscribe_order_book_request":
            self._order_books(request.subscribe_order_book_request)
        elif kind == "subscribe_trades_request":
            self._trades(request.subscribe_trades_request)
        elif kind == "subscribe_last_price_request":
            self._simple(request.subscribe_last_price_request, self.last_prices, "last_price")
        elif kind == "subscribe_info_request":
            self._simple(request.subscribe_info_request, self.infos, "info")
        elif kind == "subscribe_candles_request":
            self._candles(request.subscribe_candles_request)
        elif kind == "get_my_subscriptions":
            self._my_subscriptions()
        elif kind == "ping":
            asked = (
                request.ping.time if request.ping.HasField("time") else convert.timestamp_msg(time.time_ns())
            )
            self.send(self.wrap_ping(self.ping_message(asked)))
        elif kind == "ping_settings":
            settings = request.ping_settings
            self.set_ping_ms(
                settings.ping_delay_ms
                if settings.HasField("ping_delay_ms")
                else self.runtime.ping_interval_ms
            )

    def handle_server_side(self, request: marketdata_pb2.MarketDataServerSideStreamRequest) -> None:
        """Apply every part of a MarketDataServerSideStream request."""
        if request.HasField("ping_settings") and request.ping_settings.HasField("ping_delay_ms"):
            self.set_ping_ms(request.ping_settings.ping_delay_ms)
        if request.HasField("subscribe_order_book_request"):
            self._order_books(request.subscribe_order_book_request)
        if request.HasField("subscribe_trades_request"):
            self._trades(request.subscribe_trades_request)
        if request.HasField("subscribe_last_price_request"):
            self._simple(request.subscribe_last_price_request, self.last_prices, "last_price")
        if request.HasField("subscribe_info_request"):
            self._simple(request.subscribe_info_request, self.infos, "info")
        if request.HasField("subscribe_candles_request"):
            self._candles(request.subscribe_candles_request)

    def _too_many_requests(self) -> bool:
        now = time.monotonic()
        while self._requests and self._requests[0] <= now - 60:
            self._requests.popleft()
        self._requests.append(now)
        return len(self._requests) > MAX_REQUESTS_PER_MINUTE

    def _status(
        self,
        action: int,
        instrument: Instrument | None,
        subscribed: bool,
        throttled: bool,
        *,
        limited: bool = True,
    ) -> marketdata_pb2.SubscriptionStatus:
        if throttled:
            return MD.SUBSCRIPTION_STATUS_TOO_MANY_REQUESTS
        if action not in (_SUBSCRIBE, _UNSUBSCRIBE):
            return MD.SUBSCRIPTION_STATUS_SUBSCRIPTION_ACTION_IS_INVALID
        if instrument is None:
            return MD.SUBSCRIPTION_STATUS_INSTRUMENT_NOT_FOUND
        if action == _UNSUBSCRIBE and not subscribed:
            return MD.SUBSCRIPTION_STATUS_SUBSCRIPTION_NOT_FOUND
        if (
            action == _SUBSCRIBE
            and not subscribed
            and limited
            and self.subscription_count >= MAX_SUBSCRIPTIONS
        ):
            return MD.SUBSCRIPTION_STATUS_LIMIT_IS_EXCEEDED
        return MD.SUBSCRIPTION_STATUS_SUCCESS

    def _order_books(self, request: marketdata_pb2.SubscribeOrderBookRequest) -> None:
        throttled = self._too_many_requests()
        answers = []
        for item in request.instruments:
            instrument = self.runtime.find(item.instrument_id or item.figi)
            uid = instrument.uid if instrument is not None else ""
            status = self._status(request.subscription_action, instrument, uid in self.books, throttled)
            if (
                status == MD.SUBSCRIPTION_STATUS_SUCCESS
                and request.subscription_action == _SUBSCRIBE
                and item.depth not in ALLOWED_DEPTHS
            ):
                status = MD.SUBSCRIPTION_STATUS_DEPTH_IS_INVALID
            subscription_id = ""
            if status == MD.SUBSCRIPTION_STATUS_SUCCESS and instrument is not None:
                if request.subscription_action == _SUBSCRIBE:
                    existing = self.books.get(uid)
                    subscription_id = existing.subscription_id if existing else uuid.uuid4().hex
                    self.books[uid] = _BookSubscription(
                        instrument, item.depth, subscription_id, dirty=not self.runtime.lockstep
                    )
                    self._wake.set()
                else:
                    subscription_id = self.books.pop(uid).subscription_id
            answers.append(
                MD.OrderBookSubscription(
                    figi=instrument.figi if instrument else item.figi,
                    depth=item.depth,
                    subscription_status=status,
                    instrument_uid=uid,  # type: ignore[arg-type]
                    stream_id=self.stream_id,
                    subscription_id=subscription_id,
                    order_book_type=MD.ORDERBOOK_TYPE_EXCHANGE,
                    subscription_action=request.subscription_action,
                    ticker=instrument.ticker if instrument else "",
                    class_code=instrument.class_code if instrument else "",
                )
            )
        self.send(
            MD.MarketDataResponse(
                subscribe_order_book_response=MD.SubscribeOrderBookResponse(
                    tracking_id=new_tracking_id(), order_book_subscriptions=answers
                )
            )
        )

    def _trades(self, request: marketdata_pb2.SubscribeTradesRequest) -> None:
        throttled = self._too_many_requests()
        answers = []
        for item in request.instruments:
            instrument = self.runtime.find(item.instrument_id or item.figi)
            uid = instrument.uid if instrument is not None else ""
            status = self._status(request.subscription_action, instrument, uid in self.trades, throttled)
            subscription_id = self._apply(self.trades, uid, request.subscription_action, status)
            answers.append(
                MD.TradeSubscription(
                    figi=instrument.figi if instrument else item.figi,
                    subscription_status=status,  # type: ignore[arg-type]
                    instrument_uid=uid,
                    stream_id=self.stream_id,
                    subscription_id=subscription_id,
                    with_open_interest=request.with_open_interest,
                    subscription_action=request.subscription_action,
                    ticker=instrument.ticker if instrument else "",
                    class_code=instrument.class_code if instrument else "",
                )
            )
        self.send(
            MD.MarketDataResponse(
                subscribe_trades_response=MD.SubscribeTradesResponse(
                    tracking_id=new_tracking_id(),
                    trade_subscriptions=answers,
                    trade_source=MD.TRADE_SOURCE_EXCHANGE,
                )
            )
        )

    def _simple(self, request: Any, table: dict[str, str], kind: str) -> None:
        """Last price and info subscriptions (same request/response shapes)."""
        throttled = self._too_many_requests()
        answers: list[Any] = []
        fresh: list[Instrument] = []
        for item in request.instruments:
            instrument = self.runtime.find(item.instrument_id or item.figi)
            uid = instrument.uid if instrument is not None else ""
            status = self._status(
                request.subscription_action, instrument, uid in table, throttled, limited=False
            )
            subscription_id = self._apply(table, uid, request.subscription_action, status)
            if (
                status == MD.SUBSCRIPTION_STATUS_SUCCESS
                and request.subscription_action == _SUBSCRIBE
                and instrument
            ):
                fresh.append(instrument)
            fields: dict[str, Any] = dict(
                figi=instrument.figi if instrument else item.figi,
                subscription_status=status,
                instrument_uid=uid,
                stream_id=self.stream_id,
                subscription_id=subscription_id,
                subscription_action=request.subscription_action,
                ticker=instrument.ticker if instrument else "",
                class_code=instrument.class_code if instrument else "",
            )
            answers.append(
                MD.LastPriceSubscription(**fields) if kind == "last_price" else MD.InfoSubscription(**fields)
            )
        if kind == "last_price":
            self.send(
                MD.MarketDataResponse(
                    subscribe_last_price_response=MD.SubscribeLastPriceResponse(
                        tracking_id=new_tracking_id(), last_price_subscriptions=answers
                    )
                )
            )
        else:
            self.send(
                MD.MarketDataResponse(
                    subscribe_info_response=MD.SubscribeInfoResponse(
                        tracking_id=new_tracking_id(), info_subscriptions=answers
                    )
                )
            )
            for instrument in fresh:
                self._send_status(instrument, self.runtime.now_ns())

    def _candles(self, request: marketdata_pb2.SubscribeCandlesRequest) -> None:
        """Candle subscriptions are not served by the local exchange: every item says so."""
        answers = [
            MD.CandleSubscription(
                figi=item.figi,
                interval=item.interval,
                instrument_uid=item.instrument_id,
                subscription_status=MD.SUBSCRIPTION_STATUS_INTERVAL_IS_INVALID,
                stream_id=self.stream_id,
                subscription_action=request.subscription_action,
            )
            for item in request.instruments
        ]
        self.send(
            MD.MarketDataResponse(
                subscribe_candles_response=MD.SubscribeCandlesResponse(
                    tracking_id=new_tracking_id(), candles_subscriptions=answers
                )
            )
        )

    @staticmethod
    def _apply(
        table: dict[str, str], uid: str, action: int, status: marketdata_pb2.SubscriptionStatus
    ) -> str:
        if status != MD.SUBSCRIPTION_STATUS_SUCCESS:
            return ""
        if action == _SUBSCRIBE:
            return table.setdefault(uid, uuid.uuid4().hex)
        return table.pop(uid)

    def _my_subscriptions(self) -> None:
        ok, subscribe = MD.SUBSCRIPTION_STATUS_SUCCESS, _SUBSCRIBE
        if self.books:
            self.send(
                MD.MarketDataResponse(
                    subscribe_order_book_response=MD.SubscribeOrderBookResponse(
                        tracking_id=new_tracking_id(),
                        order_book_subscriptions=[
                            MD.OrderBookSubscription(
                                figi=s.instrument.figi,
                                depth=s.depth,
                                subscription_status=ok,
                                instrument_uid=uid,
                                stream_id=self.stream_id,
                                subscription_id=s.subscription_id,
                                order_book_type=MD.ORDERBOOK_TYPE_EXCHANGE,
                                subscription_action=subscribe,
                                ticker=s.instrument.ticker,
                                class_code=s.instrument.class_code,
                            )
                            for uid, s in self.books.items()
                        ],
                    )
                )
            )
        if self.trades:
            self.send(
                MD.MarketDataResponse(
                    subscribe_trades_response=MD.SubscribeTradesResponse(
                        tracking_id=new_tracking_id(),
                        trade_source=MD.TRADE_SOURCE_EXCHANGE,
                        trade_subscriptions=[
                            MD.TradeSubscription(**self._fields(uid, sid, ok, subscribe))
                            for uid, sid in self.trades.items()
                        ],
                    )
                )
            )
        if self.infos:
            self.send(
                MD.MarketDataResponse(
                    subscribe_info_response=MD.SubscribeInfoResponse(
                        tracking_id=new_tracking_id(),
                        info_subscriptions=[
                            MD.InfoSubscription(**self._fields(uid, sid, ok, subscribe))
                            for uid, sid in self.infos.items()
                        ],
                    )
                )
            )
        if self.last_prices:
            self.send(
                MD.MarketDataResponse(
                    subscribe_last_price_response=MD.SubscribeLastPriceResponse(
                        tracking_id=new_tracking_id(),
                        last_price_subscriptions=[
                            MD.LastPriceSubscription(**self._fields(uid, sid, ok, subscribe))
                            for uid, sid in self.last_prices.items()
                        ],
                    )
                )
            )

    def _fields(self, uid: str, subscription_id: str, status: int, action: int) -> dict[str, Any]:
        instrument = self.runtime.instruments[uid]
        return dict(
            figi=instrument.figi,
            subscription_status=status,
            instrument_uid=uid,
            stream_id=self.stream_id,
            subscription_id=subscription_id,
            subscription_action=action,
            ticker=instrument.ticker,
            class_code=instrument.class_code,
        )

    async def read_requests(self, requests: AsyncIterator[marketdata_pb2.MarketDataRequest]) -> None:
        """Apply client requests as they arrive; a half-closed request side leaves the stream open."""
        try:
            async for request in requests:
                self.handle(request)
        except (aio.AioRpcError, aio.UsageError) as exc:  # the client went away mid-read
            _log.debug(
                "market data stream %s: request side ended: %s", self.stream_id, exc.__class__.__name__
            )

    # --- the book throttle -------------------------------------------------------------------
    def _send_book(self, subscription: _BookSubscription) -> None:
        instrument = subscription.instrument
        message = self.runtime.book_message(instrument.uid, subscription.depth)
        fault = self.faults.draw_book_fault()
        if fault is not None:
            spoiled = MD.OrderBook()
            spoiled.CopyFrom(message)
            wire.spoil_book(spoiled, fault, instrument)
            message = spoiled
        self.send(MD.MarketDataResponse(orderbook=message))
        self.books_sent += 1

    async def book_pump(self) -> None:
        """Send each dirty book when its interval has passed since its last message; watch idleness."""
        empty_since: float | None = None
        while True:
            now = time.monotonic()
            next_due: float | None = None
            for subscription in list(self.books.values()):
                if not subscription.dirty:
                    continue
                due = subscription.last_sent + self._interval_s
                if due <= now and self.backlog() < MAX_BOOK_BACKLOG:
                    subscription.dirty = False
                    subscription.last_sent = now
                    self._send_book(subscription)
                    continue
                due = max(due, now + self._interval_s / 4)
                next_due = due if next_due is None else min(next_due, due)
            if self._has_any():
                empty_since = None
            elif empty_since is None:
                empty_since = now
            elif now - empty_since >= self._empty_timeout_s:
                self.close(
                    StatusCode.RESOURCE_EXHAUSTED,
                    NO_ACTIVE_SUBSCRIPTIONS,
                    "the stream has no active subscriptions",
                )
                return
            timeout = min(next_due - now, 1.0) if next_due is not None else 1.0
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(timeout, 0.001))


class MarketDataStreamServicer(marketdata_pb2_grpc.MarketDataStreamServiceServicer):
    """The bidi MarketDataStream and the server-side MarketDataServerSideStream."""

    def __init__(self, runtime: ExchangeRuntime, *, empty_stream_timeout_s: float = 120.0) -> None:
        self.runtime = runtime
        self.empty_stream_timeout_s = empty_stream_timeout_s
        self.sessions: list[MarketDataSession] = []

    async def _serve(self, session: MarketDataSession, context: Context, *helpers: asyncio.Task[Any]) -> None:
        remove = self.runtime.listen(session)
        self.sessions.append(session)
        try:
            await run_session(session, context, asyncio.create_task(session.book_pump()), *helpers)
        finally:
            remove()
            self.sessions.remove(session)

    async def MarketDataStream(
        self, request_iterator: AsyncIterator[marketdata_pb2.MarketDataRequest], context: Context
    ) -> None:
        """Bidi market data: subscriptions in, data + subscription answers + pings out."""
        session = MarketDataSession(self.runtime, self.empty_stream_timeout_s)
        reader = asyncio.create_task(session.read_requests(request_iterator))
        await self._serve(session, context, reader)

    async def MarketDataServerSideStream(
        self, request: marketdata_pb2.MarketDataServerSideStreamRequest, context: Context
    ) -> None:
        """Server-side market data: the subscriptions are fixed by the one request."""
        session = MarketDataSession(self.runtime, self.empty_stream_timeout_s)
        session.handle_server_side(request)
        await self._serve(session, context)
