"""The Orchestrator: one event loop that runs the whole flow for any mode.

    event ─► Data ─► Features ─► Ensemble ─► Strategy ─► Risk ─► Planner ─► Execution ─► Venue

The same object runs backtests (SimulatedVenue, simulated clock), paper, sandbox and live trading
(BrokerVenue, wall clock); only the Venue, the EventSource and the Clock differ. It holds no business
rules of its own: it moves facts and commands between the components, times each stage, runs the
once-a-second timers (breakers, checkpoints, metrics), and hands every notable event to the side
channels (audit log, notifications, store, Prometheus).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.core.clock import NS_PER_S, Clock
from scalp_system.core.events import (
    BreakerTripped,
    CancelOrder,
    CommissionCharged,
    ConnectivityChanged,
    OrderRejected,
    SubmitOrder,
    TradingStateChanged,
)
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade, TradingStatusChanged
from scalp_system.core.orders import Fill, Order, PositionSide, Side
from scalp_system.core.state import TradingState
from scalp_system.core.venue import EventSource, RunEvent, Venue, VenueError
from scalp_system.data.engine import DataEngine
from scalp_system.execution.engine import ExecutionEngine, IntentJournal, ReconcileReport
from scalp_system.execution.ledger import Ledger
from scalp_system.execution.planner import OrderPlanner, PlanError
from scalp_system.features.incremental import FeatureEngine
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.monitoring.latency import LatencyMonitor, Stage
from scalp_system.orchestration.calendar import TradingCalendar
from scalp_system.orchestration.control import take_resume_requests
from scalp_system.orchestration.plans import PlanBook
from scalp_system.orchestration.quiet import QuietStretch, StretchForwarder
from scalp_system.orchestration.run_state import InstrumentSlot, RunStats, restore_run, run_snapshot
from scalp_system.orchestration.side_channels import SideChannels
from scalp_system.orchestration.signals import SignalPipeline, SignalStep, signal_summary
from scalp_system.risk.engine import RiskEngine
from scalp_system.strategy.intents import EnterPosition, ExitPosition
from scalp_system.strategy.scalper import ScalperStrategy, Signal

log = logging.getLogger(__name__)

TIMER_NS = NS_PER_S
RECOVERY_MARGIN_NS = NS_PER_S  # intents stored this long before a checkpoint are re-checked too


class SignalSource(Protocol):
    """Signal steps computed outside the event loop (the backtest's fast path), one per accepted book."""

    def next_step(self, instrument_id: str) -> SignalStep:
        """The step of the next accepted book of ``instrument_id``."""
        ...


class Orchestrator:
    """Runs one trading session over an EventSource and a Venue (see the module docstring)."""

    def __init__(
        self,
        config: Config,
        instruments: list[Instrument],
        venue: Venue,
        clock: Clock,
        *,
        model: WeightedEnsemble | None = None,
        model_name: str = "",
        side: SideChannels | None = None,
        journal: IntentJournal | None = None,
        commission_rate: Decimal = Decimal("0.0005"),
        checkpoint: Callable[[dict[str, Any]], object] | None = None,
        drift_references: Mapping[str, npt.NDArray[np.float64]] | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.venue = venue
        self.model = model
        self.model_name = model_name or ("none (no model: no entries)" if model is None else "ensemble")
        self.side = side or SideChannels()
        self.instruments = {i.uid: i for i in instruments}
        self.stats = RunStats()
        self.latency = LatencyMonitor(window_s=int(config.risk.latency_window_s))
        self.data = DataEngine(config.data, self.instruments, clock)
        self.risk = RiskEngine(
            config.risk,
            clock,
            hedge=config.hedge,
            instruments=instruments,
            book_ttl_s=config.data.book_ttl_s,
            audit=self.side.audit_sink(),
            on_event=self._on_risk_event,
        )
        self.planner = OrderPlanner(config.routing)
        self.execution = ExecutionEngine(
            venue, Ledger(self.instruments), clock, journal=journal, on_event=self._on_execution_event
        )
        self.strategy = ScalperStrategy(
            config.strategy,
            horizon=config.ml.horizon,
            commission_rate=float(commission_rate),
            k_tp=float(config.risk.k_tp),
        )
        self.calendar = TradingCalendar(config.sessions, allow_dealer=config.risk.allow_dealer_trading)
        self._checkpoint = checkpoint
        self._per: dict[str, InstrumentSlot] = {}
        for instrument in instruments:
            features = FeatureEngine(
                config.features,
                config.data.lob_levels,
                instrument.tick,
                atr_bar_s=config.risk.atr_bar_s,
                atr_period=config.risk.atr_period,
                instrument_id=instrument.uid,
            )
            self._per[instrument.uid] = InstrumentSlot(instrument, features)
        self.signals = (
            SignalPipeline(model, config, [i.uid for i in instruments], drift_references, now_ns=clock.now_ns)
            if model is not None
            else None
        )
        self.plans = PlanBook(self.risk.check_order)  # entries and hedges being worked
        self._next_timer_ns = 0
        self._next_checkpoint_ns = 0
        self._stopped = False
        self.on_book_processed: Callable[[OrderBook, Signal | None], None] | None = None
        self.on_fill_processed: Callable[[Fill, int, int], None] | None = None  # fill, lots before, after
        self.events_processed = 0
        self.entries_allowed = True  # False while a run winds down (flatten at the end)
        self.timer_hooks: list[Callable[[int], Awaitable[object]]] = []  # e.g. instrument rotation
        self.intent_reasons: dict[str, str] = {}  # why each order was sent (entry, stop, target, ...)
        self.precomputed: SignalSource | None = None  # backtest fast path: signals computed up front
        self.forwarder: StretchForwarder | None = None  # backtest fast path: quiet stretches at once
        self.on_books_absorbed: Callable[[QuietStretch], None] | None = None
        self._settled = False  # the last event was a book that left nothing to do
        self._commands_sent = 0  # commands through ``execute`` (did this book send anything?)
        self.operator_control = True  # honour `scalp resume` requests (a backtest has no operator)
        # More subscribers of risk events (a connected run's failover coordinator, SPEC §1.6).
        self.risk_listeners: list[Callable[[object], None]] = []

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self, *, restored: dict[str, Any] | None = None) -> ReconcileReport:
        """Restore a checkpoint (if any), book missed fills, reconcile with the venue (the broker wins),
        set the day's equity; returns what reconciliation found and did."""
        if restored:
            self.restore(restored)
        # Intents stored after the checkpoint are only in the journal; without a checkpoint, all are.
        since_ns = max(0, int(restored.get("ts_ns", 0)) - RECOVERY_MARGIN_NS) if restored else 0
        recovered = await self.recover_fills(since_ns)
        report = await self.execution.reconcile()
        for uid, (_ours, theirs) in report.position_corrections.items():
            position = self.execution.ledger.position(uid)
            self.risk.reconcile_position(uid, theirs, position.avg_price)
        account = await self.venue.account()
        cash = sum(account.cash.values(), Decimal(0))
        if not restored or "risk" not in restored:
            equity = cash + sum(
                (self.execution.ledger.signed_notional(p.instrument_id) for p in account.positions),
                Decimal(0),
            )
            self.risk.start_day(equity, cash=cash)
        else:
            self.risk.set_cash(cash)
        self.side.record(
            "recovery" if restored else "run_start",
            "orchestrator",
            {
                "instruments": [i.ticker for i in self.instruments.values()],
                "model": self.model_name,
                "reconcile": {
                    "fills_recovered": [f.trade_id for f in recovered],
                    "adopted": report.adopted_orders,
                    "orphans_cancelled": report.cancelled_orphans,
                    "resolved": report.resolved_intents,
                    "position_corrections": {k: list(v) for k, v in report.position_corrections.items()},
                },
                "equity": str(self.risk.equity()),
            },
        )
        if restored:
            self.side.recovered(str(restored.get("sequence", "latest")), report.position_corrections)
        self.record_positions()
        self.risk.on_reconciled()
        return report

    async def recover_fills(self, since_ns: int | None = None) -> list[Fill]:
        """Book the fills the venue executed but this run never received (killed process, lost
        stream message, an ack that raced its fill at the end of a run): ledger, risk, store, audit.
        Risk commands they would trigger are not sent here; the next book re-derives them."""
        recovered = await self.execution.recover_fills(since_ns)
        for fill in recovered:
            commands = await self._take_fill(fill)
            if commands:
                log.info("recovered fill %s: risk commands left to the next book", fill.trade_id)
        if recovered:
            log.warning("recovered %d fill(s) the run had not received", len(recovered))
        return recovered

    def record_positions(self) -> None:
        """Snapshot every position the ledger knows into the store (after a restart's reconciliation
        or a fill), so the store's latest positions are the account's."""
        now = self.clock.now_ns()
        for position in self.execution.ledger.positions().values():
            self.side.position(position, now)

    async def run(
        self,
        source: EventSource,
        *,
        until_ns: int | None = None,
        wall_deadline: float | None = None,
        realtime: bool = False,
        progress: Callable[[int], None] | None = None,
        progress_every: int = 1000,
        stop_when: Callable[[], bool] | None = None,
    ) -> RunStats:
        """Process events until the source ends, ``until_ns`` (clock time) or ``wall_deadline``
        (``time.monotonic``) passes, or ``stop`` is called. ``realtime`` runs timers on the wall clock
        even when no event arrives; ``progress`` gets the event count every ``progress_every`` events."""
        next_progress = progress_every
        while not self._stopped:
            if stop_when is not None and stop_when():
                break
            if wall_deadline is not None and time.monotonic() >= wall_deadline:
                break
            if realtime:
                timeout = max(0.0, min(1.0, (self._next_timer_ns - self.clock.now_ns()) / NS_PER_S))
                if wall_deadline is not None:
                    timeout = min(timeout, max(0.0, wall_deadline - time.monotonic()))
                try:
                    event = await asyncio.wait_for(source.next_event(), timeout=max(timeout, 0.001))
                except TimeoutError:
                    await self.on_timer()
                    continue
            else:
                event = await source.next_event()
            if event is None:
                break
            await self.on_event(event)
            self.events_processed += 1
            now = self.clock.now_ns()
            if now >= self._next_timer_ns:
                await self.on_timer()
            if until_ns is not None and now >= until_ns:
                break
            if self.forwarder is not None and until_ns is None:  # a stretch could pass until_ns
                self.events_processed += self.forwarder.forward()
            if progress is not None and self.events_processed >= next_progress:
                progress(self.events_processed)
                next_progress = (self.events_processed // progress_every + 1) * progress_every
        return self.stats

    def stop(self) -> None:
        """Ask the run loop to end after the current event."""
        self._stopped = True

    async def shutdown(self, *, cancel_orders: bool = True) -> None:
        """Cancel working orders and write a final checkpoint."""
        if cancel_orders:
            await self.abandon_plans("run ending")
            await self.execution.cancel_all()
        await self.recover_fills()
        self.save_checkpoint()
        self.side.record(
            "run_stop", "orchestrator", {"orders_posted": self.stats.orders_posted, "fills": self.stats.fills}
        )

    # --- events -----------------------------------------------------------------------------

    async def on_event(self, event: RunEvent) -> None:
        """Dispatch one event to its handler."""
        if not isinstance(event, Trade):
            self._settled = False  # only a book that leaves nothing to do settles the run again
        if isinstance(event, OrderBook):
            await self.on_book(event)
        elif isinstance(event, Trade):
            self.on_trade(event)
        elif isinstance(event, Fill):
            await self.on_fill(event)
        elif isinstance(event, Order):
            await self.on_order_update(event)
        elif isinstance(event, TradingStatusChanged):
            self.on_trading_status(event)
        elif isinstance(event, ConnectivityChanged):
            await self.on_connectivity(event)

    def on_trade(self, trade: Trade) -> None:
        """A public trade feeds the data engine, the features and the risk engine's ATR."""
        if not self.data.on_trade(trade):
            return
        self.stats.trades += 1
        per = self._per.get(trade.instrument_id)
        if per is not None and self.precomputed is None:
            per.features.on_trade(trade)
        self.risk.on_trade(trade)

    def on_trading_status(self, status: TradingStatusChanged) -> None:
        """The broker's trading status of an instrument."""
        per = self._per.get(status.instrument_id)
        if per is not None:
            per.trading_status = status.status
        self.risk.on_trading_status(status)

    async def on_connectivity(self, event: ConnectivityChanged) -> None:
        """A stream went down or came back: the connectivity breaker decides; reconcile on return.
        A drop with UNAVAILABLE also counts toward "N consecutive UNAVAILABLE". A reconciliation that
        fails (the venue still unreachable) leaves any connectivity hold in force; the failover
        coordinator, or the next reconnect, tries again — the run itself never stops on it."""
        self.risk.on_connectivity(event)
        self.side.record(
            "connectivity", "broker", {"up": event.up, "endpoint": event.endpoint, "reason": event.reason}
        )
        if not event.up and "UNAVAILABLE" in event.reason:
            self.risk.on_unavailable(event.endpoint, event.reason)
        if event.up:
            try:
                await self.reconcile()
            except VenueError as exc:
                log.warning("reconciliation after reconnect failed (%s); still holding", exc)
                self.side.record("position_reconciled", "orchestrator", {"failed": str(exc)})

    async def reconcile(self) -> None:
        """Reconcile with the venue (after reconnects); the broker wins on positions and orders.
        Fills whose stream messages were lost while the stream was down are booked first."""
        recovered = await self.recover_fills()
        report = await self.execution.reconcile()
        for uid, (_ours, theirs) in report.position_corrections.items():
            self.risk.reconcile_position(uid, theirs, self.execution.ledger.position(uid).avg_price)
        if report.position_corrections:
            self.record_positions()
        if not report.clean or recovered:
            self.side.record(
                "position_reconciled",
                "orchestrator",
                {
                    "fills_recovered": [f.trade_id for f in recovered],
                    "orphans_cancelled": report.cancelled_orphans,
                    "adopted": report.adopted_orders,
                    "corrections": {k: list(v) for k, v in report.position_corrections.items()},
                },
            )
        self.risk.on_reconciled()

    async def on_book(self, book: OrderBook) -> None:
        """The hot path: validate, features, model, strategy, risk, plan, execute."""
        t_receive = time.perf_counter_ns()
        sent_before = self._commands_sent
        now = self.clock.now_ns()
        if book.local_ts_ns and now >= book.local_ts_ns:
            self.latency.record(Stage.RECEIVE, now - book.local_ts_ns, now)
        accepted = self.data.on_book(book)
        t_data = time.perf_counter_ns()
        self.latency.record(Stage.BOOK_UPDATE, t_data - t_receive, now)
        per = self._per.get(book.instrument_id)
        if not accepted or per is None:
            return
        self.stats.books += 1
        if book.mid_ticks is not None:
            self.execution.ledger.mark(
                book.instrument_id, per.instrument.mid_price(book.bid_px.item(0), book.ask_px.item(0))
            )
        self.stats.first_event_ns = self.stats.first_event_ns or book.exchange_ts_ns
        self.stats.last_event_ns = book.exchange_ts_ns
        signal: Signal | None = None
        if self.precomputed is not None:
            t_features = t_data
            signal = self._apply(per, self.precomputed.next_step(book.instrument_id))
        else:
            vector = per.features.on_book(book)
            t_features = time.perf_counter_ns()
            self.latency.record(Stage.FEATURES, t_features - t_data, now)
            if self.signals is not None and book.mid_ticks is not None:
                signal = self._apply(per, self.signals.on_vector(book.instrument_id, vector, book.mid_ticks))
        t_model = time.perf_counter_ns()
        self.latency.record(Stage.MODEL, t_model - t_features, now)
        self.strategy.on_book(book)
        commands: list[SubmitOrder | CancelOrder] = list(self.risk.on_book(book))
        commands.extend(self._decide(per, book, signal, now))
        t_decision = time.perf_counter_ns()
        self.latency.record(Stage.RISK, t_decision - t_model, now)
        self.latency.record(Stage.DECISION, t_decision - t_receive, now)
        if self.on_book_processed is not None:
            self.on_book_processed(book, signal)
        await self.execute(commands)
        await self._drive_plans(book, signal, now)
        self._settled = self._commands_sent == sent_before and not self.plans

    @property
    def next_timer_ns(self) -> int:
        """Clock time of the next once-a-second timer run."""
        return self._next_timer_ns

    def timers_quiet(self) -> bool:
        """True when a once-a-second timer in a quiet stretch could do nothing but breaker checks a
        stretch can replay (stale data, decision latency): no operator requests, timer hooks,
        checkpoints or listening side channels (a backtest), and the decision-latency window holds
        nothing above the latency breaker's limit (it only loses samples while the run is quiet)."""
        if self.operator_control or self.timer_hooks or self._checkpoint is not None or not self.side.passive:
            return False
        largest = self.latency.window_max_ns(Stage.DECISION, self.clock.now_ns())
        return largest is None or largest / 1e6 <= self.config.risk.latency_p99_limit_ms

    def skip_timers(self, next_timer_ns: int) -> None:
        """Timers a quiet stretch replayed (``timers_quiet``) are done: the next one is due then."""
        self._next_timer_ns = next_timer_ns

    def quiet_until_ns(self) -> int | None:
        """Until when (clock time) market data alone cannot make this run act, if it is quiet now:
        the last book left nothing to do, no plan or order works, flat, ACTIVE with nothing pending
        (see ``orchestration.quiet``); None when it is not quiet. Timers are the caller's business
        (``next_timer_ns``, ``timers_quiet``)."""
        if not self._settled or self.plans or not self.entries_allowed:
            return None
        until = self.risk.quiet_until_ns()
        if until is None or self.execution.has_open_orders() or self.execution.unknown_intents():
            return None
        return until

    def trades_quiet(self) -> bool:
        """True when a public trade can change only market facts (data, ATR): no order of ours works
        (a print could fill it) and no order's outcome is unknown — whatever the position."""
        return not self.risk.has_orders_in_flight() and not self.execution.unknown_intents()

    def absorb_quiet(self, stretches: Sequence[QuietStretch]) -> None:
        """Take in a quiet stretch (the backtest's fast path): the market facts each book and trade
        would have recorded, with no decision to make (``quiet_until_ns`` said so, and every step's
        signal is below the entry threshold with no drift check or recalibration)."""
        for stretch in stretches:
            uid = stretch.instrument_id
            per = self._per[uid]
            books, trades, last = stretch.books, stretch.trades, stretch.last_book
            last_ts = int(books.exchange_ts_ns[-1]) if len(books) else None
            self.data.absorb(uid, books, trades, last, last_ts)
            self.stats.books += len(books)
            self.stats.trades += len(trades)
            spreads = books.ask_px[:, 0] - books.bid_px[:, 0]
            self.risk.absorb_quiet_market(
                uid, last, spreads, stretch.atr_prices, stretch.atr_ts_ns, stretch.atr_is_trade
            )
            if last is not None and last_ts is not None:
                self.stats.first_event_ns = self.stats.first_event_ns or int(books.exchange_ts_ns[0])
                self.stats.last_event_ns = last_ts
                self.execution.ledger.mark(
                    uid, per.instrument.mid_price(last.bid_px.item(0), last.ask_px.item(0))
                )
                mids = (books.bid_px[:, 0].astype(np.float64) + books.ask_px[:, 0]) / 2.0
                self.strategy.on_mids(uid, mids.tolist())
            signals, last_signal = signal_summary(stretch.steps)  # cheap on the fast path's StepRows
            self.stats.signals += signals
            if last_signal is not None:
                per.last_signal = last_signal
            if self.on_books_absorbed is not None:
                self.on_books_absorbed(stretch)

    def _apply(self, per: InstrumentSlot, step: SignalStep) -> Signal | None:
        """Fold one signal step in: drift checks feed the risk engine's drift breaker."""
        if step.drift is not None:
            check = step.drift
            self.risk.on_drift(check.level, check.critical_count)
            if check.level != "ok":
                self.side.drift(
                    per.instrument.ticker,
                    check.level,
                    check.critical_count,
                    [f.feature for f in check.flagged],
                )
        if step.recalibrated:
            self.risk.on_recalibrated()
            self.side.record(
                "model_load", "orchestrator", {"recalibrated": True, "instrument": per.instrument.ticker}
            )
        if step.signal is not None:
            self.stats.signals += 1
            per.last_signal = step.signal
        return step.signal

    def _decide(
        self, per: InstrumentSlot, book: OrderBook, signal: Signal | None, now: int
    ) -> list[SubmitOrder | CancelOrder]:
        uid = book.instrument_id
        lots = self.risk.position_lots(uid)
        closing = self.calendar.closing(now, self.config.strategy.flatten_before_close_s)
        if signal is None:
            if lots and closing:
                return self._exit(uid, "session_end")
            return []
        distance = self.risk.stop_distance(uid) if not lots else None
        distance_ticks = float(distance / per.instrument.tick) if distance is not None else None
        intent = self.strategy.decide(
            book,
            signal,
            lots,
            per.opened_ns,
            now,
            session_closing=closing,
            stop_distance_ticks=distance_ticks,
        )
        if isinstance(intent, ExitPosition):
            return self._exit(uid, intent.reason.value)
        if isinstance(intent, EnterPosition) and self.entries_allowed:
            if not self.calendar.in_session(now) or not self.calendar.status_allows_entries(
                per.trading_status
            ):
                return []
            if self.plans.has_active(uid):
                return []
            return self._enter(intent, book, now)
        return []

    def _enter(self, intent: EnterPosition, book: OrderBook, now: int) -> list[SubmitOrder | CancelOrder]:
        decision = self.risk.evaluate_entry(intent.instrument_id, intent.side)
        if not decision.allowed:
            return []
        side = Side.BUY if intent.side is PositionSide.LONG else Side.SELL
        try:
            plan = self.planner.plan(intent.instrument_id, side, decision.lots, book, now, reason="entry")
        except PlanError as exc:
            log.info("no plan for %s: %s", intent.instrument_id, exc)
            return []
        self.stats.entries += 1
        self.plans.file(plan)
        return self.plans.due_orders(plan, book, now)

    def _exit(self, instrument_id: str, reason: str) -> list[SubmitOrder | CancelOrder]:
        order = self.risk.exit_position(instrument_id, reason)
        if order is None:
            return []
        self.stats.exits += 1
        return [order]

    async def _drive_plans(self, book: OrderBook | None, signal: Signal | None, now: int) -> None:
        for plan in self.plans.open():
            if book is not None and plan.instrument_id != book.instrument_id:
                continue
            signal_side = None
            if signal is not None:
                threshold = self.config.strategy.entry_probability
                if signal.p_up >= threshold:
                    signal_side = Side.BUY
                elif signal.p_down >= threshold:
                    signal_side = Side.SELL
            if self.planner.should_abandon(plan, signal_side=signal_side, state=self.risk.state):
                await self.execute(
                    [
                        CancelOrder(key, "", plan.instrument_id)
                        for key in plan.abandon("signal reversed or state left ACTIVE")
                    ]
                )
                continue
            latest = book or self.data.latest_book(plan.instrument_id)
            await self.execute(self.plans.due_orders(plan, latest, now))
        self.plans.prune()

    async def execute(self, commands: Sequence[SubmitOrder | CancelOrder]) -> None:
        """Send risk-approved commands through the execution engine (in order, awaiting each ack)."""
        if commands:
            self._settled = False
            self._commands_sent += len(commands)
        for command in commands:
            if isinstance(command, CancelOrder):
                await self.execution.cancel(command.intent_key)
                continue
            self.intent_reasons[command.intent_key] = command.reason
            if len(self.intent_reasons) > 10_000:  # bounded: only recent orders' reasons are looked up
                del self.intent_reasons[next(iter(self.intent_reasons))]
            started = time.perf_counter_ns()
            order = await self.execution.submit(command)
            elapsed = time.perf_counter_ns() - started
            now = self.clock.now_ns()
            self.latency.record(Stage.ORDER_SENT, elapsed, now)
            self.latency.record(Stage.ACK, elapsed, now)
            self.risk.on_order_ack(elapsed / NS_PER_S)
            self.stats.orders_posted += 1
            self.side.order_posted(self.instruments[command.instrument_id], command)
            await self.on_order_update(order)

    async def on_fill(self, fill: Fill) -> None:
        """A fill: ledger (deduplicated), risk (positions, stops, round trips), side channels."""
        self._settled = False
        commands = await self._take_fill(fill)
        if commands:
            await self.execute(commands)

    async def _take_fill(self, fill: Fill) -> list[SubmitOrder | CancelOrder] | None:
        """Apply a fill everywhere; returns the risk commands it triggers (None for a duplicate)."""
        if not await self.execution.on_fill(fill):
            return None
        self.stats.fills += 1
        per = self._per.get(fill.instrument_id)
        before = self.risk.position_lots(fill.instrument_id)
        commands = self.risk.on_fill(replace(fill, commission=Decimal(0)))  # commission: CommissionCharged
        after = self.risk.position_lots(fill.instrument_id)
        if per is not None:
            if before == 0 and after != 0:
                per.opened_ns = fill.ts_ns
            elif after == 0:
                per.opened_ns = None
        self.side.fill(self.instruments.get(fill.instrument_id), fill)
        self.side.position(self.execution.ledger.position(fill.instrument_id), self.clock.now_ns())
        if self.on_fill_processed is not None:
            self.on_fill_processed(fill, before, after)
        return list(commands)

    async def on_order_update(self, order: Order) -> None:
        """An order state: execution's state machine, risk's in-flight book, plan roll-over."""
        self._settled = False
        merged = await self.execution.on_order_update(order)
        current = merged or self.execution.order(order.intent_key) or order
        self.risk.on_order_update(current)
        self.plans.on_order(current)

    # --- timers -----------------------------------------------------------------------------

    async def on_timer(self) -> None:
        """Once a second: breakers and deadlines, VWAP slices, metrics, checkpoints."""
        now = self.clock.now_ns()
        self._next_timer_ns = now + TIMER_NS
        largest = self.latency.window_max_ns(Stage.DECISION, now)
        if largest is not None and largest / 1e6 > self.config.risk.latency_p99_limit_ms:
            window = self.latency.window_stats(Stage.DECISION, now)
            self.risk.on_decision_latency(window.p99_ns / 1e6)
        elif largest is not None:
            # The window's p99 is at most its largest sample, within the limit here: the breaker's
            # verdict is the same without computing the quantiles (a backtest runs this every second).
            self.risk.on_decision_latency(largest / 1e6)
        await self.execute(list(self.risk.poll()))
        await self._hedge(now)
        await self._drive_plans(None, None, now)
        if self.operator_control:
            self._take_operator_requests()
        for hook in self.timer_hooks:
            await hook(now)
        metrics = self.data.maybe_publish(now)
        if metrics is not None:
            self.side.data_metrics(metrics)
        self.side.tick(self, now)
        if now >= self._next_checkpoint_ns:
            self.save_checkpoint()
            self._next_checkpoint_ns = now + int(self.config.checkpoint.interval_s * NS_PER_S)

    async def _hedge(self, now: int) -> None:
        """Inventory hedging (SPEC §1.5): plan and send the risk engine's adjustments like any order."""
        if self.risk.state is not TradingState.ACTIVE or self.plans.has_open_hedge():
            return
        for adjustment in self.risk.hedge_adjustments():
            book = self.data.latest_book(adjustment.instrument_id)
            if book is None:
                continue
            try:
                plan = self.planner.plan(
                    adjustment.instrument_id,
                    adjustment.side,
                    adjustment.lots,
                    book,
                    now,
                    reason="hedge",
                    reduce_only=not adjustment.via_hedge_instrument,
                )
            except PlanError as exc:
                log.info("hedge not planned: %s", exc)
                continue
            self.side.record(
                "hedge",
                "risk",
                {
                    "instrument": adjustment.instrument_id,
                    "side": adjustment.side.name,
                    "lots": adjustment.lots,
                    "imbalance_before": str(adjustment.imbalance_before),
                    "imbalance_after": str(adjustment.imbalance_after),
                },
            )
            self.plans.file(plan)
            await self.execute(self.plans.due_orders(plan, book, now))

    async def abandon_plans(self, reason: str) -> None:
        """Stop every unfinished opening plan (VWAP slices still to come) and cancel its working
        slices: at the end of a run nothing may keep adding to a position being flattened."""
        for plan in [p for p in self.plans.open() if not p.reduce_only]:
            await self.execute([CancelOrder(key, "", plan.instrument_id) for key in plan.abandon(reason)])

    def forget_instrument(self, instrument_id: str) -> None:
        """Reset per-instrument market state (an instrument re-entering after rotation)."""
        self.data.forget(instrument_id)
        self.strategy.reset(instrument_id)
        per = self._per.get(instrument_id)
        if per is not None:
            per.features.reset()
            per.last_signal = None

    def _take_operator_requests(self) -> None:
        for request in take_resume_requests(self.config):
            actor = str(request.get("actor", "operator"))
            resumed = self.risk.resume(actor)
            self.side.record("operator_command", actor, {"command": "resume", "applied": resumed})

    # --- risk / execution events ------------------------------------------------------------

    def _on_risk_event(self, event: object) -> None:
        if isinstance(event, BreakerTripped):
            self.stats.breaker_trips.append(
                {
                    "ts_ns": event.ts_ns,
                    "breaker": event.breaker.value,
                    "instrument": event.instrument,
                    "detail": event.detail,
                }
            )
            self._state_changed_soon()
        elif isinstance(event, TradingStateChanged):
            self.stats.state_changes.append(
                {
                    "ts_ns": event.ts_ns,
                    "from": event.previous.value,
                    "to": event.current.value,
                    "reason": event.reason,
                }
            )
            self._state_changed_soon()
        self.side.risk_event(event)
        for listener in self.risk_listeners:
            listener(event)

    def _on_execution_event(self, event: object) -> None:
        if isinstance(event, CommissionCharged):
            self.risk.portfolio.add_commission(event.instrument_id, event.amount)
        if isinstance(event, OrderRejected):
            self.stats.rejects[event.code or "unknown"] += 1
            self.risk.on_reject(event)
        self.side.execution_event(event, self.instruments)

    def _state_changed_soon(self) -> None:
        self._next_checkpoint_ns = 0  # checkpoint on the next timer tick (SPEC §4: on each state change)

    # --- checkpoints ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything SPEC §1.8 asks to survive a restart, JSON-able."""
        now = self.clock.now_ns()
        return run_snapshot(now, self.risk, self.execution, self._per, self.model_name, self.stats)

    def restore(self, state: dict[str, Any]) -> None:
        """Load a snapshot (before ``start``'s reconciliation)."""
        restore_run(state, self.risk, self.execution, self._per, self.stats)

    def save_checkpoint(self) -> None:
        """Write a checkpoint now (atomic, through the configured store)."""
        if self._checkpoint is not None:
            self._checkpoint(self.snapshot())

    @property
    def trading_state(self) -> TradingState:
        """The risk engine's trading state."""
        return self.risk.state

    def denials(self) -> dict[str, int]:
        """Pre-trade denials by reason code."""
        return {str(k): v for k, v in self.risk.denials.items()}
