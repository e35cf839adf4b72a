"""WeightedEnsemble: calibrated member probabilities mixed with weights that follow recent log-loss.

Each member's weight is proportional to the inverse of its exponentially decayed out-of-sample
log-loss (L ← decay · L + (1 − decay) · ℓ per realised outcome, decay = ``ml.ensemble_decay``),
starting from the log-loss measured at training. Inverse-loss weights move toward the better model
without ever silencing one on a short streak. Before it serves anything the ensemble compares every
member's manifest (feature names, order, registry version, lob_levels, label parameters) with the
live feature registry and refuses a mismatch with ``FeatureMismatchError`` naming the difference.

Live path: ``predict_row(x)`` → one feature vector in, calibrated probabilities [down, flat, up] out;
``PendingOutcomes`` resolves each prediction ``h`` book updates later and calls ``update``. Batch path:
``predict_proba(x_batch)`` for backtests. ``recalibrate()`` refits each member's calibrator on the recent
window of outcomes; the drift detector's calibration flag is what should trigger it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.calibration import MIN_CALIBRATION_SAMPLES, RecentWindow, fit_calibrator
from scalp_system.ml.labels import DOWN, FLAT, N_CLASSES, UP, LabelParams
from scalp_system.ml.manifest import FeatureMismatchError, FeatureVectorSpec, describe_feature_mismatch
from scalp_system.ml.metrics import EPS
from scalp_system.ml.row_kernels import MAX_SEQUENTIAL_MEMBERS, online_mix

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_MIN_LOSS = 1e-6


@dataclass(frozen=True, slots=True)
class EnsemblePrediction:
    """One live prediction: the mixed probabilities and each member's raw (uncalibrated) output."""

    probs: F64  # (3,) calibrated, weighted: [down, flat, up]
    member_raw: F64  # (members, 3) raw model outputs, kept for update() and recalibration


class WeightedEnsemble:
    """Members of at least one model family, mixed by inverse decayed log-loss."""

    def __init__(
        self,
        members: Sequence[ModelBundle],
        live_features: FeatureVectorSpec | Any,
        *,
        decay: float = 0.99,
        calibration_method: str = "isotonic",
        calibration_window: int = 5_000,
    ) -> None:
        if not members:
            raise ValueError("an ensemble needs at least one member")
        if not 0.0 < decay < 1.0:
            raise ValueError(f"decay must be in (0, 1), got {decay}")
        self.members = list(members)
        self.live_features = FeatureVectorSpec.of(live_features)
        self.check_members(self.live_features)
        self.label_params = LabelParams(**self.members[0].manifest.label)  # type: ignore[arg-type]
        self.decay = decay
        self.calibration_method = calibration_method
        self.n_features = len(self.live_features.names)
        self._loss = np.array([_initial_loss(m) for m in self.members])
        self._set_weights()
        self.window = RecentWindow(calibration_window, len(self.members))
        self.updates = 0

    def check_members(self, live: FeatureVectorSpec) -> None:
        """Raise FeatureMismatchError naming the first member whose manifest disagrees with ``live``."""
        names = [m.name for m in self.members]
        if len(set(names)) != len(names):
            raise ValueError(f"ensemble member names must be unique, got {names}")
        labels = {tuple(sorted(m.manifest.label.items())) for m in self.members}
        if len(labels) > 1:
            raise FeatureMismatchError(f"ensemble members disagree on label parameters: {sorted(labels)}")
        for member in self.members:
            problem = describe_feature_mismatch(member.name, member.manifest.feature_spec, live)
            if problem is not None:
                raise FeatureMismatchError(problem)

    @property
    def weights(self) -> dict[str, float]:
        """Current weight of each member (they sum to one)."""
        return {m.name: float(w) for m, w in zip(self.members, self._weights, strict=True)}

    @property
    def decayed_log_loss(self) -> dict[str, float]:
        """Each member's exponentially decayed out-of-sample log-loss."""
        return {m.name: float(v) for m, v in zip(self.members, self._loss, strict=True)}

    def _set_weights(self) -> None:
        inverse = 1.0 / np.maximum(self._loss, _MIN_LOSS)
        self._weights: F64 = inverse / inverse.sum()
        self._weight_list: list[float] = self._weights.tolist()

    def _check_row(self, x: F64) -> None:
        if x.shape != (self.n_features,):
            raise FeatureMismatchError(
                f"feature vector has shape {x.shape}, the ensemble's models expect "
                f"({self.n_features},) in registry order"
            )

    def predict_proba_row(self, x: F64) -> F64:
        """Calibrated class probabilities [down, flat, up] for one feature vector (the hot path)."""
        self._check_row(x)
        down = flat = up = 0.0
        for member, weight in zip(self.members, self._weight_list, strict=True):
            p = member.calibrator.transform_list(member.model.proba_list(x))
            down += weight * p[0]
            flat += weight * p[1]
            up += weight * p[2]
        return np.array((down, flat, up))

    def predict_row(self, x: F64) -> EnsemblePrediction:
        """Like ``predict_proba_row`` but also returns each member's raw output for ``update``."""
        self._check_row(x)
        raw_rows: list[list[float]] = []
        down = flat = up = 0.0
        for member, weight in zip(self.members, self._weight_list, strict=True):
            raw = member.model.proba_list(x)
            raw_rows.append(raw)
            p = member.calibrator.transform_list(raw)
            down += weight * p[0]
            flat += weight * p[1]
            up += weight * p[2]
        return EnsemblePrediction(np.array((down, flat, up)), np.array(raw_rows))

    def predict_proba(self, x_batch: F64) -> F64:
        """Calibrated (n, 3) probabilities for many rows with the current weights (backtests)."""
        if x_batch.ndim != 2 or x_batch.shape[1] != self.n_features:
            raise FeatureMismatchError(
                f"feature matrix has shape {x_batch.shape}, the ensemble's models "
                f"expect (n, {self.n_features}) in registry order"
            )
        out = np.zeros((x_batch.shape[0], N_CLASSES))
        for member, weight in zip(self.members, self._weights, strict=True):
            out += weight * member.predict_proba(x_batch)
        return out

    def update(self, member_raw: F64, realized_label: int) -> None:
        """Score every member on a realised outcome and move the weights (online, per outcome)."""
        if realized_label not in (DOWN, FLAT, UP):
            raise ValueError(f"realized label must be 0, 1 or 2, got {realized_label}")
        raw = np.asarray(member_raw, dtype=np.float64)
        if raw.shape != (len(self.members), N_CLASSES):
            raise ValueError(
                f"member probabilities must have shape ({len(self.members)}, 3), got {raw.shape}"
            )
        for i, member in enumerate(self.members):
            p = member.calibrator.transform_list(raw[i].tolist())[realized_label]
            loss = -math.log(max(p, EPS))
            self._loss[i] = self.decay * self._loss[i] + (1.0 - self.decay) * loss
        self._set_weights()
        self.window.append(raw, realized_label)
        self.updates += 1

    def member_proba_rows(self, x_batch: F64) -> F64:
        """Each member's raw (uncalibrated) output for every row, shape (n, members, 3): for row ``i``
        exactly ``predict_row(x_batch[i]).member_raw`` (bit-identical; backtests' fast path)."""
        if x_batch.ndim != 2 or x_batch.shape[1] != self.n_features:
            raise FeatureMismatchError(
                f"feature matrix has shape {x_batch.shape}, the ensemble's models "
                f"expect (n, {self.n_features}) in registry order"
            )
        out = np.empty((x_batch.shape[0], len(self.members), N_CLASSES))
        for m, member in enumerate(self.members):
            out[:, m, :] = member.model.proba_rows(x_batch)
        return out

    def mix_online(self, member_raw: F64, predicted: BoolArray, resolved_raw: F64, labels: I64) -> F64:
        """The live sequence of ``predict_row`` and ``update`` over ``n`` books, with the calibrators
        in force now (call it between recalibrations).

        Book ``i``: when ``predicted[i]``, the mixed probabilities of ``member_raw[i]`` (members, 3)
        with the weights of that moment; then, when ``labels[i]`` ≥ 0, ``update(resolved_raw[i],
        labels[i])``. Returns the mixed probabilities (n, 3), NaN where nothing was predicted; the
        weights, losses, window and update count end as the row-by-row calls leave them, bit for bit.
        """
        n = int(labels.shape[0])
        resolving = labels >= 0
        if len(self.members) > MAX_SEQUENTIAL_MEMBERS:
            return self._mix_row_by_row(member_raw, predicted, resolved_raw, labels)
        members = len(self.members)
        calibrated = np.zeros((n, members, N_CLASSES))
        scored = np.zeros((n, members))
        rows = np.flatnonzero(resolving)
        for m, member in enumerate(self.members):
            calibrated[predicted, m] = member.calibrator.transform_rows(member_raw[predicted, m])
            realised = member.calibrator.transform_rows(resolved_raw[rows, m])
            scored[rows, m] = realised[np.arange(rows.shape[0]), labels[rows]]
        weights = self._weights.copy()
        out: F64 = online_mix(
            calibrated, predicted, scored, labels, self._loss, weights, self.decay, EPS, _MIN_LOSS
        )
        if rows.shape[0]:
            self._weights = weights
            self._weight_list = weights.tolist()
            self.window.extend(resolved_raw[rows], labels[rows])
            self.updates += int(rows.shape[0])
        return out

    def _mix_row_by_row(self, member_raw: F64, predicted: BoolArray, resolved_raw: F64, labels: I64) -> F64:
        out = np.full((labels.shape[0], N_CLASSES), np.nan)
        for i in range(labels.shape[0]):
            if predicted[i]:
                down = flat = up = 0.0
                for m, (member, weight) in enumerate(zip(self.members, self._weight_list, strict=True)):
                    p = member.calibrator.transform_list(member_raw[i, m].tolist())
                    down += weight * p[0]
                    flat += weight * p[1]
                    up += weight * p[2]
                out[i] = (down, flat, up)
            if labels[i] >= 0:
                self.update(resolved_raw[i], int(labels[i]))
        return out

    def recalibrate(self) -> bool:
        """Refit every member's calibrator on the recent window; False (nothing changed) when the window
        holds fewer than 100 outcomes."""
        if len(self.window) < MIN_CALIBRATION_SAMPLES:
            return False
        probs, labels = self.window.arrays()
        for i, member in enumerate(self.members):
            member.calibrator = fit_calibrator(self.calibration_method, probs[:, i, :], labels)
        return True


def _initial_loss(member: ModelBundle) -> float:
    value = member.manifest.metrics.get("log_loss", math.log(N_CLASSES))
    return value if math.isfinite(value) and value > 0 else math.log(N_CLASSES)


class PendingOutcomes:
    """Resolves live predictions once their horizon has passed and feeds the outcomes to ``update``.

    Call ``on_book(mid_ticks, prediction)`` once per book update of one instrument, in order
    (``prediction`` may be None when none was made). After ``h`` more updates the prediction's label
    is known (the same rule as training labels) and the ensemble is updated.
    """

    def __init__(self, ensemble: WeightedEnsemble) -> None:
        self.ensemble = ensemble
        self.params = ensemble.label_params
        self._queue: deque[tuple[float, EnsemblePrediction | None]] = deque()

    def on_book(self, mid_ticks: float, prediction: EnsemblePrediction | None) -> int | None:
        """Record this update; returns the label resolved now (or None)."""
        self._queue.append((mid_ticks, prediction))
        if len(self._queue) <= self.params.horizon:
            return None
        then_mid, then_prediction = self._queue.popleft()
        change = mid_ticks - then_mid
        if math.isnan(change) or then_prediction is None:
            return None
        dead_zone = self.params.dead_zone_ticks
        label = UP if change > dead_zone else DOWN if change < -dead_zone else FLAT
        self.ensemble.update(then_prediction.member_raw, label)
        return label

    def on_books(self, mids_ticks: F64, member_raw: F64, predicted: BoolArray) -> F64:
        """``n`` books of this instrument at once: what ``predict_row`` for each predicted book
        followed by ``on_book`` would do, in order, with the ensemble's current calibrators.

        ``member_raw`` (n, members, 3) is ``WeightedEnsemble.member_proba_rows`` of the books'
        vectors (rows not ``predicted`` are ignored). Returns the mixed probabilities (n, 3), NaN where
        nothing was predicted; the ensemble and the pending queue end as the row-by-row calls leave them.
        """
        n = int(mids_ticks.shape[0])
        members = len(self.ensemble.members)
        held = list(self._queue)
        q0 = len(held)
        mids = np.concatenate([np.array([mid for mid, _ in held], dtype=np.float64), mids_ticks])
        raw = np.full((q0 + n, members, N_CLASSES), np.nan)
        for k, (_, prediction) in enumerate(held):
            if prediction is not None:
                raw[k] = prediction.member_raw
        raw[q0:] = member_raw
        has = np.concatenate([np.array([p is not None for _, p in held], dtype=np.bool_), predicted])
        horizon = self.params.horizon
        at = np.arange(q0, q0 + n)  # each new book's place in the queue's history
        then = at - horizon
        due = then >= 0
        source = np.where(due, then, 0)
        change = mids[at] - mids[source]
        dead_zone = self.params.dead_zone_ticks
        label = np.where(change > dead_zone, UP, np.where(change < -dead_zone, DOWN, FLAT))
        resolving = due & ~np.isnan(change) & has[source]
        labels = np.where(resolving, label, -1).astype(np.int64)
        out = self.ensemble.mix_online(member_raw, predicted, raw[source], labels)
        keep = min(horizon, q0 + n)
        tail: list[tuple[float, EnsemblePrediction | None]] = []
        for k in range(q0 + n - keep, q0 + n):
            if k < q0:
                tail.append(held[k])
            else:
                i = k - q0
                prediction = EnsemblePrediction(out[i].copy(), raw[k].copy()) if predicted[i] else None
                tail.append((float(mids_ticks[i]), prediction))
        self._queue = deque(tail)
        return out
