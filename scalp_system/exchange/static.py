"""A market source without flow: books that change only when someone places or cancels orders.

For tests and scenarios that need an exact book: seed liquidity with ``add_liquidity`` (orders of
anonymous participants), then trade against it through ``ExchangeCore``. Time still moves only by
the caller; ``events_until`` reports nothing because nothing happens on its own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from scalp_system.core.instrument import Instrument
from scalp_system.core.orders import Side
from scalp_system.exchange.matching import LimitOrderBook
from scalp_system.exchange.source import SourceEvent


class StaticMarket:
    """A ``MarketSource`` of still books (one ``LimitOrderBook`` per instrument)."""

    def __init__(self, instruments: Sequence[Instrument], *, start_ns: int = 0) -> None:
        self._instruments = list(instruments)
        self._books = {inst.uid: LimitOrderBook(inst.uid) for inst in self._instruments}
        self._start_ns = start_ns

    def instruments(self) -> Sequence[Instrument]:
        """The instruments with a book here."""
        return list(self._instruments)

    def book(self, instrument_uid: str) -> LimitOrderBook:
        """The book of one instrument."""
        return self._books[instrument_uid]

    def add_liquidity(
        self, instrument_uid: str, side: Side, price_ticks: int, lots: int, ts_ns: int = 0
    ) -> int:
        """Rest an anonymous participant's limit order; returns its book id (0 if it crossed fully)."""
        order_id, _ = self._books[instrument_uid].agent_limit(side, price_ticks, lots, ts_ns)
        return order_id

    def start(self, ts_ns: int) -> None:
        """Set the market start time."""
        self._start_ns = ts_ns

    def start_ns(self) -> int:
        """The market start time."""
        return self._start_ns

    def next_event_ns(self) -> int | None:
        """Never: nothing happens on its own."""
        return None

    def events_until(self, ts_ns: int) -> Iterator[SourceEvent]:
        """Nothing happens on its own."""
        return iter(())
