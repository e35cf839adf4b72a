"""The benchmark summary's regression check: a figure more than 20 % worse than the previous run is
flagged, direction-aware (latency up is worse, throughput down is worse). Pure logic, no timing."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SUMMARIZE = Path(__file__).resolve().parents[1] / "benchmarks" / "summarize.py"


@pytest.fixture(scope="module")
def summarize() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmarks_summarize", SUMMARIZE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve their module by name
    spec.loader.exec_module(module)
    return module


def latency(value: float) -> dict[str, object]:
    return {"value": value, "better": "lower"}


def throughput(value: float) -> dict[str, object]:
    return {"value": value, "better": "higher"}


def test_a_latency_25_percent_higher_is_flagged(summarize: ModuleType) -> None:
    found = summarize.find_regressions({"p99_us": latency(100.0)}, {"p99_us": latency(125.0)})
    assert [r.key for r in found] == ["p99_us"]
    assert found[0].worse_by == pytest.approx(0.25)


def test_a_throughput_25_percent_lower_is_flagged(summarize: ModuleType) -> None:
    found = summarize.find_regressions({"rows_per_s": throughput(1000.0)}, {"rows_per_s": throughput(750.0)})
    assert [r.key for r in found] == ["rows_per_s"]
    assert found[0].worse_by == pytest.approx(0.25)


def test_a_10_percent_change_for_the_worse_is_ignored(summarize: ModuleType) -> None:
    previous = {"p99_us": latency(100.0), "rows_per_s": throughput(1000.0)}
    current = {"p99_us": latency(110.0), "rows_per_s": throughput(900.0)}
    assert summarize.find_regressions(previous, current) == []


def test_getting_better_by_a_lot_is_never_a_regression(summarize: ModuleType) -> None:
    previous = {"p99_us": latency(100.0), "rows_per_s": throughput(1000.0)}
    current = {"p99_us": latency(40.0), "rows_per_s": throughput(5000.0)}
    assert summarize.find_regressions(previous, current) == []


def test_the_direction_decides_what_worse_means(summarize: ModuleType) -> None:
    previous = {"up_is_bad": latency(100.0), "down_is_bad": throughput(100.0)}
    current = {"up_is_bad": latency(130.0), "down_is_bad": throughput(130.0)}
    assert [r.key for r in summarize.find_regressions(previous, current)] == ["up_is_bad"]


def test_figures_missing_on_either_side_are_skipped(summarize: ModuleType) -> None:
    previous = {"gone": latency(1.0), "was_missing": {"value": None, "better": "lower"}}
    current = {"new": latency(9.0), "was_missing": latency(9.0)}
    assert summarize.find_regressions(previous, current) == []


def test_the_figures_embedded_in_results_md_round_trip(summarize: ModuleType) -> None:
    figures = summarize.collect({})
    text = summarize.render(figures, [], {}, {}, had_previous=False)
    restored = summarize.figures_from_markdown(text)
    assert set(restored) == set(figures)
    assert all(f["mark"] == "missing" for f in restored.values())


def test_a_figure_whose_script_failed_this_run_is_not_reported(summarize: ModuleType) -> None:
    results = {"recovery": {"recovery_s_median": 0.2, "recovered_state_correct": True}}
    run_log = {"steps": [{"script": "bench_recovery.py", "exit": 1, "seconds": 3.0}]}
    figures = summarize.collect(results, summarize.failed_sources(run_log))
    assert figures["recovery_s"]["mark"] == "failed" and figures["recovery_s"]["value"] is None
