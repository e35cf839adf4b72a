"""The exchange's public trade history of one instrument (GetLastTrades), bounded by count.

Trades printed one at a time are kept as ``Trade`` objects; a replayed stretch taken in at once
(the backtest's quiet stretches) is kept as arrays and becomes ``Trade`` objects only when read,
so skipping costs no per-trade work. Either way the history reads the same.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.core.market import Aggressor, Trade

I64 = npt.NDArray[np.int64]
_AGGRESSORS = {int(a): a for a in Aggressor}


@dataclass(slots=True)
class _Block:
    """Consecutive prints stored as columns; ``start`` is the first live row."""

    ts_ns: I64
    price_ticks: I64
    lots: I64
    aggressor: npt.NDArray[np.int8]
    trade_ids: I64
    start: int = 0

    def __len__(self) -> int:
        return len(self.ts_ns) - self.start

    def trades(self, instrument_uid: str) -> list[Trade]:
        s = self.start
        return [
            Trade(instrument_uid, price, lots, _AGGRESSORS[side], ts, ts, str(trade_id))
            for ts, price, lots, side, trade_id in zip(
                self.ts_ns[s:].tolist(),
                self.price_ticks[s:].tolist(),
                self.lots[s:].tolist(),
                self.aggressor[s:].tolist(),
                self.trade_ids[s:].tolist(),
                strict=True,
            )
        ]


class TradeTape:
    """The last ``capacity`` public trades of one instrument, oldest first."""

    def __init__(self, instrument_uid: str, capacity: int) -> None:
        self.instrument_uid = instrument_uid
        self.capacity = capacity
        self._parts: deque[Trade | _Block] = deque()
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def append(self, trade: Trade) -> None:
        """One print."""
        self._parts.append(trade)
        self._count += 1
        self._trim()

    def extend(
        self,
        ts_ns: I64,
        price_ticks: I64,
        lots: I64,
        aggressor: npt.NDArray[np.int8],
        trade_ids: I64,
    ) -> None:
        """Many prints at once (columns of equal length, in print order)."""
        if len(ts_ns) == 0:
            return
        self._parts.append(_Block(ts_ns, price_ticks, lots, aggressor, trade_ids))
        self._count += len(ts_ns)
        self._trim()

    def between(self, from_ns: int, to_ns: int) -> list[Trade]:
        """Trades with ``from_ns ≤ time ≤ to_ns``, oldest first."""
        out: list[Trade] = []
        for part in self._parts:
            if isinstance(part, Trade):
                if from_ns <= part.exchange_ts_ns <= to_ns:
                    out.append(part)
                continue
            times = part.ts_ns[part.start :]
            if len(times) == 0 or times[-1] < from_ns or times[0] > to_ns:
                continue
            out.extend(t for t in part.trades(self.instrument_uid) if from_ns <= t.exchange_ts_ns <= to_ns)
        return out

    def _trim(self) -> None:
        excess = self._count - self.capacity
        while excess > 0:
            oldest = self._parts[0]
            size = 1 if isinstance(oldest, Trade) else len(oldest)
            if size <= excess:
                self._parts.popleft()
                self._count -= size
                excess -= size
            else:
                assert isinstance(oldest, _Block)
                oldest.start += excess
                self._count -= excess
                excess = 0
