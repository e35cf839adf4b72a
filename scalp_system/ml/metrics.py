"""Out-of-sample scores of 3-class probability forecasts: accuracy, macro F1, log-loss, Brier.

Plain numpy so that training, the ensemble's online weights and the reports share one definition.
Log-loss clips probabilities at ``EPS`` (a forecast of exactly 0 for what happened costs ~34.5 nats,
not infinity); Brier is the multi-class form, the mean over rows of Σ_k (p_k − 1[y = k])².
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from scalp_system.ml.labels import N_CLASSES

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

EPS = 1e-15


@dataclass(frozen=True, slots=True)
class Scores:
    """Scores of one forecaster on one labelled sample."""

    n: int
    accuracy: float
    macro_f1: float
    log_loss: float
    brier: float

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return asdict(self)


def row_log_loss(probs: F64, labels: I64) -> F64:
    """Per-row negative log-likelihood of the realised class."""
    picked = probs[np.arange(labels.shape[0]), labels]
    return -np.log(np.clip(picked, EPS, 1.0))


def log_loss(probs: F64, labels: I64) -> float:
    """Mean negative log-likelihood (nats)."""
    return float(row_log_loss(probs, labels).mean()) if labels.size else float("nan")


def brier(probs: F64, labels: I64) -> float:
    """Multi-class Brier score: mean Σ_k (p_k − onehot_k)²."""
    if labels.size == 0:
        return float("nan")
    onehot = np.zeros_like(probs)
    onehot[np.arange(labels.shape[0]), labels] = 1.0
    return float(((probs - onehot) ** 2).sum(axis=1).mean())


def macro_f1(predicted: I64, labels: I64) -> float:
    """Unweighted mean of per-class F1 over the classes present in truth or prediction."""
    scores = []
    for k in range(N_CLASSES):
        tp = int(np.count_nonzero((predicted == k) & (labels == k)))
        fp = int(np.count_nonzero((predicted == k) & (labels != k)))
        fn = int(np.count_nonzero((predicted != k) & (labels == k)))
        if tp + fp + fn == 0:
            continue
        scores.append(2.0 * tp / (2.0 * tp + fp + fn))
    return float(np.mean(scores)) if scores else float("nan")


def score(probs: F64, labels: I64, predicted: I64 | None = None) -> Scores:
    """All scores; ``predicted`` (hard classes) defaults to the argmax of ``probs``."""
    hard = np.argmax(probs, axis=1).astype(np.int64) if predicted is None else predicted
    n = int(labels.shape[0])
    accuracy = float(np.mean(hard == labels)) if n else float("nan")
    return Scores(n, accuracy, macro_f1(hard, labels), log_loss(probs, labels), brier(probs, labels))
