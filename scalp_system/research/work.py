"""The two kinds of work a sweep worker does, written as plain functions (Ray only wraps them).

``train_model`` trains the ensemble on a fold's training window with
``orchestration.models.train_and_save`` into a private temporary registry and returns that registry
as a compressed archive (bytes travel through Ray's object store, so a cluster needs no shared
writable disk). ``evaluate`` unpacks the archive, loads it with ``load_ensemble`` and replays the
windows with ``backtest.runner.run_backtest``: in sample on the training window, out of sample on
the next window after the purge gap. Nothing here re-implements training or backtest logic.
"""

from __future__ import annotations

import io
import os
import socket
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from scalp_system.backtest.runner import Recording, run_backtest
from scalp_system.config import Config
from scalp_system.ml.dataset import Recording as MlRecording
from scalp_system.orchestration.models import load_ensemble, open_registry, train_and_save
from scalp_system.research.data import GroupData, load_group, window, window_bounds
from scalp_system.research.metrics import window_metrics
from scalp_system.research.plan import DataRequest, EvalTask, Fold, TrainJob

TaskHook = Callable[[str, str], None]
"""``hook(kind, id)`` called in the worker when a job starts (kind: "train" or "evaluate"); used by
fault drills and execution logs (see ``research.faults``)."""


def _with_registry(config: Config, registry_dir: Path) -> Config:
    return config.model_copy(update={"ml": config.ml.model_copy(update={"registry_dir": registry_dir})})


def _group(data: GroupData | DataRequest, config: Config) -> GroupData:
    if isinstance(data, GroupData) and data.levels == config.data.lob_levels:
        return data
    request = data.request if isinstance(data, GroupData) else data
    return load_group(request, config)


def _train_parts(group: GroupData, fold: Fold) -> list[Recording]:
    bounds = window_bounds(group.recordings, fold.count + 1)
    first, last = fold.train_windows
    return window(group.recordings, bounds, first, last)


def _test_parts(group: GroupData, fold: Fold, purge: int) -> list[Recording]:
    bounds = window_bounds(group.recordings, fold.count + 1)
    return window(group.recordings, bounds, fold.test_window, fold.test_window, purge)


def pack_registry(registry_dir: Path) -> bytes:
    """A registry folder as gzip'd tar bytes (member order sorted, so equal models pack equally)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path in sorted(registry_dir.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(registry_dir)), recursive=False)
    return buffer.getvalue()


def unpack_registry(blob: bytes, registry_dir: Path) -> None:
    """Extract ``pack_registry`` bytes into ``registry_dir`` (plain files and folders only)."""
    registry_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as archive:
        archive.extractall(registry_dir, filter="data")


def train_model(job: TrainJob, data: GroupData | DataRequest, hook: TaskHook | None = None) -> bytes:
    """Train on the fold's training window; the registry it produced, packed."""
    if hook is not None:
        hook("train", job.train_id)
    group = _group(data, job.config)
    parts = _train_parts(group, job.fold)
    if not parts:
        raise ValueError(f"fold {job.fold.index}: the training window holds no books")
    with tempfile.TemporaryDirectory(prefix="scalp-sweep-train-") as tmp:
        config = _with_registry(job.config, Path(tmp))
        recordings = [
            MlRecording(p.books, p.trades if len(p.trades) else None, p.instrument.tick) for p in parts
        ]
        train_and_save(config, recordings, open_registry(config))
        return pack_registry(Path(tmp))


def _backtest(config: Config, parts: list[Recording], latency_ms: float) -> dict[str, Any] | None:
    if not parts:
        return None
    loaded = load_ensemble(config, open_registry(config))
    result = run_backtest(
        config, parts, model=loaded.ensemble, model_name=loaded.description, order_latency_ms=latency_ms
    )
    metrics = window_metrics(result, sum(len(p.books) for p in parts)).to_json()
    metrics["model"] = loaded.description
    return metrics


def evaluate(
    task: EvalTask, data: GroupData | DataRequest, model: bytes | None, hook: TaskHook | None = None
) -> dict[str, Any]:
    """Backtest one configuration on one fold; a JSON-able result row (status ``ok``)."""
    started = time.perf_counter()
    if hook is not None:
        hook("evaluate", task.task_id)
    group = _group(data, task.config)
    with tempfile.TemporaryDirectory(prefix="scalp-sweep-eval-") as tmp:
        config = task.config
        if model is not None:
            unpack_registry(model, Path(tmp))
            config = _with_registry(config, Path(tmp))
        in_sample = (
            _backtest(config, _train_parts(group, task.fold), task.order_latency_ms) if model else None
        )
        out_of_sample = _backtest(
            config, _test_parts(group, task.fold, config.ml.horizon), task.order_latency_ms
        )
    if out_of_sample is None:
        raise ValueError(f"fold {task.fold.index}: the test window holds no books after the purge gap")
    return {
        "task_id": task.task_id,
        "status": "ok",
        "config_id": task.config_id,
        "params": task.params,
        "group": task.data.group,
        "period": task.data.period.name,
        "fold": task.fold.index,
        "train_id": task.train_id,
        "is": in_sample,
        "oos": out_of_sample,
        "worker": f"{socket.gethostname()}:{os.getpid()}",
        "task_s": round(time.perf_counter() - started, 3),
    }
