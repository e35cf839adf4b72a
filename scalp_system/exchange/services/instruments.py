"""InstrumentsService: the exchange's catalogue as Shares/Futures/Instrument messages, lookups by
FIGI, ticker + class code, uid or position uid, a search, futures margins, and MOEX trading
schedules (main session 10:00–18:40 and evening session 19:05–23:50 MSK on weekdays).
"""
# ruff: noqa: N802 — rpc method names are fixed by the Invest API contract

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from datetime import time as dtime
from decimal import Decimal
from typing import Any, TypeAlias

from grpc import aio

from scalp_system.broker import convert
from scalp_system.broker.proto.generated import instruments_pb2, instruments_pb2_grpc
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.exchange.errors import ExchangeReject, RejectCode
from scalp_system.exchange.services.errors import INSTRUMENT_ID_INVALID
from scalp_system.exchange.services.runtime import ExchangeRuntime

Context: TypeAlias = "aio.ServicerContext[Any, Any]"
NS_PER_S = 1_000_000_000
MSK = timezone(timedelta(hours=3), "MSK")
MAX_SCHEDULE_DAYS = 14
FUTURES_MARGIN_RATE = Decimal("0.15")

# (start, end) in MSK hours:minutes, per exchange
_SESSIONS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    "MOEX": (("10:00", "18:40"), ("19:05", "23:50")),
    "FORTS": (("09:00", "18:50"), ("19:05", "23:50")),
}


def _at(day: date, hhmm: str) -> int:
    hours, minutes = (int(part) for part in hhmm.split(":"))
    return int(datetime.combine(day, dtime(hours, minutes), tzinfo=MSK).timestamp()) * NS_PER_S


def trading_days(exchange: str, from_ns: int, to_ns: int) -> list[instruments_pb2.TradingDay]:
    """Weekday sessions of ``exchange`` between two UTC times (MSK calendar days, at most 14)."""
    main, evening = _SESSIONS.get(exchange, _SESSIONS["MOEX"])
    day = datetime.fromtimestamp(from_ns // NS_PER_S, MSK).date()
    last = datetime.fromtimestamp(max(from_ns, to_ns) // NS_PER_S, MSK).date()
    days: list[instruments_pb2.TradingDay] = []
    while day <= last and len(days) < MAX_SCHEDULE_DAYS:
        trading = day.weekday() < 5
        entry = instruments_pb2.TradingDay(
            date=convert.timestamp_msg(_at(day, "00:00")), is_trading_day=trading
        )
        if trading:
            entry.start_time.CopyFrom(convert.timestamp_msg(_at(day, main[0])))
            entry.end_time.CopyFrom(convert.timestamp_msg(_at(day, main[1])))
            entry.evening_start_time.CopyFrom(convert.timestamp_msg(_at(day, evening[0])))
            entry.evening_end_time.CopyFrom(convert.timestamp_msg(_at(day, evening[1])))
        days.append(entry)
        day += timedelta(days=1)
    return days


class InstrumentsServicer(instruments_pb2_grpc.InstrumentsServiceServicer):
    """Instrument reference data of the local exchange."""

    def __init__(self, runtime: ExchangeRuntime) -> None:
        self.runtime = runtime

    def _all(self, kind: InstrumentKind | None = None) -> list[Instrument]:
        items = list(self.runtime.instruments.values())
        if kind is InstrumentKind.FUTURES:
            return [i for i in items if i.kind is InstrumentKind.FUTURES]
        if kind is not None:
            return [i for i in items if i.kind is not InstrumentKind.FUTURES]
        return items

    def _status(self, instrument: Instrument) -> int:
        return self.runtime.core.trading_status(instrument.uid)

    def _lookup(self, request: instruments_pb2.InstrumentRequest) -> Instrument:
        key = request.id.strip()
        if not key:
            raise ExchangeReject(INSTRUMENT_ID_INVALID, "instrument id is missing")
        if request.id_type == instruments_pb2.INSTRUMENT_ID_TYPE_TICKER:
            if not request.class_code:
                raise ExchangeReject(INSTRUMENT_ID_INVALID, "class_code is required for id_type TICKER")
            instrument = self.runtime.find(f"{key}_{request.class_code}")
        elif request.id_type in (
            instruments_pb2.INSTRUMENT_ID_TYPE_FIGI,
            instruments_pb2.INSTRUMENT_ID_TYPE_UID,
            instruments_pb2.INSTRUMENT_ID_TYPE_POSITION_UID,
        ):
            instrument = self.runtime.find(key)
            if (
                instrument is not None
                and request.id_type == instruments_pb2.INSTRUMENT_ID_TYPE_FIGI
                and instrument.figi.upper() != key.upper()
            ):
                instrument = None
        else:
            raise ExchangeReject(INSTRUMENT_ID_INVALID, f"id_type {request.id_type} is not valid")
        if instrument is None:
            raise ExchangeReject(RejectCode.INSTRUMENT_NOT_FOUND, f"instrument {key!r} not found")
        return instrument

    async def Shares(
        self, request: instruments_pb2.InstrumentsRequest, context: Context
    ) -> instruments_pb2.SharesResponse:
        """Every share the exchange trades."""
        return instruments_pb2.SharesResponse(
            instruments=[convert.share_msg(i, self._status(i)) for i in self._all(InstrumentKind.SHARE)]
        )

    async def Futures(
        self, request: instruments_pb2.InstrumentsRequest, context: Context
    ) -> instruments_pb2.FuturesResponse:
        """Every future the exchange trades."""
        return instruments_pb2.FuturesResponse(
            instruments=[convert.future_msg(i, self._status(i)) for i in self._all(InstrumentKind.FUTURES)]
        )

    async def ShareBy(
        self, request: instruments_pb2.InstrumentRequest, context: Context
    ) -> instruments_pb2.ShareResponse:
        """One share by FIGI, ticker + class code or uid (50002 for a non-share or unknown id)."""
        instrument = self._lookup(request)
        if instrument.kind is InstrumentKind.FUTURES:
            raise ExchangeReject(RejectCode.INSTRUMENT_NOT_FOUND, f"{instrument.ticker} is not a share")
        return instruments_pb2.ShareResponse(
            instrument=convert.share_msg(instrument, self._status(instrument))
        )

    async def FutureBy(
        self, request: instruments_pb2.InstrumentRequest, context: Context
    ) -> instruments_pb2.FutureResponse:
        """One future by FIGI, ticker + class code or uid."""
        instrument = self._lookup(request)
        if instrument.kind is not InstrumentKind.FUTURES:
            raise ExchangeReject(RejectCode.INSTRUMENT_NOT_FOUND, f"{instrument.ticker} is not a future")
        return instruments_pb2.FutureResponse(
            instrument=convert.future_msg(instrument, self._status(instrument))
        )

    async def GetInstrumentBy(
        self, request: instruments_pb2.InstrumentRequest, context: Context
    ) -> instruments_pb2.InstrumentResponse:
        """Any instrument by FIGI, ticker + class code or uid."""
        instrument = self._lookup(request)
        message = convert.generic_instrument_msg(instrument)
        message.trading_status = self._status(instrument)  # type: ignore[assignment]
        message.position_uid = instrument.uid
        return instruments_pb2.InstrumentResponse(instrument=message)

    async def FindInstrument(
        self, request: instruments_pb2.FindInstrumentRequest, context: Context
    ) -> instruments_pb2.FindInstrumentResponse:
        """Instruments whose ticker, name, FIGI or uid contains the query (case-insensitive)."""
        query = request.query.strip().lower()
        found = [
            i
            for i in self._all()
            if query and any(query in field.lower() for field in (i.ticker, i.name, i.figi, i.uid))
        ]
        return instruments_pb2.FindInstrumentResponse(
            instruments=[
                instruments_pb2.InstrumentShort(
                    figi=i.figi,
                    ticker=i.ticker,
                    class_code=i.class_code,
                    name=i.name,
                    uid=i.uid,
                    position_uid=i.uid,
                    instrument_type="futures" if i.kind is InstrumentKind.FUTURES else "share",
                    api_trade_available_flag=i.api_trade_available,
                    lot=int(i.lot) if i.lot >= 1 else 1,
                )
                for i in found
            ]
        )

    async def GetFuturesMargin(
        self, request: instruments_pb2.GetFuturesMarginRequest, context: Context
    ) -> instruments_pb2.GetFuturesMarginResponse:
        """Initial margin: a flat share of the contract value at the last price."""
        self.runtime.sync()
        instrument = self.runtime.resolve(request.instrument_id or request.figi)
        price = self.runtime.core.last_price(instrument.uid) or Decimal(0)
        margin = (price * instrument.point_value * instrument.lot * FUTURES_MARGIN_RATE).quantize(
            Decimal("0.01")
        )
        tick_value = instrument.tick_value if instrument.tick_value is not None else instrument.tick
        return instruments_pb2.GetFuturesMarginResponse(
            initial_margin_on_buy=convert.money_msg(margin, instrument.currency),
            initial_margin_on_sell=convert.money_msg(margin, instrument.currency),
            min_price_increment=convert.quotation_msg(instrument.tick),
            min_price_increment_amount=convert.quotation_msg(tick_value),
        )

    async def TradingSchedules(
        self, request: instruments_pb2.TradingSchedulesRequest, context: Context
    ) -> instruments_pb2.TradingSchedulesResponse:
        """Weekday MOEX/FORTS sessions for [from, to] (default: the market's current day)."""
        now = self.runtime.now_ns()
        low = convert.timestamp_ns(getattr(request, "from")) if request.HasField("from") else now
        high = convert.timestamp_ns(request.to) if request.HasField("to") else low
        exchanges = (
            [request.exchange] if request.HasField("exchange") and request.exchange else ["MOEX", "FORTS"]
        )
        return instruments_pb2.TradingSchedulesResponse(
            exchanges=[
                instruments_pb2.TradingSchedule(exchange=name, days=trading_days(name, low, high))
                for name in exchanges
            ]
        )
