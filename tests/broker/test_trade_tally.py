"""TradeTally: public trades carry no id, so they are told apart by count per key, never dropped for
sharing a key with another real trade."""

from __future__ import annotations

from scalp_system.broker.streams import TradeTally

KEY = ("uid", 1_000, 61733, 5, 1)  # instrument, time, price, size, aggressor
OTHER = ("uid", 1_000, 61734, 5, 1)


def test_live_trades_that_share_a_key_are_all_delivered() -> None:
    tally = TradeTally()
    assert [tally.live(KEY) for _ in range(3)] == [True, True, True]


def test_a_backfill_delivers_only_what_occurs_beyond_the_deliveries_already_counted() -> None:
    tally = TradeTally()
    tally.live(KEY)
    tally.live(KEY)
    # The gap's GetLastTrades overlaps: the two delivered KEY trades, a third one, and OTHER.
    assert tally.backfill([KEY, KEY, KEY, OTHER]) == [False, False, True, True]


def test_a_live_trade_the_backfill_already_delivered_is_not_delivered_again() -> None:
    tally = TradeTally()
    assert tally.backfill([KEY]) == [True]
    assert tally.live(KEY) is False  # the stream catching up with what the backfill delivered
    assert tally.live(KEY) is True  # a new trade with the same key


def test_the_tally_forgets_the_oldest_keys_beyond_its_capacity() -> None:
    tally = TradeTally(capacity=1)
    tally.live(KEY)
    tally.live(OTHER)
    assert tally.backfill([KEY]) == [True]  # KEY was forgotten: counted as not delivered
