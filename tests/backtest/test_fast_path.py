"""The backtest fast path (features and signals computed up front) equals the plain event-by-event
mode on a real recording: same signals, same orders, same fills, same PnL."""

from __future__ import annotations

import numpy as np
import pytest

from scalp_system.backtest.runner import Recording, run_backtest
from scalp_system.config import Config, config_from_mapping
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.exchange.replay import recording_instrument
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.orchestration.models import load_ensemble, open_registry, train_and_save
from tests.recordings import BtcRecording

TRAIN_ROWS = 2500
TEST_ROWS = 2500


@pytest.fixture(scope="module")
def world(btc_recording: BtcRecording, tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, Recording]:
    registry_dir = tmp_path_factory.mktemp("models")
    config = config_from_mapping(
        {
            "sessions": {"enforce": False},
            "ml": {"registry_dir": str(registry_dir), "gbm_iterations": 30, "walk_forward_folds": 2},
            "exchange": {"commission_rate": "0"},
            "risk": {"allow_warmup_entries": True, "max_position_lots": 5},
            "strategy": {"entry_probability": 0.45, "min_edge_ticks": "0"},
        }
    )
    instrument, books, trades = btc_recording.instrument, btc_recording.books, btc_recording.trades
    cut = int(books.exchange_ts_ns[TRAIN_ROWS])
    end = int(books.exchange_ts_ns[TRAIN_ROWS + TEST_ROWS])
    train_and_save(
        config,
        [MlRecording(books.slice(0, TRAIN_ROWS), trades.between(None, cut), instrument.tick)],
        open_registry(config),
    )
    test = Recording(instrument, books.slice(TRAIN_ROWS, TRAIN_ROWS + TEST_ROWS), trades.between(cut, end))
    return config, test


def _run(config: Config, recording: Recording, *, fast: bool) -> tuple[object, list[tuple[object, ...]]]:
    model = load_ensemble(config, open_registry(config)).ensemble  # a fresh ensemble: weights update online
    assert model is not None
    result = run_backtest(config, [recording], model=model, fast=fast)
    fills = [
        (f.ts_ns, f.side, f.lots, f.price, f.trade_id, f.best_bid, f.best_ask) for f in result.fill_records
    ]
    return result, fills


def test_fast_path_equals_the_plain_event_by_event_mode(world: tuple[Config, Recording]) -> None:
    config, recording = world
    plain, plain_fills = _run(config, recording, fast=False)
    fast, fast_fills = _run(config, recording, fast=True)
    assert fast.extra["fast_path"] is True and plain.extra["fast_path"] is False  # type: ignore[attr-defined]
    assert plain.orders > 0 and plain.fills > 0  # type: ignore[attr-defined]
    assert fast.extra["signals"] == plain.extra["signals"]  # type: ignore[attr-defined]
    assert fast.orders == plain.orders and fast.fills == plain.fills  # type: ignore[attr-defined]
    assert fast_fills == plain_fills
    assert fast.net_pnl == plain.net_pnl  # type: ignore[attr-defined]
    assert np.array_equal([p.equity for p in fast.equity], [p.equity for p in plain.equity])  # type: ignore[attr-defined]



def test_fast_path_takes_in_quiet_stretches_with_the_same_report_series(
    world: tuple[Config, Recording],
) -> None:
    config, recording = world
    plain, _ = _run(config, recording, fast=False)
    fast, _ = _run(config, recording, fast=True)
    extra = fast.extra  # type: ignore[attr-defined]
    assert extra["quiet_stretches"] > 0
    assert extra["quiet_events"] > (len(recording.books) + len(recording.trades)) // 2  # most of the tape
    assert fast.messages == plain.messages  # type: ignore[attr-defined]
    assert fast.mid_prices == plain.mid_prices  # type: ignore[attr-defined]
    fast_equity = [(p.ts_ns, p.equity) for p in fast.equity]  # type: ignore[attr-defined]
    assert fast_equity == [(p.ts_ns, p.equity) for p in plain.equity]  # type: ignore[attr-defined]
    assert fast.round_trips == plain.round_trips  # type: ignore[attr-defined]
    assert fast.breaker_timeline == plain.breaker_timeline  # type: ignore[attr-defined]
    assert fast.denials == plain.denials and fast.rejects == plain.rejects  # type: ignore[attr-defined]


def _shifted(recording: Recording, ticker: str, shift_ns: int) -> Recording:
    """The same market as another instrument, its events moved by ``shift_ns`` (interleaved feeds)."""
    instrument = recording_instrument(ticker, "0.1", "0.001")
    books, trades = recording.books, recording.trades
    return Recording(
        instrument,
        BookFrame(
            instrument.uid,
            books.exchange_ts_ns + shift_ns,
            books.local_ts_ns + shift_ns,
            books.bid_px,
            books.bid_qty,
            books.ask_px,
            books.ask_qty,
            books.is_consistent,
        ),
        TradeFrame(
            instrument.uid,
            trades.exchange_ts_ns + shift_ns,
            trades.local_ts_ns + shift_ns,
            trades.price_ticks,
            trades.lots,
            trades.aggressor,
        ),
    )


def test_fast_path_equals_plain_with_two_interleaved_instruments(world: tuple[Config, Recording]) -> None:
    config, recording = world
    half = Recording(recording.instrument, recording.books.slice(0, 1200), recording.trades)
    half = Recording(
        half.instrument, half.books, recording.trades.between(None, int(half.books.exchange_ts_ns[-1]) + 1)
    )
    pair = [half, _shifted(half, "ETHUSDT", 7_000_000)]
    model = load_ensemble(config, open_registry(config)).ensemble
    plain = run_backtest(config, pair, model=model, fast=False)
    model = load_ensemble(config, open_registry(config)).ensemble
    fast = run_backtest(config, pair, model=model, fast=True)
    assert fast.extra["quiet_stretches"] > 0
    assert plain.orders > 0
    assert (fast.orders, fast.fills, fast.net_pnl) == (plain.orders, plain.fills, plain.net_pnl)
    assert [(f.ts_ns, f.instrument, f.trade_id, f.price) for f in fast.fill_records] == [
        (f.ts_ns, f.instrument, f.trade_id, f.price) for f in plain.fill_records
    ]
    assert fast.mid_prices == plain.mid_prices
    assert [(p.ts_ns, p.equity) for p in fast.equity] == [(p.ts_ns, p.equity) for p in plain.equity]


def _with_gap_before_a_trade(recording: Recording, gap_ns: int) -> Recording:
    """The recording with a silence of ``gap_ns`` opened just before a trade that follows a book, so
    the first event after it is a trade: the timer it triggers finds the last book stale."""
    books, trades = recording.books, recording.trades
    middle = int(books.exchange_ts_ns[len(books) // 2])
    first_trade = int(np.searchsorted(trades.exchange_ts_ns, middle, side="right"))
    cut = int(trades.exchange_ts_ns[first_trade])
    book_times = np.where(books.exchange_ts_ns >= cut, books.exchange_ts_ns + gap_ns, books.exchange_ts_ns)
    shifted = trades.exchange_ts_ns >= cut
    trade_times = np.where(shifted, trades.exchange_ts_ns + gap_ns, trades.exchange_ts_ns)
    return Recording(
        recording.instrument,
        BookFrame(
            books.instrument_id, book_times, book_times, books.bid_px, books.bid_qty,
            books.ask_px, books.ask_qty, books.is_consistent,
        ),
        TradeFrame(
            trades.instrument_id, trade_times, trade_times, trades.price_ticks, trades.lots, trades.aggressor
        ),
    )


def test_fast_path_trips_the_stale_data_breaker_where_the_plain_mode_does(
    world: tuple[Config, Recording],
) -> None:
    config, recording = world
    gapped = _with_gap_before_a_trade(recording, 30 * 1_000_000_000)  # far beyond data.book_ttl_s
    model = load_ensemble(config, open_registry(config)).ensemble
    plain = run_backtest(config, [gapped], model=model, fast=False)
    model = load_ensemble(config, open_registry(config)).ensemble
    fast = run_backtest(config, [gapped], model=model, fast=True)
    stale = [e for e in plain.breaker_timeline if "STALE" in e.kind.upper()]
    assert stale, plain.breaker_timeline  # the gap did trip it
    assert fast.breaker_timeline == plain.breaker_timeline
    assert (fast.orders, fast.fills, fast.net_pnl) == (plain.orders, plain.fills, plain.net_pnl)
    assert [(p.ts_ns, p.equity) for p in fast.equity] == [(p.ts_ns, p.equity) for p in plain.equity]
