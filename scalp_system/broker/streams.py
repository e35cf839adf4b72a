"""MarketDataStream manager: one bidi stream for many instruments, yielding core market events.

Keeps the desired subscriptions (order books with depth, trades, last prices, trading-status info) and
replays them in full after every reconnect. Sends ``ping_settings`` on open, asks
``GetMySubscriptions`` periodically and resubscribes whatever the server no longer reports, and
backfills trades missed while down with GetLastTrades without delivering any trade twice (the
contract has no public trade id, so trades are told apart by count per key: instrument, time, price,
size and aggressor — see ``TradeTally``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import Hashable, Iterable
from typing import Any

from scalp_system.broker import convert
from scalp_system.broker.client import VALID_DEPTHS, BrokerClient
from scalp_system.broker.proto.generated import common_pb2, marketdata_pb2
from scalp_system.broker.stream_base import SupervisedStream
from scalp_system.core.clock import NS_PER_S
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import LastPrice, OrderBook, Trade, TradingStatusChanged

log = logging.getLogger(__name__)

MarketEvent = OrderBook | Trade | LastPrice | TradingStatusChanged
BACKFILL_WINDOW_NS = 3600 * NS_PER_S  # GetLastTrades covers the last hour
SUBSCRIBE = marketdata_pb2.SUBSCRIPTION_ACTION_SUBSCRIBE
UNSUBSCRIBE = marketdata_pb2.SUBSCRIPTION_ACTION_UNSUBSCRIBE
SUCCESS = marketdata_pb2.SUBSCRIPTION_STATUS_SUCCESS


class TradeTally:
    """Recently delivered public trades, counted by key (bounded: the oldest keys are forgotten).

    Without a trade id two real trades can share a key (same time, price, size and aggressor: a
    busy tape prints many), so a set of seen keys would drop real trades. The live stream carries
    each trade once, so every live trade is delivered; a backfill overlaps what was delivered before
    the gap, so it delivers a key only as often as it occurs beyond the deliveries already counted,
    and a live trade that a backfill has already delivered is not delivered again."""

    def __init__(self, capacity: int = 100_000) -> None:
        self._capacity = capacity
        self._delivered: OrderedDict[Hashable, int] = OrderedDict()
        self._backfilled: OrderedDict[Hashable, int] = OrderedDict()  # delivered early, not yet live

    @staticmethod
    def _bump(table: OrderedDict[Hashable, int], key: Hashable, by: int, capacity: int) -> None:
        count = table.pop(key, 0) + by
        if count > 0:
            table[key] = count
        while len(table) > capacity:
            table.popitem(last=False)

    def live(self, key: Hashable) -> bool:
        """A trade from the stream: True to deliver it (False when a backfill already did)."""
        if self._backfilled.get(key, 0) > 0:
            self._bump(self._backfilled, key, -1, self._capacity)
            return False
        self._bump(self._delivered, key, 1, self._capacity)
        return True

    def backfill(self, keys: Iterable[Hashable]) -> list[bool]:
        """Trades from GetLastTrades in time order: which of them were not delivered yet."""
        occurrences: dict[Hashable, int] = {}
        fresh = []
        for key in keys:
            occurrences[key] = occurrences.get(key, 0) + 1
            new = occurrences[key] > self._delivered.get(key, 0)
            if new:
                self._bump(self._delivered, key, 1, self._capacity)
                self._bump(self._backfilled, key, 1, self._capacity)
            fresh.append(new)
        return fresh


class SubscriptionError(ValueError):
    """A subscription that can never succeed (e.g. a depth the broker does not offer)."""


class MarketDataStream(SupervisedStream[MarketEvent]):
    """One MarketDataStream carrying every subscription of the run.

    ``await stream.subscribe_order_book(instrument, 20)``, ``subscribe_trades``, ``subscribe_last_price``,
    ``subscribe_info``; then ``async for event in stream.events()``. Subscribing works before or after
    the stream is up: the desired set is what gets (re)sent on every open.
    """

    def __init__(
        self,
        client: BrokerClient,
        *,
        watchdog_s: float | None = None,
        ping_delay_ms: int | None = None,
        subscriptions_check_s: float | None = None,
        backfill_trades: bool = True,
    ) -> None:
        config = client.config
        super().__init__(
            "MarketDataStream",
            str(client.endpoint),
            watchdog_s=watchdog_s if watchdog_s is not None else config.watchdog_s,
            backoff=client.backoff,
            clock=client.clock,
        )
        self.client = client
        self.ping_delay_ms = ping_delay_ms if ping_delay_ms is not None else config.ping_delay_ms
        self.subscriptions_check_s = (
            subscriptions_check_s if subscriptions_check_s is not None else config.subscriptions_check_s
        )
        self.backfill_trades = backfill_trades
        self.books: dict[str, int] = {}
        self.trades: set[str] = set()
        self.last_prices: set[str] = set()
        self.infos: set[str] = set()
        self.failed: dict[str, str] = {}
        self.resubscriptions = 0
        self.backfilled_trades = 0
        self._instruments: dict[str, Instrument] = {}
        self._trade_tally = TradeTally()
        self._last_trade_ns: dict[str, int] = {}
        self._down_since_ns = 0
        self._reconcile_task: asyncio.Task[None] | None = None
        self._last_subscribe_ns = 0
        self._reconciling = False

    # --- subscriptions ----------------------------------------------------------------------------

    def _remember(self, instrument: Instrument) -> None:
        self._instruments[instrument.uid] = instrument
        self.client.instruments.add(instrument)

    async def subscribe_order_book(self, instrument: Instrument, depth: int) -> None:
        """Stream ``depth``-level books of ``instrument`` (depth ∈ {1, 10, 20, 30, 40, 50})."""
        if depth not in VALID_DEPTHS:
            raise SubscriptionError(
                f"order book depth {depth} not allowed; use one of {sorted(VALID_DEPTHS)}"
            )
        self._remember(instrument)
        self.books[instrument.uid] = depth
        await self._send(self._books_request([instrument.uid], SUBSCRIBE))

    async def subscribe_trades(self, instrument: Instrument) -> None:
        """Stream public trades of ``instrument``."""
        self._remember(instrument)
        self.trades.add(instrument.uid)
        await self._send(self._trades_request([instrument.uid], SUBSCRIBE))

    async def subscribe_last_price(self, instrument: Instrument) -> None:
        """Stream last prices of ``instrument``."""
        self._remember(instrument)
        self.last_prices.add(instrument.uid)
        await self._send(self._last_price_request([instrument.uid], SUBSCRIBE))

    async def subscribe_info(self, instrument: Instrument) -> None:
        """Stream trading-status changes of ``instrument``."""
        self._remember(instrument)
        self.infos.add(instrument.uid)
        await self._send(self._info_request([instrument.uid], SUBSCRIBE))

    async def subscribe_all(self, instrument: Instrument, depth: int) -> None:
        """Book, trades, last price and info for one instrument."""
        await self.subscribe_order_book(instrument, depth)
        await self.subscribe_trades(instrument)
        await self.subscribe_last_price(instrument)
        await self.subscribe_info(instrument)

    async def unsubscribe(self, instrument: Instrument) -> None:
        """Drop every subscription of ``instrument``."""
        uid = instrument.uid
        if self.books.pop(uid, None) is not None:
            await self._send(self._books_request([uid], UNSUBSCRIBE, depth=1))
        if uid in self.trades:
            self.trades.discard(uid)
            await self._send(self._trades_request([uid], UNSUBSCRIBE))
        if uid in self.last_prices:
            self.last_prices.discard(uid)
            await self._send(self._last_price_request([uid], UNSUBSCRIBE))
        if uid in self.infos:
            self.infos.discard(uid)
            await self._send(self._info_request([uid], UNSUBSCRIBE))

    def _books_request(
        self, uids: Iterable[str], action: int, depth: int | None = None
    ) -> marketdata_pb2.MarketDataRequest:
        return marketdata_pb2.MarketDataRequest(
            subscribe_order_book_request=marketdata_pb2.SubscribeOrderBookRequest(
                subscription_action=action,  # type: ignore[arg-type]
                instruments=[
                    marketdata_pb2.OrderBookInstrument(
                        instrument_id=uid,
                        depth=depth or self.books.get(uid, 1),
                        order_book_type=marketdata_pb2.ORDERBOOK_TYPE_EXCHANGE,
                    )
                    for uid in uids
                ],
            )
        )

    @staticmethod
    def _trades_request(uids: Iterable[str], action: int) -> marketdata_pb2.MarketDataRequest:
        return marketdata_pb2.MarketDataRequest(
            subscribe_trades_request=marketdata_pb2.SubscribeTradesRequest(
                subscription_action=action,  # type: ignore[arg-type]
                instruments=[marketdata_pb2.TradeInstrument(instrument_id=uid) for uid in uids],
                trade_source=marketdata_pb2.TRADE_SOURCE_EXCHANGE,
            )
        )

    @staticmethod
    def _last_price_request(uids: Iterable[str], action: int) -> marketdata_pb2.MarketDataRequest:
        return marketdata_pb2.MarketDataRequest(
            subscribe_last_price_request=marketdata_pb2.SubscribeLastPriceRequest(
                subscription_action=action,  # type: ignore[arg-type]
                instruments=[marketdata_pb2.LastPriceInstrument(instrument_id=uid) for uid in uids],
            )
        )

    @staticmethod
    def _info_request(uids: Iterable[str], action: int) -> marketdata_pb2.MarketDataRequest:
        return marketdata_pb2.MarketDataRequest(
            subscribe_info_request=marketdata_pb2.SubscribeInfoRequest(
                subscription_action=action,  # type: ignore[arg-type]
                instruments=[marketdata_pb2.InfoInstrument(instrument_id=uid) for uid in uids],
            )
        )

    def _all_requests(self) -> list[marketdata_pb2.MarketDataRequest]:
        requests = [
            marketdata_pb2.MarketDataRequest(
                ping_settings=common_pb2.PingDelaySettings(ping_delay_ms=self.ping_delay_ms)
            )
        ]
        for depth in sorted(set(self.books.values())):
            requests.append(self._books_request([u for u, d in self.books.items() if d == depth], SUBSCRIBE))
        if self.trades:
            requests.append(self._trades_request(sorted(self.trades), SUBSCRIBE))
        if self.last_prices:
            requests.append(self._last_price_request(sorted(self.last_prices), SUBSCRIBE))
        if self.infos:
            requests.append(self._info_request(sorted(self.infos), SUBSCRIBE))
        return requests

    async def _send(self, request: marketdata_pb2.MarketDataRequest, *, reconciling: bool = False) -> None:
        call = self._call
        if call is None:
            return  # the full desired set is sent on the next open
        if not reconciling:
            self._reconciling = False  # fresh acks of our own would look like partial lists
            self._last_subscribe_ns = self.clock.now_ns()
        try:
            await call.write(request)
        except Exception as exc:
            log.warning(
                "%s: write failed (%s); it will be resent on reconnect", self.name, type(exc).__name__
            )

    # --- SupervisedStream hooks -------------------------------------------------------------------

    async def _open(self) -> Any:
        return self.client.stub("MarketDataStreamService").MarketDataStream(metadata=self.client.metadata())

    async def _on_open(self, call: Any) -> None:
        if not self.is_up and self._down_since_ns == 0 and self._connected_once:
            self._down_since_ns = self.clock.now_ns()
        self._last_subscribe_ns = self.clock.now_ns()
        for request in self._all_requests():
            await call.write(request)
        if self._reconcile_task is None or self._reconcile_task.done():
            self._reconcile_task = asyncio.create_task(self._reconcile_loop(), name="md:reconcile")

    async def stop(self) -> None:
        """Stop the reconciliation loop and the stream."""
        if self._reconcile_task is not None:
            self._reconcile_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconcile_task
            self._reconcile_task = None
        await super().stop()

    def _set_up(self, up: bool, reason: str) -> None:
        if not up and self.is_up:
            self._down_since_ns = self.clock.now_ns()
        super()._set_up(up, reason)

    async def _reconcile_loop(self) -> None:
        while True:
            await asyncio.sleep(self.subscriptions_check_s)
            call = self._call
            if call is None or not self.is_up:
                continue
            quiet_ns = self.clock.now_ns() - self._last_subscribe_ns
            if quiet_ns < 2 * NS_PER_S:
                continue  # our own acks are still arriving; they would look like a partial list
            self._reconciling = True
            await self._send(
                marketdata_pb2.MarketDataRequest(get_my_subscriptions=marketdata_pb2.GetMySubscriptions()),
                reconciling=True,
            )

    async def _resubscribe(self, kind: str, missing: set[str]) -> None:
        if not missing:
            return
        self.resubscriptions += 1
        log.warning("%s: server lost %d %s subscription(s); resubscribing", self.name, len(missing), kind)
        builders = {
            "books": self._books_request,
            "trades": self._trades_request,
            "last_prices": self._last_price_request,
            "infos": self._info_request,
        }
        await self._send(builders[kind](sorted(missing), SUBSCRIBE), reconciling=True)

    def _check_statuses(self, kind: str, subs: Iterable[Any]) -> set[str]:
        active = set()
        for sub in subs:
            uid = sub.instrument_uid or getattr(sub, "figi", "")
            if sub.subscription_status == SUCCESS:
                if sub.subscription_action != UNSUBSCRIBE:
                    active.add(uid)
                self.failed.pop(f"{kind}:{uid}", None)
            else:
                name = marketdata_pb2.SubscriptionStatus.Name(sub.subscription_status)
                self.failed[f"{kind}:{uid}"] = name
                log.warning("%s: %s subscription for %s refused: %s", self.name, kind, uid, name)
        return active

    async def _on_subscription_response(self, kind: str, desired: set[str], subs: Iterable[Any]) -> None:
        active = self._check_statuses(kind, subs)
        if self._reconciling:
            failed = {key.split(":", 1)[1] for key in self.failed if key.startswith(kind + ":")}
            await self._resubscribe(kind, desired - active - failed)

    def _instrument(self, uid: str, figi: str = "") -> Instrument:
        instrument = self._instruments.get(uid) or self.client.instruments.find(uid, figi)
        if instrument is None:
            raise convert.BrokerDataError("instrument_uid", uid or figi, "not a subscribed instrument")
        return instrument

    async def _handle(self, message: Any) -> list[MarketEvent]:
        kind = message.WhichOneof("payload")
        now = self.clock.now_ns()
        if kind == "orderbook":
            msg = message.orderbook
            return [convert.order_book_from_msg(msg, self._instrument(msg.instrument_uid, msg.figi), now)]
        if kind == "trade":
            msg = message.trade
            trade = convert.trade_from_msg(msg, self._instrument(msg.instrument_uid, msg.figi), now)
            if not self._trade_tally.live(convert.trade_key(trade)):
                return []
            self._note_trade(trade)
            return [trade]
        if kind == "last_price":
            msg = message.last_price
            return [convert.last_price_from_msg(msg, self._instrument(msg.instrument_uid, msg.figi))]
        if kind == "trading_status":
            msg = message.trading_status
            return [convert.trading_status_from_msg(msg, self._instrument(msg.instrument_uid, msg.figi))]
        if kind == "subscribe_order_book_response":
            await self._on_subscription_response(
                "books", set(self.books), message.subscribe_order_book_response.order_book_subscriptions
            )
        elif kind == "subscribe_trades_response":
            await self._on_subscription_response(
                "trades", self.trades, message.subscribe_trades_response.trade_subscriptions
            )
        elif kind == "subscribe_last_price_response":
            await self._on_subscription_response(
                "last_prices",
                self.last_prices,
                message.subscribe_last_price_response.last_price_subscriptions,
            )
        elif kind == "subscribe_info_response":
            await self._on_subscription_response(
                "infos", self.infos, message.subscribe_info_response.info_subscriptions
            )
        return []

    def _note_trade(self, trade: Trade) -> None:
        previous = self._last_trade_ns.get(trade.instrument_id, 0)
        self._last_trade_ns[trade.instrument_id] = max(previous, trade.exchange_ts_ns)

    async def _on_recovered(self) -> list[MarketEvent]:
        self._reconciling = False
        if not self.backfill_trades or not self.trades:
            return []
        now = self.clock.now_ns()
        events: list[MarketEvent] = []
        for uid in sorted(self.trades):
            instrument = self._instruments.get(uid)
            if instrument is None:
                continue
            start = self._last_trade_ns.get(uid) or self._down_since_ns or now - BACKFILL_WINDOW_NS
            start = max(start, now - BACKFILL_WINDOW_NS)
            recent = await self.client.get_last_trades(instrument, start, now)
            trades = sorted(recent, key=lambda t: t.exchange_ts_ns)
            fresh = self._trade_tally.backfill([convert.trade_key(t) for t in trades])
            for trade, new in zip(trades, fresh, strict=True):
                if new:
                    self._note_trade(trade)
                    events.append(trade)
        self.backfilled_trades += len(events)
        self._down_since_ns = 0
        if events:
            log.info("%s: backfilled %d trade(s) missed while down", self.name, len(events))
        return events
