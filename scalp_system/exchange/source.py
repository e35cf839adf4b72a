"""The contract between the exchange core and where market flow comes from.

A ``MarketSource`` (the synthetic generator, a replay of recordings) owns one ``VenueBook`` per
instrument and moves it forward in time with ``events_until``; the core places client orders into
those same books, so client orders meet the market flow. Sources report what happened as
``SourceEvent`` values: book changes, public prints (possibly involving resting client orders) and
client executions that are not public prints (replay's queue-position fills). The events are named
tuples, not dataclasses: the synthetic flow makes ~10⁵ of them per second and tuples are built
several times faster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol

from scalp_system.core.instrument import Instrument
from scalp_system.core.market import Aggressor, IntArray
from scalp_system.core.orders import Side


class BookUpdated(NamedTuple):
    """The displayed book of ``instrument_uid`` changed."""

    instrument_uid: str
    ts_ns: int


class TapePrinted(NamedTuple):
    """A trade at ``price_ticks`` for ``lots``. ``maker_ref`` / ``taker_ref`` name the client orders
    (exchange order ids) on either side, None for market-flow participants. ``public`` is False for a
    client execution the market never sees (replay: the recorded feed stays the public feed), which
    fills the client's order but prints nothing on the tape and changes no public book."""

    instrument_uid: str
    price_ticks: int
    lots: int
    aggressor: Aggressor
    ts_ns: int
    maker_ref: str | None = None
    taker_ref: str | None = None
    public: bool = True


class ClientExecuted(NamedTuple):
    """A resting client order executed without a print of its own (replay: the recorded print
    already stands for it)."""

    instrument_uid: str
    client_ref: str
    price_ticks: int
    lots: int
    ts_ns: int


SourceEvent = BookUpdated | TapePrinted | ClientExecuted


class VenueBook(Protocol):
    """One instrument's book as the core trades against it (matching engine or recorded book)."""

    instrument_uid: str

    def best_bid(self) -> int | None:
        """Best displayed bid in ticks."""
        ...

    def best_ask(self) -> int | None:
        """Best displayed ask in ticks."""
        ...

    def levels(self, side: Side, depth: int) -> list[tuple[int, int]]:
        """Up to ``depth`` (price_ticks, lots) levels of ``side``, best first (client orders included)."""
        ...

    def displayed_arrays(self, depth: int) -> tuple[IntArray, IntArray, IntArray, IntArray] | None:
        """The displayed book as read-only arrays (bid prices, bid lots, ask prices, ask lots; up to
        ``depth`` levels, best first) when the book holds them ready; None: build it from ``levels``."""
        ...

    def sweep_preview(self, side: Side, lots: int, limit_ticks: int | None) -> list[tuple[int, int]]:
        """The (price, lots) an aggressive order of ``side`` would take now (no change to the book)."""
        ...

    def take(
        self, side: Side, lots: int, limit_ticks: int | None, ts_ns: int, client_ref: str
    ) -> list[TapePrinted]:
        """Execute an aggressive client order up to ``lots`` at prices no worse than ``limit_ticks``
        (None: any price); returns the prints, the client as taker."""
        ...

    def rest(self, side: Side, price_ticks: int, lots: int, ts_ns: int, client_ref: str) -> None:
        """Leave a client order working at ``price_ticks`` (after ``take`` crossed what it could)."""
        ...

    def cancel(self, client_ref: str) -> int:
        """Remove a working client order; returns the lots it still had (0 if unknown)."""
        ...


class MarketSource(Protocol):
    """Market flow for several instruments, moved forward only by the caller's explicit time."""

    def instruments(self) -> Sequence[Instrument]:
        """The instruments this source drives."""
        ...

    def book(self, instrument_uid: str) -> VenueBook:
        """The live book of one instrument (KeyError when the source does not drive it)."""
        ...

    def start(self, ts_ns: int) -> None:
        """Set the market time the source starts from (before the first ``events_until``)."""
        ...

    def start_ns(self) -> int:
        """The market time the source starts from."""
        ...

    def next_event_ns(self) -> int | None:
        """Time of the next event the source will produce (None when exhausted)."""
        ...

    def events_until(self, ts_ns: int) -> Iterator[SourceEvent]:
        """Produce, in time order, every event with time ≤ ``ts_ns`` (applying it to the books)."""
        ...
