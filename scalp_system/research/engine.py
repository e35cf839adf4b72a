"""The sweep driver on Ray: submit training jobs and evaluation tasks, persist results as they land.

Plain Ray remote tasks rather than Ray Tune: a sweep here is a fixed set of (configuration × fold)
tasks with shared training dependencies and a per-task result journal, which maps directly onto
tasks and object references; Tune's trial-per-configuration model would run a configuration's
folds serially and keep its own experiment state beside ours. Every task is retried by Ray when it
raises or its worker dies (``max_retries``); a task still failing is recorded as failed and runs
again on the next resume. Only the driver writes the output folder.

By default a local Ray is started in this process (``num_cpus`` = workers, no dashboard, usage
statistics off — nothing leaves the machine); ``address`` (``ray://host:port`` or ``auto``)
connects to an existing cluster instead, whose nodes must have this package installed.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scalp_system.research.data import load_group
from scalp_system.research.journal import Journal
from scalp_system.research.plan import EvalTask, SweepPlan, plan_sweep
from scalp_system.research.report import render_report
from scalp_system.research.spec import SweepSpec
from scalp_system.research.table import (
    SweepTable,
    csv_text,
    summarise,
    table_records,
    task_records,
    write_parquet,
)
from scalp_system.research.work import TaskHook, evaluate, train_model

log = logging.getLogger(__name__)

ProgressHook = Callable[[int, int, int], None]
"""``progress(ok, failed, total)`` of this run's pending tasks, after every finished task."""


@dataclass(frozen=True, slots=True)
class SweepOutcome:
    """What a sweep run did and where its results are."""

    out_dir: Path
    plan: SweepPlan
    table: SweepTable
    executed: tuple[str, ...]  # task ids finished (ok) in this run
    failed: tuple[str, ...]  # task ids that failed in this run after all retries
    reused: tuple[str, ...]  # task ids already finished by an earlier run
    interrupted: bool
    elapsed_s: float
    cpus: float
    files: dict[str, Path] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """Every task of the plan has a successful result."""
        return (
            not self.interrupted
            and not self.failed
            and len(self.executed) + len(self.reused) == len(self.plan.tasks)
        )


def _ray() -> Any:
    """The ray module (imported only when a sweep runs; typed loosely on purpose)."""
    import ray

    return ray


def _connect(address: str | None, workers: int | None) -> bool:
    """Start or join Ray; True when this call started it (and must shut it down)."""
    ray = _ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if address:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    else:
        ray.init(
            num_cpus=workers or os.cpu_count() or 1,
            include_dashboard=False,
            logging_level=logging.WARNING,
            log_to_driver=False,
        )
    return True


def _error_text(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return (lines[-1] if lines else type(exc).__name__)[:500]


class _Driver:
    """The submission window and result loop of one sweep run."""

    def __init__(
        self,
        spec: SweepSpec,
        plan: SweepPlan,
        journal: Journal,
        hook: TaskHook | None,
        window: int,
    ) -> None:
        ray = _ray()
        self.ray = ray
        self.spec = spec
        self.plan = plan
        self.journal = journal
        self.hook = hook
        self.window = window
        options: dict[str, Any] = {
            "max_retries": spec.sweep.max_retries,
            "retry_exceptions": True,
            "num_cpus": 1,
        }
        self.train_remote = ray.remote(train_model).options(**options)
        self.eval_remote = ray.remote(evaluate).options(**options)
        self.data_refs: dict[str, Any] = {}
        self.train_refs: dict[str, Any] = {}
        self.unsaved_trains: dict[Any, str] = {}
        self.in_flight: dict[Any, EvalTask] = {}
        self.executed: list[str] = []
        self.failed: list[str] = []

    def _data(self, task: EvalTask) -> Any:
        request = task.data
        if self.spec.sweep.data == "shared_path":
            return request
        if request.key not in self.data_refs:
            self.data_refs[request.key] = self.ray.put(load_group(request, task.config))
        return self.data_refs[request.key]

    def _model(self, task: EvalTask) -> Any:
        if task.train_id is None:
            return None
        if task.train_id not in self.train_refs:
            stored = self.journal.load_model(task.train_id)
            if stored is not None:
                self.train_refs[task.train_id] = self.ray.put(stored)
            else:
                job = self.plan.train_jobs[task.train_id]
                ref = self.train_remote.remote(job, self._data(task), self.hook)
                self.train_refs[task.train_id] = ref
                self.unsaved_trains[ref] = task.train_id
        return self.train_refs[task.train_id]

    def submit(self, task: EvalTask) -> None:
        ref = self.eval_remote.remote(task, self._data(task), self._model(task), self.hook)
        self.in_flight[ref] = task

    def _save_model(self, ref: Any) -> None:
        train_id = self.unsaved_trains.pop(ref)
        try:
            self.journal.save_model(train_id, self.ray.get(ref))
        except Exception as exc:  # the dependent evaluations record the failure
            log.warning("training %s failed: %s", train_id, _error_text(exc))

    def _finish(self, ref: Any) -> bool:
        task = self.in_flight.pop(ref)
        try:
            row: dict[str, Any] = self.ray.get(ref)
        except Exception as exc:
            row = {
                "task_id": task.task_id,
                "status": "failed",
                "config_id": task.config_id,
                "params": task.params,
                "group": task.data.group,
                "period": task.data.period.name,
                "fold": task.fold.index,
                "error": _error_text(exc),
            }
        row["finished_utc"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.journal.append(row)
        ok = bool(row["status"] == "ok")
        (self.executed if ok else self.failed).append(task.task_id)
        return ok

    def run(self, pending: list[EvalTask], stop_after: int | None, progress: ProgressHook | None) -> bool:
        """Run the pending tasks; False when stopped early (``stop_after``) or interrupted."""
        queue = list(pending)
        queue.reverse()
        try:
            while queue or self.in_flight:
                while queue and len(self.in_flight) < self.window:
                    self.submit(queue.pop())
                waiting = list(self.in_flight) + list(self.unsaved_trains)
                ready, _ = self.ray.wait(waiting, num_returns=1, timeout=1.0)
                for ref in ready:
                    if ref in self.unsaved_trains:
                        self._save_model(ref)
                        continue
                    self._finish(ref)
                    if progress is not None:
                        progress(len(self.executed), len(self.failed), len(pending))
                    if stop_after is not None and len(self.executed) + len(self.failed) >= stop_after:
                        self.cancel()
                        return False
            for ref in list(self.unsaved_trains):
                self._save_model(ref)
            return True
        except KeyboardInterrupt:
            self.cancel()
            return False

    def cancel(self) -> None:
        """Cancel everything still running (its results are simply not recorded)."""
        for ref in list(self.in_flight) + list(self.unsaved_trains):
            with contextlib.suppress(Exception):  # already finished or gone: nothing to cancel
                self.ray.cancel(ref, force=True)
        self.in_flight.clear()
        self.unsaved_trains.clear()


def _write_outputs(
    spec: SweepSpec, plan: SweepPlan, journal: Journal, meta: dict[str, Any]
) -> tuple[SweepTable, dict[str, Path]]:
    rows = journal.rows()
    table = summarise(plan, rows, spec.sweep.overfit_rank_gap)
    records = table_records(table)
    files = {
        "results_parquet": journal.out_dir / "results.parquet",
        "results_csv": journal.write_text("results.csv", csv_text(records)),
        "tasks_csv": journal.write_text("tasks.csv", csv_text(task_records(plan, rows))),
    }
    write_parquet(records, files["results_parquet"])
    files["report_html"] = journal.write_text("report.html", render_report(spec, plan, table, rows, meta))
    summary = {
        **meta,
        "spec": spec.model_dump(mode="json", by_alias=True),
        "spearman_is_oos": table.spearman_is_oos,
    }
    files["sweep_json"] = journal.write_text("sweep.json", json.dumps(summary, indent=2, default=str))
    return table, files


def run_sweep(
    spec: SweepSpec,
    out_dir: Path,
    *,
    address: str | None = None,
    workers: int | None = None,
    resume: bool = True,
    stop_after: int | None = None,
    hook: TaskHook | None = None,
    progress: ProgressHook | None = None,
) -> SweepOutcome:
    """Plan the sweep, run what is not finished yet on Ray, and write the tables and the report.

    ``resume`` (default) keeps the results already in ``out_dir``; ``stop_after`` ends the run after
    that many tasks finish (the rest stays pending for a later resume); ``hook`` runs in the worker
    at every job start (fault drills, execution logs); ``progress`` is called after every task."""
    started = time.perf_counter()
    plan = plan_sweep(spec)
    journal = Journal(out_dir)
    if not resume:
        journal.clear()
    finished = journal.finished()
    pending = [t for t in plan.tasks if t.task_id not in finished]
    reused = tuple(t.task_id for t in plan.tasks if t.task_id in finished)
    cpus = 0.0
    completed = True
    driver: _Driver | None = None
    if pending:
        owned = _connect(address, workers)
        try:
            cpus = float(_ray().cluster_resources().get("CPU", 1.0))
            window = max(4, int(cpus) * 4)
            driver = _Driver(spec, plan, journal, hook, window)
            if progress is not None:
                progress(0, 0, len(pending))
            completed = driver.run(pending, stop_after, progress)
        finally:
            if owned:
                _ray().shutdown()
    elapsed = time.perf_counter() - started
    meta = {
        "name": spec.sweep.name,
        "source": spec.source,
        "tasks": len(plan.tasks),
        "configurations": len(plan.points),
        "training_jobs": len(plan.train_jobs),
        "executed": len(driver.executed) if driver else 0,
        "failed": len(driver.failed) if driver else 0,
        "reused": len(reused),
        "interrupted": not completed,
        "cpus": cpus,
        "elapsed_s": round(elapsed, 3),
        "finished_utc": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    table, files = _write_outputs(spec, plan, journal, meta)
    return SweepOutcome(
        out_dir,
        plan,
        table,
        tuple(driver.executed) if driver else (),
        tuple(driver.failed) if driver else (),
        reused,
        not completed,
        elapsed,
        cpus,
        files,
    )
