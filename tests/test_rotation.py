"""Instrument rotation specification: liquidity ranking, the cap, exposure pins, re-entry reset."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal

import pytest

from scalp_system.config import DataConfig
from scalp_system.core import NS_PER_S, Aggressor, Instrument, OrderBook, SimulatedClock, Trade
from scalp_system.data import (
    DataEngine,
    InstrumentRotation,
    LiquidityStats,
    liquidity_score,
    measure_all,
    measure_liquidity,
)

T0 = 1_700_000_000 * NS_PER_S


class RecordingControl:
    """Stands in for the broker client's subscription calls (the real client is tested against the
    local exchange in the broker suite); it records the calls in order and can be told to fail."""

    def __init__(self, fail_subscribe: bool = False) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.fail_subscribe = fail_subscribe

    async def subscribe(self, uids: Sequence[str]) -> None:
        if self.fail_subscribe:
            raise ConnectionError("stream down")
        self.calls.append(("subscribe", tuple(uids)))

    async def unsubscribe(self, uids: Sequence[str]) -> None:
        self.calls.append(("unsubscribe", tuple(uids)))


def stats(
    uid: str, spread: float = 1.0, depth: float = 1e6, trades: float = 60.0, books: int = 100
) -> LiquidityStats:
    return LiquidityStats(uid, spread_ticks=spread, depth_notional=depth, trades_per_min=trades, books=books)


def rotation(
    max_active: int = 2, exposed: Sequence[str] = (), active: Sequence[str] = ()
) -> InstrumentRotation:
    config = DataConfig(max_active_instruments=max_active)
    return InstrumentRotation(config, lambda uid: uid in exposed, initial_active=active)


# -- the score -----------------------------------------------------------------------------------------
def test_a_tighter_spread_scores_higher() -> None:
    assert liquidity_score(stats("a", spread=1)) > liquidity_score(stats("a", spread=3))


def test_more_depth_near_the_touch_scores_higher() -> None:
    assert liquidity_score(stats("a", depth=5e6)) > liquidity_score(stats("a", depth=1e6))


def test_a_higher_trade_rate_scores_higher() -> None:
    assert liquidity_score(stats("a", trades=600)) > liquidity_score(stats("a", trades=60))


def test_the_score_follows_the_documented_formula() -> None:
    s = stats("a", spread=2.0, depth=1e6, trades=30.0)
    assert liquidity_score(s) == pytest.approx(math.log1p(30.0) + math.log1p(1e6) - math.log(2.0))


def test_an_instrument_without_book_data_scores_minus_infinity() -> None:
    assert liquidity_score(stats("a", books=0)) == -math.inf


# -- planning ------------------------------------------------------------------------------------------
def test_the_top_instruments_by_score_are_kept_up_to_the_cap() -> None:
    plan = rotation(max_active=2).plan(T0, {
        "wide": stats("wide", spread=8), "deep": stats("deep", depth=1e8), "busy": stats("busy", trades=6000),
    })
    assert set(plan.active) == {"deep", "busy"}
    assert set(plan.subscribe) == {"deep", "busy"}


def test_dropped_instruments_are_unsubscribed_and_new_ones_subscribed() -> None:
    plan = rotation(max_active=2, active=["a", "b"]).plan(T0, {
        "a": stats("a", spread=1), "b": stats("b", spread=9), "c": stats("c", spread=2),
    })
    assert plan.active == ("a", "c")
    assert plan.subscribe == ("c",)
    assert plan.unsubscribe == ("b",)


def test_an_instrument_with_a_position_or_open_order_is_never_dropped() -> None:
    plan = rotation(max_active=2, exposed=["held"], active=["held", "x"]).plan(T0, {
        "held": stats("held", spread=50), "x": stats("x"), "y": stats("y", depth=1e9),
    })
    assert "held" in plan.active
    assert plan.pinned == ("held",)
    assert set(plan.active) == {"held", "y"}
    assert "held" not in plan.unsubscribe


def test_pinned_instruments_are_kept_even_beyond_the_cap() -> None:
    rot = rotation(max_active=1, exposed=["p", "q"], active=["p", "q"])
    plan = rot.plan(T0, {"z": stats("z", depth=1e12)})
    assert set(plan.active) == {"p", "q"}
    assert plan.subscribe == ()


def test_an_exposed_instrument_that_is_not_active_is_brought_in() -> None:
    rot = rotation(max_active=2, exposed=["late"])
    plan = rot.plan(T0, {"late": stats("late", spread=40), "a": stats("a"), "b": stats("b")})
    assert "late" in plan.subscribe


def test_ties_keep_the_currently_active_instrument() -> None:
    plan = rotation(max_active=1, active=["b"]).plan(T0, {"a": stats("a"), "b": stats("b")})
    assert plan.active == ("b",)
    assert not plan.changed


def test_a_rotation_is_due_every_interval() -> None:
    rot = InstrumentRotation(DataConfig(rotation_interval_s=900), lambda uid: False)
    assert rot.is_due(T0)
    rot.apply(rot.plan(T0, {"a": stats("a")}))
    assert not rot.is_due(T0 + 899 * NS_PER_S)
    assert rot.is_due(T0 + 900 * NS_PER_S)


# -- carrying a plan out ---------------------------------------------------------------------------------
async def test_rotate_unsubscribes_before_it_subscribes() -> None:
    rot = rotation(max_active=1, active=["old"])
    control = RecordingControl()
    await rot.rotate(T0, {"old": stats("old", spread=9), "new": stats("new")}, control)
    assert control.calls == [("unsubscribe", ("old",)), ("subscribe", ("new",))]
    assert rot.active == ("new",)


async def test_an_instrument_coming_back_is_signalled_for_a_state_reset_and_forgotten() -> None:
    clock = SimulatedClock(T0)
    instruments = {uid: Instrument(uid=uid, ticker=uid) for uid in ("a", "b")}
    engine = DataEngine(DataConfig(), instruments, clock)
    engine.on_book(OrderBook.build("a", [(100, 1)], [(101, 1)], T0))
    rot = rotation(max_active=1, active=["a"])
    control = RecordingControl()
    first = await rot.rotate(T0, {"a": stats("a", spread=9), "b": stats("b")}, control, forget=engine.forget)
    assert first.reentered == ()  # b is new, not coming back
    assert len(engine.book_history("a")) == 1  # leaving does not erase history
    back = await rot.rotate(T0 + 900 * NS_PER_S, {"a": stats("a"), "b": stats("b", spread=9)}, control,
                            forget=engine.forget)
    assert back.reentered == ("a",)
    assert len(engine.book_history("a")) == 0
    assert engine.latest_book("a", allow_stale=True) is None


async def test_a_failed_subscription_propagates_and_the_active_set_reflects_what_was_done() -> None:
    rot = rotation(max_active=1, active=["old"])
    with pytest.raises(ConnectionError):
        await rot.rotate(T0, {"old": stats("old", spread=9), "new": stats("new")}, RecordingControl(True))
    assert rot.active == ()
    assert rot.is_due(T0)


# -- measuring liquidity from the engine -----------------------------------------------------------------
def test_liquidity_is_measured_from_the_engines_recent_history() -> None:
    clock = SimulatedClock(T0)
    tight = Instrument(uid="tight", ticker="T", tick=Decimal("0.01"), lot=Decimal(10))
    wide = Instrument(uid="wide", ticker="W", tick=Decimal("0.01"), lot=Decimal(10))
    engine = DataEngine(DataConfig(), {"tight": tight, "wide": wide}, clock)
    for i in range(100):
        ts = T0 + i * NS_PER_S
        clock.set(ts)
        tight_book = OrderBook.build("tight", [(10_000, 50), (9_999, 50)], [(10_001, 50), (10_002, 50)], ts)
        engine.on_book(tight_book)
        engine.on_book(OrderBook.build("wide", [(10_000, 5), (9_990, 5)], [(10_004, 5), (10_010, 5)], ts))
        engine.on_trade(Trade("tight", 10_001, 1, Aggressor.BUY, ts, ts))
    now = clock.now_ns()
    measured = measure_liquidity(engine, "tight", now, window_s=60.0)
    assert measured.spread_ticks == pytest.approx(1.0)
    assert measured.books == 61  # books within the last 60 s, both ends included
    assert measured.trades_per_min == pytest.approx(61.0)
    # 200 lots × 10 units × mid 100.005
    assert measured.depth_notional == pytest.approx(200 * 10 * 100.005)
    all_stats = measure_all(engine, ["tight", "wide", "absent"], now, window_s=60.0)
    assert liquidity_score(all_stats["tight"]) > liquidity_score(all_stats["wide"])
    assert all_stats["absent"].books == 0
    plan = rotation(max_active=1).plan(now, all_stats)
    assert plan.active == ("tight",)
