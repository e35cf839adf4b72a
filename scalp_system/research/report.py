"""report.html of a sweep: one self-contained page (inline CSS and SVG, no script, opens offline).

Summary cards, a bar chart of in-sample against out-of-sample net PnL per configuration, the
ranking with the overfitting flags, every task's status (with the error of failed ones) and the
definitions of the numbers. All text from configurations and errors is escaped.
"""

from __future__ import annotations

from decimal import Decimal
from html import escape
from typing import Any

from scalp_system.research.plan import SweepPlan
from scalp_system.research.spec import SweepSpec
from scalp_system.research.table import SideSummary, SweepTable

MAX_BARS = 30
MAX_TASK_ROWS = 1_000
OOS_COLOR = "#2563eb"
IS_COLOR = "#94a3b8"
NEG_COLOR = "#dc2626"

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#0f172a;
background:#f8fafc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.sub{color:#475569;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px;min-width:140px}
.card b{display:block;font-size:18px}.card span{color:#64748b;font-size:12px}
table{border-collapse:collapse;background:#fff;border:1px solid #e2e8f0;font-size:13px}
th,td{padding:4px 8px;border-bottom:1px solid #e2e8f0;text-align:left;vertical-align:top}
th{background:#f1f5f9;position:sticky;top:0}td.n{text-align:right;font-variant-numeric:tabular-nums}
.neg{color:#dc2626}.pos{color:#16a34a}.flag{background:#fef3c7;border-radius:4px;padding:0 4px}
.failed{color:#dc2626}.muted{color:#64748b}svg{background:#fff;border:1px solid #e2e8f0}
"""


def _money(value: Decimal | None, places: int = 4, colour: bool = True) -> str:
    if value is None:
        return "—"
    shown = f"{value.quantize(Decimal(1).scaleb(-places)):,}"
    css = "" if not colour else "neg" if value < 0 else "pos" if value > 0 else ""
    return f'<span class="{css}">{escape(shown)}</span>'


def _number(value: float | None, places: int = 3) -> str:
    return "—" if value is None else escape(f"{value:,.{places}f}")


def _card(title: str, value: str) -> str:
    return f'<div class="card"><b>{value}</b><span>{escape(title)}</span></div>'


def _chart(table: SweepTable) -> str:
    rows = [r for r in table.rows if r.oos is not None][:MAX_BARS]
    if not rows:
        return '<p class="muted">No finished configuration yet.</p>'
    values = [float(r.oos.net_pnl) for r in rows if r.oos is not None]
    values += [float(r.is_.net_pnl) for r in rows if r.is_ is not None]
    span = max(max(abs(v) for v in values), 1e-12)
    label_w, bar_w, row_h = 340, 420, 30
    zero = label_w + bar_w / 2
    height = row_h * len(rows) + 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + bar_w + 20}" height="{height}" '
        'role="img" aria-label="net PnL in and out of sample per configuration">',
        f'<line x1="{zero}" y1="10" x2="{zero}" y2="{height - 24}" stroke="#64748b"/>',
    ]
    for index, row in enumerate(rows):
        y = 12 + index * row_h
        short = ", ".join(f"{key.rpartition('.')[2]}={value}" for key, value in row.params.items()) or "base"
        label = short if len(short) <= 56 else short[:55] + "…"
        parts.append(f'<text x="4" y="{y + 14}" font-size="11">{escape(label)}</text>')
        for offset, side, color in ((0, row.is_, IS_COLOR), (12, row.oos, OOS_COLOR)):
            if side is None:
                continue
            value = float(side.net_pnl)
            width = abs(value) / span * (bar_w / 2 - 10)
            x = zero if value >= 0 else zero - width
            fill = color if value >= 0 or color == IS_COLOR else NEG_COLOR
            parts.append(
                f'<rect x="{x:.1f}" y="{y + offset}" width="{max(width, 0.5):.1f}" height="10" fill="{fill}">'
                f"<title>{escape(row.label)}: {escape(str(side.net_pnl))}</title></rect>"
            )
    legend_y = height - 10
    parts.append(
        f'<rect x="{label_w}" y="{legend_y - 9}" width="10" height="10" fill="{IS_COLOR}"/>'
        f'<text x="{label_w + 14}" y="{legend_y}" font-size="11">in sample</text>'
        f'<rect x="{label_w + 90}" y="{legend_y - 9}" width="10" height="10" fill="{OOS_COLOR}"/>'
        f'<text x="{label_w + 104}" y="{legend_y}" font-size="11">out of sample (red: loss)</text></svg>'
    )
    return "".join(parts)


def _side_cells(side: SideSummary | None) -> str:
    if side is None:
        return '<td class="n">—</td>' * 7
    cells = [
        _money(side.net_pnl),
        _number(side.sharpe_trips),
        _number(side.sharpe_equity, 4),
        _money(side.max_drawdown, colour=False),
        str(side.trades),
        _number(side.pnl_std, 4),
        _money(side.pnl_min),
    ]
    return "".join(f'<td class="n">{c}</td>' for c in cells)


def _ranking(table: SweepTable) -> str:
    head = (
        "<tr><th>rank</th><th>configuration</th><th>OOS net PnL</th><th>OOS Sharpe (trips)</th>"
        "<th>OOS Sharpe (equity)</th><th>OOS max DD</th><th>OOS trades</th><th>fold PnL std</th>"
        "<th>fold PnL min</th><th>IS net PnL</th><th>IS trades</th><th>IS rank</th><th>flags</th>"
        "<th>tasks ok/all</th></tr>"
    )
    body = []
    for row in table.rows:
        flags = []
        if row.overfit:
            flags.append('<span class="flag">overfit</span>')
        if row.sign_flip:
            flags.append('<span class="flag">IS+ OOS−</span>')
        if row.tasks_ok < row.tasks:
            flags.append('<span class="flag">incomplete</span>')
        body.append(
            f'<tr><td class="n">{_number(row.rank, 1)}</td>'
            f'<td>{escape(row.label)}<br><span class="muted">{escape(row.config_id)}</span></td>'
            f"{_side_cells(row.oos)}"
            f'<td class="n">{_money(row.is_.net_pnl) if row.is_ else "—"}</td>'
            f'<td class="n">{row.is_.trades if row.is_ else "—"}</td>'
            f'<td class="n">{_number(row.is_rank, 1)}</td><td>{" ".join(flags)}</td>'
            f'<td class="n">{row.tasks_ok}/{row.tasks}</td></tr>'
        )
    return f"<table>{head}{''.join(body)}</table>"


def _tasks(plan: SweepPlan, rows: dict[str, dict[str, Any]]) -> str:
    head = (
        "<tr><th>task</th><th>configuration</th><th>group</th><th>period</th><th>fold</th><th>status</th>"
        "<th>IS net PnL</th><th>OOS net PnL</th><th>OOS trades</th><th>OOS books</th><th>seconds</th></tr>"
    )
    body = []
    for task in plan.tasks[:MAX_TASK_ROWS]:
        row = rows.get(task.task_id, {})
        status = str(row.get("status", "pending"))
        shown = escape(status)
        if status == "failed":
            shown = f'<span class="failed">failed: {escape(str(row.get("error", "")))}</span>'
        is_side, oos_side = row.get("is") or {}, row.get("oos") or {}
        is_pnl = Decimal(is_side["net_pnl"]) if "net_pnl" in is_side else None
        oos_pnl = Decimal(oos_side["net_pnl"]) if "net_pnl" in oos_side else None
        body.append(
            f"<tr><td>{escape(task.task_id)}</td><td>{escape(task.config_id)}</td>"
            f"<td>{escape(task.data.group)}</td><td>{escape(task.data.period.name)}</td>"
            f'<td class="n">{task.fold.index}</td><td>{shown}</td>'
            f'<td class="n">{_money(is_pnl) if is_pnl is not None else "—"}</td>'
            f'<td class="n">{_money(oos_pnl) if oos_pnl is not None else "—"}</td>'
            f'<td class="n">{escape(str(oos_side.get("trades", "—")))}</td>'
            f'<td class="n">{escape(str(oos_side.get("books", "—")))}</td>'
            f'<td class="n">{escape(str(row.get("task_s", "—")))}</td></tr>'
        )
    more = len(plan.tasks) - MAX_TASK_ROWS
    note = f'<p class="muted">{more} more tasks in tasks.csv</p>' if more > 0 else ""
    return f"<table>{head}{''.join(body)}</table>{note}"


def _definitions(spec: SweepSpec) -> str:
    walk = spec.walk_forward
    scheme = "expanding (anchored)" if walk.anchored else "rolling"
    return (
        "<ul>"
        f"<li>Walk-forward: each period is cut into {walk.folds + 1} equal time windows; fold k trains on "
        f"window k ({scheme}) and is tested on window k+1, whose first <code>ml.horizon</code> books of "
        "every instrument are skipped (purge gap). In sample = the backtest of the training window with "
        "the model trained on it.</li>"
        "<li>Net PnL: after commission, open positions marked to market at the end of the window; summed "
        "over the configuration's tasks (folds × groups × periods).</li>"
        "<li>Sharpe (trips): mean / standard deviation of the round trips' net PnL, pooled over tasks, "
        "not annualised. Sharpe (equity): mean / standard deviation of the changes between equity samples "
        "(about one a second), averaged over tasks.</li>"
        "<li>Max DD: the worst peak-to-trough equity drop of any task. Fold PnL std / min: spread and "
        "worst of the per-task net PnL (stability).</li>"
        "<li>Overfit flag: the configuration's percentile rank by net PnL in sample and out of sample "
        f"differ by ≥ {spec.sweep.overfit_rank_gap:g}; IS+ OOS−: it earned in sample and not out of sample."
        "</li></ul>"
    )


def render_report(
    spec: SweepSpec,
    plan: SweepPlan,
    table: SweepTable,
    rows: dict[str, dict[str, Any]],
    meta: dict[str, Any],
) -> str:
    """The whole report page as one HTML string."""
    statuses = [rows.get(t.task_id, {}).get("status", "pending") for t in plan.tasks]
    best = next((r for r in table.rows if r.oos is not None), None)
    spearman = "—" if table.spearman_is_oos is None else f"{table.spearman_is_oos:+.2f}"
    cards = "".join(
        [
            _card("configurations", str(len(plan.points))),
            _card(
                "tasks ok / failed / pending",
                f"{statuses.count('ok')} / {statuses.count('failed')} / {statuses.count('pending')}",
            ),
            _card("training jobs", str(len(plan.train_jobs))),
            _card("Spearman IS vs OOS", spearman),
            _card("best OOS net PnL", _money(best.oos.net_pnl) if best and best.oos else "—"),
            _card("flagged overfit", str(sum(r.overfit for r in table.rows))),
        ]
    )
    title = escape(spec.sweep.name)
    sub = (
        f"{escape(spec.source)} · {spec.sweep.search} search · {len(spec.instruments)} instrument(s) · "
        f"{len(spec.periods)} period(s) · {spec.walk_forward.folds} fold(s) · "
        f"finished {escape(str(meta.get('finished_utc', '')))} · "
        f"last run: {meta.get('executed', 0)} task(s) run, "
        f"{meta.get('reused', 0)} reused, {meta.get('failed', 0)} failed in {meta.get('elapsed_s', 0)} s"
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sweep {title}</title>'
        f'<style>{CSS}</style></head><body><h1>Sweep: {title}</h1><div class="sub">{sub}</div>'
        f'<div class="cards">{cards}</div>'
        f"<h2>Net PnL in and out of sample</h2>{_chart(table)}"
        f"<h2>Ranking by out-of-sample net PnL</h2>{_ranking(table)}"
        f"<h2>Tasks</h2>{_tasks(plan, rows)}"
        f"<h2>How to read this</h2>{_definitions(spec)}</body></html>"
    )
