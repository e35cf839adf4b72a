"""MarketDataService: order book, last prices, candles built from the trade tape, trading status,
last trades and close prices — every answer as of the current market time.
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import marketdata_pb2, marketdata_pb2_grpc
from scalp_system.config import ALLOWED_DEPTHS
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import LastPrice, Trade, TradingStatusChanged
from scalp_system.exchange.errors import ExchangeReject
from scalp_system.exchange.services.errors import DEPTH_INVALID, INSTRUMENT_ID_INVALID
from scalp_system.exchange.services.runtime import ExchangeRuntime

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
NS_PER_S = 1_000_000_000
LAST_TRADES_WINDOW_NS = 3600 * NS_PER_S

CANDLE_SECONDS: dict[int, int] = {
    marketdata_pb2.CANDLE_INTERVAL_5_SEC: 5,
    marketdata_pb2.CANDLE_INTERVAL_10_SEC: 10,
    marketdata_pb2.CANDLE_INTERVAL_30_SEC: 30,
    marketdata_pb2.CANDLE_INTERVAL_1_MIN: 60,
    marketdata_pb2.CANDLE_INTERVAL_2_MIN: 120,
    marketdata_pb2.CANDLE_INTERVAL_3_MIN: 180,
    marketdata_pb2.CANDLE_INTERVAL_5_MIN: 300,
    marketdata_pb2.CANDLE_INTERVAL_10_MIN: 600,
    marketdata_pb2.CANDLE_INTERVAL_15_MIN: 900,
    marketdata_pb2.CANDLE_INTERVAL_30_MIN: 1800,
    marketdata_pb2.CANDLE_INTERVAL_HOUR: 3600,
    marketdata_pb2.CANDLE_INTERVAL_2_HOUR: 7200,
    marketdata_pb2.CANDLE_INTERVAL_4_HOUR: 14400,
    marketdata_pb2.CANDLE_INTERVAL_DAY: 86400,
    marketdata_pb2.CANDLE_INTERVAL_WEEK: 7 * 86400,
}
MAX_CANDLES = 2400


def trading_status_response(
    runtime: ExchangeRuntime, instrument: Instrument
) -> marketdata_pb2.GetTradingStatusResponse:
    """GetTradingStatusResponse for one instrument from the core's current status."""
    core = runtime.core
    limit_ok, market_ok = (
        core.limit_order_available(instrument.uid),
        core.market_order_available(instrument.uid),
    )
    return marketdata_pb2.GetTradingStatusResponse(
        figi=instrument.figi,
        trading_status=core.trading_status(instrument.uid),  # type: ignore[arg-type]
        limit_order_available_flag=limit_ok,
        market_order_available_flag=market_ok,
        api_trade_available_flag=instrument.api_trade_available,
        instrument_uid=instrument.uid,
        bestprice_order_available_flag=market_ok,
        only_best_price=False,
        ticker=instrument.ticker,
        class_code=instrument.class_code,
    )


def trading_status_event(
    runtime: ExchangeRuntime, instrument: Instrument, ts_ns: int
) -> TradingStatusChanged:
    """The core's current status of an instrument as a core TradingStatusChanged value."""
    core = runtime.core
    return TradingStatusChanged(
        instrument.uid,
        core.trading_status(instrument.uid),
        core.limit_order_available(instrument.uid),
        core.market_order_available(instrument.uid),
        ts_ns,
    )


def candles_from_trades(
    trades: list[Trade], instrument: Instrument, seconds: int, now_ns: int
) -> list[marketdata_pb2.HistoricCandle]:
    """OHLCV buckets of ``seconds`` from public trades (volume in lots, buy/sell by aggressor)."""
    width = seconds * NS_PER_S
    buckets: dict[int, list[Trade]] = {}
    for trade in trades:
        buckets.setdefault(trade.exchange_ts_ns - trade.exchange_ts_ns % width, []).append(trade)
    candles = []
    for start in sorted(buckets):
        group = buckets[start]
        prices = [t.price_ticks for t in group]
        candles.append(
            marketdata_pb2.HistoricCandle(
                open=convert.ticks_msg(prices[0], instrument),
                high=convert.ticks_msg(max(prices), instrument),
                low=convert.ticks_msg(min(prices), instrument),
                close=convert.ticks_msg(prices[-1], instrument),
                volume=sum(t.lots for t in group),
                time=convert.timestamp_msg(start),
                is_complete=start + width <= now_ns,
                candle_source=marketdata_pb2.CANDLE_SOURCE_EXCHANGE,
                volume_buy=sum(t.lots for t in group if int(t.aggressor) == 1),
                volume_sell=sum(t.lots for t in group if int(t.aggressor) == 2),
            )
        )
    return candles


class MarketDataServicer(marketdata_pb2_grpc.MarketDataServiceServicer):
    """Unary market data over the exchange core."""

    def __init__(self, runtime: ExchangeRuntime) -> None:
        self.runtime = runtime

    def _instrument(self, instrument_id: str, figi: str = "") -> Instrument:
        key = instrument_id or figi
        if not key:
            raise ExchangeReject(INSTRUMENT_ID_INVALID, "instrument_id is missing")
        return self.runtime.resolve(key)

    async def GetOrderBook(
        self, request: marketdata_pb2.GetOrderBookRequest, context: Context
    ) -> marketdata_pb2.GetOrderBookResponse:
        """The book now at the requested depth (1, 10, 20, 30, 40 or 50)."""
        if request.depth not in ALLOWED_DEPTHS:
            raise ExchangeReject(DEPTH_INVALID, f"depth {request.depth} is invalid; allowed {ALLOWED_DEPTHS}")
        self.runtime.sync()
        instrument = self._instrument(request.instrument_id, request.figi)
        book = self.runtime.core.book(instrument.uid, request.depth)
        message = convert.order_book_response_msg(
            book, instrument, self.runtime.core.last_price_ticks(instrument.uid)
        )
        return message

    async def GetLastPrices(
        self, request: marketdata_pb2.GetLastPricesRequest, context: Context
    ) -> marketdata_pb2.GetLastPricesResponse:
        """Last traded prices of the listed instruments (all when none is listed)."""
        now = self.runtime.sync()
        ids = list(request.instrument_id) + list(request.figi)
        instruments = (
            [self.runtime.resolve(i) for i in ids] if ids else list(self.runtime.instruments.values())
        )
        prices = []
        for instrument in instruments:
            ticks = self.runtime.core.last_price_ticks(instrument.uid)
            if ticks is not None:
                ts = self.runtime.last_trade_ns.get(instrument.uid, now)
                prices.append(convert.last_price_msg(LastPrice(instrument.uid, ticks, ts), instrument))
        return marketdata_pb2.GetLastPricesResponse(last_prices=prices)

    async def GetCandles(
        self, request: marketdata_pb2.GetCandlesRequest, context: Context
    ) -> marketdata_pb2.GetCandlesResponse:
        """Candles of the requested interval built from the exchange's own trade tape."""
        now = self.runtime.sync()
        instrument = self._instrument(request.instrument_id, request.figi)
        seconds = CANDLE_SECONDS.get(request.interval)
        if seconds is None:
            raise ExchangeReject("30009", f"candle interval {request.interval} is not supported")
        low = convert.timestamp_ns(getattr(request, "from"))
        high = convert.timestamp_ns(request.to) if request.HasField("to") else now
        trades = self.runtime.core.last_trades(instrument.uid, low, high)
        candles = candles_from_trades(trades, instrument, seconds, now)
        limit = request.limit if request.HasField("limit") and request.limit > 0 else MAX_CANDLES
        return marketdata_pb2.GetCandlesResponse(candles=candles[-limit:])

    async def GetTradingStatus(
        self, request: marketdata_pb2.GetTradingStatusRequest, context: Context
    ) -> marketdata_pb2.GetTradingStatusResponse:
        """The instrument's trading status and which order types it allows now."""
        self.runtime.sync()
        return trading_status_response(self.runtime, self._instrument(request.instrument_id, request.figi))

    async def GetTradingStatuses(
        self, request: marketdata_pb2.GetTradingStatusesRequest, context: Context
    ) -> marketdata_pb2.GetTradingStatusesResponse:
        """Trading statuses of several instruments."""
        self.runtime.sync()
        return marketdata_pb2.GetTradingStatusesResponse(
            trading_statuses=[
                trading_status_response(self.runtime, self.runtime.resolve(i)) for i in request.instrument_id
            ]
        )

    async def GetLastTrades(
        self, request: marketdata_pb2.GetLastTradesRequest, context: Context
    ) -> marketdata_pb2.GetLastTradesResponse:
        """Public trades in [from, to] (default: the last hour), oldest first."""
        now = self.runtime.sync()
        instrument = self._instrument(request.instrument_id, request.figi)
        low = convert.timestamp_ns(getattr(request, "from")) if request.HasField("from") else 0
        high = convert.timestamp_ns(request.to) if request.HasField("to") else now
        low = max(low, now - LAST_TRADES_WINDOW_NS) if low == 0 else low
        trades = self.runtime.core.last_trades(instrument.uid, low, high)
        return marketdata_pb2.GetLastTradesResponse(trades=[convert.trade_msg(t, instrument) for t in trades])

    async def GetClosePrices(
        self, request: marketdata_pb2.GetClosePricesRequest, context: Context
    ) -> marketdata_pb2.GetClosePricesResponse:
        """The last price as the close price (the local market has no sessions to close)."""
        now = self.runtime.sync()
        ids = [i.instrument_id for i in request.instruments]
        instruments = (
            [self.runtime.resolve(i) for i in ids] if ids else list(self.runtime.instruments.values())
        )
        answers = []
        for instrument in instruments:
            ticks = self.runtime.core.last_price_ticks(instrument.uid)
            if ticks is None:
                continue
            answers.append(
                marketdata_pb2.InstrumentClosePriceResponse(
                    figi=instrument.figi,
                    instrument_uid=instrument.uid,
                    ticker=instrument.ticker,
                    class_code=instrument.class_code,
                    price=convert.ticks_msg(ticks, instrument),
                    time=convert.timestamp_msg(now),
                )
            )
        return marketdata_pb2.GetClosePricesResponse(close_prices=answers)
