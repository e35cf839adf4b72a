"""The task plan of a sweep: training jobs and evaluation tasks, each with a content-addressed id.

An evaluation task is one configuration × one instrument group × one period × one walk-forward fold:
train on the fold's training window (a training job, shared by every configuration whose model
settings are equal), backtest in-sample on that window and out-of-sample on the next one. Ids hash
everything that determines the result (the full resolved configuration, the data files' identity,
the window and the latency), so a restarted sweep recognises finished work even after the grid was
extended, and never reuses a result whose inputs changed.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from scalp_system.config import Config
from scalp_system.research.space import ConfigPoint, configurations
from scalp_system.research.spec import InstrumentSource, ParameterValue, Period, SweepSpec

TRAINING_ML_EXCLUDED = ("registry_dir", "keep_versions")


def _digest(payload: Any, length: int = 16) -> str:
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


@dataclass(frozen=True, slots=True)
class DataRequest:
    """Which recordings a task reads: one group's instruments within one period."""

    group: str
    sources: tuple[InstrumentSource, ...]
    period: Period
    fingerprint: str

    @property
    def key(self) -> str:
        """Cache key of the loaded data (fingerprint; the depth is added by the loader)."""
        return self.fingerprint


@dataclass(frozen=True, slots=True)
class Fold:
    """Fold ``index`` of ``count``: training window(s) then the test window, time-split equally."""

    index: int
    count: int
    anchored: bool

    @property
    def ident(self) -> list[int | bool]:
        """A JSON-able identity of the fold (part of task ids)."""
        return [self.index, self.count, self.anchored]

    @property
    def train_windows(self) -> tuple[int, int]:
        """First and last window index (inclusive) the model trains on."""
        return (0 if self.anchored else self.index, self.index)

    @property
    def test_window(self) -> int:
        """The window the fold is tested on (out of sample)."""
        return self.index + 1


@dataclass(frozen=True, slots=True)
class TrainJob:
    """Train the ensemble on one fold's training window of one data request."""

    train_id: str
    data: DataRequest
    config: Config
    fold: Fold


@dataclass(frozen=True, slots=True)
class EvalTask:
    """Backtest one configuration on one fold: in-sample (when trained) and out-of-sample."""

    task_id: str
    config_id: str
    params: dict[str, ParameterValue]
    data: DataRequest
    config: Config
    fold: Fold
    train_id: str | None
    order_latency_ms: float


@dataclass(frozen=True, slots=True)
class SweepPlan:
    """Everything a sweep runs, in submission order."""

    points: tuple[ConfigPoint, ...]
    train_jobs: dict[str, TrainJob]
    tasks: tuple[EvalTask, ...]


def _file_identity(source: InstrumentSource) -> dict[str, Any]:
    identity: dict[str, Any] = source.model_dump(mode="json")
    for key in ("books", "trades"):
        path = getattr(source, key)
        if path is None:
            continue
        try:
            stat = path.stat()
            identity[f"{key}_stat"] = [stat.st_size, stat.st_mtime_ns]
        except OSError:  # not visible from the driver (cluster-only path): the name identifies it
            identity[f"{key}_stat"] = None
    return identity


def data_requests(spec: SweepSpec) -> list[DataRequest]:
    """One request per (group, period)."""
    requests = []
    for period in spec.periods:
        for group, sources in spec.groups.items():
            fingerprint = _digest(
                {"sources": [_file_identity(s) for s in sources], "period": period.model_dump(mode="json")}
            )
            requests.append(DataRequest(group, sources, period, fingerprint))
    return requests


def training_settings(config: Config) -> dict[str, Any]:
    """The parts of a configuration that change a trained model (features, labels, training)."""
    ml = config.ml.model_dump(mode="json", exclude=set(TRAINING_ML_EXCLUDED))
    return {
        "ml": ml,
        "features": config.features.model_dump(mode="json"),
        "lob_levels": config.data.lob_levels,
        "atr": [config.risk.atr_bar_s, config.risk.atr_period],
    }


def _run_settings(config: Config) -> dict[str, Any]:
    dump = config.model_dump(mode="json")
    dump["ml"].pop("registry_dir", None)
    return dump


def plan_sweep(spec: SweepSpec) -> SweepPlan:
    """Expand the sweep into training jobs and evaluation tasks (validating every configuration)."""
    points = configurations(spec)
    walk = spec.walk_forward
    jobs: dict[str, TrainJob] = {}
    tasks: list[EvalTask] = []
    for data in data_requests(spec):
        for index in range(walk.folds):
            fold = Fold(index, walk.folds, walk.anchored)
            for point in points:
                train_id = None
                if walk.train:
                    train_id = _digest(
                        {
                            "train": training_settings(point.config),
                            "data": data.fingerprint,
                            "fold": fold.ident,
                        }
                    )
                    jobs.setdefault(train_id, TrainJob(train_id, data, point.config, fold))
                task_id = _digest(
                    {
                        "config": _run_settings(point.config),
                        "data": data.fingerprint,
                        "fold": fold.ident,
                        "train": walk.train,
                        "latency_ms": spec.sweep.order_latency_ms,
                    }
                )
                tasks.append(
                    EvalTask(
                        task_id,
                        point.config_id,
                        dict(point.params),
                        data,
                        point.config,
                        fold,
                        train_id,
                        spec.sweep.order_latency_ms,
                    )
                )
    return SweepPlan(tuple(points), jobs, tuple(tasks))
