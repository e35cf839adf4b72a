"""Direction labels: where the mid price is ``h`` book updates ahead (SPEC §3).

The label of book ``t`` compares ``mid[t + h]`` with ``mid[t]`` in ticks: a move larger than the dead zone
(default half a tick) upward is UP, downward DOWN, anything inside it FLAT. A row whose horizon runs
past the end of the data, or whose mid (now or ahead) is unknown, has no label: NaN in the float
array and ``False`` in the mask, so training drops it instead of guessing. Vectorised; no loops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.core.frames import BookFrame

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

DOWN = 0
FLAT = 1
UP = 2
CLASS_NAMES = ("down", "flat", "up")
N_CLASSES = 3


@dataclass(frozen=True, slots=True)
class LabelParams:
    """How labels were made; stored in every model manifest so a model is never mixed with others."""

    horizon: int = 20
    dead_zone_ticks: float = 0.5

    def __post_init__(self) -> None:
        if self.horizon < 1:
            raise ValueError(f"label horizon must be ≥ 1 book update, got {self.horizon}")
        if self.dead_zone_ticks < 0:
            raise ValueError(f"label dead zone must be ≥ 0 ticks, got {self.dead_zone_ticks}")

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form for manifests and reports."""
        return {"horizon": self.horizon, "dead_zone_ticks": self.dead_zone_ticks}


def mid_ticks(books: BookFrame) -> F64:
    """Mid price of every book in ticks (float64, may be a half tick); NaN where a side is empty."""
    bid = books.bid_px[:, 0].astype(np.float64)
    ask = books.ask_px[:, 0].astype(np.float64)
    present = (books.bid_qty[:, 0] > 0) & (books.ask_qty[:, 0] > 0) & (bid > 0) & (ask > 0)
    return np.where(present, (bid + ask) / 2.0, np.nan)


def direction_labels(mids_ticks: F64, params: LabelParams) -> F64:
    """Class of every row (DOWN=0, FLAT=1, UP=2) as float64; NaN where the horizon is incomplete.

    ``mids_ticks`` is the mid price in ticks, one per book update, in time order.
    """
    mids = np.asarray(mids_ticks, dtype=np.float64)
    if mids.ndim != 1:
        raise ValueError(f"mids must be one-dimensional, got shape {mids.shape}")
    labels = np.full(mids.shape[0], np.nan)
    h = params.horizon
    if mids.shape[0] <= h:
        return labels
    change = mids[h:] - mids[:-h]
    known = ~np.isnan(change)
    classes = np.full(change.shape[0], float(FLAT))
    classes[change > params.dead_zone_ticks] = float(UP)
    classes[change < -params.dead_zone_ticks] = float(DOWN)
    labels[:-h] = np.where(known, classes, np.nan)
    return labels


def labelled_mask(labels: F64) -> BoolArray:
    """True where a row has a label (its full horizon is known)."""
    return ~np.isnan(labels)


def as_classes(labels: F64) -> I64:
    """Labels of labelled rows as int64 classes; raises if any row is unlabelled."""
    if np.isnan(labels).any():
        raise ValueError("labels contain unlabelled (NaN) rows; select labelled_mask(labels) first")
    return labels.astype(np.int64)
