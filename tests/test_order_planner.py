"""Order routing (SPEC §1.3): IOC for 1–5 lots, VWAP slices above, participation cap, roll-over."""

from __future__ import annotations

from scalp_system.config import RoutingConfig
from scalp_system.core.ids import is_intent_key
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.core.orders import Side, TimeInForce
from scalp_system.core.state import TradingState
from scalp_system.execution.planner import (
    OrderPlanner,
    Route,
    SliceStatus,
    VolumeProfile,
    aggressiveness_to_ticks,
)

NS = 1_000_000_000
DAY0 = 1_723_100_400 * NS  # 2024-08-08 07:00 UTC = 10:00 MSK
BOOK = OrderBook.build("SBER", [(30_000, 50), (29_999, 80)], [(30_002, 40), (30_003, 70)], DAY0)


def busy_profile(lots_per_minute: int = 1_000, days: int = 2) -> VolumeProfile:
    """A recorded tape: ``lots_per_minute`` every minute of the day for ``days`` days."""
    trades = [
        Trade(
            "SBER",
            30_000,
            lots_per_minute,
            Aggressor.BUY,
            DAY0 + day * 86_400 * NS + minute * 60 * NS,
            DAY0 + day * 86_400 * NS + minute * 60 * NS,
        )
        for day in range(days)
        for minute in range(-60, 120)
    ]
    return VolumeProfile.from_trades(trades)


def test_one_lot_is_one_ioc_at_the_best_opposite_price() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 1, BOOK, DAY0)
    assert plan.route is Route.IOC and len(plan.slices) == 1
    order = plan.order_for(plan.slices[0])
    assert (order.lots, order.limit_price_ticks, order.time_in_force) == (
        1,
        30_002,
        TimeInForce.FILL_AND_KILL,
    )


def test_five_lots_are_still_one_ioc() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.SELL, 5, BOOK, DAY0)
    assert plan.route is Route.IOC and [s.lots for s in plan.slices] == [5]
    assert plan.slices[0].limit_price_ticks == 30_000


def test_aggressiveness_moves_the_limit_into_the_book() -> None:
    planner = OrderPlanner(RoutingConfig(aggressiveness_ticks=2))
    assert planner.plan("SBER", Side.BUY, 2, BOOK, DAY0).slices[0].limit_price_ticks == 30_004
    assert planner.plan("SBER", Side.SELL, 2, BOOK, DAY0).slices[0].limit_price_ticks == 29_998
    plan = planner.plan("SBER", Side.BUY, 2, BOOK, DAY0, aggressiveness=1.0)
    assert plan.aggressiveness_ticks == 3 and plan.aggressiveness == 1.0


def test_aggressiveness_zero_to_one_maps_to_zero_to_three_ticks() -> None:
    assert [aggressiveness_to_ticks(a) for a in (0.0, 0.34, 0.67, 1.0, 7.0, -1.0)] == [0, 1, 2, 3, 3, 0]


def test_six_lots_become_a_vwap_plan_summing_to_the_parent() -> None:
    plan = OrderPlanner(RoutingConfig(), busy_profile()).plan("SBER", Side.BUY, 6, BOOK, DAY0)
    assert plan.route is Route.VWAP
    assert sum(s.lots for s in plan.slices) == 6 and plan.shortfall_lots == 0
    assert all(s.lots <= (s.cap_lots or 0) for s in plan.slices)


def test_a_hundred_lots_respect_the_participation_cap_extending_past_the_horizon() -> None:
    # 1 000 lots/min → 83.3 lots per 5 s interval → cap 8 lots at 10 %: 12 × 8 = 96 < 100.
    plan = OrderPlanner(RoutingConfig(), busy_profile()).plan("SBER", Side.BUY, 100, BOOK, DAY0)
    assert sum(s.lots for s in plan.slices) == 100
    assert all(s.cap_lots == 8 and s.lots <= 8 for s in plan.slices)
    assert len(plan.slices) == 13
    assert plan.slices[-1].not_before_ns == DAY0 + 12 * 5 * NS


def test_slices_follow_the_volume_profile() -> None:
    profile = VolumeProfile()
    for day in range(2):  # minute 0 trades three times minute 1
        profile.observe("SBER", DAY0 + day * 86_400 * NS, 3_000)
        profile.observe("SBER", DAY0 + day * 86_400 * NS + 60 * NS, 1_000)
    start = DAY0 + 30 * NS  # the horizon spans the second half of minute 0 and the first of minute 1
    plan = OrderPlanner(RoutingConfig(max_participation=1), profile).plan("SBER", Side.BUY, 80, BOOK, start)
    lots = [s.lots for s in plan.slices]
    assert len(lots) == 12 and sum(lots[:6]) == 60 and sum(lots[6:]) == 20


def test_unknown_volume_gives_a_flat_plan_without_caps() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    assert [s.lots for s in plan.slices] == [2] * 12
    assert all(s.cap_lots is None for s in plan.slices)
    assert [s.not_before_ns - DAY0 for s in plan.slices] == [k * 5 * NS for k in range(12)]


def test_every_slice_has_its_own_intent_key_and_the_parent_id() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    keys = [s.intent_key for s in plan.slices]
    assert len(set(keys)) == 12 and all(is_intent_key(k) for k in keys)
    assert is_intent_key(plan.parent_intent) and plan.parent_intent not in keys
    assert plan.order_for(plan.slices[0]).parent_intent == plan.parent_intent


def test_only_due_slices_are_released() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    assert len(plan.due(DAY0)) == 1
    assert len(plan.due(DAY0 + 10 * NS)) == 3


def test_a_partial_fill_rolls_the_remainder_into_the_next_slice() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    first = plan.due(DAY0)[0]
    plan.order_for(first)
    plan.on_slice_done(first.intent_key, 1)
    assert plan.slices[1].lots == 3
    assert plan.filled_lots == 1 and plan.planned_lots == 24


def test_roll_over_respects_the_cap_and_appends_a_slice_when_needed() -> None:
    plan = OrderPlanner(RoutingConfig(), busy_profile()).plan("SBER", Side.BUY, 96, BOOK, DAY0)
    assert len(plan.slices) == 12 and all(s.lots == 8 for s in plan.slices)
    first = plan.slices[0]
    plan.order_for(first)
    plan.on_slice_done(first.intent_key, 3)
    assert len(plan.slices) == 13 and plan.slices[-1].lots == 5
    assert all(s.lots <= 8 for s in plan.slices)
    assert plan.planned_lots == 96


def test_an_ioc_plan_does_not_roll_its_remainder() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 4, BOOK, DAY0)
    plan.order_for(plan.slices[0])
    plan.on_slice_done(plan.slices[0].intent_key, 1)
    assert plan.done and plan.shortfall_lots == 3


def test_slices_are_repriced_from_the_current_book() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    later = OrderBook.build("SBER", [(30_010, 5)], [(30_012, 5)], DAY0 + 5 * NS)
    assert plan.order_for(plan.slices[1], later).limit_price_ticks == 30_012


def test_abandoning_cancels_pending_slices_and_returns_those_in_flight() -> None:
    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 24, BOOK, DAY0)
    sent = plan.order_for(plan.slices[0])
    in_flight = plan.abandon("signal reversed")
    assert in_flight == [sent.intent_key]
    assert plan.due(DAY0 + 3_600 * NS) == []
    assert sum(st is SliceStatus.CANCELLED for st in plan.status.values()) == 11


def test_a_plan_is_abandoned_on_signal_reversal_or_when_state_leaves_active() -> None:
    planner = OrderPlanner(RoutingConfig())
    plan = planner.plan("SBER", Side.BUY, 24, BOOK, DAY0)
    assert not planner.should_abandon(plan, signal_side=Side.BUY, state=TradingState.ACTIVE)
    assert planner.should_abandon(plan, signal_side=Side.SELL, state=TradingState.ACTIVE)
    assert planner.should_abandon(plan, signal_side=None, state=TradingState.REDUCING)
    exit_plan = planner.plan("SBER", Side.SELL, 24, BOOK, DAY0, reduce_only=True, reason="reversal")
    assert not planner.should_abandon(exit_plan, signal_side=None, state=TradingState.REDUCING)
    assert planner.should_abandon(exit_plan, signal_side=None, state=TradingState.HALTED)


def test_the_profile_survives_json() -> None:
    profile = busy_profile(days=1)
    again = VolumeProfile.from_json(profile.to_json())
    assert again.expected_lots("SBER", DAY0, 60 * NS) == profile.expected_lots("SBER", DAY0, 60 * NS) == 1_000


def test_slice_intent_keys_are_canonical_version_4_uuids() -> None:
    import uuid

    plan = OrderPlanner(RoutingConfig()).plan("SBER", Side.BUY, 600, BOOK, DAY0)  # > 256 keys: a refill
    keys = [s.intent_key for s in plan.slices] + [plan.parent_intent]
    assert all(is_intent_key(k) and uuid.UUID(k).version == 4 for k in keys)
    assert len(set(keys)) == len(keys)
