"""The backtest runner: recorded books and trades replayed through the same Orchestrator.

The market is the local exchange's ExchangeCore with a replay source (the recording is the displayed
liquidity; resting orders have a queue position), reached through ``SimulatedVenue`` with an order
latency model; the clock is simulated and moves to each event's exchange time. Everything between
the feed and the venue is the live code, unchanged.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from scalp_system.backtest.fast_path import precompute_signals
from scalp_system.backtest.quiet import QuietForwarder
from scalp_system.backtest.result import (
    BacktestResult,
    BreakerEvent,
    EquityPoint,
    FillRecord,
    RoundTripRecord,
)
from scalp_system.backtest.sim_venue import SimulatedVenue, constant_latency
from scalp_system.config import Config
from scalp_system.core.clock import NS_PER_MS, NS_PER_S, SimulatedClock
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook
from scalp_system.core.orders import Fill, Side
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.quiet import QuietStretch
from scalp_system.strategy.scalper import Signal

ProgressCallback = Callable[[int, int], None]  # (events done, events total)


@dataclass(frozen=True, slots=True)
class Recording:
    """One instrument's recorded market: its definition, books and trades."""

    instrument: Instrument
    books: BookFrame
    trades: TradeFrame


def _empty_trades(instrument_id: str) -> TradeFrame:
    import numpy as np

    empty = np.zeros(0, dtype=np.int64)
    return TradeFrame(instrument_id, empty, empty, empty, empty, np.zeros(0, dtype=np.int8))


class _Recorder:
    """Collects the report's series while the run goes (sampled to keep memory bounded)."""

    def __init__(self, orchestrator: Orchestrator, sample_ns: int) -> None:
        self.orchestrator = orchestrator
        self.sample_ns = sample_ns
        self.equity: list[EquityPoint] = []
        self.mids: dict[str, list[tuple[int, Decimal]]] = {}
        self.fills: list[FillRecord] = []
        self._next_sample: dict[str, int] = {}
        self._peak = Decimal(0)
        self._last_book: dict[str, OrderBook] = {}
        self._open: dict[str, dict[str, object]] = {}
        self.round_trips: list[RoundTripRecord] = []

    def on_book(self, book: OrderBook, _signal: Signal | None) -> None:
        self._last_book[book.instrument_id] = book
        if book.exchange_ts_ns < self._next_sample.get(book.instrument_id, 0):
            return
        self._next_sample[book.instrument_id] = book.exchange_ts_ns + self.sample_ns
        instrument = self.orchestrator.instruments[book.instrument_id]
        if book.mid_ticks is not None:
            mid = instrument.mid_price(book.bid_px.item(0), book.ask_px.item(0))
            self.mids.setdefault(instrument.ticker, []).append((book.exchange_ts_ns, mid))
        self.sample_equity(book.exchange_ts_ns)

    def on_books_absorbed(self, stretch: QuietStretch) -> None:
        """``on_book`` for a quiet stretch's books: the same samples (equity is flat meanwhile)."""
        if stretch.last_book is None:
            return
        uid = stretch.instrument_id
        self._last_book[uid] = stretch.last_book
        times = stretch.books.exchange_ts_ns
        next_sample = self._next_sample.get(uid, 0)
        at = int(np.searchsorted(times, next_sample, side="left"))
        if at >= len(times):
            return
        instrument = self.orchestrator.instruments[uid]
        bids, asks = stretch.books.bid_px[:, 0], stretch.books.ask_px[:, 0]
        mids = self.mids.setdefault(instrument.ticker, [])
        while at < len(times):
            ts = int(times[at])
            mids.append((ts, instrument.mid_price(bids.item(at), asks.item(at))))
            self.sample_equity(ts)
            next_sample = ts + self.sample_ns
            at = int(np.searchsorted(times, next_sample, side="left"))
        self._next_sample[uid] = next_sample

    def sample_equity(self, ts_ns: int) -> None:
        equity = self.orchestrator.risk.equity()
        self._peak = max(self._peak, equity)
        self.equity.append(EquityPoint(ts_ns, equity, self._peak - equity))

    def on_fill(self, fill: Fill, position_before: int, position_after: int) -> None:
        instrument = self.orchestrator.instruments[fill.instrument_id]
        book = self._last_book.get(fill.instrument_id)
        self.fills.append(
            FillRecord(
                fill.ts_ns,
                instrument.ticker,
                "buy" if fill.side is Side.BUY else "sell",
                fill.lots,
                fill.price,
                instrument.to_price(book.best_bid) if book and book.best_bid is not None else None,
                instrument.to_price(book.best_ask) if book and book.best_ask is not None else None,
                fill.order_id,
                fill.trade_id,
            )
        )
        uid = fill.instrument_id
        if position_before == 0 and position_after != 0:
            self._open[uid] = {
                "ts": fill.ts_ns,
                "side": "long" if position_after > 0 else "short",
                "lots": abs(position_after),
                "price": fill.price,
                "realized": self._realized(uid),
                "commission": fill.commission,
            }
        elif uid in self._open:
            trip = self._open[uid]
            trip["commission"] = Decimal(str(trip["commission"])) + fill.commission
            if position_after == 0 or (position_before > 0) != (position_after > 0):
                realized = self._realized(uid) - Decimal(str(trip["realized"]))
                commission = Decimal(str(trip["commission"]))
                self.round_trips.append(
                    RoundTripRecord(
                        instrument.ticker,
                        str(trip["side"]),
                        int(str(trip["ts"])),
                        fill.ts_ns,
                        int(str(trip["lots"])),
                        Decimal(str(trip["price"])),
                        fill.price,
                        realized - commission,
                        commission,
                        self.orchestrator.intent_reasons.get(fill.intent_key, "") or "exit",
                    )
                )
                del self._open[uid]

    def _realized(self, uid: str) -> Decimal:
        return self.orchestrator.execution.ledger.position(uid).realized_pnl


async def _run(
    orchestrator: Orchestrator,
    venue: SimulatedVenue,
    recorder: _Recorder,
    total: int,
    progress: ProgressCallback | None,
    observe: Callable[[Orchestrator], None] | None = None,
) -> tuple[int, float]:
    await orchestrator.start()
    orchestrator.on_book_processed = recorder.on_book
    orchestrator.on_fill_processed = recorder.on_fill
    orchestrator.on_books_absorbed = recorder.on_books_absorbed
    if observe is not None:
        observe(orchestrator)
    started = time.perf_counter()
    report = (lambda done: progress(done, total)) if progress is not None else None
    await orchestrator.run(venue, progress=report, progress_every=max(total // 200, 1))
    elapsed = time.perf_counter() - started
    await orchestrator.shutdown(cancel_orders=True)
    recorder.sample_equity(orchestrator.clock.now_ns())
    if progress is not None:
        progress(total, total)
    return orchestrator.events_processed, elapsed


def run_backtest(
    config: Config,
    recordings: Sequence[Recording],
    *,
    model: WeightedEnsemble | None = None,
    model_name: str = "",
    order_latency_ms: float = 5.0,
    initial_cash: Decimal | None = None,
    progress: ProgressCallback | None = None,
    sample_s: float = 1.0,
    fast: bool = True,
    drift_references: Mapping[str, npt.NDArray[np.float64]] | None = None,
    observe: Callable[[Orchestrator], None] | None = None,
) -> BacktestResult:
    """Replay the recordings through the full pipeline and collect a BacktestResult.

    ``fast`` computes features and model signals up front (see ``fast_path``); the results equal the
    plain event-by-event mode, which ``fast=False`` runs. ``observe`` is called with the started
    orchestrator before the first event (tests chain its hooks, e.g. the backtest/paper parity test)."""
    instruments = [r.instrument for r in recordings]
    feeds = [
        ReplayFeed(
            r.instrument, r.books, r.trades if r.trades is not None else _empty_trades(r.instrument.uid)
        )
        for r in recordings
    ]
    source = ReplaySource(feeds)
    core = ExchangeCore(
        instruments,
        commission_rate=config.exchange.commission_rate,
        source=source,
        orders_per_minute=config.exchange.orders_per_minute,
        limit_band_pct=None,
    )
    account = core.open_account("backtest")
    cash = initial_cash if initial_cash is not None else config.exchange.initial_cash
    core.pay_in(account, cash)  # the account currency of the local exchange
    clock = SimulatedClock(core.now_ns)
    venue = SimulatedVenue(
        core,
        account,
        clock,
        depth=config.data.lob_levels,
        order_latency=constant_latency(int(order_latency_ms * NS_PER_MS)),
    )
    orchestrator = Orchestrator(
        config,
        instruments,
        venue,
        clock,
        model=model,
        model_name=model_name,
        commission_rate=config.exchange.commission_rate,
        drift_references=drift_references,
    )
    orchestrator.operator_control = False  # `scalp resume` is for running sessions, not replays
    recorder = _Recorder(orchestrator, int(sample_s * NS_PER_S))
    precompute_s = 0.0
    forwarder: QuietForwarder | None = None
    # Everything loaded so far (recordings, model, exchange) lives for the whole run: freezing it out
    # of the garbage collector's scans keeps collections short while the replay allocates.
    gc.freeze()
    if fast and model is not None:
        started = time.perf_counter()
        signals = precompute_signals(
            config,
            model,
            [(r.instrument, r.books, feed.trades) for r, feed in zip(recordings, feeds, strict=True)],
            drift_references,
        )
        orchestrator.precomputed = signals
        forwarder = QuietForwarder(
            orchestrator,
            venue,
            signals,
            entry_probability=config.strategy.entry_probability,
            depth=config.data.lob_levels,
        )
        orchestrator.forwarder = forwarder
        precompute_s = time.perf_counter() - started
    total = sum(len(r.books) + len(r.trades) for r in recordings)
    try:
        processed, elapsed = asyncio.run(_run(orchestrator, venue, recorder, total, progress, observe))
    finally:
        gc.unfreeze()
    result = _result(orchestrator, recorder, processed, elapsed + precompute_s, model_name)
    result.extra["currency"] = instruments[0].currency
    if model is not None:
        result.feature_importance = feature_importance(model)
    result.extra.update(
        {"fast_path": orchestrator.precomputed is not None, "precompute_s": round(precompute_s, 4)}
    )
    if forwarder is not None:
        result.extra.update({"quiet_stretches": forwarder.stretches, "quiet_events": forwarder.events})
    return result


def feature_importance(model: WeightedEnsemble, top: int = 40) -> dict[str, float]:
    """Gain importance of the tree member(s), normalised to sum to 1, largest first."""
    names = model.live_features.names
    total = np.zeros(len(names))
    for member in model.members:
        gains = getattr(member.model, "feature_importance", None)
        if gains is not None:
            total += gains()
    if total.sum() <= 0:
        return {}
    share = total / total.sum()
    order = np.argsort(-share)[:top]
    return {names[i]: round(float(share[i]), 6) for i in order if share[i] > 0}


def _result(
    orchestrator: Orchestrator, recorder: _Recorder, processed: int, elapsed: float, model_name: str
) -> BacktestResult:
    ledger = orchestrator.execution.ledger
    stats = orchestrator.stats
    by_instrument: dict[str, Decimal] = {}
    by_hour: dict[int, Decimal] = {}
    for trip in recorder.round_trips:
        by_instrument[trip.instrument] = by_instrument.get(trip.instrument, Decimal(0)) + trip.pnl
        hour = (trip.exit_ts_ns // NS_PER_S // 3600) % 24
        by_hour[hour] = by_hour.get(hour, Decimal(0)) + trip.pnl
    timeline = [
        BreakerEvent(int(t["ts_ns"]), str(t["breaker"]), str(t["detail"])) for t in stats.breaker_trips
    ]
    timeline += [
        BreakerEvent(int(s["ts_ns"]), "STATE", f"{s['from']} → {s['to']}: {s['reason']}")
        for s in stats.state_changes
    ]
    timeline.sort(key=lambda e: e.ts_ns)
    return BacktestResult(
        messages=processed,
        elapsed_s=elapsed,
        orders=stats.orders_posted,
        fills=stats.fills,
        net_pnl=ledger.net_pnl(),
        gross_pnl=ledger.realized_pnl() + ledger.unrealized_pnl(),
        commission=ledger.commission(),
        start_ns=stats.first_event_ns,
        end_ns=stats.last_event_ns,
        instruments=[i.ticker for i in orchestrator.instruments.values()],
        model=model_name or orchestrator.model_name,
        equity=recorder.equity,
        round_trips=recorder.round_trips,
        fill_records=recorder.fills,
        mid_prices=recorder.mids,
        pnl_by_instrument=by_instrument,
        pnl_by_hour=by_hour,
        latency_us=orchestrator.latency.summary_us(),
        breaker_timeline=timeline,
        rejects=dict(stats.rejects),
        denials=orchestrator.denials(),
        extra={"signals": stats.signals, "entries": stats.entries, "exits": stats.exits},
    )
