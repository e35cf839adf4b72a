"""The results table: configurations ranked by out-of-sample net PnL, with the overfitting guard.

Per configuration, over its finished tasks (every fold × group × period): out-of-sample net PnL
(sum), the pooled round-trip Sharpe, the mean equity Sharpe, the worst drawdown, the trade count,
and the fold-to-fold stability (standard deviation and minimum of the per-task net PnL). The same
numbers in sample (the backtest of each fold's training window) sit beside them.

Overfitting guard: configurations are ranked by net PnL in sample and out of sample (ties share
their average rank); each rank becomes a percentile p = (rank − 1) / (n − 1). A configuration is
flagged ``overfit`` when |p_in − p_out| ≥ ``overfit_rank_gap`` (default 0.5: it crossed half the
table), and ``sign_flip`` when it earned in sample but not out of sample. The Spearman rank
correlation of the two PnL columns summarises the whole sweep (near 1: in-sample ranking carries
over; near 0 or negative: it does not).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import rankdata, spearmanr

from scalp_system.research.metrics import WindowMetrics, pooled_sharpe
from scalp_system.research.plan import SweepPlan

MONEY_SCALE = 12
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_SCALE)


@dataclass(frozen=True, slots=True)
class SideSummary:
    """One side (in or out of sample) of a configuration over its finished tasks."""

    net_pnl: Decimal
    sharpe_trips: float | None
    sharpe_equity: float | None
    max_drawdown: Decimal
    trades: int
    pnl_std: float | None
    pnl_min: Decimal | None


@dataclass(frozen=True, slots=True)
class ConfigSummary:
    """One row of the ranking."""

    rank: float | None
    config_id: str
    label: str
    params: dict[str, Any]
    tasks: int
    tasks_ok: int
    tasks_failed: int
    oos: SideSummary | None
    is_: SideSummary | None
    is_rank: float | None
    overfit: bool
    sign_flip: bool


@dataclass(frozen=True, slots=True)
class SweepTable:
    """The ranking plus the sweep-level overfitting statistic."""

    rows: tuple[ConfigSummary, ...]
    spearman_is_oos: float | None
    overfit_rank_gap: float


def _side(metrics: Sequence[WindowMetrics]) -> SideSummary | None:
    if not metrics:
        return None
    pnl = [m.net_pnl for m in metrics]
    floats = np.array([float(p) for p in pnl], dtype=np.float64)
    equity = [m.sharpe_equity for m in metrics if m.sharpe_equity is not None]
    return SideSummary(
        net_pnl=sum(pnl, Decimal(0)),
        sharpe_trips=pooled_sharpe(
            sum(m.trades for m in metrics),
            sum(m.trip_pnl_sum for m in metrics),
            sum(m.trip_pnl_sumsq for m in metrics),
        ),
        sharpe_equity=float(np.mean(equity)) if equity else None,
        max_drawdown=max(m.max_drawdown for m in metrics),
        trades=sum(m.trades for m in metrics),
        pnl_std=float(np.std(floats, ddof=1)) if len(metrics) > 1 else None,
        pnl_min=min(pnl),
    )


def _ranks(values: list[float]) -> list[float]:
    """Rank 1 = highest value; ties share their average rank."""
    return [float(r) for r in rankdata([-v for v in values], method="average")] if values else []


def _percentile(rank: float, count: int) -> float:
    return 0.0 if count <= 1 else (rank - 1) / (count - 1)


def summarise(plan: SweepPlan, rows: dict[str, dict[str, Any]], overfit_rank_gap: float) -> SweepTable:
    """Aggregate the finished task rows of ``plan`` per configuration and rank them."""
    by_config: dict[str, list[dict[str, Any]]] = {p.config_id: [] for p in plan.points}
    for task in plan.tasks:
        row = rows.get(task.task_id)
        by_config[task.config_id].append(row if row is not None else {"status": "pending"})
    partial = []
    for point in plan.points:
        task_rows = by_config[point.config_id]
        ok = [r for r in task_rows if r.get("status") == "ok"]
        oos = _side([WindowMetrics.from_json(r["oos"]) for r in ok])
        ins = _side([WindowMetrics.from_json(r["is"]) for r in ok if r.get("is")])
        failed = sum(1 for r in task_rows if r.get("status") == "failed")
        partial.append((point, len(task_rows), len(ok), failed, oos, ins))
    ranked = [p for p in partial if p[4] is not None]
    oos_ranks = _ranks([float(p[4].net_pnl) for p in ranked if p[4] is not None])
    with_is = [p for p in ranked if p[5] is not None]
    is_ranks = dict(
        zip(
            [p[0].config_id for p in with_is],
            _ranks([float(p[5].net_pnl) for p in with_is if p[5] is not None]),
            strict=True,
        )
    )
    spearman = None
    if len(with_is) >= 3:
        is_values = [float(p[5].net_pnl) for p in with_is if p[5] is not None]
        oos_values = [float(p[4].net_pnl) for p in with_is if p[4] is not None]
        if len(set(is_values)) > 1 and len(set(oos_values)) > 1:
            value = float(spearmanr(is_values, oos_values).statistic)
            spearman = value if math.isfinite(value) else None
    oos_rank_of = {p[0].config_id: r for p, r in zip(ranked, oos_ranks, strict=True)}
    summaries = []
    for point, total, ok_count, failed, oos, ins in partial:
        rank = oos_rank_of.get(point.config_id)
        is_rank = is_ranks.get(point.config_id)
        overfit = False
        if rank is not None and is_rank is not None:
            gap = abs(_percentile(rank, len(ranked)) - _percentile(is_rank, len(with_is)))
            overfit = gap >= overfit_rank_gap - 1e-12
        sign_flip = oos is not None and ins is not None and ins.net_pnl > 0 >= oos.net_pnl
        summaries.append(
            ConfigSummary(
                rank,
                point.config_id,
                point.label,
                dict(point.params),
                total,
                ok_count,
                failed,
                oos,
                ins,
                is_rank,
                overfit,
                sign_flip,
            )
        )
    summaries.sort(key=lambda s: (s.rank is None, s.rank if s.rank is not None else 0.0, s.config_id))
    return SweepTable(tuple(summaries), spearman, overfit_rank_gap)


# -- files ----------------------------------------------------------------------------------------------
def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(MONEY_QUANTUM, rounding=ROUND_HALF_EVEN)


def _side_columns(prefix: str, side: SideSummary | None) -> dict[str, Any]:
    names = [f.name for f in fields(SideSummary)]
    if side is None:
        return {f"{prefix}_{name}": None for name in names}
    return {
        f"{prefix}_net_pnl": _money(side.net_pnl),
        f"{prefix}_sharpe_trips": side.sharpe_trips,
        f"{prefix}_sharpe_equity": side.sharpe_equity,
        f"{prefix}_max_drawdown": _money(side.max_drawdown),
        f"{prefix}_trades": side.trades,
        f"{prefix}_pnl_std": side.pnl_std,
        f"{prefix}_pnl_min": _money(side.pnl_min),
    }


def table_records(table: SweepTable) -> list[dict[str, Any]]:
    """One flat record per configuration (the columns of results.parquet / results.csv)."""
    param_keys: list[str] = []
    for row in table.rows:
        param_keys += [k for k in row.params if k not in param_keys]
    records = []
    for row in table.rows:
        record: dict[str, Any] = {"rank": row.rank, "config_id": row.config_id}
        record.update({f"param:{k}": row.params.get(k) for k in param_keys})
        record.update(_side_columns("oos", row.oos))
        record.update(_side_columns("is", row.is_))
        record.update(
            {
                "is_rank": row.is_rank,
                "overfit": row.overfit,
                "sign_flip": row.sign_flip,
                "tasks": row.tasks,
                "tasks_ok": row.tasks_ok,
                "tasks_failed": row.tasks_failed,
            }
        )
        records.append(record)
    return records


def task_records(plan: SweepPlan, rows: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """One flat record per task of the plan (tasks.csv), finished or not."""
    records = []
    for task in plan.tasks:
        row = rows.get(task.task_id, {})
        record: dict[str, Any] = {
            "task_id": task.task_id,
            "config_id": task.config_id,
            "group": task.data.group,
            "period": task.data.period.name,
            "fold": task.fold.index,
            "status": row.get("status", "pending"),
            "error": row.get("error"),
        }
        for side in ("is", "oos"):
            metrics = row.get(side) or {}
            for key in ("net_pnl", "trades", "max_drawdown", "sharpe_trips", "sharpe_equity", "books"):
                record[f"{side}_{key}"] = metrics.get(key)
        record["worker"] = row.get("worker")
        record["task_s"] = row.get("task_s")
        records.append(record)
    return records


def _csv_text(records: Iterable[dict[str, Any]]) -> str:
    records = list(records)
    buffer = io.StringIO()
    if not records:
        return ""
    writer = csv.DictWriter(buffer, fieldnames=list(records[0]), lineterminator="\n")
    writer.writeheader()
    for record in records:
        writer.writerow({k: "" if v is None else v for k, v in record.items()})
    return buffer.getvalue()


def _arrow_column(name: str, values: list[Any]) -> Any:
    import pyarrow as pa  # type: ignore[import-untyped, import-not-found, unused-ignore]

    if name.endswith(("net_pnl", "max_drawdown", "pnl_min")):
        return pa.array(values, type=pa.decimal128(38, MONEY_SCALE))
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def write_parquet(records: list[dict[str, Any]], path: Path) -> None:
    """The records as a parquet file (money as decimal128(38, 12), exact)."""
    import pyarrow as pa  # type: ignore[import-untyped, import-not-found, unused-ignore]
    import pyarrow.parquet as pq  # type: ignore[import-untyped, import-not-found, unused-ignore]

    names = list(records[0]) if records else ["config_id"]
    columns = {name: _arrow_column(name, [r.get(name) for r in records]) for name in names}
    temporary = path.with_name(f".{path.name}.tmp")
    pq.write_table(pa.table(columns), temporary)
    temporary.replace(path)


def csv_text(records: list[dict[str, Any]]) -> str:
    """The records as CSV text (header row, money as exact decimal strings)."""
    return _csv_text(records)
