"""The incremental (live) feature engine: one instrument, one book or trade at a time.

``on_trade`` folds a public trade into the trade windows, VWAP and ATR; ``on_book`` folds a book in
and returns the full float64 vector in registry order (``registry.feature_names``). Prices are integer
ticks inside (mid kept as ``bid1 + ask1`` in half ticks, so differences and sums stay exact integers);
the tick given at construction converts ``mid_price`` to price units. Every formula mirrors
``batch.batch_features`` operation for operation so the two agree to 1e-9 (bit for bit in practice).
Events must arrive in replay order (``core.frames.merge_events``: by exchange time, trades first at
equal times). ``reset`` forgets everything (instrument rotation re-entry); ``snapshot``/``restore``
carry the whole state, EWMA normalisers included, through a JSON checkpoint (SPEC §1.8).
"""

from __future__ import annotations

import math
from collections import deque
from decimal import Decimal
from itertools import accumulate
from operator import sub
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.config import FeaturesConfig
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.features.atr import AtrTracker
from scalp_system.features.layout import ABSENT_ASK_TICKS, FeatureLayout
from scalp_system.features.registry import names_fingerprint
from scalp_system.features.schema import FeatureSchema

F64 = npt.NDArray[np.float64]
SNAPSHOT_FORMAT = 1
_BUY = int(Aggressor.BUY)
_SELL = int(Aggressor.SELL)


class FeatureEngine:
    """Incremental features of one instrument (the live path).

    ``cfg``/``lob_levels`` fix the vector (see the registry); ``tick`` is the instrument's price
    increment; ``atr_bar_s``/``atr_period`` are the risk engine's ATR bar and period (SPEC §1.1).
    """

    def __init__(
        self,
        cfg: FeaturesConfig,
        lob_levels: int,
        tick: float | Decimal,
        *,
        atr_bar_s: int = 60,
        atr_period: int = 5,
        instrument_id: str = "",
    ) -> None:
        self.layout = FeatureLayout.build(cfg, lob_levels, tick, atr_bar_s, atr_period)
        self.instrument_id = instrument_id
        self.schema = FeatureSchema.from_layout(self.layout)
        lay = self.layout
        self._levels = lob_levels
        self._ks_idx = [k - 1 for k in lay.depth_ks]
        self._ratio_idx = self._ks_idx[:-1]
        self._ofi_windows = list(cfg.ofi_windows)
        self._vol_windows = list(cfg.volatility_windows)
        self._horizons = list(cfg.return_horizons)
        self._ring = max(*self._ofi_windows, *self._vol_windows, *self._horizons) + 1
        self._trade_windows = list(zip(lay.trade_windows_ns, cfg.trade_windows_s, strict=True))
        self._age_cap = float(cfg.trade_age_cap_s)
        self._half_tick = 0.5 * lay.tick
        self._z_src = np.array(lay.z_sources, dtype=np.intp)
        self._alpha, self._keep, self._gain = lay.ewma_columns()
        self._floor_sq = np.array(lay.z_floor_sq, dtype=np.float64)
        self._atr = AtrTracker(atr_bar_s, atr_period)
        self.reset()

    @property
    def names(self) -> tuple[str, ...]:
        """Feature names in vector order."""
        return self.layout.names

    @property
    def n_features(self) -> int:
        """Vector length."""
        return self.layout.n_features

    @property
    def books_seen(self) -> int:
        """Books folded in since construction or the last reset."""
        return self._n

    def reset(self) -> None:
        """Forget all state (used when an instrument re-enters the active set after rotation)."""
        k = len(self._ks_idx)
        self._n = 0
        self._prev: tuple[list[int], list[int], list[int], list[int]] | None = None
        self._m2_first = 0
        self._ofi_cum = [0] * k
        self._ofi_ring: list[list[int]] = [[0] * k for _ in range(self._ring)]
        self._m2_ring = [0] * self._ring
        self._sq_cum = 0
        self._sq_ring = [0] * self._ring
        self._windows: list[deque[tuple[int, int, int]]] = [deque() for _ in self._trade_windows]
        self._win_sums: list[list[int]] = [[0, 0, 0] for _ in self._trade_windows]  # count, signed, lots
        self._vwap: deque[tuple[int, int, int]] = deque()
        self._vwap_lots = 0
        self._vwap_pv = 0
        self._last_trade_ts: int | None = None
        self._atr.reset()
        self._ew_mean: F64 | None = None
        self._ew_var: F64 | None = None

    def on_trade(self, trade: Trade) -> None:
        """Fold one public trade in (windows, VWAP, time since last trade, ATR bars)."""
        ts = trade.exchange_ts_ns
        lots = trade.lots
        side = int(trade.aggressor)
        signed = lots if side == _BUY else -lots if side == _SELL else 0
        item = (ts, signed, lots)
        for window, sums in zip(self._windows, self._win_sums, strict=True):
            window.append(item)
            sums[0] += 1
            sums[1] += signed
            sums[2] += lots
        pv = trade.price_ticks * lots
        self._vwap.append((ts, lots, pv))
        self._vwap_lots += lots
        self._vwap_pv += pv
        self._last_trade_ts = ts
        self._atr.on_trade(trade.price_ticks, ts)

    def on_book(self, book: OrderBook) -> F64:
        """Fold one book in and return the feature vector at it (float64, registry order)."""
        levels = self._levels
        bp = book.bid_px.tolist()
        bq = book.bid_qty.tolist()
        ap = book.ask_px.tolist()
        aq = book.ask_qty.tolist()
        nb = len(bp)
        na = len(ap)
        if nb == 0 or na == 0:
            raise ValueError(f"features need a two-sided book ({book.instrument_id} at {book.exchange_ts_ns})")
        if nb >= levels:
            nb = levels
            bp = bp[:levels]
            bq = bq[:levels]
        else:
            bp += [0] * (levels - nb)
            bq += [0] * (levels - nb)
        if na >= levels:
            na = levels
            ap = ap[:levels]
            aq = aq[:levels]
        else:
            ap += [ABSENT_ASK_TICKS] * (levels - na)
            aq += [0] * (levels - na)
        t = book.exchange_ts_ns
        n = self._n
        ring = self._ring
        slot = n % ring
        b1 = bp[0]
        a1 = ap[0]
        m2 = b1 + a1
        spread = a1 - b1
        cb = list(accumulate(bq))
        ca = list(accumulate(aq))
        top = bq[0] + aq[0]
        out: list[float] = [
            (m2 * 0.5) * self.layout.tick,
            (spread * (bq[0] - aq[0])) / (2 * top) if top else 0.0,
            float(spread),
            (spread / m2) * 2e4,
        ]
        ks_idx = self._ks_idx
        for i in ks_idx:
            depth = cb[i] + ca[i]
            out.append((cb[i] - ca[i]) / depth if depth else 0.0)
        bid_total = cb[-1]
        ask_total = ca[-1]
        out.append(bid_total / (b1 - bp[nb - 1] + 1))
        out.append(ask_total / (ap[na - 1] - a1 + 1))
        for i in self._ratio_idx:
            out.append(cb[i] / bid_total if bid_total else 0.0)
        for i in self._ratio_idx:
            out.append(ca[i] / ask_total if ask_total else 0.0)
        # multi-level order-flow imbalance (Cont et al.), cumulative over levels then over books
        prev = self._prev
        ofi_cum = self._ofi_cum
        if prev is not None:
            pbp, pbq, pap, paq = prev
            bid_flow = [(q if p >= pp else 0) - (pq if p <= pp else 0) for p, q, pp, pq in zip(bp, bq, pbp, pbq)]
            ask_flow = [(q if p <= pp else 0) - (pq if p >= pp else 0) for p, q, pp, pq in zip(ap, aq, pap, paq)]
            by_level = list(accumulate(map(sub, bid_flow, ask_flow)))
            for j, i in enumerate(ks_idx):
                ofi_cum[j] += by_level[i]
        self._prev = (bp, bq, ap, aq)
        self._ofi_ring[slot] = ofi_cum.copy()
        for j, i in enumerate(ks_idx):
            depth = cb[i] + ca[i]
            now = ofi_cum[j]
            for w in self._ofi_windows:
                flow = now - self._ofi_ring[(n - w) % ring][j] if n >= w else now
                out.append(flow / depth if depth else 0.0)
        # trades in (t − W, t]
        for (window_ns, window_s), window, sums in zip(self._trade_windows, self._windows, self._win_sums,
                                                       strict=True):
            cutoff = t - window_ns
            while window and window[0][0] <= cutoff:
                _, signed, lots = window.popleft()
                sums[0] -= 1
                sums[1] -= signed
                sums[2] -= lots
            out.append(float(sums[1]))
            out.append(sums[0] / window_s)
            out.append(sums[1] / sums[2] if sums[2] else 0.0)
        # realised volatility of the mid over book counts (half-tick differences, exact integers)
        if n == 0:
            self._m2_first = m2
            move = 0
        else:
            move = m2 - self._m2_ring[(n - 1) % ring]
        self._sq_cum += move * move
        self._sq_ring[slot] = self._sq_cum
        self._m2_ring[slot] = m2
        for w in self._vol_windows:
            total = self._sq_cum - self._sq_ring[(n - w) % ring] if n >= w else self._sq_cum
            out.append(math.sqrt(total / (4 * w)))
        self._atr.on_mid(m2 * 0.5, t)
        atr = self._atr.value()
        out.append(0.0 if atr is None else atr)
        for h in self._horizons:
            past = self._m2_ring[(n - h) % ring] if n >= h else self._m2_first
            out.append(((m2 - past) / past) * 1e4)
        cutoff = t - self.layout.vwap_window_ns
        vwap = self._vwap
        while vwap and vwap[0][0] <= cutoff:
            _, lots, pv = vwap.popleft()
            self._vwap_lots -= lots
            self._vwap_pv -= pv
        vol = self._vwap_lots
        out.append(float(m2 * vol - 2 * self._vwap_pv) / float(2 * vol) if vol else 0.0)
        last = self._last_trade_ts
        out.append(self._age_cap if last is None else min(max(t - last, 0) / 1e9, self._age_cap))
        self._n = n + 1
        return self._with_adaptive(np.array(out, dtype=np.float64))

    def _with_adaptive(self, base: F64) -> F64:
        x = base[self._z_src]
        mean = self._ew_mean
        var = self._ew_var
        if mean is None or var is None:
            mean = np.broadcast_to(x, (len(self._keep), len(x))).copy()
            var = np.zeros_like(mean)
        dev = x - mean
        mean = self._keep * mean + self._alpha * x
        var = self._keep * var + self._gain * (dev * dev)
        self._ew_mean = mean
        self._ew_var = var
        z = (x - mean) / np.sqrt(var + self._floor_sq)
        return np.concatenate((base, z.ravel()))

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict (normalisers included); floats round-trip exactly."""
        return {
            "format": SNAPSHOT_FORMAT,
            "schema": self.schema.to_dict(),
            "names_fingerprint": names_fingerprint(self.names),
            "tick": self.layout.tick,
            "atr_bar_s": self.layout.atr_bar_s,
            "atr_period": self.layout.atr_period,
            "n": self._n,
            "prev": None if self._prev is None else [list(side) for side in self._prev],
            "m2_first": self._m2_first,
            "ofi_cum": list(self._ofi_cum),
            "ofi_ring": [list(row) for row in self._ofi_ring],
            "m2_ring": list(self._m2_ring),
            "sq_cum": self._sq_cum,
            "sq_ring": list(self._sq_ring),
            "windows": [[list(item) for item in window] for window in self._windows],
            "win_sums": [list(sums) for sums in self._win_sums],
            "vwap": [list(item) for item in self._vwap],
            "vwap_lots": self._vwap_lots,
            "vwap_pv": self._vwap_pv,
            "last_trade_ts": self._last_trade_ts,
            "atr": self._atr.snapshot(),
            "ew_mean": None if self._ew_mean is None else self._ew_mean.tolist(),
            "ew_var": None if self._ew_var is None else self._ew_var.tolist(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a ``snapshot``; refuses one from another vector, tick or ATR setting."""
        if state.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"feature snapshot format {state.get('format')} is not {SNAPSHOT_FORMAT}")
        self.schema.assert_compatible(FeatureSchema.from_dict(state["schema"]))
        for key, mine in (("tick", self.layout.tick), ("atr_bar_s", self.layout.atr_bar_s),
                          ("atr_period", self.layout.atr_period)):
            if state[key] != mine:
                raise ValueError(f"feature snapshot has {key}={state[key]}, this engine {key}={mine}")
        self.reset()
        self._n = int(state["n"])
        prev = state["prev"]
        self._prev = None if prev is None else (list(prev[0]), list(prev[1]), list(prev[2]), list(prev[3]))
        self._m2_first = int(state["m2_first"])
        self._ofi_cum = [int(v) for v in state["ofi_cum"]]
        self._ofi_ring = [[int(v) for v in row] for row in state["ofi_ring"]]
        self._m2_ring = [int(v) for v in state["m2_ring"]]
        self._sq_cum = int(state["sq_cum"])
        self._sq_ring = [int(v) for v in state["sq_ring"]]
        self._windows = [deque((int(a), int(b), int(c)) for a, b, c in window) for window in state["windows"]]
        self._win_sums = [[int(v) for v in sums] for sums in state["win_sums"]]
        self._vwap = deque((int(a), int(b), int(c)) for a, b, c in state["vwap"])
        self._vwap_lots = int(state["vwap_lots"])
        self._vwap_pv = int(state["vwap_pv"])
        self._last_trade_ts = state["last_trade_ts"]
        self._atr.restore(state["atr"])
        if state["ew_mean"] is not None:
            self._ew_mean = np.array(state["ew_mean"], dtype=np.float64)
            self._ew_var = np.array(state["ew_var"], dtype=np.float64)


IncrementalFeatures = FeatureEngine
"""Alias: the incremental implementation under its descriptive name."""
