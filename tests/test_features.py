"""Features (SPEC §2): the registry's vector, one definition in two implementations, no look-ahead."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from scalp_system.config import FeaturesConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.instrument import Instrument, InstrumentKind
from scalp_system.data.csv_import import read_recording
from scalp_system.features import (
    REGISTRY_VERSION,
    VERSION_FINGERPRINTS,
    FeatureEngine,
    FeatureSchema,
    FeatureSchemaMismatch,
    batch_features,
    depth_levels,
    feature_count,
    feature_names,
)
from scalp_system.features.registry import GROUPS, feature_specs, names_fingerprint
from scalp_system.features.testing import parity_failures, replay, synthetic_market

DEFAULT = FeaturesConfig()
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "binance-2024-08-08"
RECORDINGS: dict[str, tuple[str, Decimal, Decimal]] = {  # file stem, tick, lot (README of ../shared/data)
    "BTCUSDT": ("usdm_btcusdt_20240808", Decimal("0.1"), Decimal("0.001")),
    "ETHUSDT": ("usdm_ethusdt_20240808", Decimal("0.01"), Decimal("0.001")),
    "BTCUSD_PERP": ("cm_btcusd_perp_2024080809", Decimal("0.1"), Decimal("1")),
}
PARITY_ROWS = {"BTCUSD_PERP": 15_000}  # the default suite checks the first 15,000 of its 44,770 books


@cache
def load_recording(name: str) -> tuple[BookFrame, TradeFrame, Decimal]:
    """A real recording as frames in ticks and lots (through the project's CSV importer), plus its tick."""
    stem, tick, lot = RECORDINGS[name]
    instrument = Instrument(
        uid=name, ticker=name, lot=lot, tick=tick, currency="usd", kind=InstrumentKind.CRYPTO
    )
    books, trades = read_recording(
        SHARED_DATA / f"{stem}_depth20.csv.gz", SHARED_DATA / f"{stem}_trades.csv.gz", instrument
    )
    assert trades is not None
    return books, trades, tick


# -- the registry ---------------------------------------------------------------------------------
def test_vector_has_at_least_32_features_at_depth_20() -> None:
    assert len(feature_names(DEFAULT, 20)) >= 32


def test_smallest_config_still_gives_at_least_32_features_at_depth_20() -> None:
    tiny = FeaturesConfig(
        ewma_half_lives=(50.0,),
        trade_windows_s=(1.0,),
        volatility_windows=(20,),
        return_horizons=(1,),
        ofi_windows=(1,),
    )
    assert len(feature_names(tiny, 20)) >= 32


@pytest.mark.parametrize("lob_levels", range(1, 51))
def test_vector_length_is_the_documented_function_of_depth(lob_levels: int) -> None:
    k = len(depth_levels(lob_levels))
    expected = 7 + 3 * k + 3 * k + 3 * 3 + 3 + 3 + 2 * (9 + 2 * k)  # defaults: 3 windows each, 2 half-lives
    assert len(feature_names(DEFAULT, lob_levels)) == feature_count(DEFAULT, lob_levels) == expected


def test_vector_length_formula_holds_for_other_configs() -> None:
    cfg = FeaturesConfig(
        ewma_half_lives=(10.0, 100.0, 1000.0),
        trade_windows_s=(0.5, 2.0),
        volatility_windows=(50,),
        return_horizons=(1, 2, 3, 4),
        ofi_windows=(1, 10),
    )
    for lob_levels in (1, 7, 20, 50):
        assert len(feature_names(cfg, lob_levels)) == feature_count(cfg, lob_levels)


def test_depth_levels_are_the_base_depths_within_the_book_plus_the_book_depth() -> None:
    assert depth_levels(1) == (1,)
    assert depth_levels(4) == (1, 3, 4)
    assert depth_levels(20) == (1, 3, 5, 10, 20)
    assert depth_levels(50) == (1, 3, 5, 10, 20, 50)


def test_spec_minimum_features_are_all_present_at_depth_20() -> None:
    names = set(feature_names(DEFAULT, 20))
    required = {
        "mid_price",
        "microprice_offset_ticks",
        "spread_ticks",
        "spread_bps",
        "depth_imbalance_1",
        "depth_imbalance_3",
        "depth_imbalance_5",
        "depth_imbalance_10",
        "depth_imbalance_20",
        "ofi_l20_w20",
        "book_slope_bid",
        "book_slope_ask",
        "cum_depth_ratio_bid_5",
        "signed_volume_5s",
        "trade_intensity_30s",
        "realized_vol_100_ticks",
        "atr_ticks",
        "return_20_bps",
        "vwap_deviation_60s_ticks",
        "time_since_last_trade_s_cap60",
        "z50_spread_ticks",
        "z500_ofi_l1_w20",
    }
    assert required <= names


def test_feature_names_are_unique() -> None:
    for lob_levels in (1, 3, 20, 50):
        names = feature_names(DEFAULT, lob_levels)
        assert len(set(names)) == len(names)


@pytest.mark.parametrize("lob_levels", [0, 51, -1])
def test_depth_outside_1_to_50_is_refused(lob_levels: int) -> None:
    with pytest.raises(ValueError, match="lob_levels"):
        feature_names(DEFAULT, lob_levels)


def test_duplicate_windows_are_refused_because_names_would_collide() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        feature_names(FeaturesConfig(trade_windows_s=(1.0, 1.0)), 20)


# -- versioning: append-only, bumped on every addition --------------------------------------------
def test_current_names_match_the_fingerprint_recorded_for_the_current_version() -> None:
    """Adding a feature changes the names: append a group, bump REGISTRY_VERSION, record its fingerprint."""
    names = feature_names(DEFAULT, 20)
    assert names_fingerprint(names) == VERSION_FINGERPRINTS[REGISTRY_VERSION], (
        "the feature vector changed without a REGISTRY_VERSION bump (append the group with since_version = "
        "REGISTRY_VERSION + 1, bump the version and record the new fingerprint)"
    )


def test_every_version_has_a_recorded_fingerprint_and_older_vectors_are_prefixes() -> None:
    current = feature_names(DEFAULT, 20)
    assert set(VERSION_FINGERPRINTS) == set(range(1, REGISTRY_VERSION + 1))
    for version in range(1, REGISTRY_VERSION + 1):
        older = feature_names(DEFAULT, 20, version=version)
        assert names_fingerprint(older) == VERSION_FINGERPRINTS[version]
        assert current[: len(older)] == older


def test_groups_are_appended_in_version_order() -> None:
    versions = [group.since_version for group in GROUPS]
    assert versions == sorted(versions)
    assert versions[-1] == REGISTRY_VERSION


def test_every_feature_documents_its_unit_and_formula() -> None:
    for spec in feature_specs(DEFAULT, 20):
        assert spec.unit and spec.formula, spec.name


# -- the schema models check ----------------------------------------------------------------------
def test_schema_of_the_same_config_and_depth_is_compatible() -> None:
    FeatureSchema.current(DEFAULT, 20).assert_compatible(FeatureEngine(DEFAULT, 20, 0.1).schema)


def test_schema_refuses_another_registry_version() -> None:
    trained = FeatureSchema.current(DEFAULT, 20)
    with pytest.raises(FeatureSchemaMismatch, match="registry version differs: expected 1, got 2"):
        trained.assert_compatible(replace(trained, registry_version=2))


def test_schema_refuses_another_depth() -> None:
    with pytest.raises(FeatureSchemaMismatch, match="lob_levels differs: expected 20, got 10"):
        FeatureSchema.current(DEFAULT, 20).assert_compatible(FeatureSchema.current(DEFAULT, 10))


def test_schema_names_the_first_feature_that_differs() -> None:
    trained = FeatureSchema.current(DEFAULT, 20)
    live = FeatureSchema.current(FeaturesConfig(trade_windows_s=(1.0, 5.0, 60.0)), 20)
    with pytest.raises(FeatureSchemaMismatch, match="feature 40 differs: expected 'signed_volume_30s'"):
        trained.assert_compatible(live)


def test_schema_names_the_first_missing_feature_when_the_live_vector_is_shorter() -> None:
    trained = FeatureSchema.current(DEFAULT, 20)
    shorter = replace(trained, names=trained.names[:-1])
    with pytest.raises(FeatureSchemaMismatch, match="first missing feature: 'z500_vwap_deviation_60s_ticks'"):
        trained.assert_compatible(shorter)


def test_schema_round_trips_through_a_manifest_dict() -> None:
    schema = FeatureSchema.current(DEFAULT, 20)
    assert FeatureSchema.from_dict(schema.to_dict()) == schema


# -- one definition: batch and incremental agree ---------------------------------------------------
def _assert_parity_on_recording(recording: str, rows: int | None) -> None:
    books, trades, tick = load_recording(recording)
    if rows is not None:
        books = books.slice(0, rows)
    batch = batch_features(books, trades, DEFAULT, 20, tick)
    incremental = replay(FeatureEngine(DEFAULT, 20, tick), books, trades)
    assert parity_failures(batch, incremental, feature_names(DEFAULT, 20)) == []
    assert np.isfinite(batch).all()


@pytest.mark.parametrize("recording", sorted(RECORDINGS))
def test_batch_and_incremental_agree_on_every_feature_of_a_real_recording(recording: str) -> None:
    _assert_parity_on_recording(recording, PARITY_ROWS.get(recording))


@pytest.mark.soak
def test_batch_and_incremental_agree_on_every_feature_of_the_whole_coin_margined_recording() -> None:
    _assert_parity_on_recording("BTCUSD_PERP", None)


@pytest.mark.parametrize(("seed", "lob_levels"), [(1, 20), (2, 1), (3, 5), (4, 50), (5, 13)])
def test_batch_and_incremental_agree_on_every_feature_of_a_synthetic_market(
    seed: int, lob_levels: int
) -> None:
    books, trades = synthetic_market(seed, n_books=1500, levels=min(lob_levels + 3, 50))
    cfg = FeaturesConfig(trade_windows_s=(0.5, 3.0), vwap_window_s=10.0, ewma_half_lives=(5.0, 80.0))
    batch = batch_features(books, trades, cfg, lob_levels, 0.5, atr_bar_s=2, atr_period=3)
    incremental = replay(FeatureEngine(cfg, lob_levels, 0.5, atr_bar_s=2, atr_period=3), books, trades)
    assert parity_failures(batch, incremental, feature_names(cfg, lob_levels)) == []
    assert np.isfinite(batch).all()


def test_batch_and_incremental_agree_when_the_book_is_shallower_than_the_vector() -> None:
    books, trades = synthetic_market(6, n_books=800, levels=5)
    batch = batch_features(books, trades, DEFAULT, 20, 1)
    incremental = replay(FeatureEngine(DEFAULT, 20, 1), books, trades)
    assert parity_failures(batch, incremental, feature_names(DEFAULT, 20)) == []


def test_batch_and_incremental_agree_without_any_trade() -> None:
    books, _ = synthetic_market(7, n_books=600)
    batch = batch_features(books, None, DEFAULT, 20, 1)
    incremental = replay(FeatureEngine(DEFAULT, 20, 1), books, None)
    assert parity_failures(batch, incremental, feature_names(DEFAULT, 20)) == []


def test_batch_refuses_a_one_sided_book_naming_the_row() -> None:
    books, trades = synthetic_market(8, n_books=50, thin=False)
    ask_qty = books.ask_qty.copy()
    ask_px = books.ask_px.copy()
    ask_qty[17] = 0
    ask_px[17] = 0
    broken = BookFrame(
        books.instrument_id,
        books.exchange_ts_ns,
        books.local_ts_ns,
        books.bid_px,
        books.bid_qty,
        ask_px,
        ask_qty,
        books.is_consistent,
    )
    with pytest.raises(ValueError, match="row 17"):
        batch_features(broken, trades, DEFAULT, 20, 1)


# -- no look-ahead --------------------------------------------------------------------------------
def _perturb_after(
    books: BookFrame, trades: TradeFrame, cut_ns: int, seed: int
) -> tuple[BookFrame, TradeFrame]:
    """Scramble every event strictly after ``cut_ns``: book sizes, a price shift, trade sizes and sides
    shuffled, and every later trade's price moved; events at or before the cut are untouched."""
    rng = np.random.default_rng(seed)
    future_books = books.exchange_ts_ns > cut_ns
    shift = np.where(future_books, rng.integers(-50, 50), 0)[:, None]
    bid_qty, ask_qty = books.bid_qty.copy(), books.ask_qty.copy()
    bid_qty[future_books] = rng.permutation(bid_qty[future_books]) + 1
    ask_qty[future_books] = rng.integers(1, 10_000, ask_qty[future_books].shape)
    perturbed_books = BookFrame(
        books.instrument_id,
        books.exchange_ts_ns,
        books.local_ts_ns,
        books.bid_px + shift,
        bid_qty,
        books.ask_px + shift,
        ask_qty,
        books.is_consistent,
    )
    future = trades.exchange_ts_ns > cut_ns
    lots, side, price = trades.lots.copy(), trades.aggressor.copy(), trades.price_ticks.copy()
    lots[future] = rng.permutation(lots[future]) * 3 + 1
    side[future] = rng.permutation(side[future])[::-1]
    price[future] += rng.integers(-100, 100, int(future.sum()))
    perturbed_trades = TradeFrame(
        trades.instrument_id, trades.exchange_ts_ns, trades.local_ts_ns, price, lots, side
    )
    return perturbed_books, perturbed_trades


@pytest.fixture(scope="module")
def btcusdt() -> tuple[BookFrame, TradeFrame, float]:
    books, trades, tick = load_recording("BTCUSDT")
    return books, trades, float(tick)


def test_batch_features_at_or_before_t_ignore_everything_after_t(
    btcusdt: tuple[BookFrame, TradeFrame, float],
) -> None:
    books, trades, tick = btcusdt
    cut = int(books.exchange_ts_ns[len(books) // 2])
    past = books.exchange_ts_ns <= cut
    original = batch_features(books, trades, DEFAULT, 20, tick)
    for seed in (1, 2):
        scrambled = batch_features(*_perturb_after(books, trades, cut, seed), DEFAULT, 20, tick)
        assert np.array_equal(original[past], scrambled[past])
        assert not np.array_equal(original[~past], scrambled[~past])  # the perturbation did reach the future


def test_batch_features_before_t_ignore_a_truncated_future(
    btcusdt: tuple[BookFrame, TradeFrame, float],
) -> None:
    books, trades, tick = btcusdt
    ts = books.exchange_ts_ns
    keep = len(books) // 3
    while ts[keep] == ts[keep - 1]:  # cut between two distinct times
        keep += 1
    cut = int(ts[keep - 1])
    head_trades = TradeFrame(
        trades.instrument_id,
        *(
            a[trades.exchange_ts_ns <= cut]
            for a in (
                trades.exchange_ts_ns,
                trades.local_ts_ns,
                trades.price_ticks,
                trades.lots,
                trades.aggressor,
            )
        ),
    )
    full = batch_features(books, trades, DEFAULT, 20, tick)
    head = batch_features(books.slice(0, keep), head_trades, DEFAULT, 20, tick)
    assert np.array_equal(full[:keep], head)


def test_incremental_features_at_or_before_t_ignore_everything_after_t(
    btcusdt: tuple[BookFrame, TradeFrame, float],
) -> None:
    books, trades, tick = btcusdt
    books, trades = books.slice(0, 2500), trades
    cut = int(books.exchange_ts_ns[1200])
    past = books.exchange_ts_ns <= cut
    original = replay(FeatureEngine(DEFAULT, 20, tick), books, trades)
    scrambled = replay(FeatureEngine(DEFAULT, 20, tick), *_perturb_after(books, trades, cut, 3))
    assert np.array_equal(original[past], scrambled[past])
    assert not np.array_equal(original[~past], scrambled[~past])


def test_shared_recordings_are_read_in_place(shared_data: Path) -> None:
    stem = RECORDINGS["BTCUSDT"][0]
    assert (shared_data / f"{stem}_depth20.csv.gz").is_file()
