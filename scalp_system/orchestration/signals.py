"""The path-independent part of a decision: model prediction, online ensemble weights and drift.

One feature vector in per accepted book, a signal (calibrated probabilities) out, plus a drift check
every ``drift.check_every`` books per instrument. When the drift detector raises its calibration flag
the ensemble is recalibrated on its recent window of outcomes. The live path (Orchestrator) and the
backtest's fast path both call this one class, so they cannot disagree.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.ml.drift import DriftCheck, DriftDetector
from scalp_system.ml.ensemble import PendingOutcomes, WeightedEnsemble
from scalp_system.strategy.scalper import Signal

F64 = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Price levels drift by nature (the market moves); drift is judged on stationary features only.
_LEVEL_UNITS = frozenset({"price"})


@dataclass(frozen=True, slots=True)
class SignalStep:
    """What one book produced: the signal (None when no prediction), a drift check if one ran, and
    whether the ensemble was recalibrated."""

    signal: Signal | None
    drift: DriftCheck | None = None
    recalibrated: bool = False


@dataclass(frozen=True, slots=True)
class SignalRows:
    """What ``n`` books of one instrument produced, as arrays (``SignalPipeline.on_matrix``)."""

    probs: F64  # (n, 3) [down, flat, up]; NaN rows: no prediction (a non-finite feature vector)
    predicted: BoolArray  # (n,)
    checks: dict[int, DriftCheck]  # row → the drift check that ran at that book
    recalibrated: frozenset[int]  # rows at which the ensemble was recalibrated

    def __len__(self) -> int:
        return int(self.predicted.shape[0])

    def steps(self) -> list[SignalStep]:
        """One SignalStep per book, equal to what ``on_vector`` returns for it."""
        steps = [
            SignalStep(Signal(down, flat, up)) if made else _NO_SIGNAL
            for (down, flat, up), made in zip(self.probs.tolist(), self.predicted.tolist(), strict=True)
        ]
        for row in sorted(set(self.checks) | self.recalibrated):
            steps[row] = SignalStep(steps[row].signal, self.checks.get(row), row in self.recalibrated)
        return steps

    def lazy_steps(self) -> StepRows:
        """The same steps as ``steps``, each built only when read."""
        return StepRows(self)


_NO_SIGNAL = SignalStep(None)


class StepRows(Sequence[SignalStep]):
    """``SignalRows.steps()`` (rows ``start`` to ``stop``) as a sequence that builds each step when it
    is read: the backtest reads only the books it replays one by one, and answers for the quiet
    stretches it skips (``quiet``, ``signal_summary``) from the arrays."""

    def __init__(
        self,
        rows: SignalRows,
        start: int = 0,
        stop: int | None = None,
        special: dict[int, SignalStep] | None = None,
    ) -> None:
        self._rows = rows
        self._start = start
        self._stop = len(rows) if stop is None else stop
        self._special = special if special is not None else {  # rows with a drift check or recalibration
            row: SignalStep(None, rows.checks.get(row), row in rows.recalibrated)
            for row in set(rows.checks) | rows.recalibrated
        }

    def __len__(self) -> int:
        return self._stop - self._start

    @overload
    def __getitem__(self, index: int) -> SignalStep: ...

    @overload
    def __getitem__(self, index: slice) -> list[SignalStep]: ...

    def __getitem__(self, index: int | slice) -> SignalStep | list[SignalStep]:
        if isinstance(index, slice):
            return [self._step(self._start + i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"step {index} of {len(self)}")
        return self._step(self._start + index)

    def window(self, start: int, stop: int) -> StepRows:
        """Steps ``start`` to ``stop`` of this sequence, still unbuilt."""
        start, stop, _ = slice(start, stop).indices(len(self))
        return StepRows(self._rows, self._start + start, self._start + max(stop, start), self._special)

    def _step(self, row: int) -> SignalStep:
        rows = self._rows
        signal = Signal(*rows.probs[row].tolist()) if rows.predicted[row] else None
        special = self._special.get(row)
        if special is None:
            return SignalStep(signal) if signal is not None else _NO_SIGNAL
        return SignalStep(signal, special.drift, special.recalibrated)

    def quiet(self, entry_probability: float) -> BoolArray:
        """Per step: no drift check or recalibration, and no signal or one under ``entry_probability``
        on both sides (``backtest.quiet.quiet_steps`` for these steps)."""
        part = slice(self._start, self._stop)
        probs = self._rows.probs[part]
        below = (probs[:, 0] < entry_probability) & (probs[:, 2] < entry_probability)
        quiet: BoolArray = ~self._rows.predicted[part] | below
        quiet[[row - self._start for row in self._special if self._start <= row < self._stop]] = False
        return quiet

    def signal_summary(self) -> tuple[int, Signal | None]:
        """How many of these steps carry a signal, and the last such signal."""
        made = np.flatnonzero(self._rows.predicted[self._start : self._stop])
        if not len(made):
            return 0, None
        return len(made), self._step(self._start + int(made[-1])).signal


def signal_summary(steps: Sequence[SignalStep]) -> tuple[int, Signal | None]:
    """How many ``steps`` carry a signal, and the last such signal (a quiet stretch's bookkeeping)."""
    if isinstance(steps, StepRows):
        return steps.signal_summary()
    count, last = 0, None
    for step in steps:
        if step.signal is not None:
            count, last = count + 1, step.signal
    return count, last


def monitored_features(config: Config) -> tuple[str, ...]:
    """Feature names the drift detector watches (all but price levels)."""
    from scalp_system.features import feature_specs

    return tuple(
        spec.name
        for spec in feature_specs(config.features, config.data.lob_levels)
        if spec.unit not in _LEVEL_UNITS
    )


class SignalPipeline:
    """Model, outcomes and drift for every instrument of a run."""

    def __init__(
        self,
        model: WeightedEnsemble,
        config: Config,
        instrument_ids: list[str],
        references: Mapping[str, F64] | None = None,
        *,
        now_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self.model = model
        self._outcomes = {uid: PendingOutcomes(model) for uid in instrument_ids}
        self._drift: dict[str, DriftDetector] = {}
        names = model.live_features.names
        monitored = [n for n in monitored_features(config) if n in names]
        for uid in instrument_ids:
            reference = (references or {}).get(uid)
            if reference is not None and reference.ndim == 2 and reference.shape[1] == len(names):
                self._drift[uid] = DriftDetector(
                    reference,
                    names,
                    config.drift,
                    monitored=monitored,
                    log_path=config.drift.log_path,
                    now_ns=now_ns,
                )

    def on_vector(self, instrument_id: str, vector: F64, mid_ticks: float) -> SignalStep:
        """Predict for one accepted book, resolve older predictions, and check drift."""
        finite = bool(np.all(np.isfinite(vector)))
        prediction = self.model.predict_row(vector) if finite else None
        outcomes = self._outcomes.get(instrument_id)
        if outcomes is not None:
            outcomes.on_book(mid_ticks, prediction)
        check = None
        recalibrated = False
        detector = self._drift.get(instrument_id)
        if detector is not None and finite:
            check = detector.observe(vector)
            if check is not None and detector.calibration_flag and self.model.recalibrate():
                detector.mark_recalibrated()
                recalibrated = True
        if prediction is None:
            return SignalStep(None, check, recalibrated)
        p_down, p_flat, p_up = (float(p) for p in prediction.probs)
        return SignalStep(Signal(p_down, p_flat, p_up), check, recalibrated)

    def on_matrix(
        self,
        instrument_id: str,
        matrix: F64,
        mids_ticks: F64,
        *,
        before_row: Callable[[int], None] | None = None,
    ) -> SignalRows:
        """``on_vector`` for every row of ``matrix`` (n, features) in order, at once: the same signals,
        drift checks and recalibrations, bit for bit, and the same state afterwards (a test compares).

        The members' raw outputs come from their batch twins; the sequential part (calibration, online
        weights, outcomes) runs compiled between drift checks, and a check that flags drift
        recalibrates before the next row, as live. ``before_row(i)`` is called before book ``i``'s
        drift observation (only when a detector watches this instrument) so the caller can set the
        clock the detector stamps its checks with.
        """
        n = int(matrix.shape[0])
        finite: BoolArray = np.asarray(np.isfinite(matrix).all(axis=1), dtype=np.bool_).reshape(n)
        members = len(self.model.members)
        raw = np.full((n, members, 3), np.nan)
        if finite.any():
            raw[finite] = self.model.member_proba_rows(np.ascontiguousarray(matrix[finite]))
        outcomes = self._outcomes.get(instrument_id)
        detector = self._drift.get(instrument_id)
        probs = np.full((n, 3), np.nan)
        checks: dict[int, DriftCheck] = {}
        recalibrated: set[int] = set()
        start = 0
        while start < n:
            end, check = n - 1, None
            if detector is not None:
                for row in range(start, n):
                    if not finite[row]:
                        continue
                    if before_row is not None:
                        before_row(row)
                    check = detector.observe(matrix[row])
                    if check is not None:
                        end = row
                        break
            part = slice(start, end + 1)
            if outcomes is not None:
                probs[part] = outcomes.on_books(mids_ticks[part], raw[part], finite[part])
            else:
                none = np.full(end + 1 - start, -1, dtype=np.int64)
                probs[part] = self.model.mix_online(raw[part], finite[part], raw[part], none)
            if check is not None and detector is not None:
                checks[end] = check
                if detector.calibration_flag and self.model.recalibrate():
                    detector.mark_recalibrated()
                    recalibrated.add(end)
            start = end + 1
        return SignalRows(probs, finite, checks, frozenset(recalibrated))
