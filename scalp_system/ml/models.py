"""The two model families of the ensemble: gradient-boosted trees (LightGBM) and a linear model.

Both map a float64 feature matrix to class probabilities in the fixed order [down, flat, up] and both
handle class imbalance with balanced class weights (each class weighs n / (3 · n_class) in the loss).
A class absent from training never breaks prediction: the model still answers three columns and the
absent class gets the probability floor. Both serialise to plain text (LightGBM's own model format;
JSON arrays for the linear model) — never pickle — and rebuild from those bytes alone.

The single-row path avoids library overhead: trees run on ``CompactTreeEnsemble`` (exact parity with
LightGBM, tested), the linear model is a standardise → matrix-vector → softmax in numpy.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from typing import Any, ClassVar, Protocol

import numpy as np
import numpy.typing as npt

from scalp_system.ml.labels import N_CLASSES
from scalp_system.ml.row_kernels import softmax_floor_rows
from scalp_system.ml.tree_eval import CompactTreeEnsemble

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

PROBABILITY_FLOOR = 1e-4
_ABSENT_LOGIT = -30.0


class ClassProbabilityModel(Protocol):
    """What the ensemble needs of a model: probabilities for many rows and for one row, and bytes."""

    family: ClassVar[str]

    def predict_proba(self, x_batch: F64) -> F64:
        """(n, 3) probabilities [down, flat, up] for the rows of ``x_batch``."""
        ...

    def predict_proba_row(self, x: F64) -> F64:
        """(3,) probabilities for one feature vector; the live path."""
        ...

    def proba_list(self, x: F64) -> list[float]:
        """``predict_proba_row`` as three Python floats (the ensemble's hot path)."""
        ...

    def proba_rows(self, x_batch: F64) -> F64:
        """``proba_list`` of every row of ``x_batch`` at once, bit-identical (backtests' fast path)."""
        ...

    def to_files(self) -> dict[str, bytes]:
        """The artifact: file name → bytes, enough to rebuild the model with ``model_from_files``."""
        ...


def apply_floor(probs: F64, floor: float = PROBABILITY_FLOOR) -> F64:
    """Raise every probability to at least ``floor`` and renormalise rows (works for (3,) and (n, 3))."""
    floored = np.maximum(probs, floor)
    out: F64 = floored / floored.sum(axis=-1, keepdims=True)
    return out


def floor_list(probs: list[float], floor: float = PROBABILITY_FLOOR) -> list[float]:
    """``apply_floor`` for one row held as Python floats (cheaper than numpy for three numbers)."""
    floored = [p if p > floor else floor for p in probs]
    total = sum(floored)
    return [p / total for p in floored]


def softmax_list(logits: list[float]) -> list[float]:
    """Softmax of a few Python floats."""
    top = max(logits)
    exps = [math.exp(v - top) for v in logits]
    total = sum(exps)
    return [e / total for e in exps]


def balanced_sample_weights(y: I64) -> F64:
    """Per-row weights n / (K · n_class) over the classes present, so each class carries equal weight."""
    counts = np.bincount(y, minlength=N_CLASSES).astype(np.float64)
    present = int(np.count_nonzero(counts))
    per_class = np.divide(y.shape[0], present * counts, out=np.zeros_like(counts), where=counts > 0)
    weights: F64 = per_class[y]
    return weights


@dataclass(frozen=True, slots=True)
class GbmParams:
    """LightGBM settings; deterministic by construction (fixed seed, few threads, deterministic=True)."""

    num_iterations: int = 60
    learning_rate: float = 0.1
    num_leaves: int = 15
    max_depth: int = 5
    min_data_in_leaf: int = 50
    lambda_l2: float = 1.0
    feature_fraction: float = 0.9
    seed: int = 7
    num_threads: int = 1

    def lightgbm_params(self) -> dict[str, Any]:
        """The parameter dict handed to ``lightgbm.train``."""
        return {
            "objective": "multiclass",
            "num_class": N_CLASSES,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_data_in_leaf": self.min_data_in_leaf,
            "lambda_l2": self.lambda_l2,
            "feature_fraction": self.feature_fraction,
            "feature_fraction_seed": self.seed,
            "bagging_seed": self.seed,
            "data_random_seed": self.seed,
            "seed": self.seed,
            "num_threads": self.num_threads,
            "deterministic": True,
            "force_row_wise": True,
            "verbosity": -1,
            "zero_as_missing": False,
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for manifests."""
        return asdict(self)


class LightGBMModel:
    """Gradient-boosted trees: LightGBM for training and batch prediction, the compact evaluator live."""

    family: ClassVar[str] = "lightgbm"

    def __init__(self, model_text: str) -> None:
        import lightgbm as lgb

        self._text = model_text
        self._booster = lgb.Booster(model_str=model_text)
        self._compact = CompactTreeEnsemble(model_text)
        if self._compact.num_class != N_CLASSES:
            raise ValueError(f"tree model has {self._compact.num_class} classes, expected {N_CLASSES}")
        self.num_features = self._compact.num_features

    @classmethod
    def fit(cls, x_batch: F64, y: I64, params: GbmParams | None = None) -> LightGBMModel:
        """Train on ``x_batch`` (n, d) and classes ``y`` (n,) with balanced class weights."""
        import lightgbm as lgb

        settings = params or GbmParams()
        data = lgb.Dataset(
            x_batch, label=y, weight=balanced_sample_weights(y), free_raw_data=True, params={"verbosity": -1}
        )
        booster = lgb.train(settings.lightgbm_params(), data, num_boost_round=settings.num_iterations)
        return cls(booster.model_to_string())

    @property
    def compact(self) -> CompactTreeEnsemble:
        """The numpy evaluator (exposed for parity tests and benchmarks)."""
        return self._compact

    def feature_importance(self) -> F64:
        """Total split gain per feature (the report's feature importance), in feature order."""
        gains: F64 = np.asarray(self._booster.feature_importance(importance_type="gain"), dtype=np.float64)
        return gains

    def predict_proba_booster(self, x_batch: F64) -> F64:
        """LightGBM's own prediction, unfloored (the reference for parity)."""
        out: F64 = np.asarray(self._booster.predict(x_batch), dtype=np.float64)
        return out

    def predict_proba(self, x_batch: F64) -> F64:
        """Batch probabilities via LightGBM (fast in C for many rows), floored."""
        return apply_floor(self.predict_proba_booster(x_batch))

    def predict_proba_row(self, x: F64) -> F64:
        """One row via the compact evaluator, floored."""
        return np.array(self.proba_list(x))

    def proba_list(self, x: F64) -> list[float]:
        """One row via the compact evaluator, floored, as Python floats."""
        return floor_list(self._compact.proba_list(x))

    def proba_rows(self, x_batch: F64) -> F64:
        """``proba_list`` of every row of ``x_batch`` (n, d) at once, bit-identical (compiled walk)."""
        return self._compact.floored_proba_rows(x_batch, PROBABILITY_FLOOR)

    def to_files(self) -> dict[str, bytes]:
        """LightGBM's text model format."""
        return {"model.txt": self._text.encode("utf-8")}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> LightGBMModel:
        """Rebuild from ``to_files`` output."""
        return cls(files["model.txt"].decode("utf-8"))


class LinearModel:
    """Standardised multinomial logistic regression (scikit-learn to fit, numpy to predict).

    Missing feature values are imputed with the training mean (0 after standardisation).
    """

    family: ClassVar[str] = "linear"

    def __init__(self, mean: F64, scale: F64, coef: F64, intercept: F64) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.inv_scale = 1.0 / self.scale
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        if self.coef.shape != (N_CLASSES, self.mean.shape[0]) or self.intercept.shape != (N_CLASSES,):
            raise ValueError(
                f"linear model arrays disagree: coef {self.coef.shape}, "
                f"intercept {self.intercept.shape}, {self.mean.shape[0]} features"
            )
        self.num_features = int(self.mean.shape[0])
        # Standardisation folded into the weights for the single-row path: W' = W / s, b' = b − W' · μ.
        self._row_coef = self.coef * self.inv_scale
        self._row_intercept = self.intercept - self._row_coef @ self.mean

    @classmethod
    def fit(cls, x_batch: F64, y: I64, *, c: float = 0.1, max_iter: int = 200) -> LinearModel:
        """Fit with balanced class weights; absent classes get a very negative logit."""
        from sklearn.linear_model import LogisticRegression

        mean = np.nanmean(x_batch, axis=0)
        mean = np.where(np.isnan(mean), 0.0, mean)
        std = np.nanstd(x_batch, axis=0)
        scale = np.where((std > 0) & np.isfinite(std), std, 1.0)
        z_batch = np.nan_to_num((x_batch - mean) / scale, nan=0.0, posinf=0.0, neginf=0.0)
        present = np.unique(y)
        coef = np.zeros((N_CLASSES, x_batch.shape[1]))
        intercept = np.full(N_CLASSES, _ABSENT_LOGIT)
        if present.size == 1:
            intercept[present[0]] = 0.0
            return cls(mean, scale, coef, intercept)
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=max_iter)
        model.fit(z_batch, y)
        fitted_coef = np.asarray(model.coef_, dtype=np.float64)
        fitted_intercept = np.asarray(model.intercept_, dtype=np.float64)
        classes = [int(k) for k in model.classes_]
        if len(classes) == 2:  # binary: sklearn keeps one logit for classes[1] against classes[0]
            coef[classes[0]] = 0.0
            intercept[classes[0]] = 0.0
            coef[classes[1]] = fitted_coef[0]
            intercept[classes[1]] = fitted_intercept[0]
        else:
            for row, k in enumerate(classes):
                coef[k] = fitted_coef[row]
                intercept[k] = fitted_intercept[row]
        return cls(mean, scale, coef, intercept)

    def _standardise(self, x_batch: F64) -> F64:
        z_batch: F64 = np.nan_to_num((x_batch - self.mean) * self.inv_scale, nan=0.0, posinf=0.0, neginf=0.0)
        return z_batch

    def predict_proba(self, x_batch: F64) -> F64:
        """Batch probabilities, floored."""
        logits = self._standardise(x_batch) @ self.coef.T + self.intercept
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return apply_floor(e / e.sum(axis=1, keepdims=True))

    def predict_proba_row(self, x: F64) -> F64:
        """One row, floored."""
        return np.array(self.proba_list(x))

    def proba_list(self, x: F64) -> list[float]:
        """One row, floored, as Python floats; a row with NaN takes the imputing path."""
        logits = self._row_coef @ x + self._row_intercept
        if math.isnan(logits.sum()):
            logits = self.coef @ self._standardise(x) + self.intercept
        return floor_list(softmax_list(logits.tolist()))

    def proba_rows(self, x_batch: F64) -> F64:
        """``proba_list`` of every row of ``x_batch`` (n, d) at once, bit-identical.

        The logits come from one stacked ``matmul`` that runs the very matrix-vector product of the
        single-row path for each row (so the summation order is the same); rows whose logits are not
        all finite take ``proba_list`` itself. Softmax and floor run compiled, with the same arithmetic.
        """
        x = np.ascontiguousarray(x_batch, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.num_features:
            raise ValueError(f"feature matrix has shape {x.shape}, expected (n, {self.num_features})")
        logits = np.matmul(self._row_coef, x[:, :, None])[:, :, 0] + self._row_intercept
        out: F64 = softmax_floor_rows(logits, PROBABILITY_FLOOR)
        for row in np.flatnonzero(~np.isfinite(logits).all(axis=1)).tolist():
            out[row] = self.proba_list(x[row])
        return out

    def to_files(self) -> dict[str, bytes]:
        """JSON arrays (floats written with repr precision, so the round trip is exact)."""
        body = {
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "coef": self.coef.tolist(),
            "intercept": self.intercept.tolist(),
        }
        return {"model.json": json.dumps(body).encode("utf-8")}

    @classmethod
    def from_files(cls, files: dict[str, bytes]) -> LinearModel:
        """Rebuild from ``to_files`` output."""
        body = json.loads(files["model.json"].decode("utf-8"))
        return cls(
            np.asarray(body["mean"]),
            np.asarray(body["scale"]),
            np.asarray(body["coef"]),
            np.asarray(body["intercept"]),
        )


MODEL_FAMILIES: dict[str, type[LightGBMModel] | type[LinearModel]] = {
    LightGBMModel.family: LightGBMModel,
    LinearModel.family: LinearModel,
}


def model_from_files(family: str, files: dict[str, bytes]) -> LightGBMModel | LinearModel:
    """Rebuild a model of ``family`` from its artifact files (the registry calls this after hashing)."""
    if family not in MODEL_FAMILIES:
        raise ValueError(f"unknown model family {family!r}; known: {sorted(MODEL_FAMILIES)}")
    return MODEL_FAMILIES[family].from_files(files)
