"""Compiled (numba) kernels: the one definition of every feature but the ATR, run by both implementations.

A row of the vector is, in this order: ``trade_row`` (trade windows, VWAP deviation and time since the
last trade, from exact integer running totals of a trade log), the ATR column (computed outside, by
``atr.AtrTracker`` live and ``atr.atr_at`` in batch), ``book_row`` (book level, depth imbalance,
slopes, cumulative depth ratios, order-flow imbalance, realised volatility, returns) and
``z_score_row`` (EWMA normalisers and the adaptive block). The incremental engine runs that sequence
once per book (``incremental_kernel``), the batch computation in a loop over rows (``batch_kernel``),
so the two implementations execute the very same floating-point operations and agree bit for bit.
Prices are integer ticks (the mid kept as ``m2 = bid1 + ask1``). Compiled without ``fastmath`` (no
reassociation, no contraction) and with numpy's error model (no hidden zero-division branches; every
division here is guarded), so each result is the IEEE result of the written formula. Kernels take
flat arrays, never tuples of arrays (numba reference-counts arrays taken out of a tuple, which costs
more than a row). The two entry points have explicit signatures (one compilation each, whatever the
arrays' layout or write flag), are compiled on first use in a process and loaded from numba's disk
cache (``cache=True``) afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache
from typing import Any, Literal, NamedTuple, TypeVar

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
_FLAGS: dict[str, Any] = {"cache": True, "fastmath": False, "error_model": "numpy", "nogil": True}
"""IEEE arithmetic (no fastmath), no hidden zero-division branches (every division is guarded)."""
_INNER_FLAGS: dict[str, Any] = {**_FLAGS, "no_cpython_wrapper": True, "no_cfunc_wrapper": True}


def _jit(function: _Fn) -> _Fn:
    """A kernel called only from other kernels: compiled for its callers' types, cached on disk."""
    compiled: _Fn = numba.njit(**_INNER_FLAGS)(function)
    return compiled


class KernelPlan(NamedTuple):
    """A layout's constants as the kernels take them (field order = argument order)."""

    depth_idx: I64  # level index (k − 1) of every cumulative depth k
    ofi_windows: I64  # book counts
    vol_windows: I64  # book counts
    horizons: I64  # book counts
    trade_windows_ns: I64  # trade windows, then the VWAP window
    trade_windows_s: F64  # trade windows in seconds (the intensity divisor)
    age_cap_s: float
    columns: I64  # start columns: ofi, trades, volatility, atr, returns, vwap, trade_age, adaptive
    z_src: I64  # base-block columns of the z-scored inputs
    ewma_coef: F64  # (4, H·Z): keep = 1 − alpha, alpha, keep·alpha, z floor²; slot h·Z + z
    tick: float

    @classmethod
    def of(cls, layout: FeatureLayout) -> KernelPlan:
        """The plan of a resolved layout (the exact floats of the layout's EWMA coefficients)."""
        c = layout.columns
        cfg = layout.cfg
        n_z = len(layout.z_sources)
        n_half = len(layout.ewma_alpha)
        return cls(
            depth_idx=np.array(layout.depth_ks, dtype=np.int64) - 1,
            ofi_windows=np.array(cfg.ofi_windows, dtype=np.int64),
            vol_windows=np.array(cfg.volatility_windows, dtype=np.int64),
            horizons=np.array(cfg.return_horizons, dtype=np.int64),
            trade_windows_ns=np.array((*layout.trade_windows_ns, layout.vwap_window_ns), dtype=np.int64),
            trade_windows_s=np.array(cfg.trade_windows_s, dtype=np.float64),
            age_cap_s=float(cfg.trade_age_cap_s),
            columns=np.array(
                [c.ofi, c.trades, c.volatility, c.atr, c.returns, c.vwap, c.trade_age, c.adaptive],
                dtype=np.int64,
            ),
            z_src=np.array(layout.z_sources, dtype=np.int64),
            ewma_coef=np.array(
                [
                    np.repeat(layout.ewma_keep, n_z),
                    np.repeat(layout.ewma_alpha, n_z),
                    np.repeat(layout.ewma_var_gain, n_z),
                    np.tile(layout.z_floor_sq, n_half),
                ],
                dtype=np.float64,
            ).reshape(4, n_half * n_z),
            tick=layout.tick,
        )


class KernelState(NamedTuple):
    """The running state of one instrument, updated in place (field order = argument order).

    ``counters`` holds ``[books seen n, m2 of the first book, running Σ Δm2²]``; the rings hold the
    running totals after each of the last ``ring`` books (slot ``n % ring``); ``trade_lo`` holds, per
    trade window (then the VWAP window), how many trades of the log lie at or before the window's
    start at the last book; ``ewma`` holds the EWMA means and variances of every slot ``h·Z + z``.
    ``cur``, ``depth_sums`` and ``z_work`` are scratch.
    """

    cur: I64  # (4, L) the book being folded in, padded: bid px, bid qty, ask px, ask qty
    prev: I64  # (4, L) the previous book, padded the same way
    counters: I64  # (3,)
    ofi_cum: I64  # (K,) running multi-level order flow at every cumulative depth
    ofi_ring: I64  # (ring, K)
    mid_ring: I64  # (ring,) m2 = bid1 + ask1
    sq_ring: I64  # (ring,) running Σ Δm2²
    trade_lo: I64  # (T + 1,)
    depth_sums: I64  # (2, K) scratch: cumulative bid and ask lots at every depth
    ewma: F64  # (2, H·Z): EWMA means, EWMA variances
    z_work: F64  # (H·Z,) scratch

    @classmethod
    def fresh(cls, layout: FeatureLayout) -> KernelState:
        """Zeroed state for a layout (what a new or reset engine holds)."""
        cfg = layout.cfg
        ring = max(*cfg.ofi_windows, *cfg.volatility_windows, *cfg.return_horizons) + 1
        n_depths = len(layout.depth_ks)
        n_slots = len(cfg.ewma_half_lives) * len(layout.z_sources)
        levels = layout.lob_levels
        return cls(
            cur=np.zeros((4, levels), dtype=np.int64),
            prev=np.zeros((4, levels), dtype=np.int64),
            counters=np.zeros(3, dtype=np.int64),
            ofi_cum=np.zeros(n_depths, dtype=np.int64),
            ofi_ring=np.zeros((ring, n_depths), dtype=np.int64),
            mid_ring=np.zeros(ring, dtype=np.int64),
            sq_ring=np.zeros(ring, dtype=np.int64),
            trade_lo=np.zeros(len(cfg.trade_windows_s) + 1, dtype=np.int64),
            depth_sums=np.zeros((2, n_depths), dtype=np.int64),
            ewma=np.zeros((2, n_slots), dtype=np.float64),
            z_work=np.zeros(n_slots, dtype=np.float64),
        )


# -- one row: the definition ----------------------------------------------------------------------
@_jit
def _ring_slot(slot: int, back: int, ring: int) -> int:
    """The ring slot ``back`` books before ``slot`` (``0 < back < ring``), without an integer division."""
    at = slot - back
    return at + ring if at < 0 else at


@_jit
def _trades_through(trade_ts: I64, at: int, ts: int, end: int) -> int:
    """How many of the first ``end`` trades have a time ≤ ``ts``, walking from ``at`` (either way)."""
    while at < end and trade_ts[at] <= ts:
        at += 1
    while at > 0 and trade_ts[at - 1] > ts:
        at -= 1
    return at


@_jit
def trade_row(
    t: int,
    m2: int,
    end: int,
    trade_ts: I64,
    totals: I64,
    trade_lo: I64,
    trade_windows_ns: I64,
    trade_windows_s: F64,
    age_cap_s: float,
    columns: I64,
    out: F64,
) -> None:
    """Trade windows (trades with time in ``(t − W, t]``), VWAP deviation and time since the last trade.

    ``trade_ts[:end]`` are the trades at or before ``t``; ``totals[:, i]`` the running (signed lots,
    lots, price·lots) of the trades before trade ``i``, so a window's sums are exact differences.
    """
    col = columns[1]
    n_windows = trade_windows_s.shape[0]
    for w in range(n_windows):
        at = _trades_through(trade_ts, int(trade_lo[w]), int(t - trade_windows_ns[w]), end)
        trade_lo[w] = at
        signed = totals[0, end] - totals[0, at]
        lots = totals[1, end] - totals[1, at]
        out[col] = float(signed)
        out[col + 1] = (end - at) / trade_windows_s[w]
        out[col + 2] = signed / lots if lots else 0.0
        col += 3
    at = _trades_through(trade_ts, int(trade_lo[n_windows]), int(t - trade_windows_ns[n_windows]), end)
    trade_lo[n_windows] = at
    volume = totals[1, end] - totals[1, at]
    value = totals[2, end] - totals[2, at]
    out[columns[5]] = float(m2 * volume - 2 * value) / float(2 * volume) if volume else 0.0
    if end > 0:
        out[columns[6]] = min(max(t - trade_ts[end - 1], 0) / _NS_PER_S, age_cap_s)
    else:
        out[columns[6]] = age_cap_s


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
    ``e_m = bq·[bp ≥ bp'] − bq'·[bp ≤ bp'] − aq·[ap ≤ ap'] + aq'·[ap ≥ ap']``, summed over the levels up
    to each depth and then over the last ``w`` books; 0 for the first book. Leaves ``cur`` in ``prev``.
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
    # cumulative depth and order flow, one pass over the levels
    n_depths = depth_idx.shape[0]
    has_prev = n > 0
    bid_total = 0
    ask_total = 0
    flow = 0
    j = 0
    for m in range(cur.shape[1]):
        bid_total += cur[1, m]
        ask_total += cur[3, m]
        if has_prev:  # branch-free: a size times a 0/1 comparison
            bid = cur[0, m]
            prev_bid = prev[0, m]
            ask = cur[2, m]
            prev_ask = prev[2, m]
            flow += cur[1, m] * (bid >= prev_bid) - prev[1, m] * (bid <= prev_bid)
            flow -= cur[3, m] * (ask <= prev_ask) - prev[3, m] * (ask >= prev_ask)
        if j < n_depths and m == depth_idx[j]:
            depth_sums[0, j] = bid_total
            depth_sums[1, j] = ask_total
            ofi_cum[j] += flow
            j += 1
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
        move = m2 - mid_ring[slot - 1 if slot else ring - 1]
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
    for side in range(4):
        for m in range(cur.shape[1]):
            prev[side, m] = cur[side, m]
    counters[0] = n + 1


@_jit
def z_score_row(first: bool, z_src: I64, ewma_coef: F64, ewma: F64, z_work: F64, col: int, out: F64) -> None:
    """Update the EWMA normalisers with this book's inputs and write the adaptive block (from column ``col``).

    Slot ``j = h·Z + z`` pairs half-life ``h`` with input ``x = out[z_src[z]]``; with
    ``(keep, alpha, keep·alpha, floor²) = ewma_coef[:, j]``: ``d = x − m``, ``m ← m·keep + x·alpha``,
    ``v ← v·keep + d²·(keep·alpha)``, ``z = (x − m) / sqrt(v + floor²)``; the first book seeds ``m = x``,
    ``v = 0``. One flat branch-free loop over contiguous slots, so it runs in SIMD lanes (each lane
    the IEEE result of the same formula).
    """
    coef = ewma_coef
    work = z_work
    n_z = z_src.shape[0]
    n_slots = coef.shape[1]
    for base in range(0, n_slots, n_z):
        for z in range(n_z):
            work[base + z] = out[z_src[z]]
    if first:
        for j in range(n_slots):
            ewma[0, j] = work[j]
            ewma[1, j] = 0.0
    for j in range(n_slots):
        x = work[j]
        mean = ewma[0, j]
        dev = x - mean
        mean = mean * coef[0, j] + x * coef[1, j]
        var = ewma[1, j] * coef[0, j] + (dev * dev) * coef[2, j]
        ewma[0, j] = mean
        ewma[1, j] = var
        work[j] = (x - mean) / math.sqrt(var + coef[3, j])
    for j in range(n_slots):
        out[col + j] = work[j]


# -- the entry points ------------------------------------------------------------------------------
def _incremental_step(
    cur: I64,
    prev: I64,
    counters: I64,
    ofi_cum: I64,
    ofi_ring: I64,
    mid_ring: I64,
    sq_ring: I64,
    trade_lo: I64,
    depth_sums: I64,
    ewma: F64,
    z_work: F64,
    depth_idx: I64,
    ofi_windows: I64,
    vol_windows: I64,
    horizons: I64,
    trade_windows_ns: I64,
    trade_windows_s: F64,
    age_cap_s: float,
    columns: I64,
    z_src: I64,
    ewma_coef: F64,
    tick: float,
    trade_ts: I64,
    totals: I64,
    n_trades: int,
    bid_px: I64,
    bid_qty: I64,
    ask_px: I64,
    ask_qty: I64,
    t: int,
    atr: float,
    out: F64,
) -> None:
    """One book of the live path: pad it to L levels (absent bids price 0, absent asks
    ``ABSENT_ASK_TICKS``, sizes 0; deeper books cut), then the row over the whole trade log."""
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
    # the row, exactly as the batch computes it
    trade_row(
        t,
        cur[0, 0] + cur[2, 0],
        n_trades,
        trade_ts,
        totals,
        trade_lo,
        trade_windows_ns,
        trade_windows_s,
        age_cap_s,
        columns,
        out,
    )
    out[columns[3]] = 0.0 if math.isnan(atr) else atr
    first = counters[0] == 0
    book_row(
        nb,
        na,
        cur,
        prev,
        counters,
        ofi_cum,
        ofi_ring,
        mid_ring,
        sq_ring,
        depth_sums,
        depth_idx,
        ofi_windows,
        vol_windows,
        horizons,
        columns,
        tick,
        out,
    )
    z_score_row(first, z_src, ewma_coef, ewma, z_work, columns[7], out)  # fmt: skip


def _batch_rows(
    cur: I64,
    prev: I64,
    counters: I64,
    ofi_cum: I64,
    ofi_ring: I64,
    mid_ring: I64,
    sq_ring: I64,
    trade_lo: I64,
    depth_sums: I64,
    ewma: F64,
    z_work: F64,
    depth_idx: I64,
    ofi_windows: I64,
    vol_windows: I64,
    horizons: I64,
    trade_windows_ns: I64,
    trade_windows_s: F64,
    age_cap_s: float,
    columns: I64,
    z_src: I64,
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
    atr: F64,
    out: F64,
) -> None:
    """Every row of the batch: the trade log's running totals once, then per book the padded row (a
    level is present when its size is positive; frames of any depth, cut or padded to L), the count of
    trades at or before it, and the row, exactly as the live path computes it."""
    n_trades = trade_ts.shape[0]
    totals = np.zeros((3, n_trades + 1), dtype=np.int64)
    for i in range(n_trades):
        lots = trade_lots[i]
        side = trade_side[i]
        totals[0, i + 1] = totals[0, i] + (lots if side == _BUY else -lots if side == _SELL else 0)
        totals[1, i + 1] = totals[1, i] + lots
        totals[2, i + 1] = totals[2, i] + trade_px[i] * lots
    levels = cur.shape[1]
    width = bid_px.shape[1]
    end = int(np.int64(0))  # an int64, not a literal 0: one compiled specialisation of the callees
    for i in range(book_ts.shape[0]):
        nb = int(np.int64(0))
        na = int(np.int64(0))
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
        end = _trades_through(trade_ts, end, t, n_trades)
        # the row, exactly as the live path computes it
        row = out[i]
        trade_row(
            t,
            cur[0, 0] + cur[2, 0],
            end,
            trade_ts,
            totals,
            trade_lo,
            trade_windows_ns,
            trade_windows_s,
            age_cap_s,
            columns,
            row,
        )
        row[columns[3]] = 0.0 if math.isnan(atr[i]) else atr[i]
        first = counters[0] == 0
        book_row(
            nb,
            na,
            cur,
            prev,
            counters,
            ofi_cum,
            ofi_ring,
            mid_ring,
            sq_ring,
            depth_sums,
            depth_idx,
            ofi_windows,
            vol_windows,
            horizons,
            columns,
            tick,
            row,
        )
        z_score_row(first, z_src, ewma_coef, ewma, z_work, columns[7], row)  # fmt: skip


# -- compilation -----------------------------------------------------------------------------------
def _array(dtype: Any, ndim: int, layout: Literal["C", "A"] = "C", *, readonly: bool = False) -> Any:
    return types.Array(dtype, ndim, layout, readonly=readonly)


_IN_I1 = _array(types.int64, 1, "A", readonly=True)  # callers' arrays: any layout, any write flag
_IN_I2 = _array(types.int64, 2, "A", readonly=True)
_IN_I8 = _array(types.int8, 1, "A", readonly=True)
_IN_F1 = _array(types.float64, 1, "A", readonly=True)
_I1 = _array(types.int64, 1)
_I2 = _array(types.int64, 2)
_F1 = _array(types.float64, 1)
_F2 = _array(types.float64, 2)
_STATE = (_I2, _I2, _I1, _I1, _I2, _I1, _I1, _I1, _I2, _F2, _F1)  # KernelState
_PLAN = (_I1, _I1, _I1, _I1, _I1, _F1, types.float64, _I1, _I1, _F2, types.float64)  # KernelPlan
IncrementalKernel = Callable[..., None]
"""``(*KernelState, *KernelPlan, trade_ts, totals, n_trades, bid_px, bid_qty, ask_px, ask_qty, t, atr,
out) -> None``."""
BatchKernel = Callable[..., None]
"""``(*KernelState, *KernelPlan, bid_px, bid_qty, ask_px, ask_qty, book_ts, trade_ts, trade_px, trade_lots,
trade_side, atr, out)``."""


@cache
def incremental_kernel() -> IncrementalKernel:
    """The compiled live-path step (compiled, or loaded from the disk cache, on the first call)."""
    trade_log = (_IN_I1, _I2, types.int64)  # trade_ts, totals, n_trades
    book = (_IN_I1, _IN_I1, _IN_I1, _IN_I1, types.int64)  # bid_px, bid_qty, ask_px, ask_qty, t
    signature = types.void(*_STATE, *_PLAN, *trade_log, *book, types.float64, _F1)
    compiled: IncrementalKernel = numba.njit(signature, **_FLAGS)(_incremental_step)
    return compiled


@cache
def batch_kernel() -> BatchKernel:
    """The compiled batch loop (compiled, or loaded from the disk cache, on the first call)."""
    signature = types.void(
        *_STATE, *_PLAN, _IN_I2, _IN_I2, _IN_I2, _IN_I2, _IN_I1, _IN_I1, _IN_I1, _IN_I1, _IN_I8, _IN_F1, _F2
    )
    compiled: BatchKernel = numba.njit(signature, **_FLAGS)(_batch_rows)
    return compiled
