"""The vectorised (batch) feature computation: whole BookFrame + TradeFrame → one matrix.

Row ``i`` is the vector ``FeatureEngine.on_book`` returns at book ``i`` when the events are replayed in
``core.frames.merge_events`` order (trades first at equal times), computed with whole-array numpy:
cumulative sums for windows over book counts, ``np.searchsorted`` on trade times for the time windows
(trades with time in ``(t − W, t]``), integer prefix sums so window sums are exact, and
``scipy.signal.lfilter`` for the EWMA recursions (the same floating-point operations as the
incremental update, so the two agree bit for bit in practice and always to 1e-9).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import numpy.typing as npt
from scipy.signal import lfilter

from scalp_system.config import FeaturesConfig
from scalp_system.core.frames import BookFrame, TradeFrame
from scalp_system.core.market import Aggressor
from scalp_system.features.atr import atr_at
from scalp_system.features.layout import ABSENT_ASK_TICKS, FeatureLayout

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


def batch_features(
    books: BookFrame,
    trades: TradeFrame | None,
    cfg: FeaturesConfig,
    lob_levels: int,
    tick: float | Decimal,
    *,
    atr_bar_s: int = 60,
    atr_period: int = 5,
) -> F64:
    """The (n_books, n_features) float64 matrix of features at every book (registry order)."""
    return compute_batch(FeatureLayout.build(cfg, lob_levels, tick, atr_bar_s, atr_period), books, trades)


def _levels(array: I64, levels: int, pad: int) -> I64:
    have = array.shape[1]
    if have >= levels:
        return array[:, :levels]
    out = np.full((array.shape[0], levels), pad, dtype=np.int64)
    out[:, :have] = array
    return out


def _window_sum(cumulative: I64, window: int) -> I64:
    """Sum of the last ``window`` increments given running totals along axis 0 (totals before row 0 are 0)."""
    out = cumulative.copy()
    if window < len(cumulative):
        out[window:] -= cumulative[:-window]
    return out


def compute_batch(layout: FeatureLayout, books: BookFrame, trades: TradeFrame | None) -> F64:
    """Batch features for a resolved layout (see ``batch_features``)."""
    cfg = layout.cfg
    n = len(books)
    levels = layout.lob_levels
    out = np.empty((n, layout.n_features), dtype=np.float64, order="F")
    if n == 0:
        return out
    bp = _levels(books.bid_px, levels, 0)
    bq = _levels(books.bid_qty, levels, 0)
    aq = _levels(books.ask_qty, levels, 0)
    ap = _levels(books.ask_px, levels, 0)
    bid_present = bq > 0
    ask_present = aq > 0
    one_sided = ~(bid_present[:, 0] & ask_present[:, 0])
    if one_sided.any():
        row = int(np.argmax(one_sided))
        raise ValueError(
            f"features need two-sided books; row {row} of {books.instrument_id} has an empty side"
        )
    if not ask_present.all():
        ap = np.where(ask_present, ap, ABSENT_ASK_TICKS)
    b1 = bp[:, 0]
    a1 = ap[:, 0]
    m2 = b1 + a1
    spread = a1 - b1
    cb = np.cumsum(bq, axis=1)
    ca = np.cumsum(aq, axis=1)
    bq1 = bq[:, 0]
    aq1 = aq[:, 0]
    ks_idx = np.array(layout.depth_ks, dtype=np.intp) - 1
    n_k = len(ks_idx)
    col = 0
    out[:, 0] = (m2 * 0.5) * layout.tick
    out[:, 1] = (spread * (bq1 - aq1)) / (2 * (bq1 + aq1))
    out[:, 2] = spread
    out[:, 3] = (spread / m2) * 2e4
    col = 4
    cb_k = cb[:, ks_idx]
    ca_k = ca[:, ks_idx]
    depth_k = cb_k + ca_k
    out[:, col : col + n_k] = (cb_k - ca_k) / depth_k
    col += n_k
    bid_total = cb[:, -1]
    ask_total = ca[:, -1]
    out[:, col] = bid_total / (b1 - _deepest(bp, bid_present) + 1)
    out[:, col + 1] = ask_total / (_deepest(ap, ask_present) - a1 + 1)
    col += 2
    ratio_idx = ks_idx[:-1]
    out[:, col : col + len(ratio_idx)] = cb[:, ratio_idx] / bid_total[:, None]
    col += len(ratio_idx)
    out[:, col : col + len(ratio_idx)] = ca[:, ratio_idx] / ask_total[:, None]
    col += len(ratio_idx)
    col = _order_flow(out, col, cfg.ofi_windows, bp, bq, ap, aq, ks_idx, depth_k)
    col = _trade_windows(out, col, layout, books.exchange_ts_ns, m2, trades)
    return out


def _deepest(px: I64, present: npt.NDArray[np.bool_]) -> I64:
    """Price of each row's deepest present level (the last column when every level is there)."""
    if present[:, -1].all():
        deepest: I64 = px[:, -1]
    else:
        deepest = px[np.arange(len(px)), np.count_nonzero(present, axis=1) - 1]
    return deepest


def _order_flow(
    out: F64,
    col: int,
    windows: tuple[int, ...],
    bp: I64,
    bq: I64,
    ap: I64,
    aq: I64,
    ks_idx: npt.NDArray[np.intp],
    depth_k: I64,
) -> int:
    """Multi-level OFI summed over the last ``w`` books, normalised by the current depth to level k."""
    n = bp.shape[0]
    n_k = len(ks_idx)
    flow = np.zeros((n, n_k), dtype=np.int64)
    if n > 1:
        cbp, pbp = bp[1:], bp[:-1]
        cap, pap = ap[1:], ap[:-1]
        level_flow = bq[1:] * (cbp >= pbp)
        level_flow -= bq[:-1] * (cbp <= pbp)
        level_flow -= aq[1:] * (cap <= pap)
        level_flow += aq[:-1] * (cap >= pap)
        flow[1:] = np.cumsum(level_flow, axis=1)[:, ks_idx]
    cumulative = np.cumsum(flow, axis=0)
    n_w = len(windows)
    for wi, w in enumerate(windows):
        out[:, col + wi : col + n_k * n_w : n_w] = _window_sum(cumulative, w) / depth_k
    return col + n_k * n_w


def _trade_windows(
    out: F64, col: int, layout: FeatureLayout, book_ts: I64, m2: I64, trades: TradeFrame | None
) -> int:
    """Trade windows, volatility, ATR, returns, VWAP deviation, trade age and the adaptive block."""
    cfg = layout.cfg
    n = len(book_ts)
    if trades is None or len(trades) == 0:
        trade_ts = np.zeros(0, dtype=np.int64)
        price = np.zeros(0, dtype=np.int64)
        lots = np.zeros(0, dtype=np.int64)
        side = np.zeros(0, dtype=np.int8)
    else:
        trade_ts, price, lots, side = trades.exchange_ts_ns, trades.price_ticks, trades.lots, trades.aggressor
    signed = np.where(side == int(Aggressor.BUY), lots, np.where(side == int(Aggressor.SELL), -lots, 0))
    zero = np.zeros(1, dtype=np.int64)
    cs_signed = np.concatenate((zero, np.cumsum(signed)))
    cs_lots = np.concatenate((zero, np.cumsum(lots)))
    cs_pv = np.concatenate((zero, np.cumsum(price * lots)))
    hi = np.searchsorted(trade_ts, book_ts, side="right")
    for window_ns, window_s in zip(layout.trade_windows_ns, cfg.trade_windows_s, strict=True):
        lo = np.searchsorted(trade_ts, book_ts - window_ns, side="right")
        w_signed = cs_signed[hi] - cs_signed[lo]
        w_lots = cs_lots[hi] - cs_lots[lo]
        out[:, col] = w_signed
        out[:, col + 1] = (hi - lo) / window_s
        out[:, col + 2] = np.divide(w_signed, w_lots, out=np.zeros(n), where=w_lots > 0)
        col += 3
    moves = np.zeros(n, dtype=np.int64)
    np.subtract(m2[1:], m2[:-1], out=moves[1:])
    squares = np.cumsum(moves * moves)
    for w in cfg.volatility_windows:
        out[:, col] = np.sqrt(_window_sum(squares, w) / (4 * w))
        col += 1
    mids = (m2 * 0.5).astype(np.float64, copy=False)  # half-integer ticks: exact in float64
    atr = atr_at(
        book_ts, trade_ts, price.astype(np.float64), book_ts, mids, layout.atr_bar_s, layout.atr_period
    )
    out[:, col] = np.nan_to_num(atr, nan=0.0)
    col += 1
    rows = np.arange(n)
    for h in cfg.return_horizons:
        past = m2[np.maximum(rows - h, 0)]
        out[:, col] = ((m2 - past) / past) * 1e4
        col += 1
    lo = np.searchsorted(trade_ts, book_ts - layout.vwap_window_ns, side="right")
    v_lots = cs_lots[hi] - cs_lots[lo]
    v_pv = cs_pv[hi] - cs_pv[lo]
    numerator = (m2 * v_lots - 2 * v_pv).astype(np.float64)
    out[:, col] = np.divide(numerator, (2 * v_lots).astype(np.float64), out=np.zeros(n), where=v_lots > 0)
    col += 1
    cap = float(cfg.trade_age_cap_s)
    last = trade_ts[np.maximum(hi - 1, 0)] if len(trade_ts) else np.zeros(n, dtype=np.int64)
    age = np.minimum(np.maximum(book_ts - last, 0) / 1e9, cap)
    out[:, col] = np.where(hi > 0, age, cap)
    col += 1
    return _adaptive(out, col, layout)


def _adaptive(out: F64, col: int, layout: FeatureLayout) -> int:
    """EWMA z-scores of the flagged inputs, one block per half-life (lfilter recursions along time).

    Works on the (inputs, time) transpose so every recursion and elementwise step runs over
    contiguous memory; the floating-point operations are those of ``FeatureEngine._with_adaptive``.
    """
    x = out[:, list(layout.z_sources)].T  # (Z, n), C-contiguous because ``out`` is column-major
    n_z = x.shape[0]
    floor_sq = np.array(layout.z_floor_sq, dtype=np.float64)[:, None]
    zeros = np.zeros((n_z, 1))
    dev = np.empty_like(x)
    dev[:, 0] = 0.0  # the first input meets a mean seeded with itself
    for alpha, keep, gain in zip(layout.ewma_alpha, layout.ewma_keep, layout.ewma_var_gain, strict=True):
        mean, _ = lfilter([alpha], [1.0, -keep], x, axis=1, zi=(keep * x[:, 0])[:, None])
        np.subtract(x[:, 1:], mean[:, :-1], out=dev[:, 1:])  # x − mean before the update
        np.multiply(dev, dev, out=dev)
        var, _ = lfilter([gain], [1.0, -keep], dev, axis=1, zi=zeros)
        np.add(var, floor_sq, out=var)
        np.sqrt(var, out=var)
        np.subtract(x, mean, out=mean)
        np.divide(mean, var, out=mean)
        out[:, col : col + n_z] = mean.T
        col += n_z
    return col
