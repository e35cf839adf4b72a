"""Checks at the door: is an incoming book or trade fit to be traded on (SPEC §2)?

Pure functions over core ``OrderBook``/``Trade`` values (integer ticks and lots) and, for data that
still arrives as Decimal prices (before tick conversion), over Decimal levels. Each returns ``None``
for good input or the first ``RejectReason`` found, in a fixed priority order, so a rejected update
is counted under exactly one reason. Nothing here raises for bad market data; the DataEngine counts
the reasons and keeps the last good book.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise

from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade


class RejectReason(StrEnum):
    """Why an incoming book or trade was refused: ``CATEGORY_CONDITION`` codes, counted per instrument."""

    INPUT_MALFORMED = "INPUT_MALFORMED"  # not a book/trade, or arrays of the wrong shape or type
    INSTRUMENT_UNKNOWN = "INSTRUMENT_UNKNOWN"  # no Instrument with this uid is configured
    INSTRUMENT_MISMATCH = "INSTRUMENT_MISMATCH"  # the event names another instrument than the one given
    BOOK_INCONSISTENT = "BOOK_INCONSISTENT"  # the broker's is_consistent flag is false
    BOOK_SIDE_EMPTY = "BOOK_SIDE_EMPTY"  # no bid or no ask: no mid, no spread, nothing to trade on
    PRICE_NOT_POSITIVE = "PRICE_NOT_POSITIVE"
    SIZE_NOT_POSITIVE = "SIZE_NOT_POSITIVE"
    LEVELS_UNSORTED = "LEVELS_UNSORTED"  # bids not strictly descending or asks not strictly ascending
    BOOK_CROSSED = "BOOK_CROSSED"  # best bid above best ask
    BOOK_LOCKED = "BOOK_LOCKED"  # best bid equal to best ask
    PRICE_OFF_TICK = "PRICE_OFF_TICK"  # a Decimal price that is not a multiple of the instrument's tick
    PRICE_OUTSIDE_BAND = "PRICE_OUTSIDE_BAND"  # a price outside limit_down..limit_up
    TIME_BACKWARDS = "TIME_BACKWARDS"  # exchange time older than the last accepted one


_INTEGER_KINDS = frozenset("iu")


def _strictly_descending(values: list[int]) -> bool:
    # A list equals its de-duplicated reverse sort only when it is strictly descending; for
    # 1–50 levels this is several times faster than a pairwise generator.
    return values == sorted(set(values), reverse=True)


def _strictly_ascending(values: list[int]) -> bool:
    return values == sorted(set(values))


def check_book(
    book: OrderBook,
    instrument: Instrument,
    last_exchange_ts_ns: int | None = None,
) -> RejectReason | None:
    """The first reason ``book`` must not be traded on, or None when it is good.

    Order of checks (the first failing one is returned): instrument identity, ``is_consistent``,
    array shapes and integer dtypes, an empty side, non-positive size, non-positive price, unsorted
    levels, crossed then locked touch, price band (``limit_down_ticks``/``limit_up_ticks`` when set), and time
    older than ``last_exchange_ts_ns`` (equal times are allowed: several updates share a ms).
    Prices are ticks already, so PRICE_OFF_TICK cannot happen here; see ``check_decimal_book``.
    """
    if book.instrument_id != instrument.uid:
        return RejectReason.INSTRUMENT_MISMATCH
    if not book.is_consistent:
        return RejectReason.BOOK_INCONSISTENT
    for levels in (book.bid_px, book.bid_qty, book.ask_px, book.ask_qty):
        if levels.ndim != 1 or levels.dtype.kind not in _INTEGER_KINDS:
            return RejectReason.INPUT_MALFORMED
    bid_px = book.bid_px.tolist()
    bid_qty = book.bid_qty.tolist()
    ask_px = book.ask_px.tolist()
    ask_qty = book.ask_qty.tolist()
    if len(bid_px) != len(bid_qty) or len(ask_px) != len(ask_qty):
        return RejectReason.INPUT_MALFORMED
    if not bid_px or not ask_px:
        return RejectReason.BOOK_SIDE_EMPTY
    if min(bid_qty) <= 0 or min(ask_qty) <= 0:
        return RejectReason.SIZE_NOT_POSITIVE
    if min(bid_px) <= 0 or min(ask_px) <= 0:
        return RejectReason.PRICE_NOT_POSITIVE
    if not _strictly_descending(bid_px) or not _strictly_ascending(ask_px):
        return RejectReason.LEVELS_UNSORTED
    if bid_px[0] > ask_px[0]:
        return RejectReason.BOOK_CROSSED
    if bid_px[0] == ask_px[0]:
        return RejectReason.BOOK_LOCKED
    # Sorted and uncrossed: the lowest price is the last bid, the highest the last ask.
    if book.limit_down_ticks is not None and bid_px[-1] < book.limit_down_ticks:
        return RejectReason.PRICE_OUTSIDE_BAND
    if book.limit_up_ticks is not None and ask_px[-1] > book.limit_up_ticks:
        return RejectReason.PRICE_OUTSIDE_BAND
    if last_exchange_ts_ns is not None and book.exchange_ts_ns < last_exchange_ts_ns:
        return RejectReason.TIME_BACKWARDS
    return None


def check_trade(
    trade: Trade,
    instrument: Instrument,
    last_exchange_ts_ns: int | None = None,
    *,
    limit_down_ticks: int | None = None,
    limit_up_ticks: int | None = None,
) -> RejectReason | None:
    """The first reason ``trade`` must not be used, or None when it is good.

    Checks: instrument identity, positive size, positive price, price inside the band when one is
    known (the caller passes the limits of the instrument's latest book), time not older than the
    last accepted trade (equal times allowed).
    """
    if trade.instrument_id != instrument.uid:
        return RejectReason.INSTRUMENT_MISMATCH
    if trade.lots <= 0:
        return RejectReason.SIZE_NOT_POSITIVE
    if trade.price_ticks <= 0:
        return RejectReason.PRICE_NOT_POSITIVE
    if limit_down_ticks is not None and trade.price_ticks < limit_down_ticks:
        return RejectReason.PRICE_OUTSIDE_BAND
    if limit_up_ticks is not None and trade.price_ticks > limit_up_ticks:
        return RejectReason.PRICE_OUTSIDE_BAND
    if last_exchange_ts_ns is not None and trade.exchange_ts_ns < last_exchange_ts_ns:
        return RejectReason.TIME_BACKWARDS
    return None


def check_decimal_prices(prices: Sequence[Decimal], tick: Decimal) -> RejectReason | None:
    """PRICE_NOT_POSITIVE or PRICE_OFF_TICK for the first bad Decimal price, None when all are good.

    Exact Decimal arithmetic: a price is on tick when ``price % tick == 0``.
    """
    for price in prices:
        if price <= 0:
            return RejectReason.PRICE_NOT_POSITIVE
    for price in prices:
        if price % tick != 0:
            return RejectReason.PRICE_OFF_TICK
    return None


def check_decimal_book(
    bids: Sequence[tuple[Decimal, int]],
    asks: Sequence[tuple[Decimal, int]],
    instrument: Instrument,
) -> RejectReason | None:
    """Validate levels that still carry Decimal prices (``(price, lots)`` pairs, best first).

    For books that arrive as Decimal before tick conversion (broker mapping, manual input): empty
    side, non-positive size, non-positive or off-tick price (exact), unsorted levels, crossed or
    locked touch. A None result means ``instrument.to_ticks`` will succeed on every price.
    """
    if not bids or not asks:
        return RejectReason.BOOK_SIDE_EMPTY
    if any(qty <= 0 for _, qty in bids) or any(qty <= 0 for _, qty in asks):
        return RejectReason.SIZE_NOT_POSITIVE
    bid_prices = [price for price, _ in bids]
    ask_prices = [price for price, _ in asks]
    reason = check_decimal_prices(bid_prices, instrument.tick) or check_decimal_prices(
        ask_prices, instrument.tick
    )
    if reason is not None:
        return reason
    if any(a <= b for a, b in pairwise(bid_prices)):
        return RejectReason.LEVELS_UNSORTED
    if any(a >= b for a, b in pairwise(ask_prices)):
        return RejectReason.LEVELS_UNSORTED
    if bid_prices[0] > ask_prices[0]:
        return RejectReason.BOOK_CROSSED
    if bid_prices[0] == ask_prices[0]:
        return RejectReason.BOOK_LOCKED
    return None
