"""Every circuit breaker of SPEC §1.4: its trigger, its action and its reset."""

from __future__ import annotations

from decimal import Decimal

from scalp_system.core.events import (
    BreakerReset,
    BreakerTripped,
    CancelOrder,
    ConnectivityChanged,
    SubmitOrder,
)
from scalp_system.core.orders import Side
from scalp_system.core.state import BreakerKind, Denial, TradingState
from tests.risk_world import World


def warm_world(**overrides: object) -> World:
    world = World.with_risk(**overrides)
    world.warm_atr()
    world.warm_atr("GAZP")
    world.book(30_000, 30_001)
    return world


def trips(world: World, kind: BreakerKind) -> list[BreakerTripped]:
    return [e for e in world.of_type(BreakerTripped) if e.breaker is kind]


def resets(world: World, kind: BreakerKind) -> list[BreakerReset]:
    return [e for e in world.of_type(BreakerReset) if e.breaker is kind]


# --- consecutive losses --------------------------------------------------------------------


def test_cooldown_starts_after_exactly_three_consecutive_losses() -> None:
    world = warm_world()
    world.round_trip(-1)
    world.round_trip(-1)
    assert world.engine.cooldown_until("SBER") is None
    world.round_trip(-1)
    until = world.engine.cooldown_until("SBER")
    assert until == world.clock.now_ns() + 300 * 10**9
    assert world.engine.evaluate_entry("SBER", "long").denial is Denial.COOLDOWN_ACTIVE
    [instrument_trip, global_trip] = trips(world, BreakerKind.CONSECUTIVE_LOSSES)
    assert (instrument_trip.instrument, global_trip.instrument) == ("SBER", None)
    assert instrument_trip.until_ns == until


def test_a_win_resets_the_consecutive_loss_count() -> None:
    world = warm_world()
    world.round_trip(-1)
    world.round_trip(-1)
    world.round_trip(+1)
    world.round_trip(-1)
    assert world.engine.cooldown_until("SBER") is None
    assert trips(world, BreakerKind.CONSECUTIVE_LOSSES) == []


def test_a_breakeven_round_trip_neither_counts_nor_resets() -> None:
    world = warm_world()
    world.round_trip(-1)
    world.round_trip(-1)
    world.round_trip(0)
    world.round_trip(-1)
    assert world.engine.cooldown_until("SBER") is not None


def test_commissions_make_a_flat_price_round_trip_a_loss() -> None:
    world = warm_world()
    for _ in range(3):
        world.fill(Side.BUY, 1, "300.00", commission="0.15")
        world.fill(Side.SELL, 1, "300.00", commission="0.15")
    assert world.engine.cooldown_until("SBER") is not None


def test_the_global_streak_counts_losses_across_instruments() -> None:
    world = warm_world()
    world.round_trip(-1, "SBER")
    world.round_trip(-1, "GAZP")
    world.round_trip(-1, "SBER")
    assert world.engine.cooldown_until(None) is not None
    assert world.engine.evaluate_entry("GAZP", "long").denial is Denial.COOLDOWN_ACTIVE
    assert [t.instrument for t in trips(world, BreakerKind.CONSECUTIVE_LOSSES)] == [None]


def test_the_cooldown_ends_after_300_seconds_with_a_reset_event() -> None:
    world = warm_world()
    for _ in range(3):
        world.round_trip(-1)
    world.advance(299)
    world.book(30_000, 30_001)
    assert world.engine.evaluate_entry("SBER", "long").denial is Denial.COOLDOWN_ACTIVE
    world.advance(1)
    world.book(30_000, 30_001)
    assert world.engine.evaluate_entry("SBER", "long").allowed
    assert {r.instrument for r in resets(world, BreakerKind.CONSECUTIVE_LOSSES)} == {"SBER", None}


def test_exits_are_allowed_during_a_cooldown() -> None:
    world = warm_world()
    for _ in range(3):
        world.round_trip(-1)
    world.fill(Side.BUY, 2, "300.00")
    assert world.engine.check_order(world.order(Side.SELL, 2, 30_000, reason="reversal")) is None


# --- daily loss and drawdown ---------------------------------------------------------------


def test_daily_loss_of_two_percent_halts_cancels_and_flattens() -> None:
    world = World.with_risk(max_position_lots=1_000)
    world.warm_atr(range_ticks=3_000)  # ATR 30 RUB: the stop (255) stays out of the way
    world.fill(Side.BUY, 100, "300.00")  # 1 000 shares
    commands = world.book(28_000, 28_001)  # −20 000 RUB at the mid 280.005 → −19 995: not yet
    assert world.state() is TradingState.ACTIVE
    commands = world.book(27_999, 28_000)  # −20 000.5
    assert world.state() is TradingState.HALTED
    [trip] = trips(world, BreakerKind.DAILY_LOSS)
    assert trip.until_ns is not None
    flatten = [c for c in commands if isinstance(c, SubmitOrder)]
    assert [(c.side, c.lots, c.reason) for c in flatten] == [(Side.SELL, 100, "flatten")]


def test_unrealised_pnl_counts_toward_the_daily_loss() -> None:
    world = warm_world()
    world.fill(Side.BUY, 50, "300.00")  # 500 shares
    world.fill(Side.SELL, 50, "280.00")  # realised −10 000
    world.fill(Side.BUY, 50, "280.00")
    world.book(25_999, 26_000)  # unrealised −10 000.25
    assert world.state() is TradingState.HALTED


def test_intraday_drawdown_of_three_percent_from_the_peak_halts() -> None:
    world = World.with_risk(max_position_lots=1_000)
    world.warm_atr(range_ticks=3_000)
    world.fill(Side.BUY, 100, "300.00")
    world.book(31_999, 32_001)  # equity 1 020 000: the new peak
    world.book(28_941, 28_942)  # 1 000 000 − 10 585.5 = 989 414.5 > 989 400
    assert world.state() is TradingState.ACTIVE
    commands = world.book(28_939, 28_941)  # 989 400 = peak × 0.97
    assert world.state() is TradingState.HALTED
    assert [c.reason for c in commands if isinstance(c, SubmitOrder)] == ["flatten"]
    assert len(trips(world, BreakerKind.INTRADAY_DRAWDOWN)) == 1
    assert trips(world, BreakerKind.DAILY_LOSS) == []


def test_resume_after_a_loss_halt_rearms_from_the_current_equity() -> None:
    world = World.with_risk(max_position_lots=1_000, flatten_on_halt=False)
    world.warm_atr(range_ticks=3_000)
    world.fill(Side.BUY, 100, "300.00")
    world.book(27_999, 28_000)
    assert world.state() is TradingState.HALTED
    assert world.engine.resume("operator")
    world.book(27_990, 27_991)
    assert world.state() is TradingState.ACTIVE
    assert [r.detail for r in resets(world, BreakerKind.DAILY_LOSS)] == ["resumed by operator"]


# --- reject rate ---------------------------------------------------------------------------


def reject(world: World, n: int) -> None:
    from scalp_system.core.events import OrderRejected

    for _ in range(n):
        order = world.order(Side.BUY, 1, 30_001)
        world.engine.on_reject(
            OrderRejected(order.intent_key, "SBER", "30079", "rejected", world.clock.now_ns())
        )
        world.advance(1)


def test_five_rejects_in_sixty_seconds_reduce_for_300_seconds() -> None:
    world = warm_world()
    reject(world, 4)
    assert world.state() is TradingState.ACTIVE
    reject(world, 1)
    assert world.state() is TradingState.REDUCING
    [trip] = trips(world, BreakerKind.REJECT_RATE)
    world.clock.set(trip.until_ns - 1)  # type: ignore[operator]
    assert world.state() is TradingState.REDUCING
    world.clock.set(trip.until_ns)  # type: ignore[arg-type]
    assert world.state() is TradingState.ACTIVE
    assert len(resets(world, BreakerKind.REJECT_RATE)) == 1


def test_rejects_spread_over_more_than_a_minute_do_not_trip() -> None:
    world = warm_world()
    for _ in range(8):
        reject(world, 1)
        world.advance(14)
    assert world.state() is TradingState.ACTIVE


# --- stale data ----------------------------------------------------------------------------


def test_stale_data_blocks_entries_on_that_instrument_only() -> None:
    world = warm_world()
    world.book(30_000, 30_001, instrument="GAZP")
    world.advance(4)
    world.book(30_000, 30_001, instrument="GAZP")
    world.advance(1.5)
    assert world.engine.evaluate_entry("SBER", "long").denial is Denial.DATA_STALE
    assert world.engine.evaluate_entry("GAZP", "long").allowed
    assert [t.instrument for t in trips(world, BreakerKind.STALE_DATA)] == ["SBER"]
    world.book(30_000, 30_001)
    assert world.engine.evaluate_entry("SBER", "long").allowed
    assert [r.instrument for r in resets(world, BreakerKind.STALE_DATA)] == ["SBER"]


def test_a_position_on_stale_data_can_still_be_exited() -> None:
    world = warm_world()
    world.fill(Side.BUY, 3, "300.00")
    world.advance(10)
    assert world.engine.is_stale("SBER")
    assert world.engine.check_order(world.order(Side.SELL, 3, 30_000, reason="stop")) is None


def test_an_inconsistent_book_is_not_a_valid_book() -> None:
    world = warm_world()
    world.advance(6)
    world.book(30_000, 30_001, is_consistent=False)
    assert world.engine.is_stale("SBER")


# --- latency -------------------------------------------------------------------------------


def test_latency_p99_over_50ms_reduces_until_back_under_for_60_seconds() -> None:
    world = warm_world()
    world.engine.on_decision_latency(49.0)
    assert world.state() is TradingState.ACTIVE
    world.engine.on_decision_latency(51.0)
    assert world.state() is TradingState.REDUCING
    for _ in range(59):
        world.advance(1)
        world.engine.on_decision_latency(10.0)
    assert world.state() is TradingState.REDUCING
    world.advance(1)
    world.engine.on_decision_latency(10.0)
    assert world.state() is TradingState.ACTIVE
    assert len(resets(world, BreakerKind.LATENCY)) == 1


def test_a_bad_reading_restarts_the_recovery_minute() -> None:
    world = warm_world()
    world.engine.on_decision_latency(80.0)
    world.advance(30)
    world.engine.on_decision_latency(80.0)
    world.advance(45)
    assert world.state() is TradingState.REDUCING
    world.advance(15)
    assert world.state() is TradingState.ACTIVE


def test_an_order_ack_over_two_seconds_reduces() -> None:
    world = warm_world()
    world.engine.on_order_ack(1.9)
    assert world.state() is TradingState.ACTIVE
    world.engine.on_order_ack(2.5)
    assert world.state() is TradingState.REDUCING


# --- connectivity --------------------------------------------------------------------------


def test_a_stream_down_more_than_ten_seconds_reduces_until_reconciled() -> None:
    world = warm_world()
    now = world.clock.now_ns()
    world.engine.on_connectivity(
        ConnectivityChanged(now, False, "invest-public-api.tinkoff.ru:443", "watchdog")
    )
    world.advance(10)
    world.engine.poll()
    assert world.state() is TradingState.ACTIVE
    world.advance(0.001)
    world.engine.poll()
    assert world.state() is TradingState.REDUCING
    assert world.engine.connectivity_failure() == ("invest-public-api.tinkoff.ru:443", "watchdog")
    world.engine.on_connectivity(ConnectivityChanged(world.clock.now_ns(), True, "backup:443"))
    assert world.state() is TradingState.REDUCING, "back up is not enough: reconcile first"
    world.engine.on_reconciled()
    assert world.state() is TradingState.ACTIVE
    assert len(resets(world, BreakerKind.CONNECTIVITY)) == 1


def test_a_short_outage_does_not_trip() -> None:
    world = warm_world()
    world.engine.on_connectivity(ConnectivityChanged(world.clock.now_ns(), False, "a:443", "reset"))
    world.advance(5)
    world.engine.on_connectivity(ConnectivityChanged(world.clock.now_ns(), True, "a:443"))
    world.advance(30)
    world.engine.poll()
    assert world.state() is TradingState.ACTIVE


def test_three_consecutive_unavailable_trip_and_a_success_restarts_the_count() -> None:
    world = warm_world()
    world.engine.on_unavailable("a:443")
    world.engine.on_unavailable("a:443")
    world.engine.on_call_succeeded()
    world.engine.on_unavailable("a:443")
    assert world.state() is TradingState.ACTIVE
    world.engine.on_unavailable("a:443")
    world.engine.on_unavailable("a:443")
    assert world.state() is TradingState.REDUCING
    assert len(trips(world, BreakerKind.CONNECTIVITY)) == 1


# --- model drift ---------------------------------------------------------------------------


def test_critical_drift_on_three_features_halts_new_entries_until_recalibrated() -> None:
    world = warm_world()
    world.fill(Side.BUY, 2, "300.00")
    world.engine.on_drift("warning", 10)
    world.engine.on_drift("critical", 2)
    assert world.state() is TradingState.ACTIVE
    world.engine.on_drift("critical", 3)
    assert world.state() is TradingState.HALTED
    assert world.engine.evaluate_entry("GAZP", "long").denial is Denial.DRIFT_HALTED
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.DRIFT_HALTED
    assert world.engine.check_order(world.order(Side.SELL, 2, 30_000, reason="stop")) is None, (
        "a drift halt stops entries, not the exits of open positions"
    )
    world.engine.on_recalibrated()
    assert world.state() is TradingState.ACTIVE
    assert len(resets(world, BreakerKind.MODEL_DRIFT)) == 1


def test_every_trip_and_reset_is_audited_as_an_incident() -> None:
    world = warm_world()
    world.engine.on_order_ack(5.0)
    world.advance(61)
    world.engine.on_order_ack(0.1)
    kinds = [(r[0], r[3]) for r in world.audit.records if r[0] != "OrderDenied"]
    assert ("BreakerTripped", "A.5.24") in kinds and ("BreakerReset", "A.5.24") in kinds
    assert kinds.count(("TradingStateChanged", "A.5.24")) == 2


def test_emergency_halt_cancels_an_open_order_even_without_positions() -> None:
    world = warm_world()
    order = world.order(Side.BUY, 1, 30_001)
    assert world.engine.check_order(order) is None
    commands = world.engine.emergency_halt("operator", None)
    assert [c.intent_key for c in commands if isinstance(c, CancelOrder)] == [order.intent_key]
    assert world.engine.equity() == Decimal("1000000")


def test_a_timed_hold_expires_for_order_checks_too() -> None:
    world = warm_world()
    reject(world, 5)
    world.advance(301)
    world.book(30_000, 30_001)
    world.fill(Side.BUY, 1, "300.00")
    # check_order alone (no other call in between) sees the reject-rate hold has ended
    world.advance(1)
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is None
