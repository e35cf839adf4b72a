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


def _bid_flow(px: list[int], qty: list[int], prev_px: list[int], prev_qty: list[int]) -> list[int]:
    """Cumulative (over levels) bid order flow e_m = q·[p ≥ p_prev] − q_prev·[p ≤ p_prev]."""
    return list(
        accumulate(
            [
                (q if p >= pp else 0) - (pq if p <= pp else 0)
                for p, q, pp, pq in zip(px, qty, prev_px, prev_qty, strict=True)
            ]
        )
    )


def _ask_flow(px: list[int], qty: list[int], prev_px: list[int], prev_qty: list[int]) -> list[int]:
    """Cumulative (over levels) ask order flow e_m = q·[p ≤ p_prev] − q_prev·[p ≥ p_prev]."""
    return list(
        accumulate(
            [
                (q if p <= pp else 0) - (pq if p >= pp else 0)
                for p, q, pp, pq in zip(px, qty, prev_px, prev_qty, strict=True)
            ]
        )
    )


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
        n_half = len(lay.ewma_alpha)
        self._hz = n_half * len(lay.z_sources)
        self._z_src = np.tile(np.array(lay.z_sources, dtype=np.intp), n_half)
        self._keep_coef = np.repeat(np.array(lay.ewma_keep * 2), len(lay.z_sources))
        self._gain_coef = np.repeat(np.array(lay.ewma_alpha + lay.ewma_var_gain), len(lay.z_sources))
        self._floor_sq = np.tile(np.array(lay.z_floor_sq, dtype=np.float64), n_half)
        self._work = np.zeros(2 * self._hz, dtype=np.float64)
        self._gains = np.zeros(2 * self._hz, dtype=np.float64)
        self._n_base = lay.n_base
        self._n_features = lay.n_features
        self._vwap_window_ns = lay.vwap_window_ns
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
        self._prev: tuple[list[int], list[int], list[int], list[int], list[int], list[int]] | None = None
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
        self._ew: F64 | None = None  # [EWMA means; EWMA variances], half-life-major

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
            raise ValueError(
                f"features need a two-sided book ({book.instrument_id} at {book.exchange_ts_ns})"
            )
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
        depth_k = [cb[i] + ca[i] for i in ks_idx]
        out += [(cb[i] - ca[i]) / d if d else 0.0 for i, d in zip(ks_idx, depth_k, strict=True)]
        bid_total = cb[-1]
        ask_total = ca[-1]
        out.append(bid_total / (b1 - bp[nb - 1] + 1))
        out.append(ask_total / (ap[na - 1] - a1 + 1))
        out += [cb[i] / bid_total if bid_total else 0.0 for i in self._ratio_idx]
        out += [ca[i] / ask_total if ask_total else 0.0 for i in self._ratio_idx]
        # multi-level order-flow imbalance (Cont et al.), cumulative over levels then over books
        prev = self._prev
        ofi_cum = self._ofi_cum
        if prev is not None:
            pbp, pbq, pap, paq, pcb, pca = prev
            # an unchanged price ladder makes each level's flow q − q_prev: read it off the cumulative depths
            bid_flow = list(map(sub, cb, pcb)) if bp == pbp else _bid_flow(bp, bq, pbp, pbq)
            ask_flow = list(map(sub, ca, pca)) if ap == pap else _ask_flow(ap, aq, pap, paq)
            for j, i in enumerate(ks_idx):
                ofi_cum[j] += bid_flow[i] - ask_flow[i]
        self._prev = (bp, bq, ap, aq, cb, ca)
        ofi_ring = self._ofi_ring
        ofi_ring[slot] = ofi_cum.copy()
        past_rows = [ofi_ring[(n - w) % ring] if n >= w else None for w in self._ofi_windows]
        for j, d in enumerate(depth_k):
            now = ofi_cum[j]
            out += [((now - row[j]) if row is not None else now) / d if d else 0.0 for row in past_rows]
        # trades in (t − W, t]
        for (window_ns, window_s), window, sums in zip(
            self._trade_windows, self._windows, self._win_sums, strict=True
        ):
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
        m2_ring = self._m2_ring
        sq_ring = self._sq_ring
        if n == 0:
            self._m2_first = m2
            move = 0
        else:
            move = m2 - m2_ring[(n - 1) % ring]
        sq_cum = self._sq_cum + move * move
        self._sq_cum = sq_cum
        sq_ring[slot] = sq_cum
        m2_ring[slot] = m2
        out += [
            math.sqrt(((sq_cum - sq_ring[(n - w) % ring]) if n >= w else sq_cum) / (4 * w))
            for w in self._vol_windows
        ]
        self._atr.on_mid(m2 * 0.5, t)
        atr = self._atr.value()
        out.append(0.0 if atr is None else atr)
        first = self._m2_first
        for h in self._horizons:
            past = m2_ring[(n - h) % ring] if n >= h else first
            out.append(((m2 - past) / past) * 1e4)
        cutoff = t - self._vwap_window_ns
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
        return self._with_adaptive(out)

    def _with_adaptive(self, base: list[float]) -> F64:
        """Append the EWMA z-scores (same floating-point operations, in the same order, as the batch).

        State ``_ew`` stacks [means; variances], each H·Z long (half-life-major); one multiply-add
        updates both: ``mean ← keep·mean + alpha·x`` and ``var ← keep·var + keep·alpha·(x − mean_prev)²``.
        """
        hz = self._hz
        result = np.empty(self._n_features, dtype=np.float64)
        result[: self._n_base] = base
        work = self._work  # [x (per half-life); (x − mean_prev)²]
        x = work[:hz]
        np.take(result, self._z_src, out=x)
        state = self._ew
        if state is None:
            state = np.zeros(2 * hz, dtype=np.float64)
            state[:hz] = x
            self._ew = state
        sq = work[hz:]
        np.subtract(x, state[:hz], out=sq)
        np.multiply(sq, sq, out=sq)
        gains = self._gains
        np.multiply(work, self._gain_coef, out=gains)
        np.multiply(state, self._keep_coef, out=state)
        np.add(state, gains, out=state)
        num = gains[:hz]
        den = gains[hz:]
        np.subtract(x, state[:hz], out=num)
        np.add(state[hz:], self._floor_sq, out=den)
        np.sqrt(den, out=den)
        np.divide(num, den, out=result[self._n_base :])
        return result

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
            "prev": None if self._prev is None else [list(side) for side in self._prev[:4]],
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
            "ewma": None if self._ew is None else self._ew.tolist(),
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a ``snapshot``; refuses one from another vector, tick or ATR setting."""
        if state.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"feature snapshot format {state.get('format')} is not {SNAPSHOT_FORMAT}")
        self.schema.assert_compatible(FeatureSchema.from_dict(state["schema"]))
        for key, mine in (
            ("tick", self.layout.tick),
            ("atr_bar_s", self.layout.atr_bar_s),
            ("atr_period", self.layout.atr_period),
        ):
            if state[key] != mine:
                raise ValueError(f"feature snapshot has {key}={state[key]}, this engine {key}={mine}")
        self.reset()
        self._n = int(state["n"])
        prev = state["prev"]
        if prev is not None:
            sides = [[int(v) for v in side] for side in prev]
            self._prev = (*sides, list(accumulate(sides[1])), list(accumulate(sides[3])))  # type: ignore[assignment]
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
        if state["ewma"] is not None:
            self._ew = np.array(state["ewma"], dtype=np.float64)


IncrementalFeatures = FeatureEngine
"""Alias: the incremental implementation under its descriptive name."""
