"""Walk-forward training of the ensemble's members and an honest out-of-sample report (SPEC §3).

``train`` takes a time-ordered feature matrix (rows = book updates, columns in registry order), the
mid prices in ticks and the feature schema. It labels the rows (per instrument segment), cuts
expanding walk-forward folds with a purge gap of ``h`` updates, and in every fold fits each model
family on the older part of the training rows, calibrates it on the newest part (again after a
purge gap) and scores it on the test block. The ensemble in a fold mixes the calibrated members with
weights from their calibration-window log-loss. Two naive baselines are scored on the same rows:
always-flat (hard class FLAT; probabilities = the training class frequencies) and the sign of the
level-1 depth imbalance (UP if > 0, DOWN if < 0, FLAT if 0; probabilities = the training frequencies
of each class given that sign). Finally every family is refitted on all rows (the newest slice
calibrates) and returned as bundles whose manifests carry the pooled out-of-sample scores.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from scalp_system.config import MlConfig
from scalp_system.ml.bundle import ModelBundle
from scalp_system.ml.calibration import fit_calibrator
from scalp_system.ml.labels import DOWN, FLAT, N_CLASSES, UP, LabelParams, direction_labels
from scalp_system.ml.manifest import DataRange, FeatureVectorSpec, ModelManifest, library_versions
from scalp_system.ml.metrics import Scores, log_loss, score
from scalp_system.ml.models import GbmParams, LightGBMModel, LinearModel
from scalp_system.ml.splits import walk_forward_splits

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

ProgressCallback = Callable[[str, int, int], None]
"""``progress(description, steps_done, steps_total)``; the CLI drives a rich progress bar with it."""

ENSEMBLE = "ensemble"
BASELINE_FLAT = "baseline_always_flat"
BASELINE_IMBALANCE = "baseline_imbalance_sign"
DEFAULT_IMBALANCE_FEATURE = "depth_imbalance_1"


@dataclass(frozen=True, slots=True)
class TrainingSettings:
    """Knobs of one training run beyond ``MlConfig`` (defaults suit minutes-to-hours of books)."""

    n_folds: int = 4
    min_train_fraction: float = 0.4
    calibration_fraction: float = 0.2
    families: tuple[str, ...] = ("lightgbm", "linear")
    gbm: GbmParams = field(default_factory=GbmParams)
    linear_c: float = 0.1
    imbalance_feature: str = DEFAULT_IMBALANCE_FEATURE

    @classmethod
    def from_config(cls, cfg: MlConfig) -> TrainingSettings:
        """Folds, boosting rounds and seed from ``MlConfig``; everything else default."""
        gbm = GbmParams(num_iterations=cfg.gbm_iterations, seed=cfg.seed)
        return cls(n_folds=cfg.walk_forward_folds, gbm=gbm)


@dataclass(frozen=True, slots=True)
class FoldReport:
    """Scores of every forecaster on one walk-forward test block."""

    index: int
    n_fit: int
    n_calibrate: int
    n_test: int
    test_first_row: int
    test_last_row: int
    weights: dict[str, float]
    scores: dict[str, Scores]


@dataclass(frozen=True, slots=True)
class TrainingReport:
    """What was trained on, how it was split, and how every forecaster scored out of sample."""

    instruments: tuple[str, ...]
    from_ns: int
    to_ns: int
    n_rows: int
    n_labelled: int
    class_counts: dict[str, int]
    label: dict[str, float | int]
    n_features: int
    registry_version: str
    lob_levels: int
    data_sha256: str
    folds: list[FoldReport]
    pooled: dict[str, Scores]
    final_weights: dict[str, float]
    duration_s: float
    library_versions: dict[str, str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready nested dict."""
        return asdict(self)

    def to_json(self) -> str:
        """Indented JSON (NaN written as null)."""
        return json.dumps(_nan_to_none(self.to_dict()), indent=2, sort_keys=True)

    def beats_baselines(self, metric: str = "log_loss") -> bool:
        """True when the ensemble's pooled ``metric`` beats both baselines (lower loss / higher score)."""
        lower_is_better = metric in ("log_loss", "brier")
        ours = getattr(self.pooled[ENSEMBLE], metric)
        others = [getattr(self.pooled[b], metric) for b in (BASELINE_FLAT, BASELINE_IMBALANCE)]
        return all(ours < o if lower_is_better else ours > o for o in others)

    def summary_table(self) -> Any:
        """A rich Table of the pooled out-of-sample scores (print with ``rich.console.Console``)."""
        from rich.table import Table

        table = Table(
            title=f"Out-of-sample, {len(self.folds)} walk-forward folds, "
            f"h = {self.label['horizon']}, {self.n_labelled} labelled rows"
        )
        for column in ("forecaster", "n", "accuracy", "macro F1", "log-loss", "Brier"):
            table.add_column(column, justify="left" if column == "forecaster" else "right")
        for name, s in self.pooled.items():
            table.add_row(
                name,
                str(s.n),
                f"{s.accuracy:.4f}",
                f"{s.macro_f1:.4f}",
                f"{s.log_loss:.4f}",
                f"{s.brier:.4f}",
            )
        return table


@dataclass(slots=True)
class TrainingResult:
    """The report and the final bundles (one per family), ready for ``ModelRegistry.save``."""

    report: TrainingReport
    bundles: list[ModelBundle]


def _nan_to_none(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _nan_to_none(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nan_to_none(v) for v in value]
    return value


def _segment_ids(n_rows: int, segments: Sequence[int] | None) -> I64:
    lengths = list(segments) if segments is not None else [n_rows]
    if sum(lengths) != n_rows:
        raise ValueError(f"segment lengths sum to {sum(lengths)}, not {n_rows} rows")
    return np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)


def labels_by_segment(mids_ticks: F64, params: LabelParams, segments: Sequence[int] | None) -> F64:
    """Direction labels computed inside each segment (an instrument never looks into another's mids)."""
    lengths = list(segments) if segments is not None else [mids_ticks.shape[0]]
    parts = []
    start = 0
    for length in lengths:
        parts.append(direction_labels(mids_ticks[start : start + length], params))
        start += length
    return np.concatenate(parts) if parts else np.empty(0)


def _fit_calibrate_split(train: I64, segment_of: I64, fraction: float, purge: int) -> tuple[I64, I64]:
    """Per segment: the newest ``fraction`` of its training rows calibrates, ``purge`` rows before it are
    dropped, the rest fits."""
    fit_parts, cal_parts = [], []
    for seg in np.unique(segment_of[train]):
        rows = train[segment_of[train] == seg]
        tail = int(rows.shape[0] * fraction)
        if tail == 0 or rows.shape[0] <= tail + purge:
            fit_parts.append(rows)
            continue
        fit_parts.append(rows[: rows.shape[0] - tail - purge])
        cal_parts.append(rows[rows.shape[0] - tail :])
    empty = np.empty(0, dtype=np.int64)
    fit = np.concatenate(fit_parts) if fit_parts else empty
    return fit, np.concatenate(cal_parts) if cal_parts else empty


def _fit_family(family: str, x_batch: F64, y: I64, settings: TrainingSettings) -> LightGBMModel | LinearModel:
    if family == LightGBMModel.family:
        return LightGBMModel.fit(x_batch, y, settings.gbm)
    if family == LinearModel.family:
        return LinearModel.fit(x_batch, y, c=settings.linear_c)
    raise ValueError(f"unknown model family {family!r}")


def _prior(y: I64) -> F64:
    counts = np.bincount(y, minlength=N_CLASSES).astype(np.float64) + 1.0  # Laplace: no zero probability
    out: F64 = counts / counts.sum()
    return out


def _imbalance_baseline(train_imb: F64, train_y: I64, test_imb: F64) -> tuple[F64, I64]:
    """Hard classes from the imbalance sign; probabilities = training class frequencies per sign."""
    sign_train = np.sign(np.nan_to_num(train_imb)).astype(np.int64) + 1  # 0 neg, 1 zero, 2 pos
    sign_test = np.sign(np.nan_to_num(test_imb)).astype(np.int64) + 1
    table = np.vstack([_prior(train_y[sign_train == s]) for s in range(3)])
    hard = np.choose(
        sign_test, [np.full_like(sign_test, DOWN), np.full_like(sign_test, FLAT), np.full_like(sign_test, UP)]
    )
    return table[sign_test], hard


def _inverse_loss_weights(losses: dict[str, float]) -> dict[str, float]:
    inverse = {k: 1.0 / max(v, 1e-6) if math.isfinite(v) else 0.0 for k, v in losses.items()}
    total = sum(inverse.values())
    if total <= 0:
        return {k: 1.0 / len(losses) for k in losses}
    return {k: v / total for k, v in inverse.items()}


def _fit_members(
    x_batch: F64,
    y: I64,
    fit: I64,
    cal: I64,
    cfg: MlConfig,
    settings: TrainingSettings,
    tick: Callable[[str], None],
) -> dict[str, tuple[LightGBMModel | LinearModel, Any, float]]:
    members: dict[str, tuple[LightGBMModel | LinearModel, Any, float]] = {}
    for family in settings.families:
        model = _fit_family(family, x_batch[fit], y[fit], settings)
        raw_cal = model.predict_proba(x_batch[cal]) if cal.size else np.empty((0, N_CLASSES))
        calibrator = fit_calibrator(cfg.calibration, raw_cal, y[cal])
        cal_loss = log_loss(calibrator.transform(raw_cal), y[cal]) if cal.size else math.log(N_CLASSES)
        members[family] = (model, calibrator, cal_loss)
        tick(family)
    return members


def train(
    features: F64,
    mids_ticks: F64,
    schema: FeatureVectorSpec | Any,
    cfg: MlConfig,
    *,
    settings: TrainingSettings | None = None,
    segments: Sequence[int] | None = None,
    instruments: Sequence[str] = (),
    from_ns: int = 0,
    to_ns: int = 0,
    imbalance: F64 | None = None,
    progress: ProgressCallback | None = None,
) -> TrainingResult:
    """Train every family walk-forward and return the report plus the final calibrated bundles.

    ``features`` (n, d) in the order of ``schema``; ``mids_ticks`` (n,); ``segments`` the row counts of
    consecutive instruments (default: one); ``imbalance`` the level-1 depth imbalance per row for the
    baseline (default: the schema's ``depth_imbalance_1`` column, else zeros).
    """
    started = time.perf_counter()
    opts = settings or TrainingSettings.from_config(cfg)
    spec = FeatureVectorSpec.of(schema)
    matrix = np.asarray(features, dtype=np.float64)
    mids = np.asarray(mids_ticks, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[1] != len(spec.names):
        raise ValueError(
            f"feature matrix has shape {matrix.shape}; the schema names {len(spec.names)} features"
        )
    if mids.shape != (matrix.shape[0],):
        raise ValueError(f"mids have shape {mids.shape}, expected ({matrix.shape[0]},)")
    params = LabelParams(cfg.horizon, float(cfg.dead_zone_ticks))
    segment_of = _segment_ids(matrix.shape[0], segments)
    labels = labels_by_segment(mids, params, segments)
    labelled = ~np.isnan(labels)
    y_all = np.where(labelled, labels, FLAT).astype(np.int64)
    if imbalance is None:
        known = opts.imbalance_feature in spec.names
        imbalance = (
            matrix[:, spec.names.index(opts.imbalance_feature)] if known else np.zeros(matrix.shape[0])
        )
    folds = walk_forward_splits(
        matrix.shape[0],
        opts.n_folds,
        params.horizon,
        min_train_fraction=opts.min_train_fraction,
        segments=segments,
    )
    total = (len(folds) + 1) * len(opts.families)
    done = 0

    def tick(stage: str, family: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(f"{stage}: {family}", done, total)

    names = [*opts.families, ENSEMBLE, BASELINE_FLAT, BASELINE_IMBALANCE]
    pooled_probs: dict[str, list[F64]] = {k: [] for k in names}
    pooled_hard: dict[str, list[I64]] = {k: [] for k in names}
    pooled_y: list[I64] = []
    fold_reports: list[FoldReport] = []
    for fold in folds:
        train_rows = fold.train[labelled[fold.train]]
        test_rows = fold.test[labelled[fold.test]]
        fit, cal = _fit_calibrate_split(train_rows, segment_of, opts.calibration_fraction, params.horizon)
        if fit.size == 0 or test_rows.size == 0:
            done += len(opts.families)
            continue
        fold_label = f"fold {fold.index + 1}/{len(folds)}"
        members = _fit_members(matrix, y_all, fit, cal, cfg, opts, partial(tick, fold_label))
        weights = _inverse_loss_weights({k: v[2] for k, v in members.items()})
        y_test = y_all[test_rows]
        fold_probs: dict[str, F64] = {}
        fold_hard: dict[str, I64] = {}
        for family, (model, calibrator, _) in members.items():
            fold_probs[family] = calibrator.transform(model.predict_proba(matrix[test_rows]))
        mixed = np.zeros((test_rows.size, N_CLASSES))
        for family in members:
            mixed += weights[family] * fold_probs[family]
        fold_probs[ENSEMBLE] = mixed
        fold_probs[BASELINE_FLAT] = np.tile(_prior(y_all[train_rows]), (test_rows.size, 1))
        fold_hard[BASELINE_FLAT] = np.full(test_rows.size, FLAT, dtype=np.int64)
        fold_probs[BASELINE_IMBALANCE], fold_hard[BASELINE_IMBALANCE] = _imbalance_baseline(
            imbalance[train_rows], y_all[train_rows], imbalance[test_rows]
        )
        scores = {}
        for name in names:
            hard = fold_hard.get(name, np.argmax(fold_probs[name], axis=1).astype(np.int64))
            scores[name] = score(fold_probs[name], y_test, hard)
            pooled_probs[name].append(fold_probs[name])
            pooled_hard[name].append(hard)
        pooled_y.append(y_test)
        fold_reports.append(
            FoldReport(
                fold.index,
                int(fit.size),
                int(cal.size),
                int(test_rows.size),
                int(fold.test[0]),
                int(fold.test[-1]),
                weights,
                scores,
            )
        )
    if not fold_reports:
        raise ValueError("no fold had both labelled training and test rows; give more data or fewer folds")
    y_pooled = np.concatenate(pooled_y)
    pooled = {
        name: score(np.vstack(pooled_probs[name]), y_pooled, np.concatenate(pooled_hard[name]))
        for name in names
    }

    all_rows = np.flatnonzero(labelled).astype(np.int64)
    fit, cal = _fit_calibrate_split(all_rows, segment_of, opts.calibration_fraction, params.horizon)
    final = _fit_members(matrix, y_all, fit, cal, cfg, opts, partial(tick, "final"))
    final_weights = _inverse_loss_weights({k: v[2] for k, v in final.items()})
    data = DataRange(
        tuple(instruments),
        int(from_ns),
        int(to_ns),
        int(matrix.shape[0]),
        DataRange.hash_arrays(matrix, mids),
    )
    versions = library_versions()
    bundles = []
    for family, (model, calibrator, _) in final.items():
        family_params: dict[str, Any] = (
            opts.gbm.lightgbm_params()
            if family == LightGBMModel.family
            else {"C": opts.linear_c, "class_weight": "balanced"}
        )
        manifest = ModelManifest(
            name=family,
            family=family,
            feature_names=spec.names,
            registry_version=spec.registry_version,
            lob_levels=spec.lob_levels,
            label=params.to_dict(),
            data=data,
            metrics={k: float(v) for k, v in pooled[family].to_dict().items()},
            params=family_params,
            calibration=calibrator.method,
            library_versions=versions,
        )
        bundles.append(ModelBundle(manifest, model, calibrator))
    counts = np.bincount(y_all[labelled], minlength=N_CLASSES)
    report = TrainingReport(
        instruments=tuple(instruments),
        from_ns=int(from_ns),
        to_ns=int(to_ns),
        n_rows=int(matrix.shape[0]),
        n_labelled=int(labelled.sum()),
        class_counts={"down": int(counts[DOWN]), "flat": int(counts[FLAT]), "up": int(counts[UP])},
        label=params.to_dict(),
        n_features=len(spec.names),
        registry_version=spec.registry_version,
        lob_levels=spec.lob_levels,
        data_sha256=data.content_sha256,
        folds=fold_reports,
        pooled=pooled,
        final_weights=final_weights,
        duration_s=time.perf_counter() - started,
        library_versions=versions,
    )
    return TrainingResult(report, bundles)
