"""`scalp sweep`: walk-forward parameter sweeps on a local Ray with 2 workers, on the real recordings.

One small sweep (BTCUSDT, four minutes, 2 × 2 grid, 2 folds) is run interrupted and then resumed;
the tests read its outcome. Separately, a sweep whose workers are killed once (os._exit) completes.
Schema and ranking rules are checked without Ray.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scalp_system.research import SweepError, SweepOutcome, load_sweep, run_sweep, sweep_from_mapping
from scalp_system.research.data import cut, window, window_bounds
from scalp_system.research.faults import ExecutionLog, ExitOnceFault, Hooks, read_executions
from scalp_system.research.journal import Journal
from scalp_system.research.plan import plan_sweep
from scalp_system.research.space import configurations
from scalp_system.research.table import summarise

GRID = {"strategy.entry_probability": [0.45, 0.55], "exchange.commission_rate": ["0", "0.0005"]}
SAME_SWEEP_TOML = """
[sweep]
name = "test"
data = "object_store"
[base.ml]
gbm_iterations = 10
walk_forward_folds = 2
calibration_window = 200
[base.risk]
atr_bar_s = 5
[parameters]
"strategy.entry_probability" = [0.45, 0.55]
"exchange.commission_rate" = ["0", "0.0005"]
[[instruments]]
ticker = "BTCUSDT"
books = "{data}/usdm_btcusdt_20240808_depth20.csv.gz"
trades = "{data}/usdm_btcusdt_20240808_trades.csv.gz"
tick = "0.1"
lot = "0.001"
currency = "usdt"
[[periods]]
name = "first 4 min"
from = "2024-08-08T23:54:15Z"
to = "2024-08-08T23:58:15Z"
[walk_forward]
folds = 2
"""  # the TOML form of sweep_mapping(shared_data, GRID, data="object_store")


def sweep_mapping(
    recordings: Path, parameters: dict[str, Any], folds: int = 2, **settings: Any
) -> dict[str, Any]:
    """A sweep over the first four minutes of the BTCUSDT recording, quick model settings."""
    return {
        "sweep": {"name": "test", **settings},
        "base": {
            "ml": {"gbm_iterations": 10, "walk_forward_folds": 2, "calibration_window": 200},
            "risk": {"atr_bar_s": 5},
        },
        "parameters": parameters,
        "instruments": [
            {
                "ticker": "BTCUSDT",
                "books": str(recordings / "usdm_btcusdt_20240808_depth20.csv.gz"),
                "trades": str(recordings / "usdm_btcusdt_20240808_trades.csv.gz"),
                "tick": "0.1",
                "lot": "0.001",
                "currency": "usdt",
            }
        ],
        "periods": [{"name": "first 4 min", "from": "2024-08-08T23:54:15Z", "to": "2024-08-08T23:58:15Z"}],
        "walk_forward": {"folds": folds},
    }


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    """One local Ray with 2 worker CPUs for the whole module (run_sweep joins it, never stops it)."""
    ray = pytest.importorskip("ray", reason="the research extra (ray) is not installed")
    import os

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
    yield
    ray.shutdown()


@pytest.fixture(scope="module")
def resumed(local_ray: None, shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The small sweep stopped after 3 tasks, then resumed in the same folder (object-store data)."""
    work = tmp_path_factory.mktemp("sweep")
    spec = sweep_from_mapping(sweep_mapping(shared_data, GRID, data="object_store"), "test-sweep.toml")
    log = ExecutionLog(work / "executions.log")
    first = run_sweep(spec, work / "out", stop_after=3, hook=log)
    second = run_sweep(spec, work / "out", hook=log)
    return {"first": first, "second": second, "log": work / "executions.log", "out": work / "out"}


# -- the resumed sweep ---------------------------------------------------------------------------------
def test_an_interrupted_sweep_stops_with_only_some_tasks_finished(resumed: dict[str, Any]) -> None:
    first: SweepOutcome = resumed["first"]
    assert first.interrupted
    assert len(first.executed) == 3
    assert not first.complete


def test_a_resumed_sweep_runs_only_the_unfinished_tasks(resumed: dict[str, Any]) -> None:
    first: SweepOutcome = resumed["first"]
    second: SweepOutcome = resumed["second"]
    assert set(second.reused) == set(first.executed)
    assert not set(second.executed) & set(first.executed)
    assert set(second.executed) | set(first.executed) == {t.task_id for t in second.plan.tasks}
    assert second.complete


def test_no_task_finished_before_the_interruption_ran_again(resumed: dict[str, Any]) -> None:
    evaluations = [job for kind, job in read_executions(resumed["log"]) if kind == "evaluate"]
    for task_id in resumed["first"].executed:
        assert evaluations.count(task_id) == 1
    assert set(resumed["second"].executed) <= set(evaluations)


def test_the_journal_holds_one_successful_line_per_task(resumed: dict[str, Any]) -> None:
    lines = (resumed["out"] / "tasks.jsonl").read_text().splitlines()
    ok = [json.loads(line)["task_id"] for line in lines if json.loads(line)["status"] == "ok"]
    assert sorted(ok) == sorted({t.task_id for t in resumed["second"].plan.tasks})


def test_configurations_with_equal_model_settings_share_one_training_per_fold(
    resumed: dict[str, Any],
) -> None:
    plan = resumed["second"].plan
    assert len(plan.points) == 4 and len(plan.tasks) == 8
    assert len(plan.train_jobs) == 2
    assert len(list((resumed["out"] / "models").glob("*.tar.gz"))) == 2


def test_the_ranking_orders_configurations_by_out_of_sample_net_pnl(resumed: dict[str, Any]) -> None:
    rows = resumed["second"].table.rows
    pnl = [row.oos.net_pnl for row in rows if row.oos is not None]
    assert len(pnl) == 4
    assert pnl == sorted(pnl, reverse=True)
    assert [row.rank for row in rows] == sorted(row.rank for row in rows if row.rank is not None)


def test_every_configuration_has_in_sample_beside_out_of_sample_and_fold_stability(
    resumed: dict[str, Any],
) -> None:
    for row in resumed["second"].table.rows:
        assert row.is_ is not None and row.oos is not None
        assert row.tasks_ok == row.tasks == 2
        assert row.oos.pnl_std is not None and row.oos.pnl_min is not None
        assert row.oos.pnl_min <= row.oos.net_pnl / 2


def test_commission_changes_the_result_on_the_real_recording(resumed: dict[str, Any]) -> None:
    by_commission: dict[str, list[Decimal]] = {}
    for row in resumed["second"].table.rows:
        assert row.oos is not None
        by_commission.setdefault(str(row.params["exchange.commission_rate"]), []).append(row.oos.net_pnl)
    assert max(by_commission["0.0005"]) < max(by_commission["0"])


def test_results_are_written_as_parquet_and_csv_with_exact_money(resumed: dict[str, Any]) -> None:
    import pyarrow.parquet as pq

    table = pq.read_table(resumed["out"] / "results.parquet")
    assert table.num_rows == 4
    for column in ("rank", "oos_net_pnl", "oos_sharpe_trips", "oos_max_drawdown", "oos_trades", "is_net_pnl"):
        assert column in table.column_names
    assert str(table.schema.field("oos_net_pnl").type) == "decimal128(38, 12)"
    with (resumed["out"] / "results.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert [row["config_id"] for row in rows] == table.column("config_id").to_pylist()
    Decimal(rows[0]["oos_net_pnl"])


def test_the_report_is_one_offline_page_with_ranking_and_chart(
    resumed: dict[str, Any], artifacts_dir: Path
) -> None:
    html = (resumed["out"] / "report.html").read_text()
    (artifacts_dir / "sweep_report.html").write_text(html)  # for a person to look at
    assert "<svg" in html and "Ranking by out-of-sample net PnL" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in html
    for row in resumed["second"].table.rows:
        assert row.config_id in html


def test_the_cli_reruns_a_finished_sweep_without_running_anything(
    resumed: dict[str, Any], tmp_path: Path, shared_data: Path
) -> None:
    from scalp_system.cli import app

    sweep_file = tmp_path / "sweep.toml"
    sweep_file.write_text(SAME_SWEEP_TOML.format(data=shared_data))
    result = CliRunner().invoke(app, ["sweep", "--config", str(sweep_file), "--out", str(resumed["out"])])
    assert result.exit_code == 0, result.output
    assert "0 task(s) run, 8 reused, 0 failed" in result.output


def test_the_cli_exits_2_naming_the_key_of_a_bad_sweep_file(tmp_path: Path) -> None:
    from scalp_system.cli import app

    bad = tmp_path / "bad.toml"
    bad.write_text('[parameters]\n"risk.k_stopp" = [1]\n[[instruments]]\nticker = "SBER"\ndb = "x.db"\n')
    result = CliRunner().invoke(app, ["sweep", "--config", str(bad), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "bad.toml" in result.output and "risk.k_stopp: unknown config key" in result.output


# -- a killed worker -----------------------------------------------------------------------------------
def test_workers_killed_mid_training_and_mid_evaluation_are_retried_and_the_sweep_completes(
    local_ray: None, shared_data: Path, tmp_path: Path
) -> None:
    spec = sweep_from_mapping(sweep_mapping(shared_data, {}, folds=1, max_retries=2), "kill.toml")
    faults = Hooks(
        (ExitOnceFault(tmp_path / "train-fault", kind="train"), ExitOnceFault(tmp_path / "eval-fault"))
    )
    outcome = run_sweep(spec, tmp_path / "out", hook=faults)
    assert (tmp_path / "train-fault" / "fired").exists()
    assert (tmp_path / "eval-fault" / "fired").exists()
    assert outcome.complete and len(outcome.executed) == 1


# -- without Ray: schema, plan, ranking rules -------------------------------------------------------------
def test_an_unknown_parameter_key_is_refused_naming_the_key_and_the_file(shared_data: Path) -> None:
    with pytest.raises(SweepError, match=r"in bad\.toml: .*risk\.k_stopp: unknown config key"):
        sweep_from_mapping(sweep_mapping(shared_data, {"risk.k_stopp": [1]}), "bad.toml")


def test_a_parameter_value_out_of_range_is_refused_naming_the_key(shared_data: Path) -> None:
    spec = sweep_from_mapping(sweep_mapping(shared_data, {"risk.k_stop": [1.5, -1]}), "bad.toml")
    with pytest.raises(SweepError, match=r"bad\.toml.*risk\.k_stop = -1 — input should be greater than 0"):
        configurations(spec)


def test_a_csv_instrument_without_tick_is_refused(shared_data: Path) -> None:
    mapping = sweep_mapping(shared_data, {})
    del mapping["instruments"][0]["tick"]
    with pytest.raises(SweepError, match=r"instruments\.0 — .*needs tick and lot"):
        sweep_from_mapping(mapping, "bad.toml")


def test_an_unknown_sweep_setting_is_refused(shared_data: Path) -> None:
    mapping = sweep_mapping(shared_data, {}, workerz=3)
    with pytest.raises(SweepError, match=r"sweep\.workerz: unknown key"):
        sweep_from_mapping(mapping, "bad.toml")


def test_a_grid_over_a_range_expands_inclusively_without_float_drift(shared_data: Path) -> None:
    spec = sweep_from_mapping(
        sweep_mapping(shared_data, {"risk.k_stop": {"low": 1.0, "high": 1.3, "step": 0.1}})
    )
    assert [p.params["risk.k_stop"] for p in configurations(spec)] == [1.0, 1.1, 1.2, 1.3]


def test_random_search_draws_the_same_configurations_for_the_same_seed(shared_data: Path) -> None:
    params = {"risk.k_stop": {"low": 1.0, "high": 3.0}, "strategy.entry_probability": [0.5, 0.6]}
    mapping = sweep_mapping(shared_data, params, search="random", samples=5, seed=11)
    first = [p.params for p in configurations(sweep_from_mapping(mapping))]
    second = [p.params for p in configurations(sweep_from_mapping(mapping))]
    assert first == second and len(first) == 5
    assert all(1.0 <= float(p["risk.k_stop"]) <= 3.0 for p in first)


def test_the_example_sweep_file_is_valid() -> None:
    example = Path(__file__).resolve().parents[1] / "examples" / "sweep.toml"
    plan = plan_sweep(load_sweep(example))
    assert len(plan.points) == 8 and len(plan.tasks) == 8 * 2 * 2


def test_task_ids_change_when_a_result_determining_setting_changes(shared_data: Path) -> None:
    base = plan_sweep(sweep_from_mapping(sweep_mapping(shared_data, {})))
    slower = plan_sweep(sweep_from_mapping(sweep_mapping(shared_data, {}, order_latency_ms=20.0)))
    again = plan_sweep(sweep_from_mapping(sweep_mapping(shared_data, {})))
    assert [t.task_id for t in base.tasks] == [t.task_id for t in again.tasks]
    assert not {t.task_id for t in base.tasks} & {t.task_id for t in slower.tasks}
    assert set(base.train_jobs) == set(slower.train_jobs)


def test_the_test_window_starts_a_purge_gap_after_the_training_window(shared_data: Path) -> None:
    from scalp_system.research.data import load_group

    spec = sweep_from_mapping(sweep_mapping(shared_data, {}))
    task = plan_sweep(spec).tasks[0]
    recordings = load_group(task.data, task.config).recordings
    bounds = window_bounds(recordings, 3)
    train = window(recordings, bounds, 0, 0)[0]
    test = window(recordings, bounds, 1, 1, purge=20)[0]
    unpurged = cut(recordings[0], bounds[1], bounds[2])
    assert train.books.exchange_ts_ns[-1] < bounds[1] <= unpurged.books.exchange_ts_ns[0]
    assert test.books.exchange_ts_ns[0] == unpurged.books.exchange_ts_ns[20]
    assert test.trades.exchange_ts_ns[0] >= test.books.exchange_ts_ns[0]


def test_a_ticker_in_a_store_is_read_within_the_period(shared_data: Path, tmp_path: Path) -> None:
    from scalp_system.commands.research import import_csv, instrument_from_flags
    from scalp_system.config import Config
    from scalp_system.research.data import load_group

    eth = instrument_from_flags("ETHUSDT", "0.01", "0.001", "usdt")
    books, trades = (
        shared_data / "usdm_ethusdt_20240808_depth20.csv.gz",
        shared_data / "usdm_ethusdt_20240808_trades.csv.gz",
    )
    import_csv(tmp_path / "store.db", books, trades, eth, Config())
    period = {"from": "2024-08-08T23:55:00Z", "to": "2024-08-08T23:57:00Z"}
    spec = sweep_from_mapping(
        {"instruments": [{"ticker": "ETHUSDT", "db": str(tmp_path / "store.db")}], "periods": [period]}
    )
    task = plan_sweep(spec).tasks[0]
    (recording,) = load_group(task.data, task.config).recordings
    start, end = spec.periods[0].start_ns, spec.periods[0].end_ns
    assert start is not None and end is not None
    assert start <= recording.books.exchange_ts_ns[0] and recording.books.exchange_ts_ns[-1] < end
    assert recording.instrument.ticker == "ETHUSDT" and len(recording.trades) > 0


def test_configurations_whose_in_and_out_of_sample_ranks_swap_are_flagged(shared_data: Path) -> None:
    spec = sweep_from_mapping(sweep_mapping(shared_data, {"risk.k_stop": [1, 2, 3]}, folds=1))
    plan = plan_sweep(spec)
    in_sample = {1: "3", 2: "2", 3: "1"}  # k_stop 1 best in sample …
    out_of_sample = {1: "-1", 2: "0", 3: "1"}  # … and worst out of sample
    rows = {}
    for task in plan.tasks:
        k = int(task.params["risk.k_stop"])
        rows[task.task_id] = {
            "task_id": task.task_id,
            "status": "ok",
            "is": _metrics(in_sample[k]),
            "oos": _metrics(out_of_sample[k]),
        }
    table = summarise(plan, rows, overfit_rank_gap=0.5)
    flagged = {int(r.params["risk.k_stop"]) for r in table.rows if r.overfit}
    assert flagged == {1, 3}
    assert table.spearman_is_oos == pytest.approx(-1.0)
    assert {int(r.params["risk.k_stop"]) for r in table.rows if r.sign_flip} == {1, 2}


def test_a_torn_last_journal_line_is_skipped(tmp_path: Path) -> None:
    journal = Journal(tmp_path)
    journal.append({"task_id": "a", "status": "ok"})
    with journal.results_path.open("ab") as handle:
        handle.write(b'{"task_id": "b", "status": "o')
    assert journal.finished() == {"a"}


def _metrics(net_pnl: str) -> dict[str, Any]:
    return {
        "net_pnl": net_pnl,
        "gross_pnl": net_pnl,
        "commission": "0",
        "max_drawdown": "0",
        "trades": 0,
        "orders": 0,
        "fills": 0,
        "trip_pnl_sum": 0.0,
        "trip_pnl_sumsq": 0.0,
        "sharpe_trips": None,
        "sharpe_equity": None,
        "books": 1,
        "start_ns": 0,
        "end_ns": 1,
        "elapsed_s": 0.0,
    }
