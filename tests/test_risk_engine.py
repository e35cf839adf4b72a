"""The RiskEngine: entries, stops from the average entry, trading states, pre-trade checks, emergency
halt, and snapshot/restore (SPEC §1.1, §1.2, §1.4, §1.7, §1.8)."""

from __future__ import annotations

import json
from decimal import Decimal

from scalp_system.config import RiskConfig
from scalp_system.core.clock import NS_PER_S, SimulatedClock
from scalp_system.core.events import CancelOrder, OrderDenied, SubmitOrder, TradingStateChanged
from scalp_system.core.market import OrderBook, TradingStatusChanged
from scalp_system.core.orders import Order, OrderStatus, PositionSide, Side
from scalp_system.core.state import BreakerKind, Denial, TradingState
from scalp_system.risk.engine import RiskEngine, sweep_price_ticks
from scalp_system.risk.stops import initial_levels, stop_distance
from tests.risk_world import DAY0, EQUITY, World


def warm_world(**overrides: object) -> World:
    world = World.with_risk(**overrides)
    world.warm_atr()
    return world


# --- entries and levels --------------------------------------------------------------------


def test_an_entry_is_sized_and_levelled_by_the_spec_formulas() -> None:
    world = warm_world()
    decision = world.engine.evaluate_entry("SBER", "long")
    d = stop_distance(Decimal("0.20"), Decimal("0.01"), k_stop=Decimal("1.5"), spread_floor=Decimal("0.01"))
    assert decision.allowed and decision.distance == d == Decimal("0.300")
    assert decision.entry_price == Decimal("300.01")
    assert (decision.stop, decision.target) == initial_levels(
        Decimal("300.01"), "long", Decimal("0.20"), Decimal("0.01"), Decimal("0.01"), RiskConfig()
    )
    # floor(0.0025 × 1 000 000 / (0.30 × 10)) = 833, capped by 500 000 RUB per order / 3 000.10 → 166,
    # and by max_position_lots = 100.
    assert decision.lots == 100


def test_no_entry_before_five_atr_bars() -> None:
    world = World()
    world.book(30_000, 30_001)
    decision = world.engine.evaluate_entry("SBER", "long")
    assert decision.denial is Denial.WARMUP_NO_ATR and decision.lots == 0


def test_warmup_entries_use_the_spread_percentile_distance_when_allowed() -> None:
    world = World.with_risk(allow_warmup_entries=True)
    for spread in (1, 1, 2, 2, 4):
        world.book(30_000, 30_000 + spread)
    world.book(30_000, 30_001)
    decision = world.engine.evaluate_entry("SBER", "short")
    assert decision.allowed and decision.distance == Decimal("0.06")  # 1.5 × p95 (4 ticks) × 0.01


def test_the_stop_is_computed_from_the_fill_price() -> None:
    world = warm_world()
    world.fill(Side.BUY, 10, "300.05")
    state = world.engine.position_state("SBER")
    assert state is not None and state.avg_entry == Decimal("300.05")
    assert state.stop == Decimal("299.75") and state.target == Decimal("300.65")


def test_adding_recomputes_the_stop_from_the_average_entry_without_loosening() -> None:
    world = warm_world()
    world.fill(Side.BUY, 10, "300.00")
    world.fill(Side.BUY, 10, "300.20")
    state = world.engine.position_state("SBER")
    assert state is not None and state.avg_entry == Decimal("300.10")
    assert state.stop == Decimal("299.80")  # max(299.70, 300.10 − 0.30)


def test_a_stop_hit_by_the_market_closes_the_position_with_an_ioc() -> None:
    world = warm_world()
    world.fill(Side.BUY, 10, "300.00")
    commands = world.book(29_969, 29_971)
    assert len(commands) == 1
    exit_order = commands[0]
    assert isinstance(exit_order, SubmitOrder)
    assert (exit_order.side, exit_order.lots, exit_order.reason) == (Side.SELL, 10, "stop")
    assert exit_order.limit_price_ticks == 29_969 and exit_order.reduce_only
    assert world.book(29_968, 29_970) == [], "no second exit while one is in flight"


def test_the_target_takes_profit() -> None:
    world = warm_world()
    world.fill(Side.SELL, 5, "300.00")
    commands = world.book(29_939, 29_940)
    assert [(c.side, c.lots, c.reason) for c in commands if isinstance(c, SubmitOrder)] == [
        (Side.BUY, 5, "target")
    ]


def test_trailing_exit_is_labelled_trailing() -> None:
    world = warm_world()
    world.fill(Side.BUY, 10, "300.00")
    assert world.book(30_040, 30_041) == []  # best 300.40 ≥ E + d: trailing at 300.10
    state = world.engine.position_state("SBER")
    assert state is not None and state.trailing_active and state.stop == Decimal("300.10")
    commands = world.book(30_010, 30_011)
    assert [c.reason for c in commands if isinstance(c, SubmitOrder)] == ["trailing"]


# --- trading states ------------------------------------------------------------------------


def test_reducing_state_never_opens_a_position_from_flat() -> None:
    world = warm_world()
    world.engine.on_decision_latency(80.0)
    assert world.state() is TradingState.REDUCING
    assert world.engine.evaluate_entry("SBER", "long").denial is Denial.STATE_REDUCING_WOULD_OPEN
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.STATE_REDUCING_WOULD_OPEN
    assert world.engine.check_order(world.order(Side.SELL, 1, 30_000)) is Denial.STATE_REDUCING_WOULD_OPEN


def test_reducing_state_lets_a_position_shrink_but_not_flip() -> None:
    world = warm_world()
    world.fill(Side.BUY, 5, "300.00")
    world.engine.on_decision_latency(80.0)
    assert world.engine.check_order(world.order(Side.SELL, 6, 30_000)) is Denial.STATE_REDUCING_WOULD_OPEN
    assert world.engine.check_order(world.order(Side.SELL, 3, 30_000, reason="reversal")) is None
    assert world.engine.check_order(world.order(Side.SELL, 3, 30_000)) is Denial.STATE_REDUCING_WOULD_OPEN, (
        "3 lots already in flight to reduce a 5-lot position"
    )


def test_halted_lets_through_only_flatten_orders() -> None:
    world = warm_world()
    world.fill(Side.BUY, 5, "300.00")
    world.engine.emergency_halt("operator", None)
    assert world.engine.check_order(world.order(Side.SELL, 1, 30_000, reason="stop")) is Denial.STATE_HALTED
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.STATE_HALTED


def test_emergency_halt_cancels_all_and_flattens_walking_the_book() -> None:
    world = warm_world()
    world.fill(Side.BUY, 150, "300.00")
    world.fill(Side.SELL, 30, "300.00", instrument="GAZP")
    world.book(30_000, 30_001, size=100)  # 100 lots a level: 150 lots need the second bid level
    world.book(30_000, 30_001, instrument="GAZP")
    entry = world.order(Side.BUY, 1, 30_001, instrument="GAZP")
    # an open order in flight (GAZP is short: a buy reduces, so it passes)
    assert world.engine.check_order(entry) is None
    world.engine.on_order_update(
        Order(entry.intent_key, "GAZP", Side.BUY, 1, 30_001, status=OrderStatus.NEW, order_id="X1")
    )
    commands = world.engine.emergency_halt("operator halt")
    cancels = [c for c in commands if isinstance(c, CancelOrder)]
    flattens = {c.instrument_id: c for c in commands if isinstance(c, SubmitOrder)}
    assert [(c.intent_key, c.order_id) for c in cancels] == [(entry.intent_key, "X1")]
    assert (flattens["SBER"].side, flattens["SBER"].lots, flattens["SBER"].limit_price_ticks) == (
        Side.SELL,
        150,
        29_999,
    )
    assert flattens["SBER"].reason == "flatten"
    assert flattens["GAZP"].side is Side.BUY and flattens["GAZP"].lots == 29  # 1 lot already in flight
    assert world.state() is TradingState.HALTED


def test_a_partly_filled_flatten_is_reissued_on_the_next_book() -> None:
    world = warm_world()
    world.fill(Side.BUY, 10, "300.00")
    [flatten] = [c for c in world.engine.emergency_halt("operator") if isinstance(c, SubmitOrder)]
    world.fill(Side.SELL, 4, "300.00", intent_key=flatten.intent_key)
    world.engine.on_order_update(
        Order(
            flatten.intent_key,
            "SBER",
            Side.SELL,
            10,
            flatten.limit_price_ticks,
            status=OrderStatus.CANCELLED,
            lots_executed=4,
        )
    )
    again = world.book(29_990, 29_991)
    assert [(c.side, c.lots, c.reason) for c in again if isinstance(c, SubmitOrder)] == [
        (Side.SELL, 6, "flatten")
    ]


def test_no_flatten_when_flatten_on_halt_is_off() -> None:
    world = warm_world(flatten_on_halt=False)
    world.fill(Side.BUY, 10, "300.00")
    assert [c for c in world.engine.emergency_halt("operator") if isinstance(c, SubmitOrder)] == []


def test_resume_returns_to_active_and_is_audited() -> None:
    world = warm_world()
    world.engine.emergency_halt("operator")
    assert world.engine.resume("alice")
    assert world.state() is TradingState.ACTIVE
    assert world.audit.of_type("trading_resumed") == [{"equity": str(EQUITY)}]
    assert [(e.previous, e.current) for e in world.of_type(TradingStateChanged)] == [
        (TradingState.ACTIVE, TradingState.HALTED),
        (TradingState.HALTED, TradingState.ACTIVE),
    ]


def test_a_halt_lapses_at_the_next_trading_day() -> None:
    world = warm_world()
    world.engine.emergency_halt("operator", BreakerKind.DAILY_LOSS)
    world.clock.set(DAY0 + 13 * 3_600 * NS_PER_S)  # 23:00 MSK: still halted
    assert world.state() is TradingState.HALTED
    world.clock.set(DAY0 + 14 * 3_600 * NS_PER_S)  # 00:00 MSK next day
    assert world.state() is TradingState.ACTIVE


# --- pre-trade checks ----------------------------------------------------------------------


def test_each_pre_trade_check_has_its_reason_code() -> None:
    world = warm_world(max_open_orders=3)
    engine = world.engine
    dup = world.order(Side.BUY, 1, 30_001)
    assert engine.check_order(dup) is None
    assert engine.check_order(dup) is Denial.INTENT_DUPLICATE
    assert engine.check_order(world.order(Side.BUY, 0, 30_001)) is Denial.QUANTITY_NOT_POSITIVE
    assert engine.check_order(world.order(Side.BUY, 1, None)) is Denial.PRICE_MISSING
    assert (
        engine.check_order(world.order(Side.BUY, 1, 30_001, instrument="NOPE")) is Denial.INSTRUMENT_UNKNOWN
    )
    assert (
        engine.check_order(world.order(Side.SELL, 2, 30_000)) is Denial.SHORT_NOT_ENABLED
    )  # 1 bought in flight
    assert engine.check_order(world.order(Side.BUY, 101, 30_001)) is Denial.POSITION_MAX_LOTS
    assert engine.check_order(world.order(Side.BUY, 99, 60_000)) is Denial.NOTIONAL_PER_ORDER
    assert engine.check_order(world.order(Side.BUY, 1, 30_001)) is None
    assert engine.check_order(world.order(Side.BUY, 1, 30_001)) is None
    assert engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.ORDERS_MAX_OPEN
    counted = engine.denials
    assert counted[Denial.INTENT_DUPLICATE] == 1 and counted[Denial.ORDERS_MAX_OPEN] == 1
    audited = [d["denial"] for d in world.audit.of_type("OrderDenied")]
    assert audited.count("SHORT_NOT_ENABLED") == 1


def test_price_band_and_trading_status_are_checked() -> None:
    world = warm_world()
    world.book(30_000, 30_001, limit_up_ticks=30_100, limit_down_ticks=29_900)
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_101)) is Denial.PRICE_OUTSIDE_BAND
    world.engine.on_trading_status(TradingStatusChanged("SBER", 4, False, False, DAY0))
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.INSTRUMENT_STATUS_NOT_TRADING
    world.engine.on_trading_status(TradingStatusChanged("SBER", 14, True, True, DAY0))
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.INSTRUMENT_STATUS_NOT_TRADING
    dealer = warm_world(allow_dealer_trading=True)
    dealer.engine.on_trading_status(TradingStatusChanged("SBER", 14, True, True, DAY0))
    assert dealer.engine.check_order(dealer.order(Side.BUY, 1, 30_001)) is None


def test_notional_limits_per_instrument_gross_and_cash() -> None:
    world = warm_world(max_notional_per_instrument=Decimal("40000"), max_gross_notional=Decimal("65000"))
    world.fill(Side.BUY, 10, "300.00")  # 30 000 RUB
    assert world.engine.check_order(world.order(Side.BUY, 4, 30_001)) is Denial.NOTIONAL_PER_INSTRUMENT
    world.book(30_000, 30_001, instrument="GAZP")
    world.fill(Side.BUY, 10, "300.00", instrument="GAZP")
    # GAZP 13 lots = 39 003 RUB (inside 40 000 per instrument) but SBER + GAZP = 69 003 > 65 000 gross
    assert (
        world.engine.check_order(world.order(Side.BUY, 3, 30_001, instrument="GAZP")) is Denial.NOTIONAL_GROSS
    )
    world.engine.set_cash(Decimal("1000"))
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.CASH_INSUFFICIENT


def test_order_rate_is_limited_per_minute() -> None:
    world = warm_world(max_orders_per_min=3, max_open_orders=10)
    for _ in range(3):
        key = world.order(Side.BUY, 1, 30_001)
        assert world.engine.check_order(key) is None
        world.engine.on_order_update(
            Order(key.intent_key, "SBER", Side.BUY, 1, 30_001, status=OrderStatus.CANCELLED)
        )
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is Denial.RATE_ORDERS_PER_MINUTE
    world.advance(61)
    world.book(30_000, 30_001)
    assert world.engine.check_order(world.order(Side.BUY, 1, 30_001)) is None


def test_a_denied_entry_is_published_and_audited() -> None:
    world = World()
    world.book(30_000, 30_001)
    world.engine.evaluate_entry("SBER", PositionSide.LONG)
    [denied] = world.of_type(OrderDenied)
    assert denied.denial is Denial.WARMUP_NO_ATR and denied.instrument_id == "SBER"
    assert world.audit.records[-1][3] == "A.8.15"


def test_sweep_price_walks_the_book_to_cover_the_size() -> None:
    book = OrderBook.build("SBER", [(100, 5), (99, 5), (98, 5)], [(101, 5), (102, 5)], 0)
    assert sweep_price_ticks(book, Side.SELL, 5) == 100
    assert sweep_price_ticks(book, Side.SELL, 7) == 99
    assert sweep_price_ticks(book, Side.SELL, 50) == 98
    assert sweep_price_ticks(book, Side.BUY, 6) == 102


# --- snapshot / restore --------------------------------------------------------------------


def _cooldown_world() -> World:
    world = warm_world()
    for _ in range(3):
        world.round_trip(-1)
    return world


def test_snapshot_restore_mid_cooldown_keeps_the_deadline() -> None:
    world = _cooldown_world()
    deadline = world.engine.cooldown_until("SBER")
    assert deadline is not None
    world.advance(100)
    saved = json.loads(json.dumps(world.engine.snapshot()))
    later = SimulatedClock(world.clock.now_ns() + 30 * NS_PER_S)  # a restart 30 s later
    restored = RiskEngine(RiskConfig(), later, instruments=list(world.engine._instruments.values()))
    restored.restore(saved)
    assert restored.cooldown_until("SBER") == deadline
    later.set(deadline - 1)
    assert restored.evaluate_entry("SBER", "long").denial is Denial.COOLDOWN_ACTIVE
    later.set(deadline)
    restored.on_book(OrderBook.build("SBER", [(30_000, 100)], [(30_001, 100)], deadline, deadline))
    assert restored.evaluate_entry("SBER", "long").allowed


def test_restoring_a_snapshot_and_replaying_gives_the_same_decisions() -> None:
    world = warm_world()
    world.fill(Side.BUY, 20, "300.00")
    world.round_trip(-1, "GAZP")
    snapshot = json.loads(json.dumps(world.engine.snapshot()))
    twin_clock = SimulatedClock(world.clock.now_ns())
    twin = RiskEngine(RiskConfig(), twin_clock, instruments=list(world.engine._instruments.values()))
    twin.restore(snapshot)

    def replay(engine: RiskEngine, clock: SimulatedClock) -> list[object]:
        out: list[object] = []
        for step in range(40):
            clock.advance(7 * NS_PER_S)
            now = clock.now_ns()
            bid = 30_000 + (step * 7) % 23 - 11
            commands = engine.on_book(
                OrderBook.build("SBER", [(bid, 50), (bid - 1, 50)], [(bid + 1, 50), (bid + 2, 50)], now, now)
            )
            out.append(
                [
                    (
                        type(c).__name__,
                        getattr(c, "lots", None),
                        getattr(c, "limit_price_ticks", None),
                        getattr(c, "reason", None),
                    )
                    for c in commands
                ]
            )
            out.append(engine.evaluate_entry("SBER", "long" if step % 2 else "short"))
            out.append(engine.state)
            state = engine.position_state("SBER")
            out.append(None if state is None else state.to_json())
        return out

    assert replay(world.engine, world.clock) == replay(twin, twin_clock)
    assert twin.snapshot()["board"] == world.engine.snapshot()["board"]
