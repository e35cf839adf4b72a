"""The incremental (live) feature engine: one instrument, one book or trade at a time.

``on_trade`` folds a public trade into the trade windows, VWAP and ATR; ``on_book`` folds a book in
and returns the full float64 vector in registry order (``registry.feature_names``). The trade-derived
columns are kept here (deques of the trades inside each window, exact integer sums); the book-derived
columns and the adaptive z-scores come from the compiled ``kernels.book_row`` and
``kernels.z_score_row``, the very functions the batch computation runs over its rows, so the two
implementations agree bit for bit (the contract is 1e-9). Prices are integer ticks inside (mid kept as
``bid1 + ask1`` in half ticks); the tick given at construction converts ``mid_price`` to price units.
Events must arrive in replay order (``core.frames.merge_events``: by exchange time, trades first at
equal times). ``reset`` forgets everything (instrument rotation re-entry); ``snapshot``/``restore``
carry the whole state, EWMA normalisers included, through a JSON checkpoint (SPEC §1.8).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.config import FeaturesConfig
from scalp_system.core.market import Aggressor, OrderBook, Trade
from scalp_system.features.atr import AtrTracker
from scalp_system.features.kernels import BookState, KernelPlan, incremental_kernel
from scalp_system.features.layout import FeatureLayout
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
    Construction compiles the kernels on first use in a process (or loads them from numba's disk cache),
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
        columns = lay.columns
        self._trade_windows = list(zip(lay.trade_windows_ns, cfg.trade_windows_s, strict=True))
        self._trades_col = columns.trades
        self._atr_col = columns.atr
        self._vwap_col = columns.vwap
        self._age_col = columns.trade_age
        self._age_cap = float(cfg.trade_age_cap_s)
        self._n_features = lay.n_features
        self._vwap_window_ns = lay.vwap_window_ns
        self._atr = AtrTracker(atr_bar_s, atr_period)
        self._book = BookState.fresh(lay)  # arrays updated in place by the kernel, never replaced
        self._step: Callable[..., None] = partial(incremental_kernel(), *self._book, *KernelPlan.of(lay))
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
        return int(self._book.counters[0])

    def reset(self) -> None:
        """Forget all state (used when an instrument re-enters the active set after rotation)."""
        for array in self._book:
            array.fill(0)
        self._windows: list[deque[tuple[int, int, int]]] = [deque() for _ in self._trade_windows]
        self._win_sums: list[list[int]] = [[0, 0, 0] for _ in self._trade_windows]  # count, signed, lots
        self._vwap: deque[tuple[int, int, int]] = deque()
        self._vwap_lots = 0
        self._vwap_pv = 0
        self._last_trade_ts: int | None = None
        self._atr.reset()

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
        bid_px = book.bid_px
        ask_px = book.ask_px
        if not len(bid_px) or not len(ask_px):
            raise ValueError(
                f"features need a two-sided book ({book.instrument_id} at {book.exchange_ts_ns})"
            )
        t = book.exchange_ts_ns
        out = np.empty(self._n_features, dtype=np.float64)
        # trades in (t − W, t]
        col = self._trades_col
        for (window_ns, window_s), window, sums in zip(
            self._trade_windows, self._windows, self._win_sums, strict=True
        ):
            cutoff = t - window_ns
            while window and window[0][0] <= cutoff:
                _, signed, lots = window.popleft()
                sums[0] -= 1
                sums[1] -= signed
                sums[2] -= lots
            out[col] = float(sums[1])
            out[col + 1] = sums[0] / window_s
            out[col + 2] = sums[1] / sums[2] if sums[2] else 0.0
            col += 3
        m2 = int(bid_px[0]) + int(ask_px[0])
        self._atr.on_mid(m2 * 0.5, t)
        atr = self._atr.value()
        out[self._atr_col] = 0.0 if atr is None else atr
        cutoff = t - self._vwap_window_ns
        vwap = self._vwap
        while vwap and vwap[0][0] <= cutoff:
            _, lots, pv = vwap.popleft()
            self._vwap_lots -= lots
            self._vwap_pv -= pv
        vol = self._vwap_lots
        out[self._vwap_col] = float(m2 * vol - 2 * self._vwap_pv) / float(2 * vol) if vol else 0.0
        last = self._last_trade_ts
        out[self._age_col] = self._age_cap if last is None else min(max(t - last, 0) / 1e9, self._age_cap)
        self._step(bid_px, book.bid_qty, ask_px, book.ask_qty, out)  # book columns, then z-scores
        return out

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a JSON-able dict (normalisers included); floats round-trip exactly."""
        state = self._book
        n = int(state.counters[0])
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
            "windows": [[list(item) for item in window] for window in self._windows],
            "win_sums": [list(sums) for sums in self._win_sums],
            "vwap": [list(item) for item in self._vwap],
            "vwap_lots": self._vwap_lots,
            "vwap_pv": self._vwap_pv,
            "last_trade_ts": self._last_trade_ts,
            "atr": self._atr.snapshot(),
            "ewma": None if n == 0 else state.ewma.tolist(),
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
        book = self._book
        book.counters[:] = (int(state["n"]), int(state["m2_first"]), int(state["sq_cum"]))
        if state["prev"] is not None:
            book.prev[:] = np.array(state["prev"], dtype=np.int64)
        book.ofi_cum[:] = np.array(state["ofi_cum"], dtype=np.int64)
        book.ofi_ring[:] = np.array(state["ofi_ring"], dtype=np.int64)
        book.mid_ring[:] = np.array(state["m2_ring"], dtype=np.int64)
        book.sq_ring[:] = np.array(state["sq_ring"], dtype=np.int64)
        if state["ewma"] is not None:
            book.ewma[:] = np.array(state["ewma"], dtype=np.float64)
        self._windows = [deque((int(a), int(b), int(c)) for a, b, c in window) for window in state["windows"]]
        self._win_sums = [[int(v) for v in sums] for sums in state["win_sums"]]
        self._vwap = deque((int(a), int(b), int(c)) for a, b, c in state["vwap"])
        self._vwap_lots = int(state["vwap_lots"])
        self._vwap_pv = int(state["vwap_pv"])
        self._last_trade_ts = state["last_trade_ts"]
        self._atr.restore(state["atr"])


IncrementalFeatures = FeatureEngine
"""Alias: the incremental implementation under its descriptive name."""
