"""A MOEX-like instrument catalogue for the local exchange, with the real lots and ticks.

Ten liquid TQBR shares and one index future (IMOEXF, for hedging), each with a stable uid (a UUID5
of the ticker, identical on every run and machine), its FIGI, lot, ``min_price_increment`` and a
market profile the synthetic generator uses: a realistic starting price (early 2025 levels),
daily volatility and how busy its book is. Lots and ticks follow MOEX after the 2024 corporate
actions: VTBR was consolidated 5000:1 in July 2024 (lot 1, tick 0.01 since), GMKN split 100:1
in April 2024 (lot 10, tick 0.02). Prices and activity are illustrative, not market data.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from scalp_system.core.instrument import Instrument, InstrumentKind

_UID_NAMESPACE = uuid.UUID("0b7e2c1a-9d4f-4e35-8a61-5c2f7d9e3b10")


@dataclass(frozen=True, slots=True)
class MarketProfile:
    """How the synthetic market trades one instrument."""

    start_price: Decimal  # the first mid, in currency per unit
    daily_volatility: float  # standard deviation of a day's log return (e.g. 0.018)
    events_per_s: float  # mean order-flow events (limit, market, cancel) per second in the session
    median_order_lots: int  # median size of a passive order in lots


def stable_uid(ticker: str) -> str:
    """The catalogue's uid for a ticker: UUID5, the same on every run."""
    return str(uuid.uuid5(_UID_NAMESPACE, f"scalp-exchange:{ticker}"))


def _share(ticker: str, name: str, figi: str, lot: int, tick: str) -> Instrument:
    return Instrument(
        uid=stable_uid(ticker),
        ticker=ticker,
        figi=figi,
        class_code="TQBR",
        lot=Decimal(lot),
        tick=Decimal(tick),
        currency="rub",
        kind=InstrumentKind.SHARE,
        name=name,
        short_enabled=True,
        tick_value=Decimal(tick),
    )


_SHARES: tuple[tuple[Instrument, MarketProfile], ...] = (
    (
        _share("SBER", "Сбер Банк", "BBG004730N88", 10, "0.01"),
        MarketProfile(Decimal("310.00"), 0.017, 14.0, 40),
    ),
    (_share("GAZP", "Газпром", "BBG004730RP0", 10, "0.01"), MarketProfile(Decimal("135.00"), 0.020, 9.0, 60)),
    (_share("LKOH", "ЛУКОЙЛ", "BBG004731032", 1, "0.5"), MarketProfile(Decimal("7050.0"), 0.016, 6.0, 12)),
    (_share("VTBR", "Банк ВТБ", "BBG004730ZJ9", 1, "0.01"), MarketProfile(Decimal("95.00"), 0.022, 7.0, 400)),
    (_share("ROSN", "Роснефть", "BBG004731354", 1, "0.05"), MarketProfile(Decimal("560.00"), 0.018, 5.0, 60)),
    (
        _share("GMKN", "Норникель", "BBG004731489", 10, "0.02"),
        MarketProfile(Decimal("125.00"), 0.020, 6.0, 50),
    ),
    (_share("MGNT", "Магнит", "BBG004RVFCY3", 1, "0.5"), MarketProfile(Decimal("5100.0"), 0.019, 4.0, 6)),
    (_share("NVTK", "НОВАТЭК", "BBG00475KKY8", 1, "0.2"), MarketProfile(Decimal("1020.0"), 0.019, 4.0, 25)),
    (_share("TATN", "Татнефть", "BBG004RVFFC0", 1, "0.1"), MarketProfile(Decimal("680.0"), 0.018, 4.0, 30)),
    (_share("PLZL", "Полюс", "BBG000R607Y3", 1, "0.5"), MarketProfile(Decimal("13500.0"), 0.018, 3.0, 3)),
)

# IMOEXF: the perpetual index future on IMOEX; 1 contract = index × 10 RUB, tick 0.5 pt = 5 RUB.
_INDEX_FUTURE = Instrument(
    uid=stable_uid("IMOEXF"),
    ticker="IMOEXF",
    figi="FUTIMOEXF000",
    class_code="SPBFUT",
    lot=Decimal(1),
    tick=Decimal("0.5"),
    currency="rub",
    kind=InstrumentKind.FUTURES,
    name="IMOEX perpetual future",
    short_enabled=True,
    tick_value=Decimal(5),
)
_INDEX_PROFILE = MarketProfile(Decimal("2850.0"), 0.015, 8.0, 20)

_PROFILES: dict[str, MarketProfile] = {i.uid: p for i, p in _SHARES} | {_INDEX_FUTURE.uid: _INDEX_PROFILE}
HEDGE_TICKER = "IMOEXF"


def default_catalogue() -> list[Instrument]:
    """The ten shares (most liquid first) followed by the IMOEXF index future."""
    return [inst for inst, _ in _SHARES] + [_INDEX_FUTURE]


def market_profile(instrument: Instrument | str) -> MarketProfile:
    """The synthetic-market profile of a catalogue instrument (by Instrument, uid, ticker or figi)."""
    uid = (
        instrument.uid
        if isinstance(instrument, Instrument)
        else Catalogue(default_catalogue()).get(instrument).uid
    )
    return _PROFILES[uid]


class Catalogue:
    """Instruments looked up by uid, FIGI or ticker (tickers compared case-insensitively)."""

    def __init__(self, instruments: Iterable[Instrument]) -> None:
        self._items = list(instruments)
        self._index: dict[str, Instrument] = {}
        for inst in self._items:
            for key in (inst.uid, inst.figi, inst.ticker.upper()):
                if key:
                    self._index.setdefault(key, inst)

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def find(self, key: str) -> Instrument | None:
        """The instrument with this uid, FIGI or ticker, or None."""
        return self._index.get(key) or self._index.get(key.upper())

    def get(self, key: str) -> Instrument:
        """Like ``find`` but raises KeyError naming the key."""
        inst = self.find(key)
        if inst is None:
            raise KeyError(f"no instrument with uid, figi or ticker {key!r} in the catalogue")
        return inst

    def by_ticker(self, ticker: str) -> Instrument:
        """The instrument with this ticker."""
        return self.get(ticker.upper())
