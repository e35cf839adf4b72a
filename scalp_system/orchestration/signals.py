"""The path-independent part of a decision: model prediction, online ensemble weights and drift.

One feature vector in per accepted book, a signal (calibrated probabilities) out, plus a drift check
every ``drift.check_every`` books per instrument. When the drift detector raises its calibration flag
the ensemble is recalibrated on its recent window of outcomes. The live path (Orchestrator) and the
backtest's fast path both call this one class, so they cannot disagree.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.config import Config
from scalp_system.ml.drift import DriftCheck, DriftDetector
from scalp_system.ml.ensemble import PendingOutcomes, WeightedEnsemble
from scalp_system.strategy.scalper import Signal

F64 = npt.NDArray[np.float64]

# Price levels drift by nature (the market moves); drift is judged on stationary features only.
_LEVEL_UNITS = frozenset({"price"})


@dataclass(frozen=True, slots=True)
class SignalStep:
    """What one book produced: the signal (None when no prediction), a drift check if one ran, and
    whether the ensemble was recalibrated."""

    signal: Signal | None
    drift: DriftCheck | None = None
    recalibrated: bool = False


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
