"""The incremental (live) feature engine: one instrument, one book or trade at a time.

``on_trade`` appends a public trade to the trade log (its time and the running signed-lot, lot and
price·lot totals) and feeds the ATR; ``on_book`` folds a book in and returns the full float64 vector in
registry order (``registry.feature_names``). Every column but the ATR comes from the compiled row
kernels (``kernels``), the very functions the batch computation runs over its rows, so the two
implementations agree bit for bit (the contract is 1e-9); the ATR comes from ``atr.AtrTracker``, the
one the risk engine uses. Prices are integer ticks inside (the mid kept as ``bid1 + ask1`` in half
ticks); the tick given at construction converts ``mid_price`` to price units. Events must arrive in
replay order (``core.frames.merge_events``: by exchange time, trades first at equal times). The trade
log keeps only the trades a later book can still see (within the longest trade, VWAP or trade-age
window of the newest event). ``reset`` forgets everything (instrument rotation re-entry);
``snapshot``/``restore`` carry the whole state, EWMA normalisers included, through a JSON checkpoint
(SPEC §1.8).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.config import FeaturesConfig
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.features.atr import AtrTracker
from scalp_system.features.kernels import KernelPlan, KernelState, incremental_kernel
from scalp_system.features.layout import FeatureLayout, seconds_to_ns
from scalp_system.features.registry import names_fingerprint
from scalp_system.features.schema import FeatureSchema

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
SNAPSHOT_FORMAT = 2
"""2: the trade log replaced the per-window trade deques of format 1 (refused on restore)."""
TRADE_LOG_START = 1024
"""Initial trade-log capacity; it is compacted, or doubled when compaction frees less than half."""
_BUY = int(Aggressor.BUY)
_SELL = int(Aggressor.SELL)


class FeatureEngine:
    """Incremental features of one instrument (the live path).

    ``cfg``/``lob_levels`` fix the vector (see the registry); ``tick`` is the instrument's price
    increment; ``atr_bar_s``/``atr_period`` are the risk engine's ATR bar and period (SPEC §1.1).
    Construction compiles the kernel on first use in a process (or loads it from numba's disk cache),
    so no book pays for compilation.
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
        self._n_features = lay.n_features
        self._reach_ns = max(*lay.trade_windows_ns, lay.vwap_window_ns, seconds_to_ns(cfg.trade_age_cap_s))
        self._atr = AtrTracker(atr_bar_s, atr_period)
        self._state = KernelState.fresh(lay)  # arrays updated in place by the kernel, never replaced
        self._step: Callable[..., None] = partial(incremental_kernel(), *self._state, *KernelPlan.of(lay))
        self._trade_ts: I64 = np.zeros(TRADE_LOG_START, dtype=np.int64)
        self._totals: I64 = np.zeros((3, TRADE_LOG_START + 1), dtype=np.int64)
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
        return int(self._state.counters[0])

    def reset(self) -> None:
        """Forget all state (used when an instrument re-enters the active set after rotation)."""
        for array in self._state:
            array.fill(0)
        self._n_trades = 0
        self._signed_total = 0  # running totals of the logged trades (also in ``_totals``)
        self._lots_total = 0
        self._value_total = 0
        self._totals[:, 0] = 0
        self._atr.reset()

    def on_trade(self, trade: Trade) -> None:
        """Log one public trade (trade windows, VWAP, time since last trade) and feed the ATR bars."""
        ts = trade.exchange_ts_ns
        lots = trade.lots
        side = int(trade.aggressor)
        at = self._n_trades
        if at == self._trade_ts.shape[0]:
            at = self._make_room(ts)
        self._signed_total += lots if side == _BUY else -lots if side == _SELL else 0
        self._lots_total += lots
        self._value_total += trade.price_ticks * lots
        self._trade_ts[at] = ts
        totals = self._totals
        totals[0, at + 1] = self._signed_total
        totals[1, at + 1] = self._lots_total
        totals[2, at + 1] = self._value_total
        self._n_trades = at + 1
        self._atr.on_trade(trade.price_ticks, ts)

    def on_book(self, book: OrderBook) -> F64:
        """Fold one book in and return the feature vector at it (float64, registry order)."""
        bid_px = book.bid_px
        ask_px = book.ask_px
        if not len(bid_px) or not len(ask_px):
            raise ValueError(
                f"features need a two-sided book ({book.instrument_id} at {book.exchange_ts_ns})"
            )
        t = book.exchange_ts_ns
        self._atr.on_mid((int(bid_px[0]) + int(ask_px[0])) * 0.5, t)
        atr = self._atr.value()
        out = np.empty(self._n_features, dtype=np.float64)
        self._step(
            self._trade_ts,
            self._totals,
            self._n_trades,
            bid_px,
            book.bid_qty,
            ask_px,
            book.ask_qty,
            t,
            math.nan if atr is None else atr,
            out,
        )
        return out

    def _make_room(self, newest_ts: int) -> int:
        """Drop the trades no later book can see (at or before ``newest_ts`` minus the longest reach);
        double the log when that frees less than half of it. Returns the new trade count."""
        n = self._n_trades
        drop = int(np.searchsorted(self._trade_ts[:n], newest_ts - self._reach_ns, side="right"))
        keep = n - drop
        capacity = self._trade_ts.shape[0]
        if keep > capacity // 2:
            capacity *= 2
        trade_ts = np.zeros(capacity, dtype=np.int64)
        trade_ts[:keep] = self._trade_ts[drop:n]
        totals = np.zeros((3, capacity + 1), dtype=np.int64)
        totals[:, : keep + 1] = self._totals[:, drop : n + 1] - self._totals[:, drop : drop + 1]
        self._trade_ts, self._totals = trade_ts, totals
        self._signed_total, self._lots_total, self._value_total = (int(v) for v in totals[:, keep])
        lo = self._state.trade_lo
        np.maximum(lo - drop, 0, out=lo)
        self._n_trades = keep
        return keep

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict (normalisers included); floats round-trip exactly."""
        state = self._state
        n = int(state.counters[0])
        n_trades = self._n_trades
        return {
            "format": SNAPSHOT_FORMAT,
            "schema": self.schema.to_dict(),
            "names_fingerprint": names_fingerprint(self.names),
            "tick": self.layout.tick,
            "atr_bar_s": self.layout.atr_bar_s,
            "atr_period": self.layout.atr_period,
            "n": n,
            "prev": None if n == 0 else state.prev.tolist(),
            "m2_first": int(state.counters[1]),
            "ofi_cum": state.ofi_cum.tolist(),
            "ofi_ring": state.ofi_ring.tolist(),
            "m2_ring": state.mid_ring.tolist(),
            "sq_cum": int(state.counters[2]),
            "sq_ring": state.sq_ring.tolist(),
            "trade_ts": self._trade_ts[:n_trades].tolist(),
            "trade_totals": self._totals[:, : n_trades + 1].tolist(),  # signed lots, lots, price·lots
            "trade_lo": state.trade_lo.tolist(),
            "atr": self._atr.snapshot(),
            "ewma": None if n == 0 else state.ewma.ravel().tolist(),  # means, then variances
        }

    def restore(self, state: dict[str, Any]) -> None:
        """Continue from a ``snapshot``; refuses one from another vector, tick, ATR setting or format."""
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
        kernel_state = self._state
        kernel_state.counters[:] = (int(state["n"]), int(state["m2_first"]), int(state["sq_cum"]))
        if state["prev"] is not None:
            kernel_state.prev[:] = np.array(state["prev"], dtype=np.int64)
        kernel_state.ofi_cum[:] = np.array(state["ofi_cum"], dtype=np.int64)
        kernel_state.ofi_ring[:] = np.array(state["ofi_ring"], dtype=np.int64)
        kernel_state.mid_ring[:] = np.array(state["m2_ring"], dtype=np.int64)
        kernel_state.sq_ring[:] = np.array(state["sq_ring"], dtype=np.int64)
        kernel_state.trade_lo[:] = np.array(state["trade_lo"], dtype=np.int64)
        if state["ewma"] is not None:
            kernel_state.ewma[:] = np.array(state["ewma"], dtype=np.float64).reshape(kernel_state.ewma.shape)
        n_trades = len(state["trade_ts"])
        capacity = max(TRADE_LOG_START, 2 * n_trades)
        self._trade_ts = np.zeros(capacity, dtype=np.int64)
        self._trade_ts[:n_trades] = np.array(state["trade_ts"], dtype=np.int64)
        self._totals = np.zeros((3, capacity + 1), dtype=np.int64)
        self._totals[:, : n_trades + 1] = np.array(state["trade_totals"], dtype=np.int64).reshape(
            3, n_trades + 1
        )
        self._n_trades = n_trades
        self._signed_total, self._lots_total, self._value_total = (int(v) for v in self._totals[:, n_trades])
        self._atr.restore(state["atr"])


IncrementalFeatures = FeatureEngine
"""Alias: the incremental implementation under its descriptive name."""
