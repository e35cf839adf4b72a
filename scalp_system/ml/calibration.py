"""Probability calibration: isotonic (one-vs-rest, then renormalised) or Platt, fitted on a recent window.

A model trained with balanced class weights over-predicts rare classes; calibration maps its raw
probabilities back to observed frequencies. Each class gets its own monotone map (isotonic: a
piecewise-linear fit of 1[y = k] on p_k; Platt: a sigmoid of a·logit(p_k) + b), the three outputs are
renormalised to sum to one and floored. The live path evaluates all three isotonic maps with one
``np.interp`` call: class k's breakpoints are shifted to [2k, 2k + 1], so one sorted table serves all.
Calibrators serialise to JSON arrays. ``RecentWindow`` keeps the last N (raw probabilities, outcome)
pairs that ``recalibrate`` refits on when the drift detector raises its calibration flag.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from typing import Protocol

import numpy as np
import numpy.typing as npt

from scalp_system.ml.labels import N_CLASSES
from scalp_system.ml.models import PROBABILITY_FLOOR, apply_floor, floor_list
from scalp_system.ml.row_kernels import floor_rows

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

MIN_CALIBRATION_SAMPLES = 100
_LOGIT_CLIP = 1e-6


class Calibrator(Protocol):
    """Maps raw class probabilities to calibrated ones (rows sum to one)."""

    method: str

    def transform(self, probs: F64) -> F64:
        """(n, 3) → (n, 3)."""
        ...

    def transform_row(self, probs: F64) -> F64:
        """(3,) → (3,); the live path."""
        ...

    def transform_list(self, probs: list[float]) -> list[float]:
        """(3,) as Python floats → (3,) Python floats; the ensemble's hot path."""
        ...

    def transform_rows(self, probs: F64) -> F64:
        """(n, 3) → (n, 3): ``transform_list`` of every row, bit-identical (backtests' fast path)."""
        ...

    def to_files(self) -> dict[str, bytes]:
        """The artifact: ``calibrator.json``."""
        ...


class IdentityCalibrator:
    """No calibration (too little data yet); still floors and renormalises."""

    method = "identity"

    def transform(self, probs: F64) -> F64:
        """Floored copy."""
        return apply_floor(probs)

    def transform_row(self, probs: F64) -> F64:
        """Floored copy."""
        return apply_floor(probs)

    def transform_list(self, probs: list[float]) -> list[float]:
        """Floored copy."""
        return floor_list(probs)

    def transform_rows(self, probs: F64) -> F64:
        """``transform_list`` of every row, bit-identical."""
        return floor_rows(np.ascontiguousarray(probs, dtype=np.float64), PROBABILITY_FLOOR)

    def to_files(self) -> dict[str, bytes]:
        """JSON with the method only."""
        return {"calibrator.json": json.dumps({"method": self.method}).encode("utf-8")}


class IsotonicCalibrator:
    """One-vs-rest isotonic maps, evaluated by linear interpolation and clipped at the ends."""

    method = "isotonic"

    def __init__(self, xs: list[F64], ys: list[F64]) -> None:
        if len(xs) != N_CLASSES or len(ys) != N_CLASSES:
            raise ValueError(f"isotonic calibrator needs {N_CLASSES} maps, got {len(xs)}")
        self.xs = [np.asarray(x, dtype=np.float64) for x in xs]
        self.ys = [np.asarray(y, dtype=np.float64) for y in ys]
        table_x: list[F64] = []
        table_y: list[F64] = []
        for k, (x, y) in enumerate(zip(self.xs, self.ys, strict=True)):
            if x.size == 0 or x.shape != y.shape:
                raise ValueError(f"isotonic map for class {k} is empty or ragged")
            # Flat extensions to [0, 1] reproduce clipping, then shift the class into [2k, 2k + 1].
            table_x.append(np.concatenate(([0.0], np.clip(x, 0.0, 1.0), [1.0])) + 2.0 * k)
            table_y.append(np.concatenate(([y[0]], y, [y[-1]])))
        self._table_x = np.concatenate(table_x)
        self._table_y = np.concatenate(table_y)
        self._offset = 2.0 * np.arange(N_CLASSES, dtype=np.float64)
        self._lists = [(x.tolist(), y.tolist()) for x, y in zip(self.xs, self.ys, strict=True)]

    @classmethod
    def fit(cls, probs: F64, labels: I64) -> IsotonicCalibrator:
        """Fit 1[y = k] on p_k for each class (scikit-learn's pool-adjacent-violators)."""
        from sklearn.isotonic import IsotonicRegression

        xs: list[F64] = []
        ys: list[F64] = []
        for k in range(N_CLASSES):
            reg = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip", increasing=True)
            reg.fit(probs[:, k], (labels == k).astype(np.float64))
            xs.append(np.asarray(reg.X_thresholds_, dtype=np.float64))
            ys.append(np.asarray(reg.y_thresholds_, dtype=np.float64))
        return cls(xs, ys)

    def transform(self, probs: F64) -> F64:
        """Calibrate many rows."""
        mapped = np.interp(np.clip(probs, 0.0, 1.0) + self._offset, self._table_x, self._table_y)
        return _renormalise(mapped, probs)

    def transform_row(self, probs: F64) -> F64:
        """Calibrate one row (one ``np.interp`` for the three classes)."""
        mapped = np.interp(np.clip(probs, 0.0, 1.0) + self._offset, self._table_x, self._table_y)
        return _renormalise(mapped, probs)

    def transform_list(self, probs: list[float]) -> list[float]:
        """Calibrate one row of Python floats (bisect + the same interpolation formula as np.interp)."""
        mapped = [_interp(p, xs, ys) for p, (xs, ys) in zip(probs, self._lists, strict=True)]
        total = sum(mapped)
        if total <= 0.0:
            return floor_list(probs)
        return floor_list([m / total for m in mapped])

    def transform_rows(self, probs: F64) -> F64:
        """``transform_list`` of every row at once, bit-identical: the same bisection (``searchsorted``
        to the right) and interpolation formula per element, the same left-to-right sums."""
        p = np.ascontiguousarray(probs, dtype=np.float64)
        mapped = np.empty_like(p)
        with np.errstate(all="ignore"):  # lanes not taken may divide by a zero-width step
            for k, (xs, ys) in enumerate(zip(self.xs, self.ys, strict=True)):
                col = p[:, k]
                inner = np.full_like(col, ys[-1])
                if xs.shape[0] > 1:
                    j = np.clip(np.searchsorted(xs, col, side="right") - 1, 0, xs.shape[0] - 2)
                    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
                    inner = slope * (col - xs[j]) + ys[j]
                mapped[:, k] = np.where(col <= xs[0], ys[0], np.where(col >= xs[-1], ys[-1], inner))
            total = mapped[:, 0]
            for k in range(1, mapped.shape[1]):
                total = total + mapped[:, k]
            usable = ~(total <= 0.0)  # as ``transform_list``: only a sum ≤ 0 falls back (NaN does not)
            scaled = np.where(usable[:, None], mapped / np.where(usable, total, 1.0)[:, None], p)
        return floor_rows(scaled, PROBABILITY_FLOOR)

    def to_files(self) -> dict[str, bytes]:
        """JSON arrays of breakpoints per class."""
        body = {"method": self.method, "x": [x.tolist() for x in self.xs], "y": [y.tolist() for y in self.ys]}
        return {"calibrator.json": json.dumps(body).encode("utf-8")}


class PlattCalibrator:
    """One-vs-rest sigmoid maps p_k ↦ σ(a_k · logit(p_k) + b_k)."""

    method = "platt"

    def __init__(self, a: F64, b: F64) -> None:
        self.a = np.asarray(a, dtype=np.float64)
        self.b = np.asarray(b, dtype=np.float64)
        if self.a.shape != (N_CLASSES,) or self.b.shape != (N_CLASSES,):
            raise ValueError("Platt calibrator needs three slopes and three intercepts")

    @classmethod
    def fit(cls, probs: F64, labels: I64) -> PlattCalibrator:
        """Fit one logistic regression per class on logit(p_k); a class never seen keeps identity."""
        from sklearn.linear_model import LogisticRegression

        a = np.ones(N_CLASSES)
        b = np.zeros(N_CLASSES)
        z = _logit(probs)
        for k in range(N_CLASSES):
            target = (labels == k).astype(np.int64)
            if target.min() == target.max():
                continue
            reg = LogisticRegression(C=1e4, max_iter=1000)
            reg.fit(z[:, k : k + 1], target)
            a[k] = float(reg.coef_[0, 0])
            b[k] = float(reg.intercept_[0])
        return cls(a, b)

    def transform(self, probs: F64) -> F64:
        """Calibrate many rows."""
        mapped = 1.0 / (1.0 + np.exp(-(self.a * _logit(probs) + self.b)))
        return _renormalise(mapped, probs)

    def transform_row(self, probs: F64) -> F64:
        """Calibrate one row."""
        return self.transform(probs)

    def transform_list(self, probs: list[float]) -> list[float]:
        """Calibrate one row of Python floats."""
        return self.transform(np.asarray(probs)).tolist()  # type: ignore[no-any-return]

    def transform_rows(self, probs: F64) -> F64:
        """``transform_list`` of every row (the same numpy operations, row-wise; tested equal)."""
        return self.transform(np.asarray(probs, dtype=np.float64))

    def to_files(self) -> dict[str, bytes]:
        """JSON slopes and intercepts."""
        body = {"method": self.method, "a": self.a.tolist(), "b": self.b.tolist()}
        return {"calibrator.json": json.dumps(body).encode("utf-8")}


def _interp(p: float, xs: list[float], ys: list[float]) -> float:
    """np.interp for one point: clipped at the ends, linear in between."""
    if p <= xs[0]:
        return ys[0]
    if p >= xs[-1]:
        return ys[-1]
    j = bisect_right(xs, p) - 1
    slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
    return slope * (p - xs[j]) + ys[j]


def _logit(probs: F64) -> F64:
    p = np.clip(probs, _LOGIT_CLIP, 1.0 - _LOGIT_CLIP)
    out: F64 = np.log(p / (1.0 - p))
    return out


def _renormalise(mapped: F64, fallback: F64) -> F64:
    """Rows of ``mapped`` scaled to sum to one (floored); an all-zero row falls back to ``fallback``."""
    total = mapped.sum(axis=-1, keepdims=True)
    usable = total > 0
    out = np.where(usable, mapped / np.where(usable, total, 1.0), fallback)
    return apply_floor(out)


AnyCalibrator = IsotonicCalibrator | PlattCalibrator | IdentityCalibrator


def fit_calibrator(method: str, probs: F64, labels: I64) -> AnyCalibrator:
    """Fit ``method`` ('isotonic' | 'platt') on a window; fewer than 100 samples → identity."""
    if labels.shape[0] < MIN_CALIBRATION_SAMPLES:
        return IdentityCalibrator()
    if method == "isotonic":
        return IsotonicCalibrator.fit(probs, labels)
    if method == "platt":
        return PlattCalibrator.fit(probs, labels)
    raise ValueError(f"unknown calibration method {method!r}; use 'isotonic' or 'platt'")


def calibrator_from_files(files: dict[str, bytes]) -> AnyCalibrator:
    """Rebuild a calibrator from ``calibrator.json`` (the registry calls this after hashing)."""
    body = json.loads(files["calibrator.json"].decode("utf-8"))
    method = body.get("method")
    if method == "identity":
        return IdentityCalibrator()
    if method == "isotonic":
        return IsotonicCalibrator([np.asarray(x) for x in body["x"]], [np.asarray(y) for y in body["y"]])
    if method == "platt":
        return PlattCalibrator(np.asarray(body["a"]), np.asarray(body["b"]))
    raise ValueError(f"unknown calibration method {method!r} in calibrator.json")


class RecentWindow:
    """Ring buffer of the last ``capacity`` (raw probabilities per member, realised class) pairs."""

    def __init__(self, capacity: int, n_members: int) -> None:
        if capacity < 1:
            raise ValueError(f"window capacity must be ≥ 1, got {capacity}")
        self.capacity = capacity
        self._probs = np.zeros((capacity, n_members, N_CLASSES))
        self._labels = np.zeros(capacity, dtype=np.int64)
        self._count = 0

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    def append(self, member_probs: F64, label: int) -> None:
        """Add one outcome; the oldest falls out when full."""
        slot = self._count % self.capacity
        self._probs[slot] = member_probs
        self._labels[slot] = label
        self._count += 1

    def extend(self, member_probs: F64, labels: I64) -> None:
        """``append`` of each (member_probs[i], labels[i]) in order, at once."""
        k = int(labels.shape[0])
        keep = min(k, self.capacity)  # earlier ones would be overwritten within this call
        slots = (self._count + np.arange(k - keep, k)) % self.capacity
        self._probs[slots] = member_probs[k - keep :]
        self._labels[slots] = labels[k - keep :]
        self._count += k

    def arrays(self) -> tuple[F64, I64]:
        """(probs (n, members, 3), labels (n,)) in arrival order."""
        n = len(self)
        if self._count <= self.capacity:
            return self._probs[:n].copy(), self._labels[:n].copy()
        start = self._count % self.capacity
        order = np.r_[start : self.capacity, 0:start]
        return self._probs[order], self._labels[order]
