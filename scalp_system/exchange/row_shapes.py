"""The shape of each recorded book row, worked out once per recording: levels shown, order.

A replayed book hands its displayed row to the exchange core on every book event. When the row is
shown as recorded (no client order took from it or rests in it) and its levels are already best
first, the core can pass slices of the recording's arrays on as the book instead of building level
lists and new arrays (``ReplayBook.displayed_arrays``). Whether that holds depends on the row only,
so it is computed here for all rows at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame


@dataclass(frozen=True, slots=True)
class RowShapes:
    """Per recorded row: the number of bid and ask levels shown (as ``replay._row_levels`` counts
    them: the levels with lots > 0, taken from the front of the row), and whether both sides are
    strictly best first (bids falling, asks rising). Python lists: read one row at a time."""

    bid_levels: list[int]
    ask_levels: list[int]
    best_first: list[bool]

    @classmethod
    def of(cls, frame: BookFrame) -> RowShapes:
        """The shapes of every row of ``frame``."""
        bid_levels = np.count_nonzero(frame.bid_qty > 0, axis=1)
        ask_levels = np.count_nonzero(frame.ask_qty > 0, axis=1)
        best_first = _ordered(frame.bid_px, bid_levels, falling=True) & _ordered(
            frame.ask_px, ask_levels, falling=False
        )
        return cls(bid_levels.tolist(), ask_levels.tolist(), best_first.tolist())


def _ordered(
    prices: npt.NDArray[np.int64], shown: npt.NDArray[np.intp], *, falling: bool
) -> npt.NDArray[np.bool_]:
    """Rows whose first ``shown`` prices strictly fall (or rise) level by level."""
    if prices.shape[1] < 2:
        return np.ones(prices.shape[0], dtype=np.bool_)
    steps = prices[:, :-1] > prices[:, 1:] if falling else prices[:, :-1] < prices[:, 1:]
    compared = np.arange(prices.shape[1] - 1)[None, :] < (shown - 1)[:, None]
    ordered: npt.NDArray[np.bool_] = np.all(steps | ~compared, axis=1)
    return ordered
