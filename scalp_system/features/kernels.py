"""Compiled (numba) kernels: the one definition of the book, flow, volatility, return and z-score arithmetic.

``book_row`` folds one padded book into the per-instrument state and writes the book-derived columns
(book level, depth imbalance, slopes, cumulative depth ratios, order-flow imbalance, realised
volatility, returns); ``z_score_row`` updates the EWMA normalisers and writes the adaptive block. The
incremental engine runs them once per book (``incremental_kernel``); the batch computation runs the
very same functions in a loop over rows (``batch_kernel``), after sweeping the trade windows with
two pointers, so the two implementations execute identical floating-point operations and agree bit
for bit. Prices are integer ticks (the mid kept as ``m2 = bid1 + ask1``), window sums exact integer
differences of running totals. Compiled without ``fastmath`` (no reassociation, no contraction) so
every result is the IEEE result of the written formula. The two entry points have explicit signatures
(one compilation each, whatever the arrays' layout or write flag) and are compiled on first use, then
loaded from numba's on-disk cache (``cache=True``) by later processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any, NamedTuple, TypeVar

import numba
import numpy as np
import numpy.typing as npt
from numba import types

from scalp_system.core.market import Aggressor
from scalp_system.features.layout import ABSENT_ASK_TICKS, FeatureLayout

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
_BUY = int(Aggressor.BUY)
_SELL = int(Aggressor.SELL)
_ABSENT_ASK = ABSENT_ASK_TICKS
_NS_PER_S = 1e9

_Fn = TypeVar("_Fn", bound=Callable[..., Any])


def _jit(function: _Fn) -> _Fn:
    """Compile lazily for the caller's types, cached on disk, IEEE arithmetic (``fastmath`` off)."""
    compiled: _Fn = numba.njit(
        cache=True, fastmath=False, error_model="numpy", no_cpython_wrapper=True, no_cfunc_wrapper=True
    )(function)
    return compiled


class KernelPlan(NamedTuple):
    """A layout's constants as the kernels take them (field order = argument order)."""

    depth_idx: I64  # level index (k − 1) of every cumulative depth k
    ofi_windows: I64  # book counts
    vol_windows: I64  # book counts
    horizons: I64  # book counts
    columns: I64  # start columns: ofi, trades, volatility, atr, returns, vwap, trade_age, adaptive
    z_src: I64  # base-block columns of the z-scored inputs
    z_floor_sq: F64  # z floor² of each z-scored input
    ewma_coef: F64  # (half-lives, 3): alpha, keep = 1 − alpha, keep·alpha
    tick: float

    @classmethod
    def of(cls, layout: FeatureLayout) -> KernelPlan:
        """The plan of a resolved layout (the exact floats of the layout's EWMA coefficients)."""
        c = layout.columns
        cfg = layout.cfg
        return cls(
            depth_idx=np.array(layout.depth_ks, dtype=np.int64) - 1,
            ofi_windows=np.array(cfg.ofi_windows, dtype=np.int64),
            vol_windows=np.array(cfg.volatility_windows, dtype=np.int64),
            horizons=np.array(cfg.return_horizons, dtype=np.int64),
            columns=np.array(
                [c.ofi, c.trades, c.volatility, c.atr, c.returns, c.vwap, c.trade_age, c.adaptive],
                dtype=np.int64,
            ),
            z_src=np.array(layout.z_sources, dtype=np.int64),
            z_floor_sq=np.array(layout.z_floor_sq, dtype=np.float64),
            ewma_coef=np.array(
                list(zip(layout.ewma_alpha, layout.ewma_keep, layout.ewma_var_gain, strict=True)),
                dtype=np.float64,
            ).reshape(len(layout.ewma_alpha), 3),
            tick=layout.tick,
        )


class BookState(NamedTuple):
    """The book-derived state of one instrument, updated in place (field order = argument order).

    ``counters`` holds ``[books seen n, m2 of the first book, running Σ Δm2²]``; the rings hold the
    running totals after each of the last ``ring`` books (slot ``n % ring``); ``ewma`` stacks the
    EWMA means then variances, half-life-major. ``cur`` and ``depth_sums`` are scratch.
    """

    cur: I64  # (4, L) the book being folded in, padded: bid px, bid qty, ask px, ask qty
    prev: I64  # (4, L) the previous book, padded the same way
    counters: I64  # (3,)
    ofi_cum: I64  # (K,) running multi-level order flow at every cumulative depth
    ofi_ring: I64  # (ring, K)
    mid_ring: I64  # (ring,) m2 = bid1 + ask1
    sq_ring: I64  # (ring,) running Σ Δm2²
    depth_sums: I64  # (2, K) scratch: cumulative bid and ask lots at every depth
    ewma: F64  # (2·H·Z,)

    @classmethod
    def fresh(cls, layout: FeatureLayout) -> BookState:
        """Zeroed state for a layout (what a new or reset engine holds)."""
        cfg = layout.cfg
        ring = max(*cfg.ofi_windows, *cfg.volatility_windows, *cfg.return_horizons) + 1
        n_depths = len(layout.depth_ks)
        levels = layout.lob_levels
        return cls(
            cur=np.zeros((4, levels), dtype=np.int64),
            prev=np.zeros((4, levels), dtype=np.int64),
            counters=np.zeros(3, dtype=np.int64),
            ofi_cum=np.zeros(n_depths, dtype=np.int64),
            ofi_ring=np.zeros((ring, n_depths), dtype=np.int64),
            mid_ring=np.zeros(ring, dtype=np.int64),
            sq_ring=np.zeros(ring, dtype=np.int64),
            depth_sums=np.zeros((2, n_depths), dtype=np.int64),
            ewma=np.zeros(2 * len(cfg.ewma_half_lives) * len(layout.z_sources), dtype=np.float64),
        )


# -- the per-book definition ------------------------------------------------------------------------
@_jit
def _ring_slot(slot: int, back: int, ring: int) -> int:
    """The ring slot ``back`` books before ``slot`` (``0 < back < ring``), without an integer division."""
    at = slot - back
    return at + ring if at < 0 else at


@_jit
def book_row(
    nb: int,
    na: int,
    cur: I64,
    prev: I64,
    counters: I64,
    ofi_cum: I64,
    ofi_ring: I64,
    mid_ring: I64,
    sq_ring: I64,
    depth_sums: I64,
    depth_idx: I64,
    ofi_windows: I64,
    vol_windows: I64,
    horizons: I64,
    columns: I64,
    tick: float,
    out: F64,
) -> None:
    """Fold the padded book in ``cur`` (``nb``/``na`` levels present) into the state; write its columns.

    Order flow per level ``m`` against the previous book (primes):
    ``e_m = bq·[bp ≥ bp'] − bq'·[bp ≤ bp'] − aq·[ap ≤ ap'] + aq'·[ap ≥ ap']``, summed over levels up to
    each depth and then over the last ``w`` books; 0 for the first book. Leaves ``cur`` in ``prev``.
    """
    n = counters[0]
    ring = mid_ring.shape[0]
    slot = n % ring
    b1 = cur[0, 0]
    a1 = cur[2, 0]
    m2 = b1 + a1
    spread = a1 - b1
    top = cur[1, 0] + cur[3, 0]
    out[0] = (m2 * 0.5) * tick
    out[1] = (spread * (cur[1, 0] - cur[3, 0])) / (2 * top) if top else 0.0
    out[2] = float(spread)
    out[3] = (spread / m2) * 2e4
    # cumulative depth and order flow up to every depth k, level range by level range
    n_depths = depth_idx.shape[0]
    bp = cur[0]
    bq = cur[1]
    ap = cur[2]
    aq = cur[3]
    pbp = prev[0]
    pbq = prev[1]
    pap = prev[2]
    paq = prev[3]
    bid_total = 0
    ask_total = 0
    flow = 0
    start = 0
    for j in range(n_depths):
        stop = depth_idx[j] + 1
        for m in range(start, stop):
            bid_total += bq[m]
            ask_total += aq[m]
        if n > 0:
            for m in range(start, stop):
                flow += (bq[m] if bp[m] >= pbp[m] else 0) - (pbq[m] if bp[m] <= pbp[m] else 0)
                flow -= (aq[m] if ap[m] <= pap[m] else 0) - (paq[m] if ap[m] >= pap[m] else 0)
            ofi_cum[j] += flow
        depth_sums[0, j] = bid_total
        depth_sums[1, j] = ask_total
        start = stop
    col = 4
    for j in range(n_depths):
        depth = depth_sums[0, j] + depth_sums[1, j]
        out[col + j] = (depth_sums[0, j] - depth_sums[1, j]) / depth if depth else 0.0
    col += n_depths
    out[col] = bid_total / (b1 - cur[0, nb - 1] + 1)
    out[col + 1] = ask_total / (cur[2, na - 1] - a1 + 1)
    col += 2
    for j in range(n_depths - 1):
        out[col + j] = depth_sums[0, j] / bid_total if bid_total else 0.0
    col += n_depths - 1
    for j in range(n_depths - 1):
        out[col + j] = depth_sums[1, j] / ask_total if ask_total else 0.0
    # order-flow imbalance over the last w books, normalised by the current depth
    for j in range(n_depths):
        ofi_ring[slot, j] = ofi_cum[j]
    col = columns[0]
    n_windows = ofi_windows.shape[0]
    for wi in range(n_windows):
        w = ofi_windows[wi]
        at = _ring_slot(slot, w, ring)
        for j in range(n_depths):
            depth = depth_sums[0, j] + depth_sums[1, j]
            past = ofi_ring[at, j] if n >= w else 0
            out[col + j * n_windows + wi] = (ofi_cum[j] - past) / depth if depth else 0.0
    # realised volatility of the mid over book counts (half-tick moves, exact integers)
    if n == 0:
        counters[1] = m2
        move = 0
    else:
        move = m2 - mid_ring[_ring_slot(slot, 1, ring)]
    sq_cum = counters[2] + move * move
    counters[2] = sq_cum
    sq_ring[slot] = sq_cum
    mid_ring[slot] = m2
    col = columns[2]
    for vi in range(vol_windows.shape[0]):
        w = vol_windows[vi]
        total = sq_cum - sq_ring[_ring_slot(slot, w, ring)] if n >= w else sq_cum
        out[col + vi] = math.sqrt(total / (4 * w))
    # returns over book counts (the first book's mid before h books exist)
    col = columns[4]
    first = counters[1]
    for hi in range(horizons.shape[0]):
        h = horizons[hi]
        past = mid_ring[_ring_slot(slot, h, ring)] if n >= h else first
        out[col + hi] = ((m2 - past) / past) * 1e4
    prev[:, :] = cur
    counters[0] = n + 1


@_jit
def z_score_row(
    first: bool, z_src: I64, z_floor_sq: F64, ewma_coef: F64, ewma: F64, adaptive_col: int, out: F64
) -> None:
    """Update the EWMA normalisers with this book's inputs and write the adaptive block.

    Per half-life (alpha, keep) and input x: ``d = x − m``, ``m ← m·keep + x·alpha``,
    ``v ← v·keep + d²·(keep·alpha)``, ``z = (x − m) / sqrt(v + floor²)``; the first book seeds
    ``m = x``, ``v = 0``.
    """
    n_z = z_src.shape[0]
    hz = ewma_coef.shape[0] * n_z
    for h in range(ewma_coef.shape[0]):
        alpha = ewma_coef[h, 0]
        keep = ewma_coef[h, 1]
        var_gain = ewma_coef[h, 2]
        for z in range(n_z):
            j = h * n_z + z
            x = out[z_src[z]]
            mean = x if first else ewma[j]
            var = 0.0 if first else ewma[hz + j]
            dev = x - mean
            mean = mean * keep + x * alpha
            var = var * keep + (dev * dev) * var_gain
            ewma[j] = mean
            ewma[hz + j] = var
            out[adaptive_col + j] = (x - mean) / math.sqrt(var + z_floor_sq[z])


# -- the incremental entry point -----------------------------------------------------------------
def _incremental_step(
    cur: I64,
    prev: I64,
    counters: I64,
    ofi_cum: I64,
    ofi_ring: I64,
    mid_ring: I64,
    sq_ring: I64,
    depth_sums: I64,
    ewma: F64,
    depth_idx: I64,
    ofi_windows: I64,
    vol_windows: I64,
    horizons: I64,
    columns: I64,
    z_src: I64,
    z_floor_sq: F64,
    ewma_coef: F64,
    tick: float,
    bid_px: I64,
    bid_qty: I64,
    ask_px: I64,
    ask_qty: I64,
    out: F64,
) -> None:
    """One book of the live path: pad it to L levels, ``book_row``, then ``z_score_row``.

    The caller has already written the trade-window, ATR, VWAP and trade-age columns of ``out``.
    Padding: absent bids take price 0, absent asks ``ABSENT_ASK_TICKS``, sizes 0; deeper books are cut.
    """
    levels = cur.shape[1]
    nb = min(bid_px.shape[0], levels)
    na = min(ask_px.shape[0], levels)
    for m in range(levels):
        if m < nb:
            cur[0, m] = bid_px[m]
            cur[1, m] = bid_qty[m]
        else:
            cur[0, m] = 0
            cur[1, m] = 0
        if m < na:
            cur[2, m] = ask_px[m]
            cur[3, m] = ask_qty[m]
        else:
            cur[2, m] = _ABSENT_ASK
            cur[3, m] = 0
    first = counters[0] == 0
    book_row(
        nb, na, cur, prev, counters, ofi_cum, ofi_ring, mid_ring, sq_ring, depth_sums,
        depth_idx, ofi_windows, vol_windows, horizons, columns, tick, out,
    )  # fmt: skip
    z_score_row(first, z_src, z_floor_sq, ewma_coef, ewma, columns[7], out)


# -- the batch entry point -----------------------------------------------------------------------
@_jit
def _trades_through(trade_ts: I64, at: int, ts: int) -> int:
    """How many trades have a time ≤ ``ts``, walking from the previous answer ``at`` (either way)."""
    n = trade_ts.shape[0]
    while at < n and trade_ts[at] <= ts:
        at += 1
    while at > 0 and trade_ts[at - 1] > ts:
        at -= 1
    return at


def _batch_rows(
    cur: I64,
    prev: I64,
    counters: I64,
    ofi_cum: I64,
    ofi_ring: I64,
    mid_ring: I64,
    sq_ring: I64,
    depth_sums: I64,
    ewma: F64,
    depth_idx: I64,
    ofi_windows: I64,
    vol_windows: I64,
    horizons: I64,
    columns: I64,
    z_src: I64,
    z_floor_sq: F64,
    ewma_coef: F64,
    tick: float,
    bid_px: I64,
    bid_qty: I64,
    ask_px: I64,
    ask_qty: I64,
    book_ts: I64,
    trade_ts: I64,
    trade_px: I64,
    trade_lots: I64,
    trade_side: npt.NDArray[np.int8],
    trade_windows_ns: I64,
    trade_windows_s: F64,
    vwap_window_ns: int,
    age_cap_s: float,
    atr: F64,
    out: F64,
) -> None:
    """Every row of the batch: trade windows by two-pointer sweeps over running totals, the ATR column,
    then the same ``book_row`` and ``z_score_row`` the live path runs.

    Books are frame rows of any depth (cut or padded to L); a level is present when its size is positive (absent bids take
    price 0, absent asks ``ABSENT_ASK_TICKS``). Trade windows hold trades with time in ``(t − W, t]``.
    """
    n_trades = trade_ts.shape[0]
    cs_signed = np.zeros(n_trades + 1, dtype=np.int64)
    cs_lots = np.zeros(n_trades + 1, dtype=np.int64)
    cs_pv = np.zeros(n_trades + 1, dtype=np.int64)
    for i in range(n_trades):
        lots = trade_lots[i]
        side = trade_side[i]
        signed = lots if side == _BUY else -lots if side == _SELL else 0
        cs_signed[i + 1] = cs_signed[i] + signed
        cs_lots[i + 1] = cs_lots[i] + lots
        cs_pv[i + 1] = cs_pv[i] + trade_px[i] * lots
    n_windows = trade_windows_ns.shape[0]
    lo = np.zeros(n_windows, dtype=np.int64)
    vwap_lo = np.int64(0)  # np.int64, not a literal 0: one specialisation of the callees
    hi = np.int64(0)
    levels = cur.shape[1]
    width = bid_px.shape[1]  # the frame's depth (may be below or above L)
    col_trades = columns[1]
    for i in range(book_ts.shape[0]):
        row = out[i]
        nb = np.int64(0)
        na = np.int64(0)
        for m in range(levels):
            if m < width and bid_qty[i, m] > 0:
                cur[0, m] = bid_px[i, m]
                cur[1, m] = bid_qty[i, m]
                nb += 1
            else:
                cur[0, m] = 0
                cur[1, m] = 0
            if m < width and ask_qty[i, m] > 0:
                cur[2, m] = ask_px[i, m]
                cur[3, m] = ask_qty[i, m]
                na += 1
            else:
                cur[2, m] = _ABSENT_ASK
                cur[3, m] = 0
        t = book_ts[i]
        hi = _trades_through(trade_ts, hi, t)
        for w in range(n_windows):
            lo[w] = _trades_through(trade_ts, lo[w], t - trade_windows_ns[w])
            signed = cs_signed[hi] - cs_signed[lo[w]]
            lots = cs_lots[hi] - cs_lots[lo[w]]
            row[col_trades + 3 * w] = float(signed)
            row[col_trades + 3 * w + 1] = (hi - lo[w]) / trade_windows_s[w]
            row[col_trades + 3 * w + 2] = signed / lots if lots else 0.0
        value = atr[i]
        row[columns[3]] = 0.0 if math.isnan(value) else value
        vwap_lo = _trades_through(trade_ts, vwap_lo, t - vwap_window_ns)
        volume = cs_lots[hi] - cs_lots[vwap_lo]
        m2 = cur[0, 0] + cur[2, 0]
        if volume:
            row[columns[5]] = float(m2 * volume - 2 * (cs_pv[hi] - cs_pv[vwap_lo])) / float(2 * volume)
        else:
            row[columns[5]] = 0.0
        if hi > 0:
            row[columns[6]] = min(max(t - trade_ts[hi - 1], 0) / _NS_PER_S, age_cap_s)
        else:
            row[columns[6]] = age_cap_s
        first = counters[0] == 0
        book_row(
            nb, na, cur, prev, counters, ofi_cum, ofi_ring, mid_ring, sq_ring, depth_sums,
            depth_idx, ofi_windows, vol_windows, horizons, columns, tick, row,
        )  # fmt: skip
        z_score_row(first, z_src, z_floor_sq, ewma_coef, ewma, columns[7], row)


# -- compilation -----------------------------------------------------------------------------------
def _array(dtype: Any, ndim: int, layout: str = "C", *, readonly: bool = False) -> Any:
    return types.Array(dtype, ndim, layout, readonly=readonly)


_IN_I1 = _array(types.int64, 1, "A", readonly=True)  # caller's arrays: any layout, any write flag
_IN_I2 = _array(types.int64, 2, "A", readonly=True)
_IN_I8 = _array(types.int8, 1, "A", readonly=True)
_IN_F1 = _array(types.float64, 1, "A", readonly=True)
_I1 = _array(types.int64, 1)
_I2 = _array(types.int64, 2)
_F1 = _array(types.float64, 1)
_F2 = _array(types.float64, 2)
_STATE = (_I2, _I2, _I1, _I1, _I2, _I1, _I1, _I2, _F1)  # BookState
_PLAN = (_I1, _I1, _I1, _I1, _I1, _I1, _F1, _F2, types.float64)  # KernelPlan
_ROW_OUT = _array(types.float64, 1)
_BATCH_OUT = _array(types.float64, 2)

IncrementalKernel = Callable[..., None]
"""``(*BookState, *KernelPlan, bid_px, bid_qty, ask_px, ask_qty, out) -> None``."""
BatchKernel = Callable[..., None]
"""``(*BookState, *KernelPlan, bid_px, bid_qty, ask_px, ask_qty, book_ts, trade_ts, trade_px, trade_lots,
trade_side, trade_windows_ns, trade_windows_s, vwap_window_ns, age_cap_s, atr, out) -> None``."""


@cache
def incremental_kernel() -> IncrementalKernel:
    """The compiled live-path step (compiled, or loaded from the disk cache, on the first call)."""
    signature = types.void(*_STATE, *_PLAN, _IN_I1, _IN_I1, _IN_I1, _IN_I1, _ROW_OUT)
    compiled: IncrementalKernel = numba.njit(signature, cache=True, nogil=True, error_model="numpy")(_incremental_step)
    return compiled


@cache
def batch_kernel() -> BatchKernel:
    """The compiled batch loop (compiled, or loaded from the disk cache, on the first call)."""
    signature = types.void(
        *_STATE, *_PLAN,
        _IN_I2, _IN_I2, _IN_I2, _IN_I2, _IN_I1,
        _IN_I1, _IN_I1, _IN_I1, _IN_I8,
        _IN_I1, _IN_F1, types.int64, types.float64, _IN_F1,
        _BATCH_OUT,
    )  # fmt: skip
    compiled: BatchKernel = numba.njit(signature, cache=True, nogil=True, error_model="numpy")(_batch_rows)
    return compiled
