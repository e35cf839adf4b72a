"""Instrument registry: finds the core Instrument behind a broker message's uid, figi or ticker."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from scalp_system.core.instrument import Instrument


class InstrumentRegistry:
    """Instruments by uid, figi and ``TICKER_CLASSCODE`` (the three ids the broker accepts)."""

    def __init__(self, instruments: Iterable[Instrument] = ()) -> None:
        self._by_key: dict[str, Instrument] = {}
        self._by_uid: dict[str, Instrument] = {}
        for instrument in instruments:
            self.add(instrument)

    def add(self, instrument: Instrument) -> None:
        """Register (or replace) an instrument under all of its ids."""
        self._by_uid[instrument.uid] = instrument
        self._by_key[instrument.uid] = instrument
        if instrument.figi:
            self._by_key[instrument.figi] = instrument
        if instrument.class_code:
            self._by_key[f"{instrument.ticker}_{instrument.class_code}"] = instrument

    def get(self, key: str) -> Instrument | None:
        """The instrument whose uid, figi or ``TICKER_CLASSCODE`` is ``key``."""
        return self._by_key.get(key)

    def find(
        self, uid: str = "", figi: str = "", ticker: str = "", class_code: str = ""
    ) -> Instrument | None:
        """Look up by whatever a message carries, uid first."""
        for key in (uid, figi, f"{ticker}_{class_code}" if ticker and class_code else ""):
            if key and key in self._by_key:
                return self._by_key[key]
        return None

    def __iter__(self) -> Iterator[Instrument]:
        return iter(self._by_uid.values())

    def __len__(self) -> int:
        return len(self._by_uid)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._by_key
