"""Backtest/paper parity: one recorded session through the backtest and through paper mode gives the
same signals, the same orders and the same fills.

The session is a slice of the real BTCUSDT recording; a model trained on the slice before it drives
the strategy. Leg A is ``run_backtest`` (simulated venue on the exchange core, zero order latency).
Leg B is paper mode: the local exchange replaying the same frames in lockstep (market time moves only
when the test steps it, and every book change of a step goes out as one book message), reached over
real gRPC on loopback by the real BrokerClient, BrokerVenue and LiveEventSource, driving an
Orchestrator whose simulated clock the test moves to each event's exchange time. The exchange is
stepped only after the orchestrator has handled every event of the previous step, order round trips
included, so orders meet the market at the time they are decided, as in leg A.

Three gRPC streams have no ordering between them, so leg B hands the orchestrator each event in the
order the exchange produced it (the order the backtest's event pump uses); everything it hands over is
what came off the wire. The instrument uses lot 1 (the recording's 0.001 BTC unit as one lot) because
the broker contract carries whole-number lots.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from scalp_system.backtest.runner import Recording, run_backtest
from scalp_system.backtest.sim_venue import SimEvent, SimulatedVenue, event_time_ns
from scalp_system.broker.auth import Secret
from scalp_system.broker.client import BrokerClient
from scalp_system.broker.endpoints import resolve_endpoint
from scalp_system.broker.streams import MarketDataStream
from scalp_system.broker.venue import BrokerVenue
from scalp_system.config import Config, config_from_mapping
from scalp_system.core.clock import SimulatedClock
from scalp_system.core.events import ConnectivityChanged
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument
from scalp_system.core.market import OrderBook, Trade
from scalp_system.core.orders import Fill, Order
from scalp_system.core.venue import RunEvent
from scalp_system.exchange.core import ExchangeCore
from scalp_system.exchange.replay import ReplayFeed, ReplaySource, recording_instrument
from scalp_system.exchange.reports import (
    BookChanged,
    ExchangeEvent,
    FillExecuted,
    OrderReport,
    OrderUpdated,
    TradePrinted,
)
from scalp_system.exchange.server import LocalExchange
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.ml.ensemble import WeightedEnsemble
from scalp_system.orchestration.live_source import LiveEventSource
from scalp_system.orchestration.models import load_ensemble, open_registry, train_and_save
from scalp_system.orchestration.orchestrator import Orchestrator
from scalp_system.orchestration.quiet import QuietStretch
from scalp_system.strategy.scalper import Signal
from tests.recordings import BtcRecording

TRAIN_ROWS = 2000
SESSION_ROWS = 1500
TOKEN = "t.parity-test-token-3f9a"
WIRE_TIMEOUT_S = 10.0
pytestmark = pytest.mark.timeout(180)

SignalRow = tuple[int, str, float, float, float]
FillRow = tuple[int, str, int, Decimal]
OrderRow = tuple[str, int, int | None, str, str, str, int, int]


@dataclass(frozen=True, slots=True)
class Session:
    """The replayed session: config (with its model registry), instrument and frames."""

    config: Config
    instrument: Instrument
    books: BookFrame
    trades: TradeFrame

    def model(self) -> WeightedEnsemble:
        """A fresh ensemble from the registry (its weights move online, so each leg gets its own)."""
        ensemble = load_ensemble(self.config, open_registry(self.config)).ensemble
        assert ensemble is not None
        return ensemble


@dataclass(slots=True)
class Tape:
    """What one leg did: every signal, every fill the orchestrator handled, every order the exchange got."""

    signals: list[SignalRow] = field(default_factory=list)
    fills: list[FillRow] = field(default_factory=list)
    orders: list[OrderRow] = field(default_factory=list)
    books: int = 0
    outcome: dict[str, object] = field(default_factory=dict)

    def attach(self, orchestrator: Orchestrator) -> None:
        """Chain the orchestrator's book and fill hooks."""
        on_book = orchestrator.on_book_processed
        on_fill = orchestrator.on_fill_processed

        def book_processed(book: OrderBook, signal: Signal | None) -> None:
            if on_book is not None:
                on_book(book, signal)
            self.books += 1
            if signal is not None:
                self.signals.append(
                    (book.exchange_ts_ns, book.instrument_id, signal.p_down, signal.p_flat, signal.p_up)
                )

        def fill_processed(fill: Fill, before: int, after: int) -> None:
            if on_fill is not None:
                on_fill(fill, before, after)
            self.fills.append((fill.ts_ns, fill.side.name, fill.lots, fill.price))

        on_absorbed = orchestrator.on_books_absorbed

        def books_absorbed(stretch: QuietStretch) -> None:  # the fast path's quiet stretches
            if on_absorbed is not None:
                on_absorbed(stretch)
            self.books += len(stretch.books)
            for ts, step in zip(stretch.books.exchange_ts_ns.tolist(), stretch.steps, strict=True):
                if step.signal is not None:
                    signal = step.signal
                    self.signals.append(
                        (ts, stretch.instrument_id, signal.p_down, signal.p_flat, signal.p_up)
                    )

        orchestrator.on_book_processed = book_processed
        orchestrator.on_fill_processed = fill_processed
        orchestrator.on_books_absorbed = books_absorbed

    def finish(self, orchestrator: Orchestrator, core: ExchangeCore, account_id: str) -> None:
        """The orders as the exchange received them (placement order) and the run's outcome."""
        self.orders = [_order_row(report) for report in core.orders(account_id)]
        stats, ledger = orchestrator.stats, orchestrator.execution.ledger
        self.outcome = {
            "orders_posted": stats.orders_posted,
            "fills": stats.fills,
            "entries": stats.entries,
            "exits": stats.exits,
            "breaker_trips": [(t["ts_ns"], t["breaker"]) for t in stats.breaker_trips],
            "denials": orchestrator.denials(),
            "realized_pnl": ledger.realized_pnl(),
            "position_lots": orchestrator.risk.position_lots(next(iter(orchestrator.instruments))),
        }


def _order_row(report: OrderReport) -> OrderRow:
    return (
        report.side.name,
        report.lots_requested,
        report.price_ticks,
        report.order_type.name,
        report.time_in_force.name,
        report.status.name,
        report.lots_executed,
        report.created_ns,
    )


def _trades_between(trades: TradeFrame, start: int, end: int) -> TradeFrame:
    mask = (trades.exchange_ts_ns >= start) & (trades.exchange_ts_ns < end)
    return TradeFrame(
        trades.instrument_id,
        trades.exchange_ts_ns[mask],
        trades.local_ts_ns[mask],
        trades.price_ticks[mask],
        trades.lots[mask],
        trades.aggressor[mask],
    )


@pytest.fixture(scope="module")
def session(btc_recording: BtcRecording, tmp_path_factory: pytest.TempPathFactory) -> Session:
    """Train on the first rows of the recording; the session is the rows after them."""
    registry_dir = tmp_path_factory.mktemp("parity-models")
    config = config_from_mapping(
        {
            "sessions": {"enforce": False},
            "ml": {"registry_dir": str(registry_dir), "gbm_iterations": 30, "walk_forward_folds": 2},
            "exchange": {"commission_rate": "0", "host": "127.0.0.1", "port": 0},
            "risk": {"allow_warmup_entries": True, "max_position_lots": 5, "cooldown_s": 10.0},
            "strategy": {"entry_probability": 0.45, "min_edge_ticks": "0"},
            # Paper's client clock is market time here; the wall-clock watchdog must not fire.
            "broker": {"watchdog_s": 3600.0},
        }
    )
    # The recording's size unit (0.001 BTC) is one lot: the broker contract needs whole-number lots.
    units, books, trades = btc_recording.instrument, btc_recording.books, btc_recording.trades
    cut = int(books.exchange_ts_ns[TRAIN_ROWS])
    end = int(books.exchange_ts_ns[TRAIN_ROWS + SESSION_ROWS])
    train_and_save(
        config,
        [MlRecording(books.slice(0, TRAIN_ROWS), _trades_between(trades, 0, cut), units.tick)],
        open_registry(config),
    )
    instrument = recording_instrument("BTCUSDT", "0.1", "1")
    return Session(
        config,
        instrument,
        books.slice(TRAIN_ROWS, TRAIN_ROWS + SESSION_ROWS),
        _trades_between(trades, cut, end),
    )


# --- leg A: the backtest -------------------------------------------------------------------------


def backtest_leg(session: Session) -> Tape:
    """``run_backtest`` with zero order latency, observed through the orchestrator's hooks."""
    tape = Tape()
    observed: list[Orchestrator] = []

    def observe(orchestrator: Orchestrator) -> None:
        tape.attach(orchestrator)
        observed.append(orchestrator)

    run_backtest(
        session.config,
        [Recording(session.instrument, session.books, session.trades)],
        model=session.model(),
        order_latency_ms=0.0,
        observe=observe,
    )
    orchestrator = observed[0]
    venue = orchestrator.venue
    assert isinstance(venue, SimulatedVenue)
    tape.finish(orchestrator, venue.core, venue.account_id)
    return tape


# --- leg B: paper mode on the lockstep exchange ---------------------------------------------------


class LockstepFeed:
    """The paper leg's EventSource: steps the lockstep exchange when the orchestrator has handled
    everything so far, and hands over what arrives on the broker streams in the exchange's order.

    It listens to the exchange (in-process) only to learn what each step and each order sent, and
    in which order; the events it returns are those the broker client decoded off the wire."""

    def __init__(
        self,
        exchange: LocalExchange,
        live: LiveEventSource,
        clock: SimulatedClock,
        instrument_ids: set[str],
    ) -> None:
        self._exchange = exchange
        self._live = live
        self._clock = clock
        self._instrument_ids = instrument_ids
        self._account_id = exchange.account_id
        self._expected: deque[type] = deque()
        self._arrived: dict[type, deque[SimEvent]] = {
            kind: deque() for kind in (OrderBook, Trade, Fill, Order)
        }
        self.steps = 0
        exchange.runtime.listen(self)

    def on_exchange_event(self, event: ExchangeEvent) -> None:
        """Note which message the event puts on which stream (the exchange's event order)."""
        if isinstance(event, BookChanged) and event.instrument_uid in self._instrument_ids:
            self._expected.append(OrderBook)
        elif isinstance(event, TradePrinted) and event.trade.instrument_id in self._instrument_ids:
            self._expected.append(Trade)
        elif isinstance(event, FillExecuted) and event.account_id == self._account_id:
            self._expected.append(Fill)
        elif isinstance(event, OrderUpdated) and event.account_id == self._account_id:
            self._expected.append(Order)

    async def next_event(self) -> RunEvent | None:
        """The next event; steps the market when everything before has been handled."""
        while not self._expected:
            if self._exchange.core.next_event_ns() is None:
                return None
            self._exchange.step()
            self.steps += 1
        kind = self._expected.popleft()
        event = await self._arrival(kind)
        self._clock.set(event_time_ns(event))
        return event

    async def _arrival(self, kind: type) -> SimEvent:
        waiting = self._arrived[kind]
        while not waiting:
            try:
                event = await asyncio.wait_for(self._live.next_event(), WIRE_TIMEOUT_S)
            except TimeoutError:
                pytest.fail(
                    f"no {kind.__name__} arrived within {WIRE_TIMEOUT_S} s after step {self.steps} "
                    f"(market time {self._exchange.market_ns()}); still expected: {list(self._expected)}"
                )
            if isinstance(event, ConnectivityChanged):
                assert event.up and event.reason == "connected", f"a stream broke: {event}"
                continue  # each stream's first message says it is up; the backtest has no connection
            assert isinstance(event, OrderBook | Trade | Fill | Order), f"unexpected {event!r}"
            self._arrived[type(event)].append(event)
        return waiting.popleft()


async def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WIRE_TIMEOUT_S
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def paper_leg(session: Session) -> Tape:
    """The local exchange in lockstep, the real broker client over gRPC, the same Orchestrator."""
    config, instrument = session.config, session.instrument
    tape = Tape()
    source = ReplaySource([ReplayFeed(instrument, session.books, session.trades)])
    exchange = LocalExchange(config.exchange, TOKEN, source=source, lockstep=True)
    await exchange.start()
    client = BrokerClient(
        resolve_endpoint(exchange.address, tls=False), Secret(TOKEN), config.broker, clock=exchange.clock
    )
    live: LiveEventSource | None = None
    try:
        await client.connect()
        venue = BrokerVenue(client, exchange.account_id, [instrument])
        clock = SimulatedClock(exchange.market_ns())
        orchestrator = Orchestrator(
            config,
            [instrument],
            venue,
            clock,
            model=session.model(),
            commission_rate=config.exchange.commission_rate,
        )
        live = LiveEventSource(MarketDataStream(client), venue)
        await live.market.subscribe_order_book(instrument, config.data.lob_levels)
        await live.market.subscribe_trades(instrument)
        live.start()
        await _until(
            lambda: (
                exchange.market_data_streams is not None
                and any(
                    instrument.uid in s.books and instrument.uid in s.trades
                    for s in exchange.market_data_streams.sessions
                )
                and exchange.order_streams is not None
                and len(exchange.order_streams.sessions) == 2
            ),
            "the subscriptions",
        )
        await orchestrator.start()
        tape.attach(orchestrator)
        feed = LockstepFeed(exchange, live, clock, {instrument.uid})
        await orchestrator.run(feed)
        await orchestrator.shutdown(cancel_orders=True)
        tape.finish(orchestrator, exchange.core, exchange.account_id)
    finally:
        if live is not None:
            await live.close()
        await client.close()
        await exchange.stop()
    return tape


# --- the parity --------------------------------------------------------------------------------------


def _first_difference(a: Sequence[object], b: Sequence[object]) -> str:
    for index, (left, right) in enumerate(zip(a, b, strict=False)):
        if left != right:
            return f"first difference at {index}: backtest {left!r} vs paper {right!r}"
    return f"lengths differ: backtest {len(a)} vs paper {len(b)}"


@pytest.fixture(scope="module")
def legs(session: Session) -> tuple[Tape, Tape]:
    """Both legs over the same session: (backtest, paper)."""
    return backtest_leg(session), asyncio.run(paper_leg(session))


def test_the_session_trades_so_that_parity_means_something(legs: tuple[Tape, Tape]) -> None:
    backtest, _ = legs
    assert len(backtest.orders) >= 10 and len(backtest.fills) >= 10
    assert backtest.outcome["entries"] and backtest.outcome["exits"]


def test_paper_sees_every_book_the_backtest_sees_and_computes_the_same_signals(
    legs: tuple[Tape, Tape],
) -> None:
    backtest, paper = legs
    assert paper.books == backtest.books
    assert len(paper.signals) == len(backtest.signals), _first_difference(backtest.signals, paper.signals)
    for ours, theirs in zip(backtest.signals, paper.signals, strict=True):
        assert ours[:2] == theirs[:2], _first_difference(backtest.signals, paper.signals)
        assert ours[2:] == pytest.approx(theirs[2:], abs=1e-12, rel=0), _first_difference(
            backtest.signals, paper.signals
        )


def test_paper_sends_the_same_orders_in_the_same_order(legs: tuple[Tape, Tape]) -> None:
    backtest, paper = legs
    assert paper.orders == backtest.orders, _first_difference(backtest.orders, paper.orders)


def test_paper_gets_the_same_fills(legs: tuple[Tape, Tape]) -> None:
    backtest, paper = legs
    assert paper.fills == backtest.fills, _first_difference(backtest.fills, paper.fills)


def test_paper_ends_with_the_same_positions_pnl_breakers_and_denials(legs: tuple[Tape, Tape]) -> None:
    backtest, paper = legs
    assert paper.outcome == backtest.outcome
