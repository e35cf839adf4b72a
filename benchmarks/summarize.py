"""Gather every benchmark's JSON into ``benchmarks/RESULTS.md``: machine, headline figures with their
goals and a pass/miss mark, and regressions against the previous RESULTS.md.

Each headline figure is read from ``benchmarks/results/<area>.json`` by a path; a figure whose file
or key is missing is listed as missing, never guessed. The figures of the previous run are read from
the machine-readable block embedded at the end of the existing RESULTS.md (so a fresh clone, which
has no ``results/*.json``, still compares against the committed file), falling back to
``results/summary.json``; they are kept as ``results/summary_previous.json`` and the new ones written
to ``results/summary.json``. A figure more than 20 % worse than before is flagged, direction-aware:
for a latency or a size, up is worse; for a throughput, down is worse.

Run: ``.venv/bin/python benchmarks/summarize.py`` (``benchmarks/run_all`` calls it last).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
RESULTS_DIR = BENCH / "results"
RESULTS_MD = BENCH / "RESULTS.md"
SUMMARY = RESULTS_DIR / "summary.json"
SUMMARY_PREVIOUS = RESULTS_DIR / "summary_previous.json"
RUN_LOG = RESULTS_DIR / "run_all.json"
REGRESSION_THRESHOLD = 0.20
_BLOCK_START = "<!-- summary-json"
_BLOCK_END = "-->"

HIGHER = "higher"  # a throughput: down is worse
LOWER = "lower"  # a latency, a duration or a size: up is worse


@dataclass(frozen=True, slots=True)
class Regression:
    """One figure that got worse than ``threshold`` since the previous run."""

    key: str
    previous: float
    current: float
    worse_by: float  # fraction, e.g. 0.25 = 25 % worse


def worse_fraction(previous: float, current: float, better: str) -> float:
    """How much worse ``current`` is than ``previous``, as a fraction of ``previous`` (< 0: better)."""
    if previous == 0:
        return 0.0
    change = (current - previous) / abs(previous)
    return -change if better == HIGHER else change


def find_regressions(
    previous: Mapping[str, Mapping[str, Any]],
    current: Mapping[str, Mapping[str, Any]],
    threshold: float = REGRESSION_THRESHOLD,
) -> list[Regression]:
    """Figures present in both runs (each ``{"value": number, "better": "higher"|"lower"}``) that got
    more than ``threshold`` worse. Missing or non-numeric values on either side are skipped."""
    found = []
    for key, now in current.items():
        before = previous.get(key)
        if before is None:
            continue
        old, new = before.get("value"), now.get("value")
        if not isinstance(old, int | float) or not isinstance(new, int | float) or isinstance(old, bool):
            continue
        fraction = worse_fraction(float(old), float(new), str(now.get("better", LOWER)))
        if fraction > threshold:
            found.append(Regression(key, float(old), float(new), fraction))
    return found


# ---------------------------------------------------------------- figures


@dataclass(frozen=True, slots=True)
class FigureSpec:
    """Where a headline figure lives and how it is judged."""

    key: str
    label: str
    source: str  # results/<source>.json
    path: tuple[str, ...]
    unit: str
    better: str
    goal: float | None  # None: the goal comes from ``goal_from`` or the figure is a reference
    goal_text: str
    goal_from: Callable[[dict[str, dict[str, Any]]], float | None] | None = None
    alternative_path: tuple[str, ...] = ()  # where an older or newer layout of the file keeps it


def _dig(data: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _hft_rate(results: dict[str, dict[str, Any]]) -> float | None:
    value = _dig(results.get("backtest"), ("comparison", "hftbacktest_events_per_s"))
    return float(value) if isinstance(value, int | float) else None


FIGURES: tuple[FigureSpec, ...] = (
    FigureSpec(
        "backtest_msgs_per_s",
        "Backtest throughput, full pipeline, BTCUSDT (msgs/s)",
        "backtest",
        ("comparison", "ours_messages_per_s"),
        "msg/s",
        HIGHER,
        None,
        "≥ hftbacktest's events/s, same recording, same run (issue #6)",
        _hft_rate,
    ),
    FigureSpec(
        "hftbacktest_events_per_s",
        "hftbacktest, same recording, same run (events/s, its count)",
        "backtest",
        ("comparison", "hftbacktest_events_per_s"),
        "event/s",
        HIGHER,
        None,
        "reference",
    ),
    FigureSpec(
        "hftbacktest_msgs_per_s",
        "hftbacktest in our unit (depth-update + trade msgs/s)",
        "backtest",
        ("comparison", "hftbacktest_messages_per_s"),
        "msg/s",
        HIGHER,
        None,
        "reference",
    ),
    FigureSpec(
        "backtest_plain_msgs_per_s",
        "Backtest, second half, plain event-by-event (msgs/s)",
        "backtest",
        ("ours", "runs", "second_half_plain", "messages_per_s"),
        "msg/s",
        HIGHER,
        None,
        "reference (fast path must equal it)",
    ),
    FigureSpec(
        "feature_batch_rows_per_s",
        "Feature batch, BTCUSDT, full vector depth 20 (rows/s)",
        "features",
        ("batch_btcusdt", "rows_per_s_best"),
        "rows/s",
        HIGHER,
        1_000_000,
        "≥ 1,000,000 (issue #3)",
    ),
    FigureSpec(
        "feature_incremental_p99_us",
        "Incremental features per book, p99",
        "features",
        ("incremental_btcusdt", "on_book_us", "p99"),
        "µs",
        LOWER,
        50,
        "≤ 50 µs (issue #3)",
    ),
    FigureSpec(
        "ensemble_p99_us",
        "Ensemble inference, single row, p99",
        "ml",
        ("single_row", "ensemble_predict_proba_row", "p99_us"),
        "µs",
        LOWER,
        100,
        "≤ 100 µs (issue #5)",
    ),
    FigureSpec(
        "risk_planning_p99_us",
        "Risk check + planning per decision, p99",
        "risk",
        ("decision", "decision", "p99_us"),
        "µs",
        LOWER,
        20,
        "≤ 20 µs (issue #4)",
    ),
    FigureSpec(
        "tick_to_order_decision_p50_us",
        "Live tick-to-order decision p50 (local exchange)",
        "tick_to_order",
        ("decision_p50_us",),
        "µs",
        LOWER,
        50_000,
        "≤ 50 ms (SPEC §1 latency breaker)",
    ),
    FigureSpec(
        "tick_to_order_decision_p99_us",
        "Live tick-to-order decision p99 (local exchange)",
        "tick_to_order",
        ("decision_p99_us",),
        "µs",
        LOWER,
        50_000,
        "≤ 50 ms (SPEC §1 latency breaker)",
    ),
    FigureSpec(
        "tick_to_order_ack_p99_us",
        "Live order ack p99 over gRPC (local exchange)",
        "tick_to_order",
        ("ack_p99_us",),
        "µs",
        LOWER,
        2_000_000,
        "≤ 2 s (SPEC §1 latency breaker)",
    ),
    FigureSpec(
        "exchange_round_trip_p50_us",
        "Exchange order round trip p50 (PostOrder, loopback)",
        "local_exchange",
        ("post_order_round_trip", "resting_day_limit", "p50_us"),
        "µs",
        LOWER,
        2_000_000,
        "≤ 2 s ack (SPEC §1)",
    ),
    FigureSpec(
        "exchange_round_trip_p99_us",
        "Exchange order round trip p99 (PostOrder, loopback)",
        "local_exchange",
        ("post_order_round_trip", "resting_day_limit", "p99_us"),
        "µs",
        LOWER,
        2_000_000,
        "≤ 2 s ack (SPEC §1)",
    ),
    FigureSpec(
        "book_stream_msgs_per_s_8_instruments",
        "Book stream sustained, 8 instruments (16 streams, 1 ms throttle)",
        "local_exchange",
        ("book_stream", "sixteen_streams_1ms_throttle_speed_20", "messages_per_s"),
        "msg/s",
        HIGHER,
        80,
        "≥ 80 (8 instruments × the API's 10/s; issue #2)",
    ),
    FigureSpec(
        "memory_mb_per_instrument",
        "Memory per instrument at depth 20 (rings full + features + risk)",
        "memory",
        ("mb_per_instrument",),
        "MB",
        LOWER,
        64,
        "≤ 64 MB (512 MB budget / 8 instruments)",
    ),
    FigureSpec(
        "recovery_s",
        "Recovery: checkpoint + corrupt model rehydrated + reconcile",
        "recovery",
        ("recovery_s_median",),
        "s",
        LOWER,
        10,
        "≤ 10 s target, < 120 s limit (SPEC §4)",
    ),
    FigureSpec(
        "eviction_max_us",
        "Memory-guard eviction, max over the run",
        "data_engine",
        ("eviction", "eviction_max_us_all_runs"),
        "µs",
        LOWER,
        5_000,
        "< 5 ms each (issue #3)",
    ),
    FigureSpec(
        "eviction_p99_us",
        "Memory-guard eviction, p99",
        "data_engine",
        ("eviction", "eviction_wall_last_4096", "p99_us"),
        "µs",
        LOWER,
        5_000,
        "< 5 ms each (issue #3)",
    ),
    FigureSpec(
        "sweep_speedup_1_to_2_workers",
        "Research sweep speed-up, 1 → 2 Ray workers",
        "sweep",
        ("speedup_1_to_2",),
        "×",
        HIGHER,
        None,
        "reference (issue #9 asks for the number; 2 shared cores)",
        alternative_path=("sweep", "speedup_1_to_2"),
    ),
    FigureSpec(
        "sweep_task_overhead_ms",
        "Research sweep per-task overhead (batched)",
        "sweep",
        ("overhead", "per_task_ms_batched"),
        "ms",
        LOWER,
        None,
        "reference (issue #9)",
    ),
    FigureSpec(
        "storage_read_rows_per_s",
        "Storage historical read, books (rows/s)",
        "storage",
        ("historical", "read_books_rows_per_s"),
        "rows/s",
        HIGHER,
        1_000_000,
        "≥ 1,000,000 (set here: never the bottleneck of the batch-feature goal)",
    ),
)


def _met(value: float, goal: float, better: str) -> bool:
    return value >= goal if better == HIGHER else value <= goal


def failed_sources(run_log: Mapping[str, Any]) -> set[str]:
    """Result areas whose script failed in this run (``bench_<area>.py`` exited non-zero)."""
    return {
        step["script"].removeprefix("bench_").removesuffix(".py")
        for step in run_log.get("steps", [])
        if step.get("exit") != 0
    }


def collect(
    results: dict[str, dict[str, Any]], failed: set[str] | frozenset[str] = frozenset()
) -> dict[str, dict[str, Any]]:
    """Every headline figure: value (None when missing), unit, direction, goal and the mark. A figure
    from a script that failed in this run is not shown (its file may hold an older run's numbers)."""
    figures: dict[str, dict[str, Any]] = {}
    for spec in FIGURES:
        raw = _dig(results.get(spec.source), spec.path)
        if raw is None and spec.alternative_path:
            raw = _dig(results.get(spec.source), spec.alternative_path)
        value = float(raw) if isinstance(raw, int | float) and not isinstance(raw, bool) else None
        goal = spec.goal_from(results) if spec.goal_from is not None else spec.goal
        if spec.source in failed:
            value, mark = None, "failed"
        elif value is None:
            mark = "missing"
        elif goal is None:
            mark = "reference"
        else:
            mark = "pass" if _met(value, goal, spec.better) else "miss"
        if (
            spec.key == "recovery_s"
            and mark == "pass"
            and not _dig(results.get("recovery"), ("recovered_state_correct",))
        ):
            mark = "miss"  # fast but wrong is not a recovery
        figures[spec.key] = {
            "label": spec.label,
            "value": value,
            "unit": spec.unit,
            "better": spec.better,
            "goal": goal,
            "goal_text": spec.goal_text,
            "goal_computed": spec.goal_from is not None,
            "mark": mark,
            "source": f"results/{spec.source}.json",
        }
    return figures


# ---------------------------------------------------------------- rendering


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3g}"


_MARKS = {
    "pass": "✅ pass",
    "miss": "❌ miss",
    "reference": "— reference",
    "missing": "⚠️ missing",
    "failed": "⚠️ script failed",
}


def _machine_lines(results: dict[str, dict[str, Any]], run_log: dict[str, Any]) -> list[str]:
    machine: dict[str, Any] = run_log.get("machine") or next(
        (r["machine"] for r in results.values() if isinstance(r.get("machine"), dict)), {}
    )
    load_start = run_log.get("load_average_start")
    load_end = run_log.get("load_average_end") or [round(x, 2) for x in os.getloadavg()]
    lines = [
        f"- Date (UTC): {run_log.get('finished_utc') or datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- CPU: {machine.get('cpu_model', '?')}; cores: {machine.get('logical_cores', '?')} logical, "
        f"{machine.get('usable_cores', '?')} usable; memory: {machine.get('memory_gb', '?')} GB",
        f"- Python {machine.get('python', '?')}, numpy {machine.get('numpy', '?')}; "
        f"{machine.get('platform', '')}",
        f"- Load average (1/5/15 min): at start {load_start or '?'}, at end {load_end}",
    ]
    if run_log.get("note"):
        lines.append(f"- {run_log['note']}")
    return lines


def render(
    figures: dict[str, dict[str, Any]],
    regressions: list[Regression],
    results: dict[str, dict[str, Any]],
    run_log: dict[str, Any],
    had_previous: bool,
) -> str:
    """The RESULTS.md text (with the figures embedded as JSON at the end for the next comparison)."""
    out = [
        "# Benchmark results",
        "",
        "Written by `benchmarks/run_all` (`benchmarks/summarize.py`); numbers come from "
        "`benchmarks/results/*.json`. Rerun with `benchmarks/run_all`.",
        "",
        "## Machine",
        "",
    ]
    out += _machine_lines(results, run_log)
    out += [
        "",
        "## Headline figures",
        "",
        "| Figure | Value | Unit | Goal | Mark |",
        "|---|---:|---|---|---|",
    ]
    for figure in figures.values():
        goal = figure["goal_text"]
        if figure["goal_computed"] and figure["goal"] is not None:
            goal += f" ({_fmt(figure['goal'])})"
        out.append(
            f"| {figure['label']} | {_fmt(figure['value'])} | {figure['unit']} | {goal} "
            f"| {_MARKS[figure['mark']]} |"
        )
    backtest = results.get("backtest", {})
    comparison = backtest.get("comparison", {})
    if comparison:
        out += ["", "## Backtest vs hftbacktest", ""]
        if comparison.get("hftbacktest_events_per_s") is None:
            out.append(f"- hftbacktest did not run: {comparison.get('note', 'unknown reason')}")
        else:
            out.append(
                f"- Ratio ours / hftbacktest (its events): {comparison['ratio_ours_to_hftbacktest_events']}; "
                f"in the same unit (messages): {comparison['ratio_ours_to_hftbacktest_messages']}."
            )
            out.append(f"- What is counted: {comparison.get('units', '')}")
            hft = backtest.get("hftbacktest", {})
            out.append(
                f"- hftbacktest {hft.get('version')} (numba {hft.get('numba')}): {hft.get('rows')} rows "
                f"{hft.get('rows_by_kind')} from {hft.get('raw_messages')}; reference loop "
                f"`{comparison.get('reference_variant')}`; JIT warm-up excluded, file loading excluded."
            )
            for name, variant in hft.get("variants", {}).items():
                out.append(
                    f"  - `{name}`: {variant['rows_per_s_best']:,} events/s, "
                    f"{variant['messages_per_s_best']:,} msg/s (best of {variant['repeats']})"
                )
            if hft.get("note"):
                out.append(f"- {hft['note']}")
        for name, run in backtest.get("ours", {}).get("runs", {}).items():
            out.append(
                f"- ours `{name}`: {run['messages']} msgs in {run['elapsed_s']} s = "
                f"{run['messages_per_s']:,} msg/s ({run['orders']} orders, {run['fills']} fills)"
            )
        ours = backtest.get("ours", {})
        if ours:
            out.append(
                f"- Our start-up, excluded from the rate: load {ours.get('load_s')} s, "
                f"training {ours.get('train_s')} s ({ours.get('model')})."
            )
    out += ["", "## Regressions", ""]
    if not had_previous:
        out.append("No previous results to compare with (first run).")
    elif not regressions:
        out.append(f"None: no figure is more than {REGRESSION_THRESHOLD:.0%} worse than the previous run.")
    else:
        out.append(
            f"Figures more than {REGRESSION_THRESHOLD:.0%} worse than the previous run "
            "(latency/size up or throughput down):"
        )
        out.append("")
        out += ["| Figure | Previous | Now | Worse by |", "|---|---:|---:|---:|"]
        for r in regressions:
            out.append(
                f"| {figures[r.key]['label']} | {_fmt(r.previous)} | {_fmt(r.current)} | {r.worse_by:.0%} |"
            )
    steps = run_log.get("steps", [])
    if steps:
        out += ["", "## Benchmark runs", "", "| Script | Args | Exit | Seconds |", "|---|---|---:|---:|"]
        out += [f"| {s['script']} | {s.get('args', '')} | {s['exit']} | {s['seconds']} |" for s in steps]
    out += [
        "",
        "## Notes",
        "",
        "- Shared, noisy machine: other jobs ran alongside; see the load average above. Latency tails "
        "(p99, max) are the first to suffer.",
        "- A figure marked missing had no result file or key (its script failed or was skipped: see the "
        "runs above).",
    ]
    payload = {
        key: {k: v for k, v in f.items() if k in ("value", "unit", "better", "goal", "mark")}
        for key, f in figures.items()
    }
    out += ["", _BLOCK_START, json.dumps(payload, indent=1, sort_keys=True), _BLOCK_END, ""]
    return "\n".join(out)


def figures_from_markdown(text: str) -> dict[str, dict[str, Any]]:
    """The figures embedded in a RESULTS.md (empty when there is no block)."""
    start = text.rfind(_BLOCK_START)
    if start < 0:
        return {}
    end = text.find(_BLOCK_END, start)
    try:
        data = json.loads(text[start + len(_BLOCK_START) : end])
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _load_results() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for path in sorted(RESULTS_DIR.glob("*.json")):
        if path.name in (SUMMARY.name, SUMMARY_PREVIOUS.name, RUN_LOG.name):
            continue
        try:
            results[path.stem] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            print(f"skipping unreadable {path.name}: {exc}", file=sys.stderr)
    return results


def main() -> None:
    """Read the results, compare with the previous RESULTS.md, write RESULTS.md and summary.json."""
    results = _load_results()
    run_log = json.loads(RUN_LOG.read_text(encoding="utf-8")) if RUN_LOG.exists() else {}
    previous = figures_from_markdown(RESULTS_MD.read_text(encoding="utf-8")) if RESULTS_MD.exists() else {}
    if not previous and SUMMARY.exists():
        previous = json.loads(SUMMARY.read_text(encoding="utf-8"))
    figures = collect(results, failed_sources(run_log))
    regressions = find_regressions(previous, figures)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    if previous:
        SUMMARY_PREVIOUS.write_text(json.dumps(previous, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    SUMMARY.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    RESULTS_MD.write_text(render(figures, regressions, results, run_log, bool(previous)), encoding="utf-8")
    for figure in figures.values():
        print(f"{figure['label']:<75} {_fmt(figure['value']):>14} {figure['unit']:<7} {figure['mark']}")
    for r in regressions:
        print(f"REGRESSION {r.key}: {_fmt(r.previous)} → {_fmt(r.current)} ({r.worse_by:.0%} worse)")
    print(f"wrote {RESULTS_MD}")


if __name__ == "__main__":
    main()
