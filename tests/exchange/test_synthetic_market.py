"""The synthetic market: deterministic per seed, deep books, and the stylised facts it promises.

One hour of SBER flow is simulated once (module fixture) and sampled every second; the assertions
are loose on purpose (they must hold for a fixed seed, not tune the generator) but each one fails
if the property it names is missing: e.g. shuffled returns would fail the clustering tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pytest
from scipy.stats import kurtosis

from scalp_system.core.market import Aggressor
from scalp_system.core.orders import Side
from scalp_system.exchange.catalogue import Catalogue, default_catalogue
from scalp_system.exchange.source import TapePrinted
from scalp_system.exchange.synthetic import DEFAULT_START_NS, SyntheticMarket

S = 1_000_000_000
CAT = Catalogue(default_catalogue())
SBER = CAT.by_ticker("SBER")
GAZP = CAT.by_ticker("GAZP")


@dataclass
class Sampled:
    mids: np.ndarray  # mid (ticks) at the end of every second
    imbalance: np.ndarray  # top-5 depth imbalance at the end of every second
    signed_flow: np.ndarray  # signed traded lots during every second
    volatile: np.ndarray  # regime at the end of every second
    trade_prices: np.ndarray
    trade_sizes: np.ndarray
    events_per_s: np.ndarray
    depth_ok: bool


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


@pytest.fixture(scope="module")
def hour() -> Sampled:
    market = SyntheticMarket([SBER], seed=11)
    book = market.book(SBER.uid)
    mids, imbalance, flow, volatile, prices, sizes, counts = [], [], [], [], [], [], []
    depth_ok = True
    for second in range(1, 3601):
        signed = events = 0
        for event in market.events_until(DEFAULT_START_NS + second * S):
            events += 1
            if isinstance(event, TapePrinted):
                signed += event.lots if event.aggressor is Aggressor.BUY else -event.lots
                prices.append(event.price_ticks)
                sizes.append(event.lots)
        bids, asks = book.levels(Side.BUY, 20), book.levels(Side.SELL, 20)
        depth_ok &= len(bids) == 20 and len(asks) == 20 and bids[0][0] < asks[0][0]
        depth_ok &= all(b1[0] > b2[0] for b1, b2 in pairwise(bids)) and all(
            a1[0] < a2[0] for a1, a2 in pairwise(asks)
        )
        mids.append((bids[0][0] + asks[0][0]) / 2)
        bid5, ask5 = sum(q for _, q in bids[:5]), sum(q for _, q in asks[:5])
        imbalance.append((bid5 - ask5) / (bid5 + ask5))
        flow.append(signed)
        volatile.append(market.regime_is_volatile(SBER.uid))
        counts.append(events)
    return Sampled(
        np.array(mids),
        np.array(imbalance),
        np.array(flow),
        np.array(volatile),
        np.array(prices),
        np.array(sizes),
        np.array(counts),
        depth_ok,
    )


def _events(seed: int, instruments: list, seconds: int = 60) -> list:  # type: ignore[type-arg]
    market = SyntheticMarket(instruments, seed=seed)
    return list(market.events_until(DEFAULT_START_NS + seconds * S))


def test_the_same_seed_produces_the_same_market() -> None:
    assert _events(5, [SBER, GAZP]) == _events(5, [SBER, GAZP])


def test_a_different_seed_produces_a_different_market() -> None:
    assert _events(5, [SBER]) != _events(6, [SBER])


def test_an_instruments_flow_does_not_depend_on_which_others_run_beside_it() -> None:
    alone = [e for e in _events(5, [SBER]) if e.instrument_uid == SBER.uid]
    together = [e for e in _events(5, [GAZP, SBER]) if e.instrument_uid == SBER.uid]
    assert alone == together


def test_the_book_always_shows_twenty_sorted_uncrossed_levels_per_side(hour: Sampled) -> None:
    assert hour.depth_ok


def test_order_flow_imbalance_moves_the_mid_in_its_direction(hour: Sampled) -> None:
    assert _corr(hour.signed_flow[1:], np.diff(hour.mids)) > 0.15


def test_book_imbalance_predicts_the_next_mid_move(hour: Sampled) -> None:
    ahead = hour.mids[5:] - hour.mids[:-5]
    assert _corr(hour.imbalance[:-5], ahead) > 0.1


def test_returns_are_heavy_tailed(hour: Sampled) -> None:
    returns_10s = np.diff(np.log(hour.mids[::10]))
    assert kurtosis(returns_10s) > 1.0  # excess kurtosis; 0 for a normal distribution


def test_volatility_clusters(hour: Sampled) -> None:
    size = np.abs(np.diff(hour.mids))
    size = size - size.mean()
    acf = [_corr(size[:-lag], size[lag:]) for lag in range(1, 6)]
    assert np.mean(acf) > 0.05


def test_the_volatile_regime_moves_prices_more_than_the_calm_one(hour: Sampled) -> None:
    moves = np.abs(np.diff(hour.mids))
    volatile = hour.volatile[1:]
    assert volatile.any() and (~volatile).any()
    assert moves[volatile].mean() > 1.5 * moves[~volatile].mean()


def test_arrivals_cluster_beyond_poisson(hour: Sampled) -> None:
    counts = hour.events_per_s
    assert counts.var() / counts.mean() > 1.5  # Fano factor; 1 for a Poisson process


def test_trade_sizes_are_heavy_tailed(hour: Sampled) -> None:
    assert kurtosis(hour.trade_sizes) > 10.0
    assert hour.trade_sizes.max() > 20 * np.median(hour.trade_sizes)


def test_trade_prices_bounce_between_bid_and_ask(hour: Sampled) -> None:
    changes = np.diff(hour.trade_prices)
    changes = changes[changes != 0]
    assert _corr(changes[:-1], changes[1:]) < -0.2


def test_activity_is_higher_at_the_open_than_at_midday() -> None:
    window = 900 * S
    at_open = len(_events(9, [GAZP], 900))
    midday_start = DEFAULT_START_NS + 3 * 3600 * S  # 13:00 MSK
    midday = SyntheticMarket([GAZP], seed=9, start_ns=midday_start)
    at_midday = sum(1 for _ in midday.events_until(midday_start + window))
    assert at_open > 1.3 * at_midday
